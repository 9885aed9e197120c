"""Outreach's pages: privacy on every public page, display and CSV; staff pages logged; the flows by form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from notices.models import ChecklistVersion
from outreach import services
from outreach.models import DocumentCase, OutreachEvent, OutreachOfficer, ServiceSession, VisitRequest
from queueing import services as queue
from queueing.models import BusinessType, Desk, Site, Ticket
from supervision import reports
from tests.conftest import make_staff
from tests.outreach.conftest import NAME, PERSONAL, PHONE

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(
    submit: Callable[..., VisitRequest],
    supervisor: User,
    officer: User,
    police: OutreachOfficer,
    issue: Callable[..., Ticket],
    desk: Desk,
    by_officer: queue.Actor,
    checklist_b: ChecklistVersion,
    site: Site,
    types: dict[str, BusinessType],
) -> dict[str, object]:
    """A scheduled visit, a declined one, a delivery of a ready document, and a mobile session."""
    scheduled = submit()
    services.schedule_visit(
        request=scheduled, day=timezone.localdate(), start=dt.time(9), end=dt.time(11), officers=[officer],
        who=services.Who(user=supervisor),
    )  # fmt: skip
    declined = submit()
    services.decline_request(request=declined, reason="可由亲属代办", who=services.Who(user=supervisor))
    ticket = issue("B")
    queue.call_next(desk=desk, actor=by_officer)
    queue.start(desk=desk, actor=by_officer)
    queue.complete(desk=desk, actor=by_officer)
    case = services.open_case(
        ticket=ticket, document="id_card", expected_date=timezone.localdate(), who=services.Who(user=officer)
    )
    services.set_case_status(cases=[case], status="ready", who=services.Who(user=officer))
    delivery = services.request_delivery(
        case=case, reason="disabled", name=NAME, phone=PHONE, address="三组17号", village="东岭村", who=services.Who()
    )
    session = ServiceSession.objects.create(
        site=site, place="南山警务室", place_kind="police_post", date=timezone.localdate() + dt.timedelta(days=1),
        start=dt.time(9), end=dt.time(12),
    )  # fmt: skip
    session.business_types.set([types["B"]])
    return {"scheduled": scheduled, "declined": declined, "ticket": ticket, "case": case, "delivery": delivery}


def assert_private(text: str) -> None:
    for value in PERSONAL:
        assert value not in text, value


def test_no_public_page_display_or_answer_shows_personal_data(client: Client, world: dict[str, object]) -> None:
    scheduled, declined, ticket, delivery = (
        world["scheduled"], world["declined"], world["ticket"], world["delivery"],
    )  # fmt: skip
    assert isinstance(ticket, Ticket)
    pages = [
        "/outreach/hall/",
        f"/o/{scheduled.code}/",  # type: ignore[attr-defined]
        f"/o/{declined.code}/",  # type: ignore[attr-defined]
        f"/o/{delivery.code}/",  # type: ignore[attr-defined]
        "/kiosk/hall/",
        "/display/hall/",
        f"/t/{ticket.token}/",
        "/notices/hall/",
        "/api/v1/sites/hall/service-days/",
        "/api/v1/sites/hall/snapshot/",
        "/api/v1/sites/hall/business-types/",
        f"/api/v1/tickets/{ticket.token}/",
        f"/api/v1/outreach/{scheduled.code}/",  # type: ignore[attr-defined]
        f"/api/v1/outreach/{delivery.code}/",  # type: ignore[attr-defined]
        "/api/v1/openapi.json",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_private(response.content.decode())


def test_csvs_hold_counts_only(client: Client, world: dict[str, object], supervisor: User) -> None:
    client.force_login(supervisor)
    figures = client.get("/outreach/figures/hall/?format=csv")
    assert figures.status_code == 200 and figures["Content-Type"].startswith("text/csv")
    text = figures.content.decode("utf-8-sig")
    assert "requests,3" in text and "declined,1" in text and "deliveries,1" in text
    assert_private(text)
    for table in reports.TABLE_KEYS:
        response = client.get(f"/supervision/hall/export/{table}.csv")
        assert response.status_code == 200
        assert_private(response.content.decode("utf-8-sig"))
    page = client.get("/outreach/figures/hall/")
    assert page.status_code == 200
    assert_private(page.content.decode())


def test_the_ticket_page_becomes_the_case_page(client: Client, world: dict[str, object], officer: User) -> None:
    ticket, case = world["ticket"], world["case"]
    assert isinstance(ticket, Ticket) and isinstance(case, DocumentCase)
    case.refresh_from_db()
    page = client.get(f"/t/{ticket.token}/").content.decode()
    assert f'data-case="{case.code}"' in page and 'data-case-status="ready"' in page
    assert f"/o/{case.delivery.code}/" in page  # type: ignore[union-attr]


def test_a_citizen_asks_for_delivery_from_the_case_page(
    client: Client, issue: Callable[..., Ticket], desk: Desk, by_officer: queue.Actor, officer: User
) -> None:
    ticket = issue("B")
    queue.call_next(desk=desk, actor=by_officer)
    queue.start(desk=desk, actor=by_officer)
    queue.complete(desk=desk, actor=by_officer)
    case = services.open_case(
        ticket=ticket, document="hukou_book", expected_date=timezone.localdate(), who=services.Who(user=officer)
    )
    page = client.get(f"/t/{ticket.token}/").content.decode()
    assert "送证上门" in page or "delivery" in page
    form = {"reason": "bedridden", "name": NAME, "phone": PHONE, "village": "东岭村", "address": "三组17号"}
    response = client.post(f"/outreach/cases/{case.code}/delivery/", form)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.delivery is not None and case.delivery.kind == "delivery" and case.delivery.name == NAME


def test_kiosk_and_display_show_the_coming_sessions(client: Client, world: dict[str, object]) -> None:
    kiosk = client.get("/kiosk/hall/").content.decode()
    assert "南山警务室" in kiosk and 'id="outreach-code-form"' in kiosk
    display = client.get("/display/hall/").content.decode()
    assert "南山警务室" in display and 'data-field="outreach-sessions"' in display
    request_page = client.get("/outreach/hall/").content.decode()
    assert "南山警务室" in request_page and "031245" in request_page  # the resident officer


def test_the_request_page_files_a_request(client: Client, types: dict[str, BusinessType]) -> None:
    form = {"business_type": "B", "reason": "alone", "name": NAME, "phone": PHONE, "village": "东岭村", "address": "x"}
    response = client.post("/outreach/hall/", form)
    assert response.status_code == 302
    request = VisitRequest.objects.get()
    assert response["Location"] == f"/o/{request.code}/" and request.channel == "online"
    status = client.get(response["Location"])
    assert status.status_code == 200
    assert_private(status.content.decode())
    bad = client.post("/outreach/hall/", {**form, "name": ""})
    assert bad.status_code == 400 and VisitRequest.objects.count() == 1


def test_the_officers_page_shows_details_and_logs_each(client: Client, world: dict[str, object], officer: User) -> None:
    assert client.get("/outreach/").status_code == 302  # to sign in
    client.force_login(officer)
    page = client.get("/outreach/")
    assert page.status_code == 200
    text = page.content.decode()
    assert NAME in text and PHONE in text
    viewed = OutreachEvent.objects.filter(kind="details.viewed", user=officer)
    assert {e.request_id for e in viewed} == {world["scheduled"].pk}  # type: ignore[attr-defined]
    sheet = client.get(f"/outreach/route/{timezone.localdate():%Y-%m-%d}/")
    assert sheet.status_code == 200 and NAME in sheet.content.decode()
    assert OutreachEvent.objects.filter(kind="details.viewed", data__page="route_sheet").count() == 1


def test_the_supervisor_triages_on_the_page(
    client: Client, world: dict[str, object], supervisor: User, officer: User, submit: Callable[..., VisitRequest]
) -> None:
    fresh = submit()
    client.force_login(supervisor)
    page = client.get("/outreach/").content.decode()
    assert f'data-request="{fresh.code}"' in page
    day = timezone.localdate() + dt.timedelta(days=3)
    form = {f"s{fresh.pk}-day": day.isoformat(), f"s{fresh.pk}-start": "14:00", f"s{fresh.pk}-end": "15:00",
            f"s{fresh.pk}-officer1": officer.pk}  # fmt: skip
    assert client.post(f"/outreach/requests/{fresh.pk}/schedule/", form).status_code == 302
    fresh.refresh_from_db()
    assert fresh.status == "scheduled" and fresh.visit_date == day


def test_officers_cannot_triage_and_others_cannot_look(
    client: Client, world: dict[str, object], officer: User, submit: Callable[..., VisitRequest]
) -> None:
    fresh = submit()
    client.force_login(officer)
    assert client.post(f"/outreach/requests/{fresh.pk}/decline/", {"reason": "x"}).status_code == 403
    client.force_login(make_staff("elsewhere", Site.objects.create(slug="far", name="远处")))
    response = client.get("/outreach/")
    assert NAME not in response.content.decode()
    assert client.get(f"/outreach/route/{timezone.localdate():%Y-%m-%d}/").status_code in (403, 200)
    assert NAME not in client.get(f"/outreach/route/{timezone.localdate():%Y-%m-%d}/").content.decode()
    assert client.get("/outreach/figures/hall/").status_code == 403


def test_an_officer_records_the_outcome_by_form(client: Client, world: dict[str, object], officer: User) -> None:
    visit = world["scheduled"]
    assert isinstance(visit, VisitRequest)
    client.force_login(officer)
    response = client.post(f"/outreach/requests/{visit.pk}/outcome/", {f"o{visit.pk}-outcome": "not_home"})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == "not_home"


def test_supervision_pages_link_the_overdue_requests(
    client: Client, submit: Callable[..., VisitRequest], supervisor: User
) -> None:
    submit(now=timezone.now() - dt.timedelta(days=14))
    client.force_login(supervisor)
    page = client.get("/supervision/hall/").content.decode()
    assert 'data-outreach-overdue="1"' in page and "/outreach/figures/hall/" in page
    figures = client.get("/outreach/figures/hall/").content.decode()
    assert 'data-figure="overdue">1<' in figures


def test_a_mobile_sessions_own_queue_counts_as_the_session(
    client: Client, site: Site, supervisor: User, types: dict[str, BusinessType]
) -> None:
    mobile = Site.objects.create(slug="hall-mobile", name="城关流动服务", always_open=True)
    bt = BusinessType.objects.create(site=mobile, prefix="B", name="居民身份证")
    from tests.conftest import make_desk

    tablet_desk = make_desk(mobile, 1, "B")
    actor = queue.Actor(kind="kiosk")
    for _ in range(2):
        queue.issue_ticket(site=mobile, prefix="B", actor=actor)
        queue.call_next(desk=tablet_desk, actor=queue.Actor.system())
        queue.start(desk=tablet_desk, actor=queue.Actor.system())
        queue.complete(desk=tablet_desk, actor=queue.Actor.system())
    session = ServiceSession.objects.create(
        site=site, place="南山警务室", place_kind="police_post", date=timezone.localdate(), start=dt.time(9),
        end=dt.time(12), queue_site=mobile,
    )  # fmt: skip
    session.business_types.set([bt])
    client.force_login(supervisor)
    text = client.get("/outreach/figures/hall/?format=csv").content.decode("utf-8-sig")
    assert f"session.{session.date}.{session.pk}.served,2" in text


def test_figures_count_outcomes_and_times_to_visit(
    client: Client, submit: Callable[..., VisitRequest], supervisor: User, officer: User
) -> None:
    now = timezone.now()
    who = services.Who(user=supervisor)
    for days, outcomes in ((1, ["done"]), (3, ["not_home", "done"]), (9, ["window"])):
        r = submit(now=now - dt.timedelta(days=days))
        for outcome in outcomes:
            services.schedule_visit(
                request=r, day=timezone.localdate(), start=dt.time(9), end=dt.time(10), officers=[officer], who=who
            )
            services.record_visit(request=r, outcome=outcome, note="缺照片", who=services.Who(user=officer), now=now)
    client.force_login(supervisor)
    start = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    rows = dict(
        line.split(",", 1)
        for line in client.get(f"/outreach/figures/hall/?format=csv&start={start}").content.decode("utf-8-sig").split()
    )
    assert (rows["outcome.done"], rows["outcome.not_home"], rows["outcome.window"]) == ("2", "1", "1")
    assert rows["requests"] == "3" and rows["accepted"] == "3"
    # Days from request to its last visit: 1, 3 and 9 → mean 4.3, 90th percentile (nearest rank) 9.
    assert rows["days_to_visit_mean"] == "4.3" and rows["days_to_visit_p90"] == "9.0"


def test_the_outreach_audit_trail_is_for_supervisors(
    client: Client, world: dict[str, object], supervisor: User, officer: User
) -> None:
    client.force_login(officer)
    assert client.get("/outreach/audit/hall/").status_code == 403
    client.force_login(supervisor)
    page = client.get("/outreach/audit/hall/").content.decode()
    for kind in ("request.created", "request.scheduled", "request.declined", "case.opened", "case.delivery"):
        assert f'data-kind="{kind}"' in page
    assert_private(page)


def test_the_request_page_is_rate_limited(client: Client, types: dict[str, BusinessType], settings: object) -> None:
    settings.COUNTER_KIOSK_RATE_LIMIT = 1  # type: ignore[attr-defined]
    form = {"business_type": "B", "reason": "alone", "name": NAME, "phone": PHONE, "village": "东岭村", "address": "x"}
    assert client.post("/outreach/hall/", form).status_code == 302
    refused = client.post("/outreach/hall/", form)
    assert refused.status_code == 400 and VisitRequest.objects.count() == 1


def test_an_officer_turns_a_pickup_into_a_delivery_from_the_case_page(
    client: Client, issue: Callable[..., Ticket], desk: Desk, by_officer: queue.Actor, officer: User
) -> None:
    ticket = issue("B")
    queue.call_next(desk=desk, actor=by_officer)
    queue.start(desk=desk, actor=by_officer)
    queue.complete(desk=desk, actor=by_officer)
    case = services.open_case(
        ticket=ticket, document="id_card", expected_date=timezone.localdate(), who=services.Who(user=officer)
    )
    client.force_login(officer)
    assert f"/t/{ticket.token}/#case" in client.get("/outreach/").content.decode()
    form = {"reason": "alone", "name": NAME, "phone": PHONE, "village": "东岭村", "address": "三组17号"}
    assert client.post(f"/outreach/cases/{case.code}/delivery/", form).status_code == 302
    case.refresh_from_db()
    assert case.delivery is not None and case.delivery.channel == "staff"
    event = OutreachEvent.objects.get(kind="case.delivery")
    assert event.user == officer
