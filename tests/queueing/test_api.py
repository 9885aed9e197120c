"""The JSON API v1, in process: every endpoint's success and its errors, in the SPEC's error shape."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db import OperationalError, connections
from django.test import Client

from queueing import services
from queueing.models import BusinessType, Desk, DeskToken, Event, Reason, Site, Ticket
from tests.conftest import make_desk, make_staff, publish_checklist

Issue = Callable[..., Ticket]


def post(client: Client, url: str, body: Any = None, **headers: Any) -> Any:
    data = body if isinstance(body, str) else json.dumps(body or {})
    return client.post(url, data=data, content_type="application/json", **headers)


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] and body["error"]["message"]
    return body["error"]


@pytest.fixture
def token(desk: Desk) -> str:
    return services.create_desk_token(desk=desk)


@pytest.fixture
def device(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# --- Business types -------------------------------------------------------------


def test_business_types_list_waiting_and_estimates_in_site_order(client: Client, desk: Desk, issue: Issue) -> None:
    issue("B")
    issue("B")
    response = client.get("/api/v1/sites/hall/business-types/")
    assert response.status_code == 200
    rows = response.json()
    assert [r["prefix"] for r in rows] == ["A", "B", "C"]
    b = rows[1]
    assert (b["name"], b["waiting"], b["open_desks"], b["estimated_wait_minutes"], b["available"]) == (
        "居民身份证",
        2,
        1,
        16,
        True,
    )


def test_unknown_site_is_not_found(client: Client, db: Any) -> None:
    response = client.get("/api/v1/sites/nowhere/business-types/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


# --- Issuing -------------------------------------------------------------------------


def test_issue_returns_201_with_the_fixed_fields(client: Client, desk: Desk, issue: Issue) -> None:
    issue("A")
    response = post(client, "/api/v1/sites/hall/tickets/", {"business_type": "a"})
    assert response.status_code == 201
    body = response.json()
    assert (body["number"], body["status"], body["ahead"], body["priority"]) == ("A002", "waiting", 1, False)
    assert body["estimated_wait_minutes"] == 15
    assert body["url"] == f"/t/{body['token']}/"
    ticket = Ticket.objects.get(token=body["token"])
    assert ticket.events.get().actor_kind == "kiosk"


def test_issue_with_declared_priority(client: Client, desk: Desk, issue: Issue) -> None:
    issue("A")
    body = post(
        client, "/api/v1/sites/hall/tickets/", {"business_type": "A", "priority": True, "priority_kind": "pregnant"}
    ).json()
    assert (body["priority"], body["priority_source"], body["ahead"]) == (True, "self_declared", 0)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("{not json", 400, "invalid_request"),
        ({}, 422, "invalid_request"),
        ({"business_type": "AB"}, 422, "invalid_request"),
        ({"business_type": 7}, 422, "invalid_request"),
        ({"business_type": "A", "priority": "very"}, 422, "invalid_request"),
        ({"business_type": "Q"}, 404, "not_found"),
        ({"business_type": "A", "notice_code": "NOPE42"}, 404, "not_found"),
    ],
)
def test_issue_refuses_bad_input_and_changes_nothing(
    client: Client, types: Any, body: Any, status: int, code: str
) -> None:
    response = post(client, "/api/v1/sites/hall/tickets/", body)
    assert response.status_code == status
    assert error_of(response)["code"] == code
    assert not Ticket.objects.exists() and not Event.objects.exists()


def test_issue_for_an_inactive_type_is_a_conflict(client: Client, types: dict[str, BusinessType]) -> None:
    BusinessType.objects.filter(pk=types["C"].pk).update(active=False)
    response = post(client, "/api/v1/sites/hall/tickets/", {"business_type": "C"})
    assert response.status_code == 409
    assert error_of(response)["code"] == "business_type_inactive"


def test_issue_over_the_cap_says_when_to_come_back(client: Client, types: dict[str, BusinessType]) -> None:
    BusinessType.objects.filter(pk=types["A"].pk).update(daily_cap=1)
    assert post(client, "/api/v1/sites/hall/tickets/", {"business_type": "A"}).status_code == 201
    response = post(client, "/api/v1/sites/hall/tickets/", {"business_type": "A"})
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "daily_cap_reached"
    assert "retry_at" in error  # the demo-style site is always open: tomorrow 00:00


def test_issue_out_of_hours_is_closed_now_with_retry_at(client: Client, site: Site, types: Any) -> None:
    site.always_open = False  # and no opening hours at all: closed for good
    site.save()
    response = post(client, "/api/v1/sites/hall/tickets/", {"business_type": "A"})
    assert response.status_code == 409
    error = error_of(response)
    assert (error["code"], error["retry_at"]) == ("closed_now", None)


def test_messages_follow_the_language(client: Client, types: Any) -> None:
    zh = post(client, "/api/v1/sites/hall/tickets/", {"business_type": "Q"}, HTTP_ACCEPT_LANGUAGE="zh-CN")
    en = post(client, "/api/v1/sites/hall/tickets/", {"business_type": "Q"}, HTTP_ACCEPT_LANGUAGE="en")
    assert error_of(en)["message"] == "There is no business type Q here."
    assert error_of(zh)["message"] == "这里没有 Q 类业务。"


# --- Idempotency ------------------------------------------------------------------------


def test_same_idempotency_key_returns_the_same_ticket(client: Client, types: Any) -> None:
    first = post(client, "/api/v1/sites/hall/tickets/", {"business_type": "A"}, HTTP_IDEMPOTENCY_KEY="tap-1")
    again = post(client, "/api/v1/sites/hall/tickets/", {"business_type": "A"}, HTTP_IDEMPOTENCY_KEY="tap-1")
    other = post(client, "/api/v1/sites/hall/tickets/", {"business_type": "A"}, HTTP_IDEMPOTENCY_KEY="tap-2")
    assert first.status_code == again.status_code == 201
    assert first.json()["token"] == again.json()["token"]
    assert other.json()["number"] == "A002"
    assert Ticket.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_same_idempotency_key_from_two_threads_at_once_makes_one_ticket(site: Site, types: Any) -> None:
    barrier = threading.Barrier(8)
    results: list[Any] = []

    def tap() -> None:
        barrier.wait()
        try:
            response = post(Client(), "/api/v1/sites/hall/tickets/", {"business_type": "B"}, HTTP_IDEMPOTENCY_KEY="k-7")
            results.append((response.status_code, response.json()["token"]))
        finally:
            connections.close_all()  # this thread's connection, so the test database can be dropped

    threads = [threading.Thread(target=tap) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {status for status, _ in results} == {201}
    assert len({tok for _, tok in results}) == 1
    assert Ticket.objects.count() == 1


def test_overlong_idempotency_key_is_refused(client: Client, types: Any) -> None:
    response = post(client, "/api/v1/sites/hall/tickets/", {"business_type": "A"}, HTTP_IDEMPOTENCY_KEY="k" * 201)
    assert response.status_code == 400
    assert not Ticket.objects.exists()


# --- Rate limit -----------------------------------------------------------------------------


def test_rate_limit_per_client_address(client: Client, types: Any, settings: Any) -> None:
    settings.COUNTER_KIOSK_RATE_LIMIT = 2
    url, body = "/api/v1/sites/hall/tickets/", {"business_type": "A"}
    assert [post(client, url, body, REMOTE_ADDR="10.1.1.1").status_code for _ in range(2)] == [201, 201]
    refused = post(client, url, body, REMOTE_ADDR="10.1.1.1")
    assert refused.status_code == 429
    assert error_of(refused)["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 61
    # Another kiosk is not affected; a forged X-Forwarded-For from an untrusted peer is ignored.
    assert post(client, url, body, REMOTE_ADDR="10.1.1.2").status_code == 201
    forged = post(client, url, body, REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert forged.status_code == 429
    assert Ticket.objects.count() == 3


def test_rate_limit_uses_forwarded_address_behind_a_trusted_proxy(client: Client, types: Any, settings: Any) -> None:
    settings.COUNTER_KIOSK_RATE_LIMIT = 1
    settings.COUNTER_TRUSTED_PROXIES = ["127.0.0.0/8"]
    url, body = "/api/v1/sites/hall/tickets/", {"business_type": "A"}
    via_proxy = {"REMOTE_ADDR": "127.0.0.1"}
    assert post(client, url, body, HTTP_X_FORWARDED_FOR="10.0.0.1", **via_proxy).status_code == 201
    assert post(client, url, body, HTTP_X_FORWARDED_FOR="10.0.0.2", **via_proxy).status_code == 201
    assert post(client, url, body, HTTP_X_FORWARDED_FOR="10.0.0.1", **via_proxy).status_code == 429
    assert Event.objects.filter(kind="ticket.issued").order_by("id").first().address == "10.0.0.1"


def test_rate_limit_fails_open_when_the_cache_is_down(
    client: Client, types: Any, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.COUNTER_KIOSK_RATE_LIMIT = 1
    with mock.patch("queueing.ratelimit.cache.incr", side_effect=ConnectionError("cache down")):
        codes = [post(client, "/api/v1/sites/hall/tickets/", {"business_type": "A"}).status_code for _ in range(3)]
    assert codes == [201, 201, 201]
    assert sum("rate limit cache unreachable" in r.message for r in caplog.records) <= 1


# --- Ticket by token -----------------------------------------------------------------------


def test_ticket_status_and_cancel_by_token(client: Client, desk: Desk, issue: Issue) -> None:
    ticket = issue("A")
    status = client.get(f"/api/v1/tickets/{ticket.token}/")
    assert status.status_code == 200 and status.json()["number"] == "A001"
    cancelled = post(client, f"/api/v1/tickets/{ticket.token}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = post(client, f"/api/v1/tickets/{ticket.token}/cancel/")
    assert again.status_code == 409 and error_of(again)["code"] == "invalid_transition"
    assert ticket.events.filter(kind="ticket.cancelled", actor_kind="citizen").count() == 1


def test_unknown_token_is_not_found(client: Client, db: Any) -> None:
    assert error_of(client.get("/api/v1/tickets/nope/"))["code"] == "not_found"
    assert post(client, "/api/v1/tickets/nope/cancel/").status_code == 404


def test_called_ticket_shows_its_desk(client: Client, desk: Desk, issue: Issue, device: dict[str, str]) -> None:
    ticket = issue("A")
    post(client, "/api/v1/sites/hall/desks/1/call-next/", **device)
    body = client.get(f"/api/v1/tickets/{ticket.token}/").json()
    assert (body["status"], body["desk"], body["desk_name"]) == ("called", "1", "1号窗口")


# --- Desk actions: credentials ---------------------------------------------------------------


def test_device_token_calls_next(client: Client, desk: Desk, issue: Issue, device: dict[str, str]) -> None:
    issue("A")
    response = post(client, "/api/v1/sites/hall/desks/1/call-next/", **device)
    assert response.status_code == 200
    body = response.json()
    assert (body["ticket"]["number"], body["ticket"]["status"]) == ("A001", "called")
    assert (body["desk"]["number"], body["desk"]["state"], body["desk"]["ticket"]) == ("1", "open", "A001")
    event = Event.objects.get(kind="ticket.called")
    assert (event.actor_kind, event.device.desk) == ("device", desk)
    empty = post(client, "/api/v1/sites/hall/desks/1/call-next/", **device).json()
    assert empty["ticket"] is None


def test_the_call_next_answer_is_the_desks_state_as_read_afterwards(
    client: Client, desk: Desk, issue: Issue, device: dict[str, str], types: dict[str, BusinessType]
) -> None:
    # The answer reuses the ticket the service called instead of reading it again: it must not differ.
    publish_checklist(types["A"], ["居民身份证"])
    issue("A", priority=True)
    issue("A")
    for _ in range(3):  # a call, a call that finishes the first, a call that finds the queue empty
        answer = post(client, "/api/v1/sites/hall/desks/1/call-next/", **device).json()
        assert answer == client.get("/api/v1/sites/hall/desks/1/", **device).json()
    assert answer["ticket"] is None and answer["served_today"] == 0


def test_every_desk_state_carries_the_site_version_it_is_as_of(
    client: Client, desk: Desk, desk2: Desk, issue: Issue, device: dict[str, str]
) -> None:
    # The desk page drops any state older than the one it shows: the version is what it compares.
    def version() -> int:
        return Site.objects.get(slug="hall").version

    issue("A")
    assert client.get("/api/v1/sites/hall/desks/1/", **device).json()["site_version"] == version()
    called = post(client, "/api/v1/sites/hall/desks/1/call-next/", **device).json()
    assert called["ticket"]["number"] == "A001"
    assert called["site_version"] == version()  # the call's own version
    before = version()
    issue("A")  # another change of the site, not of this desk
    assert version() == before + 1
    assert client.get("/api/v1/sites/hall/desks/1/", **device).json()["site_version"] == version()
    post(client, "/api/v1/sites/hall/desks/1/call-next/", **device)
    post(client, "/api/v1/sites/hall/desks/1/call-next/", **device)  # finishes A002
    kept = version()
    empty = post(client, "/api/v1/sites/hall/desks/1/call-next/", **device).json()
    # Nothing changed: the version went back, and the answer does not claim one the site never had.
    assert empty["ticket"] is None and version() == kept and empty["site_version"] == kept


def test_device_token_of_another_desk_is_forbidden(
    client: Client, desk: Desk, desk2: Desk, issue: Issue, device: dict[str, str]
) -> None:
    issue("A")
    response = post(client, "/api/v1/sites/hall/desks/2/call-next/", **device)
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
    assert not Event.objects.filter(kind="ticket.called").exists()


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Bearer ", "Basic abc"])
def test_missing_or_bad_credentials_are_unauthenticated(
    client: Client, desk: Desk, issue: Issue, header: str | None
) -> None:
    issue("A")
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = post(client, "/api/v1/sites/hall/desks/1/call-next/", **extra)
    assert response.status_code == 401 and error_of(response)["code"] == "unauthenticated"
    assert Ticket.objects.get().status == "waiting"


def test_revoked_token_is_refused(client: Client, desk: Desk, token: str, device: dict[str, str]) -> None:
    services.revoke_desk_tokens(tokens=DeskToken.objects.filter(desk=desk))
    assert post(client, "/api/v1/sites/hall/desks/1/call-next/", **device).status_code == 401


def test_officer_session_needs_csrf(desk: Desk, officer: User, issue: Issue) -> None:
    issue("A")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(officer)
    refused = post(browser, "/api/v1/sites/hall/desks/1/call-next/")
    assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"
    browser.get("/accounts/login/")  # sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    accepted = post(browser, "/api/v1/sites/hall/desks/1/call-next/", HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 200
    assert Event.objects.get(kind="ticket.called").user == officer


def test_officer_of_another_site_or_without_role_is_forbidden(client: Client, desk: Desk, issue: Issue) -> None:
    issue("A")
    elsewhere = Site.objects.create(slug="other", name="Other", always_open=True)
    client.force_login(make_staff("stranger", elsewhere))
    assert post(client, "/api/v1/sites/hall/desks/1/call-next/").status_code == 403
    no_role = User.objects.create_user("visitor", password="x")
    client.force_login(no_role)
    assert post(client, "/api/v1/sites/hall/desks/1/call-next/").status_code == 403
    assert Ticket.objects.get().status == "waiting"


def test_unknown_desk_is_not_found(client: Client, desk: Desk, device: dict[str, str]) -> None:
    response = post(client, "/api/v1/sites/hall/desks/99/call-next/", **device)
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


# --- Desk actions: each one ------------------------------------------------------------------


def test_desk_actions_through_a_service_day(
    client: Client, site: Site, desk: Desk, reason: Reason, issue: Issue, device: dict[str, str]
) -> None:
    a1, a2, b1 = issue("A"), issue("A"), issue("B")
    url = "/api/v1/sites/hall/desks/1/"

    def act(action: str, body: Any = None) -> Any:
        return post(client, url + action + "/", body, **device)

    assert act("call-next").json()["ticket"]["number"] == "A001"
    assert act("recall").json()["ticket"]["recalls"] == 1
    assert act("no-show").json()["ticket"] is None
    assert act("requeue", {"number": "A001", "reason": "returned"}).json()["ticket"] is None
    assert act("call", {"number": "B001", "reason": "returned"}).json()["ticket"]["number"] == "B001"
    assert act("start").json()["ticket"]["status"] == "serving"
    transferred = act("transfer", {"business_type": "A", "reason": "returned"}).json()
    assert transferred["ticket"] is None
    assert client.get(f"/api/v1/tickets/{b1.token}/").json()["business_type"] == "A"
    # A transferred ticket goes ahead of plain ones; then the requeued A001 at its old place.
    assert act("call-next").json()["ticket"]["number"] == "B001"
    assert act("start").json()["ticket"]["status"] == "serving"
    assert act("call-next").json()["ticket"]["number"] == "A001"
    assert act("start").json()["ticket"]["status"] == "serving"
    assert act("complete").json()["ticket"] is None
    assert act("pause", {"reason": "break"}).json()["desk"]["state"] == "paused"
    assert act("resume").json()["desk"]["state"] == "open"
    assert act("close").json()["desk"]["state"] == "closed"
    assert act("open").json()["desk"]["state"] == "open"
    state = client.get(url, **device).json()
    assert state["desk"]["state"] == "open" and state["ticket"] is None
    assert state["served_today"] == 2
    for ticket in (a1, a2, b1):
        ticket.refresh_from_db()
    assert [a1.status, a2.status, b1.status] == ["done", "waiting", "done"]


@pytest.mark.parametrize(
    ("action", "body", "status", "code"),
    [
        ("start", None, 409, "invalid_transition"),
        ("complete", None, 409, "invalid_transition"),
        ("recall", None, 409, "invalid_transition"),
        ("no-show", None, 409, "invalid_transition"),
        ("call", {"number": "A001"}, 400, "reason_required"),
        ("call", {"number": "A001", "reason": "nope"}, 400, "reason_required"),
        ("call", {"number": "not a number", "reason": "returned"}, 422, "invalid_request"),
        ("call", {"number": "A777", "reason": "returned"}, 404, "not_found"),
        ("requeue", {"number": "A001", "reason": "returned"}, 409, "invalid_transition"),
        ("transfer", {"business_type": "B", "reason": "returned"}, 409, "invalid_transition"),
        ("pause", {}, 400, "reason_required"),
        ("resume", None, 409, "invalid_transition"),
        ("open", None, 409, "invalid_transition"),
    ],
)
def test_desk_action_errors_change_nothing(
    client: Client,
    desk: Desk,
    reason: Reason,
    issue: Issue,
    device: dict[str, str],
    action: str,
    body: Any,
    status: int,
    code: str,
) -> None:
    issue("A")
    events = Event.objects.count()
    response = post(client, f"/api/v1/sites/hall/desks/1/{action}/", body, **device)
    assert response.status_code == status
    assert error_of(response)["code"] == code
    assert Event.objects.count() == events
    assert Ticket.objects.get().status == "waiting"


def test_paused_desk_cannot_call(client: Client, desk: Desk, reason: Reason, issue: Issue, device: Any) -> None:
    issue("A")
    post(client, "/api/v1/sites/hall/desks/1/pause/", {"reason": "break"}, **device)
    response = post(client, "/api/v1/sites/hall/desks/1/call-next/", **device)
    assert response.status_code == 409 and error_of(response)["code"] == "desk_paused"
    post(client, "/api/v1/sites/hall/desks/1/resume/", **device)
    post(client, "/api/v1/sites/hall/desks/1/close/", **device)
    response = post(client, "/api/v1/sites/hall/desks/1/call-next/", **device)
    assert response.status_code == 409 and error_of(response)["code"] == "desk_closed"


# --- Site data --------------------------------------------------------------------------------


def test_reasons_list(client: Client, reason: Reason) -> None:
    rows = client.get("/api/v1/sites/hall/reasons/").json()
    assert [r["code"] for r in rows] == ["returned", "break"]
    assert rows[0] == {"code": "returned", "label": "过号后返回", "label_en": "Came back"}


def test_snapshot_has_desks_waiting_and_recent_calls(
    client: Client, site: Site, desk: Desk, desk2: Desk, issue: Issue, device: dict[str, str]
) -> None:
    issue("A")
    issue("B")
    post(client, "/api/v1/sites/hall/desks/1/call-next/", **device)
    post(client, "/api/v1/sites/hall/desks/1/recall/", **device)
    body = client.get("/api/v1/sites/hall/snapshot/").json()
    site.refresh_from_db()
    assert body["version"] == site.version
    desks = {d["number"]: d for d in body["desks"]}
    assert (desks["1"]["ticket"], desks["1"]["ticket_status"], desks["2"]["ticket"]) == ("A001", "called", None)
    assert {w["business_type"]: w["waiting"] for w in body["waiting"]} == {"A": 0, "B": 1, "C": 0}
    assert [(c["number"], c["desk"], c["recall"]) for c in body["recent_calls"]] == [
        ("A001", "1", True),
        ("A001", "1", False),
    ]
    assert "token" not in json.dumps(body["desks"])
    assert {d["officer"] for d in body["desks"]} == {None}  # public: no account names


# --- Framework answers in the same shape ----------------------------------------------------------


def test_unknown_api_path_and_wrong_method_are_json(client: Client, site: Site) -> None:
    missing = client.get("/api/v1/no/such/thing/")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    wrong = client.delete("/api/v1/sites/hall/snapshot/")
    assert wrong.status_code == 405 and error_of(wrong)["code"] == "method_not_allowed"


def test_database_outage_is_a_503_with_retry_after(client: Client, site: Site) -> None:
    with mock.patch("queueing.api.get_site", side_effect=OperationalError("connection refused")):
        response = client.get("/api/v1/sites/hall/snapshot/")
    assert response.status_code == 503
    assert error_of(response)["code"] == "unavailable"
    assert response["Retry-After"] == "5"


def test_unexpected_error_is_a_json_500_without_a_trace(client: Client, site: Site) -> None:
    with mock.patch("queueing.api.snapshot_out", side_effect=RuntimeError("boom")):
        response = client.get("/api/v1/sites/hall/snapshot/")
    assert response.status_code == 500
    assert "boom" not in response.content.decode() and "Traceback" not in response.content.decode()
    assert error_of(response)["code"] == "internal_error"


def test_supervisor_may_act_on_a_desk_of_the_site(
    client: Client, site: Site, types: Any, supervisor: User, issue: Issue
) -> None:
    make_desk(site, 3, "A")
    issue("A")
    client.force_login(supervisor)
    assert post(client, "/api/v1/sites/hall/desks/3/call-next/").json()["ticket"]["number"] == "A001"
