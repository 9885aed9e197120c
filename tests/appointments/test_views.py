"""The booking pages: type → day → slot → checklist → confirm, the booking's page, .ics and cancel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from appointments.models import Booking
from queueing.models import BusinessType, Desk, Site
from tests.conftest import publish_checklist


@pytest.fixture
def page_hall(site: Site, types: dict[str, BusinessType], desk: Desk, desk2: Desk) -> Site:
    publish_checklist(types["A"], ["居民身份证", "居民户口簿"])
    return site


def later_start(site: Site) -> dt.datetime:
    day = site.service_day(timezone.now()) + dt.timedelta(days=2)
    return dt.datetime.combine(day, dt.time(10), tzinfo=site.tz)


def test_the_steps_lead_to_the_checklist_before_confirming(client: Client, page_hall: Site) -> None:
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}
    types = client.get("/book/hall/", **zh).content.decode()
    assert "预约办理" in types and "?type=A" in types
    start = later_start(page_hall)
    days = client.get("/book/hall/?type=A", **zh).content.decode()
    assert f"date={start.date()}" in days
    slots = client.get(f"/book/hall/?type=A&date={start.date()}", **zh).content.decode()
    assert "余 2 个名额" in slots
    confirm = client.get(f"/book/hall/?type=A&date={start.date()}&start={start.isoformat()}", **zh).content.decode()
    assert "居民户口簿" in confirm and "材料清单第 1 版" in confirm and "确认预约" in confirm


def test_confirming_books_and_opens_the_bookings_page(client: Client, page_hall: Site) -> None:
    start = later_start(page_hall)
    response = client.post(
        "/book/hall/", {"type": "A", "date": str(start.date()), "start": start.isoformat(), "phone": "13800131234"}
    )
    booking = Booking.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/a/{booking.code}/"
    assert booking.checklist_version is not None and booking.checklist_version.number == 1
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert booking.display_code in page and "尾号 1234" in page and "<svg" in page and "居民身份证" in page
    assert "13800131234" not in page
    ics = client.get(f"/a/{booking.code}/calendar.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    body = ics.content.decode()
    assert "BEGIN:VEVENT" in body and f"DTSTART:{start.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}" in body
    assert "13800131234" not in body


def test_a_refusal_is_shown_on_the_confirm_step(client: Client, page_hall: Site) -> None:
    start = later_start(page_hall)
    form = {"type": "A", "date": str(start.date()), "start": start.isoformat()}
    client.post("/book/hall/", form)
    client.post("/book/hall/", form)
    full = client.post("/book/hall/", form, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert full.status_code == 409 and "该时段已约满" in full.content.decode()


def test_cancel_from_the_bookings_page(client: Client, page_hall: Site) -> None:
    start = later_start(page_hall)
    client.post("/book/hall/", {"type": "A", "date": str(start.date()), "start": start.isoformat()})
    booking = Booking.objects.get()
    response = client.post(f"/a/{booking.code}/cancel/")
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "您的预约已取消" in page and "取消预约</button>" not in page


def test_unknown_codes_and_bad_parameters_are_404(client: Client, page_hall: Site) -> None:
    assert client.get("/a/NOPE2345/").status_code == 404
    assert client.get("/book/hall/?type=A&date=tomorrow").status_code == 404
    assert client.get("/book/hall/?type=Q").status_code == 404
    assert client.get("/book/nowhere/").status_code == 404
