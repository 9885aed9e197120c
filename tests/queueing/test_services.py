"""The queue's service functions: call policy, desk rules, fairness log, events, estimates, day change."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.db.models import Case, Value, When
from django.utils import timezone

from queueing import selectors, services
from queueing.errors import DeskBusy, DeskClosed, DeskPaused, InvalidTransition, NotFound, ReasonRequired, UnknownReason
from queueing.models import BusinessType, Desk, DeskBusinessType, Event, Reason, Site, Ticket
from tests.conftest import make_desk

Issue = Callable[..., Ticket]


def kinds(ticket: Ticket) -> list[str]:
    return list(ticket.events.order_by("id").values_list("kind", flat=True))


# --- Call policy ----------------------------------------------------------------


def test_call_next_takes_the_oldest_waiting_ticket(desk: Desk, issue: Issue, by_officer: services.Actor) -> None:
    first, second = issue("A"), issue("B")
    assert services.call_next(desk=desk, actor=by_officer) == first
    assert services.call_next(desk=desk, actor=by_officer) == second


def test_priority_tickets_are_called_first(desk: Desk, issue: Issue, by_officer: services.Actor) -> None:
    plain = issue("A")
    elderly = issue("B", priority=True, priority_kind="elderly")
    assert services.call_next(desk=desk, actor=by_officer) == elderly
    assert services.call_next(desk=desk, actor=by_officer) == plain
    elderly.refresh_from_db()
    assert elderly.priority_source == Ticket.PrioritySource.SELF_DECLARED
    assert elderly.priority_kind == "elderly"


def test_desk_business_type_order_only_breaks_ties(
    site: Site, desk2: Desk, issue: Issue, by_officer: services.Actor
) -> None:
    # desk2 handles B before A; with the same issue time B wins, otherwise the older one does.
    now = timezone.now()
    a_old = issue("A", now=now - dt.timedelta(minutes=1))
    a_tie, b_tie = issue("A", now=now), issue("B", now=now)
    assert services.call_next(desk=desk2, actor=by_officer) == a_old
    assert services.call_next(desk=desk2, actor=by_officer) == b_tie
    assert services.call_next(desk=desk2, actor=by_officer) == a_tie


def test_desk_only_calls_the_business_types_it_handles(
    site: Site, types: Any, issue: Issue, by_officer: services.Actor
) -> None:
    desk_b = make_desk(site, 7, "B")
    issue("A")
    b = issue("B")
    assert services.call_next(desk=desk_b, actor=by_officer) == b
    assert services.call_next(desk=desk_b, actor=by_officer) is None


def test_call_next_on_an_empty_queue_returns_none_and_records_nothing(desk: Desk, by_officer: services.Actor) -> None:
    before = Event.objects.count()
    assert services.call_next(desk=desk, actor=by_officer) is None
    assert Event.objects.count() == before


def test_call_next_finishes_the_served_ticket_as_done(desk: Desk, issue: Issue, by_officer: services.Actor) -> None:
    first, second = issue("A"), issue("A")
    services.call_next(desk=desk, actor=by_officer)
    services.start(desk=desk, actor=by_officer)
    assert services.call_next(desk=desk, actor=by_officer) == second
    first.refresh_from_db()
    assert first.status == Ticket.Status.DONE
    assert kinds(first) == ["ticket.issued", "ticket.called", "ticket.started", "ticket.completed"]


def test_call_next_finishes_a_called_ticket_as_no_show(desk: Desk, issue: Issue, by_officer: services.Actor) -> None:
    first, _second = issue("A"), issue("A")
    services.call_next(desk=desk, actor=by_officer)
    services.call_next(desk=desk, actor=by_officer)
    first.refresh_from_db()
    assert first.status == Ticket.Status.NO_SHOW
    assert first.finished_at is not None


def test_called_ticket_records_desk_officer_and_time(desk: Desk, issue: Issue, by_officer: services.Actor) -> None:
    ticket = issue("A")
    services.call_next(desk=desk, actor=by_officer)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CALLED
    assert ticket.desk == desk
    assert ticket.officer == by_officer.user
    assert ticket.called_at is not None
    event = ticket.events.get(kind=Event.Kind.TICKET_CALLED)
    assert (event.desk, event.user, event.actor_kind, event.address) == (desk, by_officer.user, "officer", "10.0.0.21")


def test_two_desks_never_hold_the_same_ticket(
    desk: Desk, desk2: Desk, issue: Issue, by_officer: services.Actor
) -> None:
    issue("A")
    assert services.call_next(desk=desk, actor=by_officer) is not None
    assert services.call_next(desk=desk2, actor=by_officer) is None


# --- Recall, no-show, requeue ---------------------------------------------------


def test_recall_counts_up_to_the_limit_then_makes_a_no_show(
    site: Site, desk: Desk, issue: Issue, by_officer: services.Actor
) -> None:
    site.recall_limit = 2
    site.save()
    ticket = issue("A")
    services.call_next(desk=desk, actor=by_officer)
    assert services.recall(desk=desk, actor=by_officer).recalls == 1
    assert services.recall(desk=desk, actor=by_officer).recalls == 2
    assert services.recall(desk=desk, actor=by_officer) is None
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NO_SHOW
    assert kinds(ticket)[-3:] == ["ticket.recalled", "ticket.recalled", "ticket.no_show"]


def test_requeued_no_show_goes_back_to_its_place_with_its_reason(
    desk: Desk, reason: Reason, issue: Issue, by_officer: services.Actor
) -> None:
    late, later = issue("A"), issue("A")
    services.call_next(desk=desk, actor=by_officer)
    services.no_show(desk=desk, actor=by_officer)
    services.requeue(desk=desk, number=late.number, reason_code="returned", note="came back", actor=by_officer)
    late.refresh_from_db()
    assert late.status == Ticket.Status.WAITING
    event = late.events.get(kind=Event.Kind.TICKET_REQUEUED)
    assert (event.reason, event.reason_text, event.note) == (reason, "过号后返回", "came back")
    assert services.call_next(desk=desk, actor=by_officer) == late
    assert services.call_next(desk=desk, actor=by_officer) == later


@pytest.mark.parametrize("seed", range(6))
def test_the_next_ticket_from_the_heads_equals_the_whole_queue_sorted(
    site: Site, types: dict[str, BusinessType], desk: Desk, seed: int
) -> None:
    # Random queues: priority and transferred tickets, equal times, types in the desk's own order.
    rng = random.Random(seed)
    now = timezone.now()
    desk_types = ["C", "A", "B"]
    DeskBusinessType.objects.filter(desk=desk).delete()
    for position, prefix in enumerate(desk_types):
        DeskBusinessType.objects.create(desk=desk, business_type=types[prefix], position=position)
    for n in range(40):
        ticket = services.issue_ticket(
            site=site, prefix=rng.choice("ABC"), actor=services.Actor.system(), priority=rng.random() < 0.2, now=now
        ).ticket
        # Some checked-in appointments: their slot started (called before walk-ins) or not yet.
        booked = rng.choice([None, None, now - dt.timedelta(minutes=5), now + dt.timedelta(minutes=20)])
        Ticket.objects.filter(pk=ticket.pk).update(
            transferred=rng.random() < 0.15,
            queued_at=now + dt.timedelta(seconds=rng.choice([0, 1, 2, n])),
            appointment_start=booked,
        )
    handled = [types[prefix].pk for prefix in desk_types]
    for _ in range(12):
        type_order = Case(*(When(business_type_id=pk, then=Value(i)) for i, pk in enumerate(handled)))
        expected = (
            selectors.waiting_tickets(site=site, day=site.service_day(now))
            .filter(business_type_id__in=handled)
            .order_by(*selectors.queue_order(now)[:-1], type_order, "pk")
            .first()
        )
        called = services.call_next(desk=desk, actor=services.Actor.system(), now=now)
        assert called is not None and expected is not None
        assert called.number == expected.number


def test_a_stale_head_falls_back_to_the_whole_queue(desk: Desk, issue: Issue, by_officer: services.Actor) -> None:
    # The head read a moment ago is no longer waiting by the time it is locked: the queue is sorted whole.
    gone = issue("A")
    issue("B")
    Ticket.objects.filter(pk=gone.pk).update(status=Ticket.Status.CANCELLED)
    with mock.patch.object(selectors, "queue_heads", return_value=[gone]):
        called = services.call_next(desk=desk, actor=by_officer)
    assert called is not None and called.number == "B001"


@pytest.mark.parametrize(
    ("code", "refusal", "error"),
    [
        (None, ReasonRequired, "reason_required"),
        ("", ReasonRequired, "reason_required"),
        ("made-up", UnknownReason, "reason_required"),
    ],
)
def test_out_of_order_actions_need_a_reason_from_the_sites_list(
    code: str | None,
    refusal: type[Exception],
    error: str,
    desk: Desk,
    reason: Reason,
    issue: Issue,
    by_officer: services.Actor,
) -> None:
    ticket = issue("A")
    with pytest.raises(refusal) as refused:
        services.call_number(desk=desk, number=ticket.number, reason_code=code, actor=by_officer)
    assert getattr(refused.value, "code", None) == error
    with pytest.raises(refusal):
        services.pause_desk(desk=desk, reason_code=code, actor=by_officer)
    with pytest.raises(refusal):
        services.set_priority(desk=desk, number=ticket.number, reason_code=code, actor=by_officer)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING and not ticket.priority


def test_inactive_reason_is_refused(desk: Desk, reason: Reason, issue: Issue, by_officer: services.Actor) -> None:
    Reason.objects.filter(pk=reason.pk).update(active=False)
    with pytest.raises(UnknownReason):
        services.call_number(desk=desk, number=issue("A").number, reason_code="returned", actor=by_officer)


def test_call_number_jumps_the_queue_and_is_logged_as_out_of_order(
    desk: Desk, reason: Reason, issue: Issue, by_officer: services.Actor
) -> None:
    issue("A")
    wanted = issue("C")
    assert services.call_number(desk=desk, number="c001", reason_code="returned", actor=by_officer) == wanted
    event = wanted.events.get(kind=Event.Kind.TICKET_CALLED)
    assert event.data == {"out_of_order": True}
    assert event.reason == reason


def test_call_number_of_an_unknown_ticket_is_not_found(desk: Desk, reason: Reason, by_officer: services.Actor) -> None:
    with pytest.raises(NotFound):
        services.call_number(desk=desk, number="A999", reason_code="returned", actor=by_officer)


def test_staff_priority_is_recorded_with_its_reason(
    desk: Desk, reason: Reason, issue: Issue, by_officer: services.Actor
) -> None:
    first, second = issue("A"), issue("A")
    services.set_priority(desk=desk, number=second.number, reason_code="returned", actor=by_officer)
    second.refresh_from_db()
    assert (second.priority, second.priority_source) == (True, Ticket.PrioritySource.STAFF)
    assert second.events.get(kind=Event.Kind.TICKET_PRIORITISED).reason == reason
    assert services.call_next(desk=desk, actor=by_officer) == second
    services.set_priority(desk=desk, number=first.number, reason_code="returned", actor=by_officer)
    with pytest.raises(InvalidTransition):
        services.set_priority(desk=desk, number=first.number, reason_code="returned", actor=by_officer)


# --- Transfer -----------------------------------------------------------------------


def test_transfer_keeps_the_number_and_goes_behind_priority_ahead_of_plain(
    site: Site, desk: Desk, reason: Reason, issue: Issue, by_officer: services.Actor
) -> None:
    moving = issue("A")
    plain_b = issue("B")
    priority_b = issue("B", priority=True)
    services.call_next(desk=desk, actor=by_officer)  # priority B first
    services.call_next(desk=desk, actor=by_officer)  # then A (older than plain B)
    services.start(desk=desk, actor=by_officer)
    moved = services.transfer(desk=desk, prefix="B", reason_code="returned", actor=by_officer)
    assert moved == moving
    moving.refresh_from_db()
    assert (moving.number, moving.business_type.prefix, moving.status) == ("A001", "B", "waiting")
    assert moving.events.get(kind=Event.Kind.TICKET_TRANSFERRED).data == {"from": "A", "to": "B"}
    assert selectors.ahead_of(moving) == 0
    assert selectors.ahead_of(Ticket.objects.get(pk=plain_b.pk)) == 1
    another_priority = issue("B", priority=True)
    b_desk = make_desk(site, 9, "B")
    called = [services.call_next(desk=b_desk, actor=by_officer) for _ in range(3)]
    assert called == [another_priority, moving, plain_b]
    assert priority_b.pk not in [t.pk for t in called]


def test_transfer_to_the_same_or_an_unknown_type_is_refused(
    desk: Desk, reason: Reason, issue: Issue, by_officer: services.Actor
) -> None:
    issue("A")
    services.call_next(desk=desk, actor=by_officer)
    services.start(desk=desk, actor=by_officer)
    with pytest.raises(NotFound):
        services.transfer(desk=desk, prefix="Q", reason_code="returned", actor=by_officer)
    with pytest.raises(services.InvalidRequest):
        services.transfer(desk=desk, prefix="A", reason_code="returned", actor=by_officer)
    assert selectors.active_ticket(desk).status == Ticket.Status.SERVING


# --- Desk state -----------------------------------------------------------------------


def test_paused_and_closed_desks_do_not_call(
    desk: Desk, reason: Reason, issue: Issue, by_officer: services.Actor
) -> None:
    issue("A")
    services.pause_desk(desk=desk, reason_code="break", actor=by_officer)
    with pytest.raises(DeskPaused):
        services.call_next(desk=desk, actor=by_officer)
    services.resume_desk(desk=desk, actor=by_officer)
    services.close_desk(desk=desk, actor=by_officer)
    with pytest.raises(DeskClosed) as refused:
        services.call_next(desk=desk, actor=by_officer)
    assert refused.value.status == 409
    desk.refresh_from_db()
    assert (desk.state, desk.officer) == (Desk.State.CLOSED, None)
    services.open_desk(desk=desk, actor=by_officer)
    desk.refresh_from_db()
    assert (desk.state, desk.officer) == (Desk.State.OPEN, by_officer.user)
    assert services.call_next(desk=desk, actor=by_officer) is not None


def test_a_desk_with_a_ticket_in_hand_cannot_pause_or_close(
    desk: Desk, reason: Reason, issue: Issue, by_officer: services.Actor
) -> None:
    issue("A")
    services.call_next(desk=desk, actor=by_officer)
    with pytest.raises(DeskBusy):
        services.pause_desk(desk=desk, reason_code="break", actor=by_officer)
    with pytest.raises(DeskBusy):
        services.close_desk(desk=desk, actor=by_officer)
    desk.refresh_from_db()
    assert desk.state == Desk.State.OPEN


def test_desk_state_changes_are_refused_from_the_wrong_state(desk: Desk, by_officer: services.Actor) -> None:
    with pytest.raises(InvalidTransition):
        services.resume_desk(desk=desk, actor=by_officer)
    with pytest.raises(InvalidTransition):
        services.open_desk(desk=desk, actor=by_officer)


def test_pause_is_recorded_with_reason_and_desk(desk: Desk, reason: Reason, by_officer: services.Actor) -> None:
    services.pause_desk(desk=desk, reason_code="break", note="lunch", actor=by_officer)
    event = Event.objects.filter(desk=desk).latest("id")
    assert (event.kind, event.reason_text, event.note, event.ticket) == ("desk.paused", "工间休息", "lunch", None)


# --- Events and the site version --------------------------------------------------------


def test_every_write_bumps_the_site_version_once(
    site: Site, desk: Desk, issue: Issue, by_officer: services.Actor
) -> None:
    site.refresh_from_db()
    start_version = site.version
    issue("A")
    services.call_next(desk=desk, actor=by_officer)
    services.start(desk=desk, actor=by_officer)
    site.refresh_from_db()
    versions = list(Event.objects.filter(site=site).order_by("id").values_list("version", flat=True))
    assert site.version == start_version + 3
    assert versions[-3:] == [start_version + 1, start_version + 2, start_version + 3]


def test_events_are_append_only(site: Site, issue: Issue) -> None:
    event = issue("A").events.get()
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


# --- Estimates ----------------------------------------------------------------------


def test_estimate_divides_people_ahead_by_open_desks(
    site: Site, types: dict[str, BusinessType], issue: Issue, desk: Desk, by_officer: services.Actor
) -> None:
    for _ in range(4):
        issue("A")  # 15 min each, one open desk handles A
    issued = services.issue_ticket(site=site, prefix="A", actor=by_officer)
    assert (issued.ahead, issued.estimated_wait_minutes) == (4, 60)
    make_desk(site, 5, "A")
    overview = {
        o.business_type.prefix: o for o in selectors.business_type_overview(site=site, day=issued.ticket.service_day)
    }
    assert (overview["A"].waiting, overview["A"].open_desks, overview["A"].estimated_wait_minutes) == (5, 2, 38)


def test_the_one_query_figures_equal_the_orms_counts(
    site: Site, types: dict[str, BusinessType], issue: Issue, desk: Desk, by_officer: services.Actor
) -> None:
    # Tickets in every state, priority ones, another day and another site; desks open, paused, closed.
    now = timezone.now()
    for prefix in "AABBBC":
        issue(prefix, now=now)
    issue("A", priority=True, now=now)
    issue("B", now=now - dt.timedelta(days=1))
    services.call_next(desk=desk, actor=by_officer, now=now)
    make_desk(site, 5, "AB")
    Desk.objects.filter(pk=make_desk(site, 6, "BC").pk).update(state=Desk.State.PAUSED)
    make_desk(site, 7, "C", open_it=False)
    other = Site.objects.create(slug="other", name="other", always_open=True)
    other_type = BusinessType.objects.create(site=other, prefix="A", name="A")
    services.issue_ticket(site=other, prefix="A", actor=by_officer, now=now)
    make_desk(other, 1, "A")
    BusinessType.objects.filter(pk=types["C"].pk).update(active=False)
    day = site.service_day(now)

    waiting = selectors.waiting_counts(site=site, day=day)
    desks = selectors.open_desk_counts(site=site)
    for include_inactive in (False, True):
        overview = selectors.business_type_overview(site=site, day=day, include_inactive=include_inactive)
        assert [o.business_type.prefix for o in overview] == (["A", "B", "C"] if include_inactive else ["A", "B"])
        for o in overview:
            assert (o.waiting, o.open_desks) == (waiting.get(o.business_type.pk, 0), desks.get(o.business_type.pk, 0))
            # The type itself, read in plain SQL, is the ORM's to the last column.
            orm = BusinessType.objects.get(pk=o.business_type.pk)
            assert [getattr(o.business_type, f.attname) for f in BusinessType._meta.concrete_fields] == [
                getattr(orm, f.attname) for f in BusinessType._meta.concrete_fields
            ]
    assert {o.business_type.prefix: (o.waiting, o.open_desks) for o in overview} == {
        "A": (2, 2),
        "B": (3, 2),
        "C": (1, 1),
    }
    for bt in types.values():
        queue = selectors.waiting_tickets(site=site, day=day).filter(business_type=bt)
        for priority in (False, True):
            figures = selectors.issue_figures(business_type=bt, day=day, priority=priority)
            last = Ticket.objects.filter(issued_business_type=bt, service_day=day).order_by("-sequence").first()
            assert figures.last_sequence == (last.sequence if last else 0)
            assert figures.ahead == (queue.filter(priority=True) if priority else queue).count()
            assert figures.open_desks == desks.get(bt.pk, 0)
    assert selectors.issue_figures(business_type=other_type, day=day, priority=False).ahead == 1


def test_handling_time_is_learned_from_finished_tickets(
    types: dict[str, BusinessType], desk: Desk, issue: Issue, by_officer: services.Actor
) -> None:
    now = timezone.now()
    issue("A", now=now)
    services.call_next(desk=desk, actor=by_officer, now=now)
    services.start(desk=desk, actor=by_officer, now=now)
    services.complete(desk=desk, actor=by_officer, now=now + dt.timedelta(minutes=25))
    types["A"].refresh_from_db()
    assert types["A"].avg_handling_minutes == pytest.approx(0.9 * 15 + 0.1 * 25)


# --- Day change -------------------------------------------------------------------------


def test_day_change_expires_yesterdays_unfinished_tickets(
    site: Site, desk: Desk, issue: Issue, by_officer: services.Actor
) -> None:
    today, tomorrow = timezone.now(), timezone.now() + dt.timedelta(days=1)
    a1, a2, b1 = issue("A", now=today), issue("A", now=today), issue("B", now=today)
    services.call_next(desk=desk, actor=by_officer, now=today)
    services.start(desk=desk, actor=by_officer, now=today)
    services.call_next(desk=desk, actor=by_officer, now=today)  # A001 done, A002 called, B001 waits
    # The first request of the new day expires what was left.
    today_ticket = issue("A", now=tomorrow)
    for ticket in (a1, a2, b1):
        ticket.refresh_from_db()
    assert [a1.status, a2.status, b1.status] == ["done", "expired", "expired"]
    assert a2.events.latest("id").actor_kind == Event.ActorKind.SYSTEM
    assert today_ticket.number == "A001"
    site.refresh_from_db()
    assert site.current_day == today_ticket.service_day
    assert services.roll_over_day(site=site, now=tomorrow) == 0
