""" "Come to the window" writes the citizen a missing-documents notice (notices app): printable, on the status
page, and redeemed once at the kiosk for a priority ticket, by the notice box or outreach's code box alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from notices.models import ChecklistVersion, Notice
from outreach import services
from outreach.models import VisitRequest
from queueing import services as queue
from queueing.errors import InvalidRequest, NoticeUsed
from queueing.models import Event, Site
from tests.outreach.conftest import PERSONAL

pytestmark = pytest.mark.django_db
KIOSK = queue.Actor(kind="kiosk", address="10.0.0.70")


@pytest.fixture
def window(
    submit: Callable[..., VisitRequest], supervisor: User, officer: User, checklist_b: ChecklistVersion
) -> VisitRequest:
    request = submit()
    services.schedule_visit(
        request=request, day=timezone.localdate(), start=dt.time(9), end=dt.time(10), officers=[officer],
        who=services.Who(user=supervisor),
    )  # fmt: skip
    photo = checklist_b.items.get(name="近期照片")
    services.record_visit(
        request=request, outcome="window", missing_items=[photo.pk], note="户口簿原件", who=services.Who(user=officer)
    )
    request.refresh_from_db()
    return request


def test_the_outcome_writes_a_home_visit_notice(window: VisitRequest, officer: User, site: Site) -> None:
    notice = Notice.objects.get()
    assert window.notice == notice and window.return_code == notice.code
    assert notice.source == Notice.Source.HOME_VISIT and notice.ticket is None and notice.desk is None
    assert notice.site == site and notice.business_type.prefix == "B" and notice.officer == officer
    assert [i.name for i in notice.items.all()] == ["近期照片"] and notice.note == "户口簿原件"
    assert notice.state() == "valid"
    event = Event.objects.get(kind=Event.Kind.NOTICE_ISSUED)
    assert event.ticket is None and event.data["source"] == "home_visit" and event.data["notice"] == notice.pk


def test_the_kiosks_notice_box_redeems_it_once(window: VisitRequest, client: Client, site: Site) -> None:
    issued = queue.issue_ticket(site=site, prefix="B", actor=KIOSK, notice_code=window.return_code)
    ticket = issued.ticket
    assert ticket.priority and ticket.priority_source == "notice"
    notice = Notice.objects.get()
    assert notice.redeemed_ticket == ticket
    with pytest.raises(NoticeUsed):  # outreach's code box: the same code, used
        services.issue_for_code(site=site, code=str(window.return_code), actor=KIOSK)
    body = client.get(f"/api/v1/outreach/{window.code}/").json()
    assert body["return_code"] is None and body["notice_url"] == f"/n/{notice.code}/"


def test_outreachs_code_box_redeems_the_notice(window: VisitRequest, site: Site) -> None:
    got = services.issue_for_code(site=site, code=str(window.return_code).lower(), actor=KIOSK)
    assert got.purpose == "return" and got.issued.ticket.priority
    notice = Notice.objects.get()
    assert notice.redeemed_ticket == got.issued.ticket and notice.state() == "used"
    with pytest.raises(NoticeUsed):
        queue.issue_ticket(site=site, prefix="B", actor=KIOSK, notice_code=notice.code)


def test_the_notice_reads_like_a_desks_in_the_api_and_on_its_page(window: VisitRequest, client: Client) -> None:
    code = str(window.return_code)
    body = client.get(f"/api/v1/notices/{code}/").json()
    assert body["status"] == "valid" and body["business_type"] == "B"
    assert (body["ticket"], body["desk"], body["source"]) == ("", "", "home_visit")
    assert [i["name"] for i in body["items"]] == ["近期照片"] and body["note"] == "户口簿原件"
    page = client.get(f"/n/{code}/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    html = page.content.decode()
    assert page.status_code == 200 and "近期照片" in html and 'data-field="source"' in html
    assert not any(p in html for p in PERSONAL)


def test_the_status_page_links_the_notice_and_shows_its_code(window: VisitRequest, client: Client) -> None:
    html = client.get(f"/o/{window.code}/").content.decode()
    assert f'href="/n/{window.return_code}/"' in html
    assert f'data-field="return_code">{window.return_code}<' in html
    assert not any(p in html for p in PERSONAL)
    body = client.get(f"/api/v1/outreach/{window.code}/").json()
    assert body["return_code"] == window.return_code and body["notice_url"] == f"/n/{window.return_code}/"
    assert [i["name"] for i in body["missing_items"]] == ["近期照片"]


def test_a_refused_outcome_writes_no_notice(
    submit: Callable[..., VisitRequest], supervisor: User, officer: User, checklist_b: ChecklistVersion
) -> None:
    request = submit()
    services.schedule_visit(
        request=request, day=timezone.localdate(), start=dt.time(9), end=dt.time(10), officers=[officer],
        who=services.Who(user=supervisor),
    )  # fmt: skip
    with pytest.raises(InvalidRequest):
        services.record_visit(
            request=request, outcome="window", missing_items=[999_999], who=services.Who(user=officer)
        )
    assert not Notice.objects.exists() and not Event.objects.filter(kind=Event.Kind.NOTICE_ISSUED).exists()
    assert VisitRequest.objects.get(pk=request.pk).status == "scheduled"
