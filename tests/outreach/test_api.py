"""Outreach's API: the public request and status answers, the staff list, codes at the kiosk, sessions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from outreach import services
from outreach.models import OutreachEvent, OutreachOfficer, ServiceSession, VisitRequest
from queueing.models import BusinessType, Site
from tests.conftest import make_staff
from tests.outreach.conftest import ADDRESS, NAME, PERSONAL, PHONE

BODY = {
    "kind": "home_visit",
    "business_type": "B",
    "reason": "elderly",
    "name": NAME,
    "phone": PHONE,
    "village": "东岭村",
    "address": ADDRESS,
    "note": "腿脚不便",
}


def assert_private(text: str) -> None:
    for value in PERSONAL:
        assert value not in text


@pytest.mark.django_db
def test_a_citizen_files_a_request_and_sees_no_personal_data(client: Client, types: dict[str, BusinessType]) -> None:
    response = client.post("/api/v1/sites/hall/outreach/", BODY, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "requested" and body["code"]
    assert_private(response.content.decode())
    status = client.get(f"/api/v1/outreach/{body['code']}/")
    assert status.status_code == 200 and status.json()["business_type"] == "B" and status.json()["schedule"] is None
    assert_private(status.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["name", "phone", "address"])
def test_name_phone_and_address_are_required(client: Client, types: dict[str, BusinessType], missing: str) -> None:
    body = {k: v for k, v in BODY.items() if k != missing}
    response = client.post("/api/v1/sites/hall/outreach/", body, content_type="application/json")
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"
    empty = client.post("/api/v1/sites/hall/outreach/", {**BODY, missing: ""}, content_type="application/json")
    assert empty.status_code == 422
    assert VisitRequest.objects.count() == 0


@pytest.mark.django_db
def test_unknown_things_are_404(client: Client, types: dict[str, BusinessType]) -> None:
    assert client.post("/api/v1/sites/nope/outreach/", BODY, content_type="application/json").status_code == 404
    unknown = client.post(
        "/api/v1/sites/hall/outreach/", {**BODY, "business_type": "Z"}, content_type="application/json"
    )
    assert unknown.status_code == 404
    assert client.get("/api/v1/outreach/NOPE2345/").json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_the_status_shows_the_schedule_and_police_number_only(
    client: Client, submit: Callable[..., VisitRequest], supervisor: User, officer: User, police: OutreachOfficer
) -> None:
    request = submit()
    day = timezone.localdate() + dt.timedelta(days=1)
    services.schedule_visit(
        request=request, day=day, start=dt.time(9), end=dt.time(11), officers=[officer],
        who=services.Who(user=supervisor),
    )  # fmt: skip
    body = client.get(f"/api/v1/outreach/{request.code}/").json()
    assert body["schedule"] == {"date": day.isoformat(), "start": "09:00", "end": "11:00", "officers": ["031245"]}
    assert "officer1" not in str(body)  # account names never on public answers
    assert_private(str(body))


@pytest.mark.django_db
def test_the_staff_list_needs_the_sites_staff(
    client: Client, submit: Callable[..., VisitRequest], officer: User, site: Site
) -> None:
    request = submit()
    assert client.get("/api/v1/sites/hall/outreach/").status_code == 401
    other = Site.objects.create(slug="other", name="别处")
    client.force_login(make_staff("elsewhere", other))
    assert client.get("/api/v1/sites/hall/outreach/").status_code == 403
    client.force_login(officer)
    response = client.get("/api/v1/sites/hall/outreach/")
    assert response.status_code == 200
    [row] = response.json()
    assert (row["name"], row["phone"], row["address"]) == (NAME, PHONE, ADDRESS)
    viewed = OutreachEvent.objects.get(kind="details.viewed")
    assert viewed.user == officer and viewed.request == request and viewed.data == {"page": "api"}


@pytest.mark.django_db
def test_sessions_are_public(client: Client, site: Site, types: dict[str, BusinessType]) -> None:
    session = ServiceSession.objects.create(
        site=site, place="东岭村村委会", place_kind="village", date=timezone.localdate() + dt.timedelta(days=2),
        start=dt.time(9), end=dt.time(12),
    )  # fmt: skip
    session.business_types.set([types["B"], types["C"]])
    ServiceSession.objects.create(
        site=site, place="过去", place_kind="village", date=timezone.localdate() - dt.timedelta(days=1),
        start=dt.time(9), end=dt.time(12),
    )  # fmt: skip
    body = client.get("/api/v1/sites/hall/service-days/").json()
    assert body == {
        "sessions": [
            {
                "place": "东岭村村委会",
                "place_kind": "village",
                "date": session.date.isoformat(),
                "start": "09:00",
                "end": "12:00",
                "business_types": ["B", "C"],
                "note": "",
            }
        ]
    }


@pytest.mark.django_db
def test_a_code_at_the_kiosk_gives_a_priority_ticket(
    client: Client, submit: Callable[..., VisitRequest], supervisor: User, officer: User
) -> None:
    request = submit()
    services.schedule_visit(
        request=request, day=timezone.localdate(), start=dt.time(9), end=dt.time(10), officers=[officer],
        who=services.Who(user=supervisor),
    )  # fmt: skip
    services.record_visit(request=request, outcome="window", note="缺照片", who=services.Who(user=officer))
    request.refresh_from_db()
    assert request.return_code is not None
    code = f"{request.return_code[:4]}-{request.return_code[4:]}".lower()
    response = client.post("/api/v1/sites/hall/outreach/tickets/", {"code": code}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["priority"] is True and body["purpose"] == "return" and body["number"].startswith("B")
    again = client.post("/api/v1/sites/hall/outreach/tickets/", {"code": code}, content_type="application/json")
    assert again.status_code == 409
    unknown = client.post(
        "/api/v1/sites/hall/outreach/tickets/", {"code": "2345-6789"}, content_type="application/json"
    )
    assert unknown.status_code == 404


@pytest.mark.django_db
def test_the_openapi_document_lists_the_outreach_paths(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/sites/{site}/outreach/",
        "/api/v1/outreach/{code}/",
        "/api/v1/sites/{site}/service-days/",
    ):
        assert path in paths
