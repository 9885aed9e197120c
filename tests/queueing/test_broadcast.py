"""The live messages written out by hand for speed equal the API's schemas they stand for."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from notices.models import ChecklistVersion
from queueing import broadcast, selectors, services
from queueing.models import Desk, Event, Site, Ticket
from queueing.schemas import waiting_out

Issue = Callable[..., Ticket]


def test_the_waiting_part_equals_the_snapshots_waiting(site: Site, desk: Desk, issue: Issue) -> None:
    issue("A")
    issue("B", priority=True)
    expected = [row.model_dump() for row in waiting_out(site, site.service_day(timezone.now()))]
    assert broadcast.waiting_part(site) == expected


def test_a_place_message_equals_the_tickets_full_message(
    site: Site, desk: Desk, issue: Issue, checklist: ChecklistVersion
) -> None:
    tickets = [issue("A"), issue("A", priority=True), issue("B")]
    now = timezone.now()
    overview = {o.business_type.pk: o for o in selectors.business_type_overview(site=site, day=site.service_day(now))}
    for type_id in {t.business_type_id for t in tickets}:
        for ahead, ticket in enumerate(broadcast._queue_head(site, site.service_day(now), type_id, now)):
            row = overview[type_id]
            estimate = selectors.estimate_minutes(
                ahead=ahead, avg_minutes=row.business_type.avg_handling_minutes, open_desks=row.open_desks
            )
            fast = broadcast.place_payload(
                ticket,
                site=site,
                ahead=ahead,
                estimate=estimate,
                business_type=row.business_type,
                checklist_number=vars(ticket)["checklist_number"],
                status_label=str(Ticket.Status.WAITING.label),
            )
            full = Ticket.objects.select_related("site", "business_type", "checklist_version").get(pk=ticket.pk)
            assert fast == broadcast.ticket_payload(full, ahead=ahead, estimate=estimate)
    # The queue's order is queue_order(): the priority ticket first.
    heads = broadcast._queue_head(site, site.service_day(now), tickets[0].business_type_id, now)
    assert [t.number for t in heads] == ["A002", "A001"]
    assert heads[0].checklist_number == checklist.number


def test_a_desks_message_built_from_its_events_equals_the_one_read_afresh(site: Site, desk: Desk, issue: Issue) -> None:
    issue("A")
    issue("A")
    services.call_next(desk=desk, actor=services.Actor.system())
    services.start(desk=desk, actor=services.Actor.system())
    called = services.call_next(desk=desk, actor=services.Actor.system())
    assert called is not None
    desk.refresh_from_db()
    assert broadcast.desk_state_payload(desk, called) == broadcast.desk_state_payload(desk)


def test_the_hand_is_known_from_calls_and_finishes_and_read_after_anything_else(site: Site, desk: Desk) -> None:
    kinds = Event.Kind
    called, requeued = Ticket(pk=1), Ticket(pk=2)

    def event(kind: str, ticket: Ticket | None) -> Event:
        return Event(site=site, desk=desk, ticket=ticket, kind=kind, version=1)

    # A requeue at the desk leaves its hand as the call left it.
    assert broadcast._tickets_in_hand([event(kinds.TICKET_CALLED, called), event(kinds.TICKET_REQUEUED, requeued)]) == {
        desk.pk: called
    }
    assert broadcast._tickets_in_hand([event(kinds.TICKET_CALLED, called), event(kinds.TICKET_NO_SHOW, called)]) == {
        desk.pk: None
    }
    # A day change (or another app's event) says nothing certain: the hand is read.
    assert broadcast._tickets_in_hand([event(kinds.TICKET_CALLED, called), event(kinds.TICKET_EXPIRED, called)]) == {}
