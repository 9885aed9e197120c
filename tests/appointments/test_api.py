"""The appointments API at the SPEC's fixed paths, its error shape, and check-in through the issue path."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from appointments.models import Booking
from queueing.models import BusinessType, Desk, Site
from tests.conftest import publish_checklist

PHONE = "13800138000"


def post(client: Client, url: str, body: Any = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def day_after_tomorrow(site: Site) -> dt.date:
    return site.service_day(timezone.now()) + dt.timedelta(days=2)


def ten_oclock(site: Site) -> dt.datetime:
    return dt.datetime.combine(day_after_tomorrow(site), dt.time(10), tzinfo=site.tz)


@pytest.fixture
def api_hall(site: Site, types: dict[str, BusinessType], desk: Desk, desk2: Desk) -> Site:
    return site


def test_slots_of_a_day_with_free_places(client: Client, api_hall: Site) -> None:
    day = day_after_tomorrow(api_hall)
    response = client.get(f"/api/v1/sites/hall/slots/?business_type=A&date={day}")
    assert response.status_code == 200
    slots = response.json()["slots"]
    assert len(slots) == 48  # open around the clock, 30-minute slots
    assert slots[20] == {"start": f"{day}T10:00:00+08:00", "end": f"{day}T10:30:00+08:00", "free": 2}


def test_book_answers_201_with_code_and_a_full_slot_409(client: Client, api_hall: Site) -> None:
    body = {"business_type": "A", "start": ten_oclock(api_hall).isoformat()}
    first = post(client, "/api/v1/sites/hall/appointments/", body)
    assert first.status_code == 201
    data = first.json()
    assert data["status"] == "booked" and data["business_type"] == "A" and len(data["code"]) == 8
    assert data["start"].endswith("T10:00:00+08:00") and data["end"].endswith("T10:30:00+08:00")
    assert post(client, "/api/v1/sites/hall/appointments/", body).status_code == 201
    full = post(client, "/api/v1/sites/hall/appointments/", body)
    assert full.status_code == 409 and full.json()["error"]["code"] == "slot_full"
    assert full.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"business_type": "Q", "start": "2026-12-09T10:00:00+08:00"}, 404, "not_found"),
        ({"business_type": "A", "start": "2020-01-01T10:00:00+08:00"}, 409, "booking_closed"),
        ({"business_type": "A"}, 422, "invalid_request"),
        ({"business_type": "A", "start": "tomorrow"}, 422, "invalid_request"),
    ],
)
def test_booking_refusals_in_the_error_shape(
    client: Client, api_hall: Site, body: dict[str, Any], status: int, code: str
) -> None:
    response = post(client, "/api/v1/sites/hall/appointments/", body)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_already_booked_is_refused_and_translated(client: Client, api_hall: Site) -> None:
    start = ten_oclock(api_hall)
    post(client, "/api/v1/sites/hall/appointments/", {"business_type": "A", "start": start.isoformat(), "phone": PHONE})
    again = {"business_type": "B", "start": (start + dt.timedelta(hours=2)).isoformat(), "phone": PHONE}
    zh = client.post(
        "/api/v1/sites/hall/appointments/",
        json.dumps(again),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-CN",
    )
    assert zh.status_code == 409 and zh.json()["error"]["code"] == "already_booked"
    assert "手机号" in zh.json()["error"]["message"]


def test_a_booking_never_shows_the_mobile_number(client: Client, api_hall: Site) -> None:
    body = {"business_type": "A", "start": ten_oclock(api_hall).isoformat(), "phone": PHONE}
    created = post(client, "/api/v1/sites/hall/appointments/", body)
    code = created.json()["code"]
    shown = client.get(f"/api/v1/appointments/{code}/")
    assert shown.status_code == 200 and shown.json()["status"] == "booked" and shown.json()["ticket"] is None
    for response in (created, shown, client.get(f"/a/{code}/"), client.get(f"/a/{code}/calendar.ics")):
        assert PHONE not in response.content.decode()
        assert (
            "8000" not in json.dumps(response.json())
            if response["Content-Type"].startswith("application/json")
            else True
        )


def test_cancel_then_cancel_again_is_refused(client: Client, api_hall: Site) -> None:
    code = post(
        client, "/api/v1/sites/hall/appointments/", {"business_type": "A", "start": ten_oclock(api_hall).isoformat()}
    ).json()["code"]
    cancelled = post(client, f"/api/v1/appointments/{code}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = post(client, f"/api/v1/appointments/{code}/cancel/")
    assert again.status_code == 409
    assert client.get("/api/v1/appointments/NOPE2345/").json()["error"]["code"] == "not_found"


def soon_booking(site: Site, minutes: int) -> Booking:
    start = timezone.now() + dt.timedelta(minutes=minutes)
    return Booking.objects.create(
        site=site,
        business_type=BusinessType.objects.get(site=site, prefix="A"),
        start=start,
        end=start + dt.timedelta(minutes=30),
        day=site.service_day(start),
    )


def test_check_in_through_the_issue_path(client: Client, api_hall: Site) -> None:
    publish_checklist(BusinessType.objects.get(prefix="A"), ["居民身份证"])
    booking = soon_booking(api_hall, 10)
    issued = post(client, "/api/v1/sites/hall/tickets/", {"appointment_code": booking.display_code})
    assert issued.status_code == 201
    ticket = issued.json()
    assert ticket["appointment"] is True and ticket["number"] == "A001" and ticket["status"] == "waiting"
    walk_in = post(client, "/api/v1/sites/hall/tickets/", {"business_type": "A"}).json()
    assert walk_in["appointment"] is False
    shown = client.get(f"/api/v1/appointments/{booking.code}/").json()
    assert shown["status"] == "checked_in" and shown["ticket"] == {"number": "A001", "token": ticket["token"]}
    used = post(client, "/api/v1/sites/hall/tickets/", {"appointment_code": booking.code})
    assert used.status_code == 409 and used.json()["error"]["code"] == "appointment_used"
    assert client.get(f"/api/v1/tickets/{ticket['token']}/").json()["appointment"] is True


@pytest.mark.parametrize(("minutes", "code"), [(60, "too_early"), (-20, "appointment_missed")])
def test_check_in_outside_its_window(client: Client, api_hall: Site, minutes: int, code: str) -> None:
    booking = soon_booking(api_hall, minutes)
    response = post(client, "/api/v1/sites/hall/tickets/", {"appointment_code": booking.code})
    assert response.status_code == 409 and response.json()["error"]["code"] == code


def test_check_in_needs_a_code_or_a_business_type_and_the_booking_decides(client: Client, api_hall: Site) -> None:
    neither = post(client, "/api/v1/sites/hall/tickets/", {"priority": True})
    assert neither.status_code == 422
    empty = post(client, "/api/v1/sites/hall/tickets/", {"appointment_code": ""})
    assert empty.status_code == 422
    booking = soon_booking(api_hall, 5)
    both = post(client, "/api/v1/sites/hall/tickets/", {"business_type": "C", "appointment_code": booking.code})
    assert both.status_code == 201 and both.json()["business_type"] == booking.business_type.prefix
    unknown = post(client, "/api/v1/sites/hall/tickets/", {"appointment_code": "ABCD-EFGH"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"


def test_the_paths_are_in_the_openapi_document(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/sites/{site}/slots/",
        "/api/v1/sites/{site}/appointments/",
        "/api/v1/appointments/{code}/",
        "/api/v1/appointments/{code}/cancel/",
    } <= set(paths)
    issue = paths["/api/v1/sites/{site}/tickets/"]["post"]
    assert "appointment_code" in json.dumps(issue) or "IssueIn" in json.dumps(issue)
