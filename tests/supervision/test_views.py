"""The supervision pages' permissions, the report page, the audit trail, cases, complaints and the tablet page."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.template import Context, Template
from django.test import Client

from queueing import services
from queueing.models import Desk, Site, Ticket
from supervision import services as supervision
from supervision.models import Complaint, FollowUpCase
from tests.conftest import make_staff
from tests.supervision.conftest import DAY, Scenario
from tests.supervision.test_services import Issue, served

pytestmark = pytest.mark.django_db

PAGES = [
    "/supervision/hall/",
    "/supervision/hall/audit/",
    "/supervision/hall/cases/",
    "/supervision/hall/complaints/",
    "/supervision/hall/export/by_desk.csv",
]


@pytest.fixture
def other_site(db: Any) -> Site:
    return Site.objects.create(slug="east", name="东关派出所", always_open=True)


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("officer", 403),
        ("administrator", 403),
        ("other_supervisor", 403),
        ("supervisor", 200),
        ("superuser", 200),
    ],
)
def test_only_the_sites_supervisors_see_supervision(
    client: Client,
    site: Site,
    types: Any,
    other_site: Site,
    officer: User,
    supervisor: User,
    path: str,
    who: str,
    status: int,
) -> None:
    users = {
        "officer": officer,
        "administrator": make_staff("admin1", site, "administrator"),
        "supervisor": supervisor,
        "other_supervisor": make_staff("boss2", other_site, "supervisor"),
        "superuser": User.objects.create_superuser("root", password="x"),
    }
    if who in users:
        client.force_login(users[who])
    response = client.get(path)
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith("/accounts/login/?next=")


def test_a_supervisor_of_another_site_cannot_open_a_case_or_complaint_here(
    client: Client, site: Site, other_site: Site, done: Ticket
) -> None:
    supervision.rate_ticket(ticket=done, overall=1, channel="phone")
    complaint = supervision.submit_complaint(site=site, text="投诉")
    client.force_login(make_staff("boss2", other_site, "supervisor"))
    case = FollowUpCase.objects.get()
    assert client.get(f"/supervision/hall/cases/{case.pk}/").status_code == 403
    assert client.post(f"/supervision/hall/cases/{case.pk}/", {"action": "fix", "note": "x"}).status_code == 403
    assert (
        client.post(f"/supervision/hall/complaints/{complaint.pk}/", {"text": "x", "status": "resolved"}).status_code
        == 403
    )
    # …and a supervisor of this site reaching the other site's objects by number gets 404
    client.force_login(make_staff("boss3", other_site, "supervisor"))
    assert client.get(f"/supervision/east/cases/{case.pk}/").status_code == 404
    assert Complaint.objects.get().status == "new"


@pytest.fixture
def done(issue: Issue, desk: Desk, by_officer: services.Actor) -> Ticket:
    return served(issue, desk, by_officer)


def test_the_report_page_shows_the_scenarios_figures(client: Client, scenario: Scenario) -> None:
    client.force_login(make_staff("boss", scenario.site, "supervisor"))
    response = client.get(f"/supervision/hall/?start={DAY}&end={DAY}")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-kpi="avg_wait">8.8<' in html
    assert 'data-kpi="p90_wait">16.0<' in html
    assert 'data-kpi="satisfaction">75.0%<' in html
    assert "<svg" in html and "<script>" not in html
    assert "13800138000" not in html  # the call-back number stays on the case page
    assert f"/supervision/hall/export/by_officer.csv?start={DAY}&amp;end={DAY}" in html


def test_a_bad_date_range_falls_back_to_this_month(client: Client, supervisor: User) -> None:
    client.force_login(supervisor)
    assert client.get("/supervision/hall/?start=2026-12-01&end=2026-01-01").status_code == 200
    assert client.get("/supervision/hall/?start=junk").status_code == 200


def test_the_audit_trail_filters_by_ticket_desk_officer_and_date(client: Client, scenario: Scenario) -> None:
    client.force_login(make_staff("boss", scenario.site, "supervisor"))
    page = client.get("/supervision/hall/audit/?ticket=a003").content.decode()
    assert page.count('data-kind="ticket.') == 3  # issued, called, no-show
    by_desk = client.get("/supervision/hall/audit/?desk=2").content.decode()
    assert "A001" not in by_desk and "B002" in by_desk
    by_officer = client.get("/supervision/hall/audit/?officer=officer2").content.decode()
    assert "A00" not in by_officer and "B001" in by_officer
    assert "B001" not in client.get(f"/supervision/hall/audit/?start={DAY.replace(day=3)}").content.decode()
    assert client.get("/supervision/hall/audit/?desk=abc&page=99").status_code == 200


def test_the_audit_trail_is_read_only(client: Client, supervisor: User) -> None:
    client.force_login(supervisor)
    assert client.post("/supervision/hall/audit/").status_code == 405


def test_a_supervisor_follows_up_a_case_on_its_page(client: Client, supervisor: User, done: Ticket) -> None:
    supervision.rate_ticket(ticket=done, overall=1, phone="13800138000", comment="太慢", channel="phone")
    case = FollowUpCase.objects.get()
    client.force_login(supervisor)
    url = f"/supervision/hall/cases/{case.pk}/"
    page = client.get(url).content.decode()
    assert "13800138000" in page and "太慢" in page
    refused = client.post(url, {"action": "close", "note": ""})
    assert refused.status_code == 200 and "error" in refused.content.decode()
    assert client.post(url, {"action": "callback", "note": "已回访"}).status_code == 302
    assert client.post(url, {"action": "fix", "note": "已整改"}).status_code == 302
    assert client.post(url, {"action": "close", "note": ""}).status_code == 302
    assert FollowUpCase.objects.get().status == "closed"
    assert "#" + str(case.pk) in client.get("/supervision/hall/cases/?status=closed").content.decode()


def test_a_citizen_files_a_complaint_with_csrf_and_the_supervisor_replies(
    site: Site, desk: Desk, supervisor: User
) -> None:
    citizen = Client(enforce_csrf_checks=True)
    form = citizen.get("/complaints/hall/")
    assert form.status_code == 200
    assert citizen.post("/complaints/hall/", {"text": "x"}).status_code == 403  # no CSRF token
    token = form.cookies["csrftoken"].value
    sent = citizen.post(
        "/complaints/hall/",
        {
            "text": "等了两个小时没人管",
            "desk": "1",
            "visit_date": "2026-11-02",
            "contact_phone": "",
            "csrfmiddlewaretoken": token,
        },
    )
    assert sent.status_code == 200, sent.content.decode()
    complaint = Complaint.objects.get()
    assert (complaint.desk_id, complaint.status) == (desk.pk, "new")
    boss = Client()
    boss.force_login(supervisor)
    assert "等了两个小时" in boss.get("/supervision/hall/complaints/?status=new").content.decode()
    reply = boss.post(f"/supervision/hall/complaints/{complaint.pk}/", {"text": "已调查", "status": "resolved"})
    assert reply.status_code == 302
    assert Complaint.objects.get().status == "resolved"


def test_an_empty_complaint_is_refused(client: Client, site: Site) -> None:
    assert client.post("/complaints/hall/", {"text": ""}).status_code == 400
    assert client.post("/complaints/hall/", {"text": "x", "contact_phone": "abc"}).status_code == 400
    assert client.post("/complaints/hall/", {"text": "x", "desk": "99"}).status_code == 400
    assert not Complaint.objects.exists()


def test_the_rating_tablet_page_and_the_phone_partial(client: Client, desk: Desk, done: Ticket) -> None:
    page = client.get("/rate/hall/1/").content.decode()
    assert 'data-socket-path="/ws/v1/sites/hall/desks/1/rating/"' in page
    assert "data-rating-form" in page and done.token not in page
    assert client.get("/rate/hall/9/").status_code == 404
    partial = Template("{% load rating %}{% rating_form ticket.token %}").render(Context({"ticket": done}))
    assert f'data-url="/api/v1/tickets/{done.token}/rating/"' in partial
    assert partial.count('type="radio"') == 20
    assert "supervision/rating.js" in partial


def test_a_flood_of_complaints_from_one_address_is_refused(client: Client, site: Site) -> None:
    from django.core.cache import cache

    cache.clear()
    answers = [client.post("/complaints/hall/", {"text": f"第{i}条"}).status_code for i in range(7)]
    assert answers == [200] * 5 + [429] * 2
    assert Complaint.objects.count() == 5


def test_a_supervisor_without_the_change_permission_can_read_but_not_act(
    client: Client, supervisor: User, done: Ticket
) -> None:
    from django.contrib.auth.models import Group, Permission

    supervision.rate_ticket(ticket=done, overall=1, channel="phone")
    case = FollowUpCase.objects.get()
    group = Group.objects.get(name="supervisor")
    group.permissions.remove(Permission.objects.get(codename="change_followupcase"))
    client.force_login(supervisor)
    assert client.get(f"/supervision/hall/cases/{case.pk}/").status_code == 200
    assert client.post(f"/supervision/hall/cases/{case.pk}/", {"action": "fix", "note": "x"}).status_code == 403
    assert FollowUpCase.objects.get().fixed_at is None
