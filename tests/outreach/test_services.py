"""Request → triage → schedule → visit → outcome, each a service with its event; cases; anonymisation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from notices.models import ChecklistVersion
from outreach import selectors, services
from outreach.models import ANONYMISED, DocumentCase, OutreachEvent, OutreachSettings, VisitRequest
from queueing import services as queue
from queueing.errors import Forbidden, InvalidRequest, InvalidTransition, NotFound
from queueing.models import Desk, Site, SpecialDay, Ticket
from tests.conftest import make_staff
from tests.outreach.conftest import NAME, PERSONAL, PHONE

Submit = Callable[..., VisitRequest]


def kinds(request: VisitRequest) -> list[str]:
    return list(OutreachEvent.objects.filter(request=request).order_by("pk").values_list("kind", flat=True))


def test_a_request_is_stored_encrypted_and_recorded(submit: Submit) -> None:
    request = submit()
    assert request.status == "requested" and len(request.code) == 8
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone, village, address FROM outreach_visitrequest WHERE id = %s", [request.pk])
        raw = cursor.fetchone()
    for stored, plain in zip(raw, PERSONAL, strict=True):
        assert plain not in stored  # a Fernet token, not the text
    fresh = VisitRequest.objects.get(pk=request.pk)
    assert (fresh.name, fresh.phone) == (NAME, PHONE)
    assert kinds(request) == ["request.created"]


def test_a_request_needs_name_phone_and_address(submit: Submit) -> None:
    for field in ("name", "phone", "address"):
        with pytest.raises(InvalidRequest):
            submit(**{field: "  "})
    with pytest.raises(InvalidRequest):
        submit(reason="other", reason_note="")
    with pytest.raises(NotFound):
        submit(business_type="Z")
    assert VisitRequest.objects.count() == 0


def test_schedule_then_visit_done(
    submit: Submit, supervisor: User, officer: User, other_officer: User, site: Site
) -> None:
    request = submit()
    who = services.Who(user=supervisor)
    day = timezone.localdate() + dt.timedelta(days=1)
    services.schedule_visit(
        request=request, day=day, start=dt.time(9), end=dt.time(11), officers=[officer, other_officer], who=who
    )
    request.refresh_from_db()
    assert request.status == "scheduled" and request.visit_date == day and request.triaged_at is not None
    assert set(request.officers.all()) == {officer, other_officer}
    services.record_visit(request=request, outcome="done", who=services.Who(user=officer))
    request.refresh_from_db()
    assert request.status == "done" and request.closed_at is not None
    assert kinds(request) == ["request.created", "request.scheduled", "request.visited"]
    visited = OutreachEvent.objects.get(request=request, kind="request.visited")
    assert visited.user == officer and visited.data["outcome"] == "done"


def test_scheduling_refuses_bad_teams_and_windows(submit: Submit, supervisor: User, officer: User, site: Site) -> None:
    request = submit()
    who = services.Who(user=supervisor)
    day = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(InvalidRequest):
        services.schedule_visit(request=request, day=day, start=dt.time(9), end=dt.time(11), officers=[], who=who)
    with pytest.raises(InvalidRequest):
        services.schedule_visit(
            request=request, day=day, start=dt.time(11), end=dt.time(9), officers=[officer], who=who
        )
    stranger = make_staff("elsewhere", Site.objects.create(slug="far", name="远处"))
    with pytest.raises(Forbidden):
        services.schedule_visit(
            request=request, day=day, start=dt.time(9), end=dt.time(11), officers=[stranger], who=who
        )
    assert VisitRequest.objects.get(pk=request.pk).status == "requested"


def test_not_at_home_can_be_scheduled_again(submit: Submit, supervisor: User, officer: User) -> None:
    request = submit()
    day = timezone.localdate()
    who = services.Who(user=supervisor)
    services.schedule_visit(request=request, day=day, start=dt.time(9), end=dt.time(10), officers=[officer], who=who)
    services.record_visit(request=request, outcome="not_home", who=services.Who(user=officer))
    request.refresh_from_db()
    assert request.status == "not_home" and request.closed_at is None
    services.schedule_visit(request=request, day=day, start=dt.time(14), end=dt.time(15), officers=[officer], who=who)
    assert VisitRequest.objects.get(pk=request.pk).status == "scheduled"


def test_decline_gives_the_citizen_a_reason_and_closes(submit: Submit, supervisor: User) -> None:
    request = submit()
    reason = "可由亲属代办：带户口簿和委托书"
    services.decline_request(request=request, reason=reason, who=services.Who(user=supervisor))
    request.refresh_from_db()
    assert request.status == "declined" and "亲属" in request.decline_reason and request.closed_at is not None
    with pytest.raises(InvalidTransition):
        services.decline_request(request=request, reason="again", who=services.Who(user=supervisor))
    assert kinds(request) == ["request.created", "request.declined"]


def test_come_to_the_window_gives_a_priority_return_ticket(
    submit: Submit, supervisor: User, officer: User, checklist_b: ChecklistVersion, site: Site, desk: Desk
) -> None:
    request = submit()
    services.schedule_visit(
        request=request, day=timezone.localdate(), start=dt.time(9), end=dt.time(10), officers=[officer],
        who=services.Who(user=supervisor),
    )  # fmt: skip
    item = checklist_b.items.first()
    assert item is not None
    services.record_visit(request=request, outcome="window", missing_items=[item.pk], who=services.Who(user=officer))
    request.refresh_from_db()
    assert request.status == "window" and request.return_code and list(request.missing_items.all()) == [item]
    got = services.issue_for_code(site=site, code=request.return_code.lower(), actor=queue.Actor(kind="kiosk"))
    assert got.purpose == "return" and got.issued.ticket.priority and got.issued.ticket.business_type.prefix == "B"
    with pytest.raises(InvalidTransition):
        services.issue_for_code(site=site, code=request.return_code, actor=queue.Actor(kind="kiosk"))
    assert kinds(request)[-1] == "request.returned"


def test_the_window_outcome_needs_what_is_missing(
    submit: Submit, supervisor: User, officer: User, checklist_b: ChecklistVersion
) -> None:
    request = submit()
    services.schedule_visit(
        request=request, day=timezone.localdate(), start=dt.time(9), end=dt.time(10), officers=[officer],
        who=services.Who(user=supervisor),
    )  # fmt: skip
    with pytest.raises(InvalidRequest):
        services.record_visit(request=request, outcome="window", who=services.Who(user=officer))
    assert VisitRequest.objects.get(pk=request.pk).status == "scheduled"


def test_route_order(submit: Submit, supervisor: User, officer: User, site: Site) -> None:
    day = timezone.localdate() + dt.timedelta(days=2)
    made = []
    for village in ("东岭村", "西岭村", "东岭村"):
        r = submit(village=village)
        services.schedule_visit(
            request=r, day=day, start=dt.time(9), end=dt.time(10), officers=[officer], who=services.Who(user=supervisor)
        )
        made.append(r.pk)
    services.set_route(site=site, day=day, order=[made[2], made[1], made[0]], who=services.Who(user=officer))
    [route_day] = selectors.route(site, day, 1)
    # Grouped by village, villages in the order of their first stop.
    assert [v for v, _ in route_day.villages] == ["东岭村", "西岭村"]
    assert [r.pk for r in route_day.visits] == [made[2], made[0], made[1]]
    with pytest.raises(InvalidRequest):
        services.set_route(site=site, day=day, order=[999999], who=services.Who(user=officer))


def test_overdue_counts_working_days_on_the_site_calendar(submit: Submit, site: Site) -> None:
    friday = dt.datetime(2026, 12, 4, 10, tzinfo=site.tz)  # a Friday
    request = submit(now=friday)
    # Three working days after Friday: Mon 7, Tue 8, Wed 9 (the demo-like site counts Monday to Friday).
    assert request.triage_due == dt.date(2026, 12, 9)
    assert not selectors.is_overdue(request, dt.date(2026, 12, 9))
    assert selectors.is_overdue(request, dt.date(2026, 12, 10))
    SpecialDay.objects.create(site=site, date=dt.date(2026, 12, 8), closed=True)
    later = submit(now=friday)
    assert later.triage_due == dt.date(2026, 12, 10)  # a closed day does not count
    assert list(selectors.overdue(site, dt.date(2026, 12, 10))) == [request]


def test_the_site_sets_the_triage_days(submit: Submit, site: Site) -> None:
    OutreachSettings.objects.create(site=site, triage_working_days=1)
    request = submit(now=dt.datetime(2026, 12, 4, 10, tzinfo=site.tz))
    assert request.triage_due == dt.date(2026, 12, 7)


def test_viewing_details_is_logged(submit: Submit, officer: User) -> None:
    request = submit()
    services.log_details_viewed(requests=[request], who=services.Who(user=officer, address="10.0.0.3"), page="x")
    viewed = OutreachEvent.objects.get(kind="details.viewed")
    assert (viewed.user, viewed.request, str(viewed.address)) == (officer, request, "10.0.0.3")


def test_anonymisation_after_retention_keeps_counts_and_events(submit: Submit, supervisor: User, site: Site) -> None:
    old = submit()
    services.decline_request(
        request=old, reason="代办", who=services.Who(user=supervisor), now=timezone.now() - dt.timedelta(days=181)
    )
    recent = submit()
    services.decline_request(request=recent, reason="可由亲属代办", who=services.Who(user=supervisor))
    still_open = submit()
    call_command("anonymise_outreach", stdout=open("/dev/null", "w"))  # noqa: SIM115
    old.refresh_from_db()
    recent.refresh_from_db()
    still_open.refresh_from_db()
    assert old.anonymised_at is not None and NAME not in (old.name, old.phone, old.address, old.village)
    assert old.name == ANONYMISED and old.status == "declined" and old.reason == "elderly"
    assert recent.name == NAME and still_open.name == NAME
    assert VisitRequest.objects.count() == 3
    assert kinds(old) == ["request.created", "request.declined", "request.anonymised"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM outreach_visitrequest WHERE id = %s", [old.pk])
        assert NAME not in cursor.fetchone()[0]
    assert services.anonymise_due() == 0  # once only


def test_the_site_sets_the_retention(submit: Submit, supervisor: User, site: Site) -> None:
    OutreachSettings.objects.create(site=site, retention_days=30)
    r = submit()
    services.decline_request(
        request=r, reason="x", who=services.Who(user=supervisor), now=timezone.now() - dt.timedelta(days=31)
    )
    assert services.anonymise_due() == 1


# --- Document cases ----------------------------------------------------------------------


@pytest.fixture
def done_ticket(issue: Callable[..., Ticket], desk: Desk, by_officer: queue.Actor) -> Ticket:
    ticket = issue("B")
    queue.call_next(desk=desk, actor=by_officer)
    queue.start(desk=desk, actor=by_officer)
    queue.complete(desk=desk, actor=by_officer)
    ticket.refresh_from_db()
    assert ticket.status == "done"
    return ticket


def test_a_case_from_completion_to_pickup_ticket(done_ticket: Ticket, officer: User, site: Site) -> None:
    who = services.Who(user=officer)
    case = services.open_case(ticket=done_ticket, document="id_card", expected_date=timezone.localdate(), who=who)
    assert case.status == "accepted"
    with pytest.raises(InvalidTransition):
        services.issue_for_code(site=site, code=case.code, actor=queue.Actor(kind="kiosk"))
    services.set_case_status(cases=[case], status="in_production", who=who)
    services.set_case_status(cases=[case], status="ready", who=who)
    got = services.issue_for_code(site=site, code=case.code, actor=queue.Actor(kind="kiosk"))
    assert got.purpose == "pickup" and got.issued.ticket.priority
    services.set_case_status(cases=[case], status="picked_up", who=who)
    case.refresh_from_db()
    assert case.status == "picked_up" and case.pickup_ticket == got.issued.ticket and case.closed_at
    assert list(OutreachEvent.objects.filter(case=case).order_by("pk").values_list("kind", flat=True)) == [
        "case.opened", "case.status", "case.status", "case.pickup", "case.status",
    ]  # fmt: skip


def test_a_case_needs_a_completed_ticket(issue: Callable[..., Ticket], officer: User) -> None:
    with pytest.raises(InvalidTransition):
        services.open_case(
            ticket=issue("B"), document="id_card", expected_date=timezone.localdate(), who=services.Who(user=officer)
        )


def test_a_batch_is_marked_ready_all_or_none(done_ticket: Ticket, issue: Callable[..., Ticket], desk: Desk,
                                             by_officer: queue.Actor, officer: User) -> None:  # fmt: skip
    who = services.Who(user=officer)
    first = services.open_case(ticket=done_ticket, document="id_card", expected_date=timezone.localdate(), who=who)
    issue("B")
    queue.call_next(desk=desk, actor=by_officer)
    queue.start(desk=desk, actor=by_officer)
    queue.complete(desk=desk, actor=by_officer)
    second_ticket = Ticket.objects.filter(status="done").exclude(pk=done_ticket.pk).get()
    second = services.open_case(
        ticket=second_ticket, document="hukou_book", expected_date=timezone.localdate(), who=who
    )
    services.set_case_status(cases=[first, second], status="ready", who=who)
    assert set(DocumentCase.objects.values_list("status", flat=True)) == {"ready"}
    services.set_case_status(cases=[first], status="picked_up", who=who)
    with pytest.raises(InvalidTransition):
        services.set_case_status(cases=[first, second], status="picked_up", who=who)
    assert DocumentCase.objects.get(pk=second.pk).status == "ready"  # rolled back with the refusal


def test_a_pickup_becomes_a_delivery_on_the_outreach_page(
    done_ticket: Ticket, officer: User, supervisor: User, site: Site
) -> None:
    who = services.Who(user=officer)
    case = services.open_case(ticket=done_ticket, document="id_card", expected_date=timezone.localdate(), who=who)
    services.set_case_status(cases=[case], status="ready", who=who)
    delivery = services.request_delivery(
        case=case, reason="bedridden", name=NAME, phone=PHONE, address="三组17号", who=services.Who()
    )
    assert delivery.kind == "delivery" and delivery.business_type == done_ticket.business_type
    with pytest.raises(InvalidTransition):  # no pickup ticket once it is on its way
        services.issue_for_code(site=site, code=case.code, actor=queue.Actor(kind="kiosk"))
    services.schedule_visit(
        request=delivery, day=timezone.localdate(), start=dt.time(9), end=dt.time(10), officers=[officer],
        who=services.Who(user=supervisor),
    )  # fmt: skip
    assert delivery in selectors.route(site, timezone.localdate(), 1)[0].visits
    services.record_visit(request=delivery, outcome="done", who=who)
    case.refresh_from_db()
    assert case.status == "delivered" and case.closed_at is not None
    handover = OutreachEvent.objects.filter(case=case, kind="case.status").order_by("pk").last()
    assert handover is not None and handover.data == {"status": "delivered"} and handover.user == officer


def test_a_code_of_another_site_is_not_found(done_ticket: Ticket, officer: User) -> None:
    case = services.open_case(
        ticket=done_ticket, document="id_card", expected_date=timezone.localdate(), who=services.Who(user=officer)
    )
    other = Site.objects.create(slug="other", name="别处")
    with pytest.raises(NotFound):
        services.issue_for_code(site=other, code=case.code, actor=queue.Actor(kind="kiosk"))
