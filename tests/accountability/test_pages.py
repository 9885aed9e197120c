"""Inspections through the pages (recorded, acknowledged on the desk page, overdue, rectified), complaint
findings, the settings, the evaluation page and its CSV, and what an officer may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from queueing.errors import InvalidRequest
from queueing.models import Desk, Site, StaffProfile
from queueing.roles import SUPERVISOR
from supervision import accountability, calendar
from supervision import services as supervision
from supervision.models import Complaint, ComplaintFinding, Inspection, InspectionItem, MonthlyEvaluation
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(site: Site) -> Client:
    client = Client()
    client.force_login(make_staff("chief", site, SUPERVISOR))
    return client


def _record(boss: Client, desk: Desk, officer: User, **extra: Any) -> Inspection:
    items = list(InspectionItem.objects.filter(site=desk.site).values_list("pk", flat=True)[:2])
    response = boss.post(
        "/supervision/hall/inspections/",
        {
            "kind": "covert",
            "inspected_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "desk": desk.number,
            "officer": officer.pk,
            "items": items,
            "severity": "minor",
            "findings": "未使用文明用语",
            "behaviour": "cold",
            "action": "当场指出",
            **extra,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return Inspection.objects.latest("pk")


def test_an_inspection_is_recorded_acknowledged_at_the_desk_and_rectified(
    boss: Client, client: Client, desk: Desk, officer: User
) -> None:
    assert boss.get("/supervision/hall/inspections/").status_code == 200
    assert InspectionItem.objects.filter(site=desk.site).count() == 5  # the default list, once
    inspection = _record(boss, desk, officer)
    assert inspection.status == "recorded" and inspection.items.count() == 2
    # The deadline is 10 working days on the site's calendar.
    day = desk.site.service_day(inspection.inspected_at)
    assert inspection.deadline == calendar.add_working_days(desk.site, day, 10)
    # The supervisor cannot confirm before the officer acknowledged.
    boss.post(f"/supervision/hall/inspections/{inspection.pk}/", {"note": "已整改"})
    assert Inspection.objects.get(pk=inspection.pk).status == "recorded"

    StaffProfile.objects.filter(user=officer).update(desk=desk)
    client.force_login(officer)
    page = client.get("/desk/1/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'data-inspection="{inspection.pk}"' in page and "未使用文明用语" in page
    response = client.post(f"/my/inspections/{inspection.pk}/acknowledge/", {"note": "已知悉", "next": "/desk/1/"})
    assert response.status_code == 302 and response["Location"] == "/desk/1/"
    inspection.refresh_from_db()
    assert inspection.status == "acknowledged" and inspection.acknowledgement == "已知悉"
    assert f'data-inspection="{inspection.pk}"' not in client.get("/desk/1/").content.decode()

    boss.post(f"/supervision/hall/inspections/{inspection.pk}/", {"note": "已整改"})
    inspection.refresh_from_db()
    assert inspection.status == "rectified" and inspection.rectification == "已整改"


def test_another_officer_cannot_acknowledge(boss: Client, client: Client, desk: Desk, officer: User) -> None:
    inspection = _record(boss, desk, officer)
    client.force_login(make_staff("officer9", desk.site))
    assert client.post(f"/my/inspections/{inspection.pk}/acknowledge/").status_code == 404
    assert Inspection.objects.get(pk=inspection.pk).status == "recorded"


def test_an_unrectified_inspection_past_its_deadline_is_flagged_overdue(
    boss: Client, desk: Desk, officer: User
) -> None:
    today = desk.site.service_day(timezone.now())
    earlier = (timezone.localtime() - dt.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    inspection = _record(boss, desk, officer, inspected_at=earlier, deadline=(today - dt.timedelta(days=1)).isoformat())
    assert inspection.is_overdue(today)
    assert not inspection.is_overdue(inspection.deadline)  # the deadline day itself is in time
    listing = boss.get("/supervision/hall/inspections/").content.decode()
    assert "data-overdue" in listing
    Inspection.objects.filter(pk=inspection.pk).update(status="rectified")
    assert "data-overdue" not in boss.get("/supervision/hall/inspections/").content.decode()


def test_an_inspection_needs_a_finding_described_and_refuses_another_sites_desk(
    boss: Client, desk: Desk, officer: User
) -> None:
    boss.get("/supervision/hall/inspections/")
    with pytest.raises(InvalidRequest):
        accountability.record_inspection(
            site=desk.site,
            user=officer,
            kind="open",
            inspected_at=timezone.now(),
            desk=desk,
            officer=officer,
            items=[],
            severity="serious",
        )
    other = Site.objects.create(slug="east", name="东关", always_open=True)
    with pytest.raises(InvalidRequest):
        accountability.record_inspection(
            site=other, user=officer, kind="open", inspected_at=timezone.now(), desk=desk, officer=None, items=[]
        )
    assert not Inspection.objects.exists()


def test_a_complaint_is_closed_with_a_finding(boss: Client, desk: Desk, officer: User) -> None:
    complaint = supervision.submit_complaint(site=desk.site, text="推诿不办", desk=desk)
    page = boss.get(f"/supervision/hall/complaints/{complaint.pk}/").content.decode()
    assert 'id="finding-form"' in page
    # Upheld needs the behaviour named.
    boss.post(f"/supervision/hall/complaints/{complaint.pk}/finding/", {"outcome": "upheld", "reason": "属实"})
    assert not ComplaintFinding.objects.exists()
    boss.post(
        f"/supervision/hall/complaints/{complaint.pk}/finding/",
        {"outcome": "upheld", "reason": "调取录像属实", "behaviour": "shirk", "officer": officer.pk},
    )
    finding = ComplaintFinding.objects.get(complaint=complaint)
    assert (finding.outcome, finding.behaviour, finding.officer, finding.desk) == ("upheld", "shirk", officer, desk)
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RESOLVED
    page = boss.get(f"/supervision/hall/complaints/{complaint.pk}/").content.decode()
    assert 'data-outcome="upheld"' in page and 'id="finding-form"' not in page
    # One finding per complaint.
    boss.post(f"/supervision/hall/complaints/{complaint.pk}/finding/", {"outcome": "unfounded", "reason": "改判"})
    assert ComplaintFinding.objects.get(complaint=complaint).outcome == "upheld"


def test_an_unfounded_complaint_names_no_behaviour(boss: Client, desk: Desk) -> None:
    complaint = supervision.submit_complaint(site=desk.site, text="态度不好", desk=desk)
    boss.post(
        f"/supervision/hall/complaints/{complaint.pk}/finding/",
        {"outcome": "unfounded", "reason": "录像显示用语规范", "behaviour": "cold"},
    )
    assert ComplaintFinding.objects.get(complaint=complaint).behaviour == ""


def test_officers_see_only_their_own_findings(boss: Client, client: Client, desk: Desk, officer: User) -> None:
    other = make_staff("officer2", desk.site)
    mine = _record(boss, desk, officer, findings="我的问题")
    _record(boss, desk, other, findings="别人的问题")
    for officer_, text in ((officer, "投诉甲"), (other, "投诉乙")):
        complaint = supervision.submit_complaint(site=desk.site, text=text, desk=desk)
        accountability.record_finding(
            complaint=complaint, user=officer_, outcome="upheld", reason="属实", behaviour="cold", officer=officer_
        )
    client.force_login(officer)
    page = client.get("/my/record/").content.decode()
    assert "我的问题" in page and "投诉甲" in page
    assert "别人的问题" not in page and "投诉乙" not in page
    assert f'data-inspection="{mine.pk}"' in page
    # Officers are no supervisors: the site's lists stay closed to them.
    assert client.get("/supervision/hall/inspections/").status_code == 403
    assert client.get("/supervision/hall/evaluation/").status_code == 403


def test_the_supervisor_sets_names_public_and_the_weights(boss: Client, site: Site) -> None:
    form = boss.get("/supervision/hall/open-settings/").content.decode()
    assert 'name="weight_satisfaction"' in form and 'value="60"' in form
    data = {
        "names_public": "on",
        "rank_publicly": "on",
        "target_wait_minutes": 15,
        "complaint_phone": "0931-12345",
        "weight_satisfaction": 70,
        "weight_wait": 30,
        "upheld_points": 10,
        "partly_points": 5,
        "minor_points": 2,
        "serious_points": 5,
        "grave_points": 10,
        "overdue_case_points": 2,
    }
    assert boss.post("/supervision/hall/open-settings/", data).status_code == 302
    site.refresh_from_db()
    assert site.officer_names_public
    page = Client().get("/open/hall/").content.decode()
    assert "0931-12345" in page and "15" in page
    assert boss.post("/supervision/hall/open-settings/", {**data, "names_public": ""}).status_code == 302
    site.refresh_from_db()
    assert not site.officer_names_public


def test_the_evaluation_page_closes_last_month_and_exports_csv(boss: Client, desk: Desk) -> None:
    page = boss.get("/supervision/hall/evaluation/").content.decode()
    assert 'id="close-month"' in page
    last = (desk.site.service_day(timezone.now()).replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    assert boss.post("/supervision/hall/evaluation/", {"action": "close", "month": f"{last:%Y-%m}"}).status_code == 302
    assert MonthlyEvaluation.objects.filter(site=desk.site, month=last).exists()
    page = boss.get(f"/supervision/hall/evaluation/?month={last:%Y-%m}").content.decode()
    assert 'id="close-month"' not in page and 'id="correct-month"' in page
    csv = boss.get(f"/supervision/hall/evaluation.csv?month={last:%Y-%m}")
    assert csv["Content-Type"].startswith("text/csv") and csv.content.startswith("\ufeff".encode())
    # This month is not over: it cannot be closed.
    this = desk.site.service_day(timezone.now())
    boss.post("/supervision/hall/evaluation/", {"action": "close", "month": f"{this:%Y-%m}"})
    assert not MonthlyEvaluation.objects.filter(site=desk.site, month=this.replace(day=1)).exists()


def test_the_public_page_never_shows_account_names(client: Client, desk: Desk, officer: User) -> None:
    from queueing import services

    services.close_desk(desk=desk, actor=services.Actor.system())
    services.open_desk(desk=desk, actor=services.Actor(kind="officer", user=officer))
    page = client.get("/open/hall/").content.decode()
    assert "officer1" not in page
    StaffProfile.objects.filter(user=officer).update(police_number="011201", display_name="王芳")
    page = client.get("/open/hall/").content.decode()
    assert "011201" in page and "王芳" not in page and "officer1" not in page


def test_the_overview_counts_inspections_to_rectify_and_overdue(boss: Client, desk: Desk, officer: User) -> None:
    today = desk.site.service_day(timezone.now())
    earlier = (timezone.localtime() - dt.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    _record(boss, desk, officer, inspected_at=earlier, deadline=(today - dt.timedelta(days=1)).isoformat())
    _record(boss, desk, officer)
    page = boss.get("/supervision/hall/").content.decode()
    assert '<span data-inspections="open">2</span>' in page
    assert 'data-inspections="overdue" class="sv-bad">1</span>' in page
