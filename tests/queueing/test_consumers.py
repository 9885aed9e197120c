"""The sockets, in process: snapshot first, one message per committed change, nothing for a rollback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any
from unittest import mock

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections, transaction

from counter.asgi import application
from queueing import broadcast, services
from queueing.models import Desk, Event, Site, Ticket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest_asyncio.fixture(autouse=True)
async def _close_connections() -> AsyncIterator[None]:
    yield
    # The sync worker thread keeps a connection; close it so the test database can be dropped.
    await sync_to_async(connections.close_all)()


ORIGIN = [(b"origin", b"http://localhost")]
Issue = Callable[..., Ticket]


async def connect(path: str, headers: list[tuple[bytes, bytes]] = ORIGIN) -> tuple[WebsocketCommunicator, Any]:
    # Broadcasts of the set-up's writes must not arrive after the snapshot.
    await sync_to_async(broadcast.drain)()
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await socket.connect()
    assert connected
    return socket, json.loads(await socket.receive_from(timeout=5))


async def messages(socket: WebsocketCommunicator, count: int) -> list[dict[str, Any]]:
    return [json.loads(await socket.receive_from(timeout=5)) for _ in range(count)]


async def test_display_gets_a_snapshot_then_a_call(site: Site, desk: Desk, issue: Issue) -> None:
    await sync_to_async(issue)("A")
    socket, first = await connect("/ws/v1/sites/hall/display/")
    assert first["type"] == "snapshot"
    assert {w["business_type"]: w["waiting"] for w in first["waiting"]}["A"] == 1
    await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
    received = await messages(socket, 3)
    kinds = [m["type"] for m in received]
    assert kinds == ["call", "desk", "queue"]
    call = received[0]
    assert (call["number"], call["desk"], call["recall"]) == ("A001", "1", False)
    assert {m["version"] for m in received} == {first["version"] + 1}
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


async def test_one_write_is_one_version_even_with_two_events(site: Site, desk: Desk, issue: Issue) -> None:
    await sync_to_async(issue)("A")
    await sync_to_async(issue)("A")
    await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
    socket, first = await connect("/ws/v1/sites/hall/display/")
    # Finishing A001 (no-show) and calling A002 happen in one transaction.
    await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
    received = await messages(socket, 3)
    assert {m["version"] for m in received} == {first["version"] + 1}
    versions = await sync_to_async(
        lambda: set(
            Event.objects.filter(kind__in=["ticket.no_show", "ticket.called"]).values_list("version", flat=True)
        )
    )()
    assert first["version"] + 1 in versions
    await socket.disconnect()


async def test_nothing_is_sent_for_a_rolled_back_action(site: Site, desk: Desk, issue: Issue) -> None:
    await sync_to_async(issue)("A")
    socket, _ = await connect("/ws/v1/sites/hall/display/")

    def call_then_fail() -> None:
        with transaction.atomic():
            services.call_next(desk=desk, actor=services.Actor.system())
            raise RuntimeError("something after the call failed")

    with pytest.raises(RuntimeError):
        await sync_to_async(call_then_fail)()
    assert await socket.receive_nothing(timeout=0.5)
    assert await sync_to_async(lambda: Ticket.objects.get().status)() == "waiting"
    await socket.disconnect()


async def test_a_broken_channel_layer_does_not_fail_the_action(site: Site, desk: Desk, issue: Issue) -> None:
    await sync_to_async(issue)("A")
    with mock.patch("queueing.broadcast.get_channel_layer", side_effect=ConnectionError("layer down")):
        called = await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
    assert called is not None and called.status == "called"


async def test_display_asks_for_a_snapshot_and_ignores_junk(site: Site, desk: Desk) -> None:
    socket, first = await connect("/ws/v1/sites/hall/display/")
    for junk in ["not json", "[]", json.dumps({"type": "nope"}), "x" * 10000]:
        await socket.send_to(text_data=junk)
    assert await socket.receive_nothing(timeout=0.3)
    await socket.send_to(text_data=json.dumps({"type": "snapshot.request"}))
    again = json.loads(await socket.receive_from(timeout=5))
    assert again == first
    await socket.disconnect()


async def test_unknown_site_and_wrong_origin_are_refused(site: Site) -> None:
    unknown = WebsocketCommunicator(application, "/ws/v1/sites/nowhere/display/", headers=ORIGIN)
    connected, _ = await unknown.connect()
    assert not connected
    foreign = WebsocketCommunicator(
        application, "/ws/v1/sites/hall/display/", headers=[(b"origin", b"http://evil.example")]
    )
    connected, _ = await foreign.connect()
    assert not connected


async def test_phone_follows_its_ticket_and_its_place(site: Site, desk: Desk, issue: Issue) -> None:
    first_ticket = await sync_to_async(issue)("A")
    second = await sync_to_async(issue)("A")
    socket, snapshot = await connect(f"/ws/v1/tickets/{second.token}/")
    assert snapshot["type"] == "snapshot"
    assert (snapshot["ticket"]["number"], snapshot["ticket"]["ahead"]) == ("A002", 1)
    await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
    update = json.loads(await socket.receive_from(timeout=5))
    assert (update["type"], update["ticket"]["ahead"], update["ticket"]["status"]) == ("ticket", 0, "waiting")
    await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
    called = json.loads(await socket.receive_from(timeout=5))
    assert (called["ticket"]["status"], called["ticket"]["desk"]) == ("called", "1")
    assert first_ticket.token not in json.dumps(called)  # a phone hears only of its own ticket
    await socket.disconnect()


async def test_desk_socket_takes_a_device_token_as_first_message(site: Site, desk: Desk, issue: Issue) -> None:
    token = await sync_to_async(services.create_desk_token)(desk=desk)
    await sync_to_async(broadcast.drain)()
    socket = WebsocketCommunicator(application, "/ws/v1/sites/hall/desks/1/", headers=ORIGIN)
    connected, _ = await socket.connect()
    assert connected
    await socket.send_to(text_data=json.dumps({"type": "auth", "token": token}))
    snapshot = json.loads(await socket.receive_from(timeout=5))
    assert (snapshot["type"], snapshot["desk"]["number"], snapshot["ticket"]) == ("snapshot", "1", None)
    await sync_to_async(issue)("B")
    await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
    update = json.loads(await socket.receive_from(timeout=5))
    assert (update["type"], update["ticket"]["number"]) == ("desk", "B001")
    await socket.disconnect()


async def test_desk_socket_refuses_a_wrong_token(site: Site, desk: Desk) -> None:
    socket = WebsocketCommunicator(application, "/ws/v1/sites/hall/desks/1/", headers=ORIGIN)
    connected, _ = await socket.connect()
    assert connected
    await socket.send_to(text_data=json.dumps({"type": "auth", "token": "wrong"}))
    closed = await socket.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4401}
