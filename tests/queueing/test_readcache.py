"""The hot public reads answer by version: ETag and 304, kept answers that a write replaces, few queries."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from channels.testing import HttpCommunicator
from django.test import Client

from counter.handlers import PooledASGIHandler
from queueing import services
from queueing.models import Desk, Site, Ticket

Issue = Callable[..., Ticket]
TYPES = "/api/v1/sites/hall/business-types/"
SNAPSHOT = "/api/v1/sites/hall/snapshot/"


def status_url(ticket: Ticket) -> str:
    return f"/api/v1/tickets/{ticket.token}/"


@pytest.fixture
def device(desk: Desk) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {services.create_desk_token(desk=desk)}"}


@pytest.fixture
def hot_urls(desk: Desk, issue: Issue) -> list[str]:
    return [TYPES, SNAPSHOT, status_url(issue("A"))]


def test_a_repeated_read_is_not_modified(client: Client, hot_urls: list[str]) -> None:
    for url in hot_urls:
        first = client.get(url)
        assert first.status_code == 200
        assert first["Cache-Control"] == "no-cache"  # browsers ask again every time
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304, url
        assert again.content == b""
        assert again["ETag"] == first["ETag"]
        # A kept answer is the very same bytes.
        assert client.get(url).content == first.content


def test_a_stale_or_foreign_etag_gets_the_whole_answer(client: Client, hot_urls: list[str]) -> None:
    for url in hot_urls:
        response = client.get(url, HTTP_IF_NONE_MATCH='"1-zh-hans-197001010000"')
        assert response.status_code == 200
        assert response.json()


def test_an_issue_changes_the_next_answer(client: Client, desk: Desk, issue: Issue) -> None:
    ticket = issue("A")
    before = {url: client.get(url) for url in (TYPES, SNAPSHOT, status_url(ticket))}
    posted = client.post(TYPES.replace("business-types", "tickets"), {"business_type": "A"}, "application/json")
    assert posted.status_code == 201
    after = {url: client.get(url, HTTP_IF_NONE_MATCH=before[url]["ETag"]) for url in before}
    for url, response in after.items():
        assert response.status_code == 200, url
        assert response["ETag"] != before[url]["ETag"]
    waiting = {row["prefix"]: row["waiting"] for row in after[TYPES].json()}
    assert waiting["A"] == 2
    assert after[SNAPSHOT].json()["version"] == before[SNAPSHOT].json()["version"] + 1


def test_a_call_changes_the_next_answer(client: Client, desk: Desk, issue: Issue, device: dict[str, str]) -> None:
    ticket = issue("A")
    before = {url: client.get(url) for url in (TYPES, SNAPSHOT, status_url(ticket))}
    assert client.post("/api/v1/sites/hall/desks/1/call-next/", **device).status_code == 200
    after = {url: client.get(url, HTTP_IF_NONE_MATCH=before[url]["ETag"]) for url in before}
    assert all(r.status_code == 200 and r["ETag"] != before[u]["ETag"] for u, r in after.items())
    assert after[status_url(ticket)].json()["status"] == "called"
    assert after[status_url(ticket)].json()["desk"] == "1"
    assert [d["ticket"] for d in after[SNAPSHOT].json()["desks"]] == [ticket.number]
    assert {row["prefix"]: row["waiting"] for row in after[TYPES].json()}["A"] == 0


def test_each_language_has_its_own_etag_and_answer(client: Client, desk: Desk, issue: Issue) -> None:
    url = status_url(issue("A"))
    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert zh["ETag"] != en["ETag"]
    assert zh.json()["status_label"] != en.json()["status_label"]
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_NONE_MATCH=zh["ETag"]).status_code == 200
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_NONE_MATCH=en["ETag"]).status_code == 304


def test_a_tickets_etag_changes_when_only_that_ticket_changes(
    client: Client, desk: Desk, issue: Issue, kiosk: services.Actor
) -> None:
    mine, other = issue("A"), issue("B")
    first = client.get(status_url(mine))
    services.cancel(ticket=mine, actor=services.Actor(kind="citizen"))
    changed = client.get(status_url(mine), HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed.json()["status"] == "cancelled"
    assert other.status == Ticket.Status.WAITING


def test_another_sites_write_leaves_the_answer_alone(client: Client, desk: Desk, issue: Issue) -> None:
    first = client.get(TYPES)
    elsewhere = Site.objects.create(slug="annex", name="分所", always_open=True)
    annex_desk = Desk.objects.create(site=elsewhere, number=1, name="1")
    services.open_desk(desk=annex_desk, actor=services.Actor(kind="system"))
    assert client.get(TYPES, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


@pytest.mark.parametrize("url", [TYPES, SNAPSHOT, "ticket"])
def test_a_kept_answer_costs_one_query(
    client: Client, desk: Desk, issue: Issue, django_assert_max_num_queries: Any, url: str
) -> None:
    url = status_url(issue("A")) if url == "ticket" else url
    with django_assert_max_num_queries(12):
        first = client.get(url)
    with django_assert_max_num_queries(1):
        assert client.get(url).content == first.content
    with django_assert_max_num_queries(1):
        assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


# --- The handler's replay: the same request again, before Django -----------------------------


async def asgi_get(app: PooledASGIHandler, url: str, headers: list[tuple[bytes, bytes]] | None = None) -> Any:
    headers = [(b"host", b"localhost"), *(headers or [])]
    return await HttpCommunicator(app, "GET", url, headers=headers).get_response(timeout=10)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_handler_replays_a_kept_answer_until_a_write(site: Site, desk: Desk) -> None:
    from asgiref.sync import sync_to_async

    ticket = await sync_to_async(services.issue_ticket)(site=site, prefix="A", actor=services.Actor(kind="kiosk"))
    app = PooledASGIHandler()
    urls = [TYPES, SNAPSHOT, status_url(ticket.ticket)]
    with mock.patch.object(app, "_respond", wraps=app._respond) as full_path:
        first = {url: await asgi_get(app, url) for url in urls}
        assert full_path.call_count == 3
        for url in urls:
            again = await asgi_get(app, url)
            assert (again["status"], again["body"]) == (200, first[url]["body"])
            assert sorted(again["headers"]) == sorted(first[url]["headers"])
            etag = dict(first[url]["headers"])[b"ETag"]
            unchanged = await asgi_get(app, url, [(b"if-none-match", etag)])
            assert (unchanged["status"], unchanged["body"]) == (304, b"")
            assert dict(unchanged["headers"])[b"ETag"] == etag
        assert full_path.call_count == 3  # every repeat answered without Django

        await sync_to_async(services.issue_ticket)(site=site, prefix="A", actor=services.Actor(kind="kiosk"))
        for url in urls:
            etag = dict(first[url]["headers"])[b"ETag"]
            changed = await asgi_get(app, url, [(b"if-none-match", etag)])
            assert changed["status"] == 200
            assert dict(changed["headers"])[b"ETag"] != etag
        assert full_path.call_count == 6
        assert json.loads(changed["body"])["ahead"] == 0

        # A signed-in page's request always takes the full path, with its session.
        await asgi_get(app, TYPES, [(b"cookie", b"sessionid=abc")])
        assert full_path.call_count == 7


# --- The API's short middleware chain -------------------------------------------------------


async def asgi_post(app: PooledASGIHandler, url: str, headers: list[tuple[bytes, bytes]]) -> Any:
    headers = [(b"host", b"localhost"), (b"content-type", b"application/json"), *headers]
    return await HttpCommunicator(app, "POST", url, body=b"{}", headers=headers).get_response(timeout=10)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_api_requests_without_a_session_take_the_short_chain(desk: Desk, officer: Any) -> None:
    from asgiref.sync import sync_to_async

    token = await sync_to_async(services.create_desk_token)(desk=desk)
    client = Client()
    await sync_to_async(client.force_login)(officer)
    session = client.cookies["sessionid"].value.encode()
    app = PooledASGIHandler()
    call = "/api/v1/sites/hall/desks/1/call-next/"
    with mock.patch.object(app._api, "get_response", wraps=app._api.get_response) as short:
        # A device: anonymous, through the short chain, with the same security headers as any page.
        answer = await asgi_post(app, call, [(b"authorization", f"Bearer {token}".encode())])
        assert answer["status"] == 200
        headers = dict(answer["headers"])
        assert headers[b"X-Content-Type-Options"] == b"nosniff"
        assert headers[b"X-Frame-Options"] == b"DENY"
        assert short.call_count == 1
        # Neither a session nor a device: 401, in the error shape.
        refused = await asgi_post(app, call, [])
        assert refused["status"] == 401
        assert json.loads(refused["body"])["error"]["code"] == "unauthenticated"
        assert short.call_count == 2
        # The desk page's session takes the whole chain: signed in, and still asked for its CSRF token.
        no_csrf = await asgi_post(app, call, [(b"cookie", b"sessionid=" + session)])
        assert no_csrf["status"] == 403
        assert json.loads(no_csrf["body"])["error"]["code"] == "forbidden"
        csrf = b"c" * 32
        signed = await asgi_post(
            app,
            call,
            [(b"cookie", b"sessionid=" + session + b"; csrftoken=" + csrf), (b"x-csrftoken", csrf)],
        )
        assert signed["status"] == 200, signed["body"]
        assert short.call_count == 2
