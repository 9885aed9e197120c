"""The checklist and notice endpoints, and redeeming a code when issuing, over HTTP in process."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from notices.models import ChecklistVersion, Notice, normalize_code
from queueing import services
from queueing.models import Desk, Event, Site, Ticket
from tests.conftest import make_desk, publish_checklist

Issue = Callable[..., Ticket]


def post(client: Client, url: str, body: Any = None, **headers: Any) -> Any:
    return client.post(url, data=json.dumps(body or {}), content_type="application/json", **headers)


def error_code(response: Any) -> str:
    body = response.json()
    assert set(body) == {"error"} and body["error"]["message"], body
    return str(body["error"]["code"])


@pytest.fixture
def device(desk: Desk) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {services.create_desk_token(desk=desk)}"}


@pytest.fixture
def serving(checklist: ChecklistVersion, desk: Desk, issue: Issue, by_officer: services.Actor) -> Ticket:
    issue("A")
    ticket = services.call_next(desk=desk, actor=by_officer)
    assert ticket is not None
    services.start(desk=desk, actor=by_officer)
    return ticket


def item_ids(version: ChecklistVersion) -> list[int]:
    return list(version.items.order_by("position").values_list("pk", flat=True))


def test_the_checklist_is_the_published_version_with_item_ids(client: Client, checklist: ChecklistVersion) -> None:
    response = client.get("/api/v1/sites/hall/business-types/a/checklist/")
    assert response.status_code == 200
    body = response.json()
    assert (body["business_type"], body["version"]) == ("A", 1)
    assert [(i["id"], i["name"]) for i in body["items"]] == list(
        checklist.items.order_by("position").values_list("pk", "name")
    )
    assert body["conditions"] == ["年满十六周岁", "本人到场"]
    assert body["url"] == "/notices/hall/A/?v=1"


def test_a_new_version_replaces_it_and_the_old_one_stays_readable(client: Client, checklist: ChecklistVersion) -> None:
    publish_checklist(checklist.business_type, ["居民身份证"])
    body = client.get("/api/v1/sites/hall/business-types/A/checklist/").json()
    assert (body["version"], [i["name"] for i in body["items"]]) == (2, ["居民身份证"])
    old = client.get("/api/v1/sites/hall/business-types/A/checklist/?version=1").json()
    assert (old["version"], len(old["items"])) == (1, 3)
    missing = client.get("/api/v1/sites/hall/business-types/A/checklist/?version=3")
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "path", ["/sites/hall/business-types/B/checklist/", "/sites/nowhere/business-types/A/checklist/"]
)
def test_no_checklist_is_not_found(client: Client, checklist: ChecklistVersion, path: str) -> None:
    response = client.get(f"/api/v1{path}")
    assert response.status_code == 404 and error_code(response) == "not_found"


def test_a_desk_device_issues_a_notice_for_its_ticket(
    client: Client, serving: Ticket, checklist: ChecklistVersion, device: dict[str, str]
) -> None:
    ids = item_ids(checklist)
    response = post(client, "/api/v1/sites/hall/desks/1/notice/", {"items": ids[:2], "note": "户主同意书"}, **device)
    assert response.status_code == 201
    body = response.json()
    notice = Notice.objects.get(code=normalize_code(body["code"]))
    assert (notice.ticket, body["ticket"], body["status"], body["note"]) == (
        serving,
        serving.number,
        "valid",
        "户主同意书",
    )
    assert [i["id"] for i in body["items"]] == ids[:2]
    assert body["url"] == f"/n/{notice.code}/" and body["checklist_version"] == 1
    # The phone sees it in its ticket's state.
    phone = client.get(f"/api/v1/tickets/{serving.token}/").json()
    assert phone["notice"]["code"] == body["code"] and phone["checklist_url"] == "/notices/hall/A/?v=1"


def test_an_officer_session_issues_a_notice_with_csrf(
    serving: Ticket, checklist: ChecklistVersion, officer: User
) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(officer)
    refused = post(browser, "/api/v1/sites/hall/desks/1/notice/", {"items": item_ids(checklist)[:1]})
    assert refused.status_code == 403 and not Notice.objects.exists()
    browser.get("/desk/1/")  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    response = post(
        browser, "/api/v1/sites/hall/desks/1/notice/", {"items": item_ids(checklist)[:1]}, HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201
    assert Notice.objects.get().officer == officer


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"items": []}, 400, "invalid_request"),
        ({"items": [987654]}, 400, "invalid_request"),
        ({"items": "all"}, 422, "invalid_request"),
        ({"items": [], "note": "x" * 501}, 422, "invalid_request"),
    ],
)
def test_bad_notice_requests_change_nothing(
    client: Client, serving: Ticket, device: dict[str, str], body: Any, status: int, code: str
) -> None:
    events = Event.objects.count()
    response = post(client, "/api/v1/sites/hall/desks/1/notice/", body, **device)
    assert (response.status_code, error_code(response)) == (status, code)
    assert not Notice.objects.exists() and Event.objects.count() == events


def test_notice_needs_the_desk_s_credentials(
    client: Client, serving: Ticket, checklist: ChecklistVersion, site: Site
) -> None:
    anonymous = post(client, "/api/v1/sites/hall/desks/1/notice/", {"items": item_ids(checklist)[:1]})
    assert (anonymous.status_code, error_code(anonymous)) == (401, "unauthenticated")
    other = make_desk(site, 2, "A")
    other_token = {"HTTP_AUTHORIZATION": f"Bearer {services.create_desk_token(desk=other)}"}
    forbidden = post(client, "/api/v1/sites/hall/desks/1/notice/", {"items": item_ids(checklist)[:1]}, **other_token)
    assert (forbidden.status_code, error_code(forbidden)) == (403, "forbidden")
    assert not Notice.objects.exists()


def test_no_ticket_in_hand_and_a_second_notice_are_conflicts(
    client: Client, checklist: ChecklistVersion, desk: Desk, device: dict[str, str], issue: Issue
) -> None:
    url = "/api/v1/sites/hall/desks/1/notice/"
    idle = post(client, url, {"items": item_ids(checklist)[:1]}, **device)
    assert (idle.status_code, error_code(idle)) == (409, "invalid_transition")
    issue("A")
    post(client, "/api/v1/sites/hall/desks/1/call-next/", **device)
    assert post(client, url, {"items": item_ids(checklist)[:1]}, **device).status_code == 201
    again = post(client, url, {"items": item_ids(checklist)[1:2]}, **device)
    assert (again.status_code, error_code(again)) == (409, "notice_exists")
    assert Notice.objects.count() == 1


@pytest.fixture
def code(client: Client, serving: Ticket, checklist: ChecklistVersion, device: dict[str, str]) -> str:
    body = post(client, "/api/v1/sites/hall/desks/1/notice/", {"items": item_ids(checklist)[:1]}, **device).json()
    return str(body["code"])


def test_a_notice_is_read_by_its_code_in_any_form(client: Client, code: str) -> None:
    for form in (code, code.lower(), code.replace("-", "")):
        response = client.get(f"/api/v1/notices/{form}/")
        assert response.status_code == 200 and response.json()["code"] == code
    unknown = client.get("/api/v1/notices/ZZZZ-ZZZZ/")
    assert (unknown.status_code, error_code(unknown)) == (404, "not_found")


def test_the_code_redeems_once_for_a_priority_ticket(client: Client, code: str) -> None:
    url = "/api/v1/sites/hall/tickets/"
    response = post(client, url, {"business_type": "A", "notice_code": code})
    assert response.status_code == 201
    body = response.json()
    assert (body["priority"], body["priority_source"]) == (True, "notice")
    assert client.get(f"/api/v1/notices/{code}/").json()["status"] == "used"
    tickets = Ticket.objects.count()
    again = post(client, url, {"business_type": "A", "notice_code": code})
    assert (again.status_code, error_code(again)) == (409, "notice_used")
    assert Ticket.objects.count() == tickets


def test_an_expired_code_is_refused(client: Client, code: str) -> None:
    Notice.objects.update(expires_at=Notice.objects.get().issued_at - dt.timedelta(seconds=1))
    tickets = Ticket.objects.count()
    response = post(client, "/api/v1/sites/hall/tickets/", {"business_type": "A", "notice_code": code})
    assert (response.status_code, error_code(response)) == (409, "notice_expired")
    assert Ticket.objects.count() == tickets and Notice.objects.get().redeemed_at is None


def test_a_ticket_records_the_checklist_version_the_kiosk_sent(
    client: Client, checklist: ChecklistVersion, desk: Desk
) -> None:
    publish_checklist(checklist.business_type, ["居民身份证"])
    body = post(client, "/api/v1/sites/hall/tickets/", {"business_type": "A", "checklist_version": 1}).json()
    assert Ticket.objects.get(token=body["token"]).checklist_version == checklist
    unknown = post(client, "/api/v1/sites/hall/tickets/", {"business_type": "A", "checklist_version": 9})
    assert (unknown.status_code, error_code(unknown)) == (404, "not_found")  # a version that does not exist
