"""The answers the kiosk's notice flow and the desk's checklist panel rely on, over HTTP in process."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from notices import services as notice_services
from notices.models import ChecklistVersion, Notice
from queueing import services
from queueing.models import BusinessType, Desk, Site, Ticket
from tests.conftest import publish_checklist

Issue = Callable[..., Ticket]
ISSUE_URL = "/api/v1/sites/hall/tickets/"


def post(client: Client, url: str, body: Any = None, **headers: Any) -> Any:
    return client.post(url, data=json.dumps(body or {}), content_type="application/json", **headers)


@pytest.fixture
def device(desk: Desk) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {services.create_desk_token(desk=desk)}"}


@pytest.fixture
def notice(checklist: ChecklistVersion, desk: Desk, issue: Issue, by_officer: services.Actor) -> Notice:
    issue("A", checklist_version=checklist.number)
    assert services.call_next(desk=desk, actor=by_officer) is not None
    first = checklist.items.order_by("position").values_list("pk", flat=True)[0]
    return notice_services.issue_notice(desk=desk, actor=by_officer, item_ids=[first])


def test_a_notice_names_its_site_and_says_whether_it_is_still_valid(client: Client, notice: Notice) -> None:
    body = client.get(f"/api/v1/notices/{notice.code}/").json()
    assert (body["site"], body["status"], body["business_type"]) == ("hall", "valid", "A")
    assert body["url"] == f"/n/{notice.code}/"
    Notice.objects.update(expires_at=notice.issued_at - dt.timedelta(seconds=1))
    assert client.get(f"/api/v1/notices/{notice.code}/").json()["status"] == "expired"


def test_a_notice_of_another_site_is_refused_there(
    client: Client, notice: Notice, types: dict[str, BusinessType]
) -> None:
    other = Site.objects.create(slug="east", name="东城派出所", always_open=True)
    BusinessType.objects.create(site=other, prefix="A", name="户口迁移")
    response = post(client, "/api/v1/sites/east/tickets/", {"business_type": "A", "notice_code": notice.code})
    assert (response.status_code, response.json()["error"]["code"]) == (403, "forbidden")
    assert not Ticket.objects.filter(site=other).exists()


def test_the_kiosks_notice_request_gives_a_notice_ticket_ahead_of_plain_ones(
    client: Client, notice: Notice, issue: Issue
) -> None:
    issue("A")
    issue("A")
    # What the kiosk sends: the notice's business, its code, and priority (see the next test).
    body = post(client, ISSUE_URL, {"business_type": "A", "notice_code": notice.display_code, "priority": True}).json()
    assert (body["priority"], body["priority_source"], body["ahead"]) == (True, "notice", 0)
    ticket = Ticket.objects.get(token=body["token"])
    assert ticket.priority_kind == ""  # not a self-declared lane
    notice.refresh_from_db()
    assert notice.redeemed_ticket_id == ticket.pk


def test_a_notice_code_alone_answers_the_people_ahead_of_a_priority_ticket(
    client: Client, notice: Notice, issue: Issue
) -> None:
    issue("A")
    issue("A")
    body = post(client, ISSUE_URL, {"business_type": "A", "notice_code": notice.code}).json()
    assert body["priority"] is True
    assert body["ahead"] == 0


def test_the_desk_state_carries_the_notice_and_the_version_shown(
    client: Client, checklist: ChecklistVersion, desk: Desk, device: dict[str, str], issue: Issue
) -> None:
    issue("A", checklist_version=checklist.number)
    publish_checklist(checklist.business_type, ["居民身份证"])  # the desk's panel shows version 2
    called = post(client, "/api/v1/sites/hall/desks/1/call-next/", **device).json()
    assert called["ticket"]["checklist_url"] == "/notices/hall/A/?v=1"
    assert called["ticket"]["notice"] is None
    given = post(client, "/api/v1/sites/hall/desks/1/notice/", {"note": "户口簿"}, **device).json()
    state = client.get("/api/v1/sites/hall/desks/1/", **device).json()
    assert state["ticket"]["notice"]["code"] == given["code"]
    assert state["ticket"]["notice"]["url"] == given["url"]


def test_a_business_without_a_published_checklist_answers_not_found(
    client: Client, checklist: ChecklistVersion, types: dict[str, BusinessType]
) -> None:
    response = client.get("/api/v1/sites/hall/business-types/B/checklist/")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
