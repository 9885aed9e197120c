"""WebSocket abuse against a real daphne: each is refused or ignored, and the lobby never notices.

Malformed frames, unknown message types, huge messages, a thousand connects
from one address and a wrong origin. After each, the abused socket is either
closed or still answers, the server lives, and a well-behaved display on the
side still gets the next call.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.faults.instances import Server, manage, prepare_hall, server

pytestmark = [pytest.mark.live, pytest.mark.timeout(240)]

ORIGIN = "http://127.0.0.1"
CONNECTS = 1000


REVOKE = (
    "from queueing import services; from queueing.models import DeskToken; "
    "services.revoke_desk_tokens(tokens=DeskToken.objects.all())"
)


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str, str]]:
    """A daphne on a hall of its own, a desk token, and a waiting ticket's token."""
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('abuse')) / 'hall.sqlite3'}"
    revoked = prepare_hall(url)
    manage(url, "shell", "-c", REVOKE)
    desk_token = manage(url, "desk_token", "demo", "1").strip().splitlines()[-1]
    with server(url) as worker:
        worker.revoked = revoked  # type: ignore[attr-defined]
        ticket = httpx.post(f"{worker.url}/api/v1/sites/demo/tickets/", json={"business_type": "A"}, timeout=10)
        yield worker, desk_token, ticket.json()["token"]


def issue_and_call(worker: Server, desk_token: str) -> str:
    httpx.post(f"{worker.url}/api/v1/sites/demo/tickets/", json={"business_type": "B"}, timeout=10)
    answer = httpx.post(
        f"{worker.url}/api/v1/sites/demo/desks/1/call-next/",
        headers={"Authorization": f"Bearer {desk_token}"},
        timeout=10,
    )
    assert answer.status_code == 200
    number: str = answer.json()["ticket"]["number"]
    return number


async def open_display(worker: Server) -> tuple[ClientConnection, dict[str, Any]]:
    socket = await connect(f"{worker.ws_url}/ws/v1/sites/demo/display/", origin=ORIGIN, open_timeout=10)  # type: ignore[arg-type]
    return socket, json.loads(await asyncio.wait_for(socket.recv(), 10))


async def next_call(socket: ClientConnection, timeout: float = 10) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            message: dict[str, Any] = json.loads(await socket.recv())
            if message["type"] == "call":
                return message


async def still_answers(socket: ClientConnection) -> bool:
    """A display socket that was abused still answers a snapshot request."""
    await socket.send(json.dumps({"type": "snapshot.request"}))
    async with asyncio.timeout(10):
        while True:
            if json.loads(await socket.recv())["type"] == "snapshot":
                return True


async def bystander_hears_the_next_call(worker: Server, bystander: ClientConnection, desk_token: str) -> None:
    number = await asyncio.to_thread(issue_and_call, worker, desk_token)
    assert (await next_call(bystander))["number"] == number


GARBAGE: list[str | bytes] = [
    "",
    "not json",
    "{",
    "[1, 2, 3]",
    "null",
    '"snapshot.request"',
    "1e999999",
    "[" * 5000 + "]" * 5000,
    "[" * 2000 + "]" * 2000,  # under the size limit, past the JSON decoder's recursion limit
    '{"a":' * 1000 + "1" + "}" * 1000,
    '{"type": null}',
    '{"type": ["ack"]}',
    '{"type": "ack", "id": "x"}',
    '{"type": "ack", "id": 1e308}',
    '{"type": "ack", "id": true}',
    '{"type": "heartbeat", "screen": {"a": 1}, "kind": "display"}',
    '{"type": "heartbeat", "screen": "' + "长" * 1000 + '", "kind": "display"}',
    '{"type": "heartbeat", "screen": "x", "kind": "toaster", "sound": "loud"}',
    '{"type": "auth", "token": 12}',
    b"\x00\xff\xfe binary frame",
    bytes(range(256)),
]
UNKNOWN = [
    {"type": "bogus"},
    {"type": "call", "number": "A001", "desk": "1"},  # a client cannot make a call
    {"type": "queue.event", "text": '{"type": "call", "number": "Z999"}'},  # nor reach an internal handler
    {"type": "websocket.disconnect", "code": 1000},
    {"type": "screens.changed"},
    {"type": "snapshot", "version": 10**9},
    {"type": "heartbeat.ok"},
]


def test_a_revoked_device_token_is_refused_by_the_api(hall: tuple[Server, str, str]) -> None:
    worker, desk_token, _ = hall
    url = f"{worker.url}/api/v1/sites/demo/desks/1/"
    assert httpx.get(url, headers={"Authorization": f"Bearer {desk_token}"}, timeout=10).status_code == 200
    refused = httpx.get(url, headers={"Authorization": f"Bearer {worker.revoked}"}, timeout=10)  # type: ignore[attr-defined]
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthenticated"


def test_an_unknown_ticket_site_or_desk_socket_is_refused(hall: tuple[Server, str, str]) -> None:
    worker, _, _ = hall

    async def scenario() -> None:
        for path in ["/ws/v1/tickets/no-such-token/", "/ws/v1/sites/nowhere/display/", "/ws/v1/sites/demo/desks/99/"]:
            # Closed before it is accepted: daphne turns the handshake down with 403.
            with pytest.raises(InvalidStatus) as refused:
                socket = await connect(f"{worker.ws_url}{path}", origin=ORIGIN)  # type: ignore[arg-type]
                await socket.close()
            assert refused.value.response.status_code == 403, path

    asyncio.run(scenario())


def test_malformed_and_unknown_frames_are_ignored(hall: tuple[Server, str, str]) -> None:
    worker, desk_token, ticket_token = hall

    async def scenario() -> None:
        bystander, _ = await open_display(worker)
        display, _ = await open_display(worker)
        phone = await connect(f"{worker.ws_url}/ws/v1/tickets/{ticket_token}/", origin=ORIGIN)  # type: ignore[arg-type]
        assert json.loads(await phone.recv())["type"] == "snapshot"
        for frame in [*GARBAGE, *(json.dumps(m) for m in UNKNOWN)]:
            await display.send(frame)
            await phone.send(frame)
        assert await still_answers(display)
        # Nothing the abuser sent reached another screen: the bystander hears the real call next.
        await bystander_hears_the_next_call(worker, bystander, desk_token)
        assert (await next_call(display))["type"] == "call"
        await phone.send(json.dumps({"type": "snapshot.request"}))
        assert phone.state.name == "OPEN"
        for socket in (bystander, display, phone):
            await socket.close()

    asyncio.run(scenario())


def test_a_desk_socket_ignores_garbage_and_refuses_bad_tokens(hall: tuple[Server, str, str]) -> None:
    worker, desk_token, _ = hall
    desk_url = f"{worker.ws_url}/ws/v1/sites/demo/desks/1/"

    async def scenario() -> None:
        # Garbage before the auth frame is ignored; the token then still works.
        desk = await connect(desk_url, origin=ORIGIN)  # type: ignore[arg-type]
        for frame in GARBAGE[:10]:
            await desk.send(frame)
        await desk.send(json.dumps({"type": "auth", "token": desk_token}))
        assert json.loads(await asyncio.wait_for(desk.recv(), 10))["type"] == "snapshot"
        await desk.close()
        # A wrong, a revoked, a huge or a non-string token closes the socket with 4401.
        for token in ["wrong", worker.revoked, "x" * 3000, 12, None]:  # type: ignore[attr-defined]
            intruder = await connect(desk_url, origin=ORIGIN)  # type: ignore[arg-type]
            await intruder.send(json.dumps({"type": "auth", "token": token}))
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(intruder.recv(), 10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401

    asyncio.run(scenario())


def test_huge_messages_are_ignored_or_refused_without_harm(hall: tuple[Server, str, str]) -> None:
    worker, desk_token, _ = hall

    async def scenario() -> None:
        bystander, _ = await open_display(worker)
        big, _ = await open_display(worker)
        # Bigger than any frame a screen sends, within daphne's limit: ignored.
        await big.send(json.dumps({"type": "heartbeat", "screen": "x" * 500_000, "kind": "display"}))
        assert await still_answers(big)
        # Past daphne's 1 MiB message limit: this socket is closed (1009), nothing else.
        huge, _ = await open_display(worker)
        with pytest.raises(ConnectionClosed):
            await huge.send("x" * (2 * 1024 * 1024))
            await asyncio.wait_for(huge.recv(), 10)
            await asyncio.wait_for(huge.recv(), 10)
        await bystander_hears_the_next_call(worker, bystander, desk_token)
        assert await still_answers(big)
        await bystander.close()
        await big.close()

    asyncio.run(scenario())


def test_a_thousand_connects_from_one_address_leave_the_other_screens_served(hall: tuple[Server, str, str]) -> None:
    worker, desk_token, _ = hall

    async def scenario() -> None:
        bystander, _ = await open_display(worker)
        opened: list[ClientConnection] = []
        refused = 0

        async def one() -> None:
            nonlocal refused
            try:
                socket = await connect(  # type: ignore[call-overload]
                    f"{worker.ws_url}/ws/v1/sites/demo/display/", origin=ORIGIN, open_timeout=30, max_queue=4
                )
                opened.append(socket)
            except (OSError, InvalidStatus, TimeoutError):
                refused += 1

        # A thousand sockets held open at once, opened fifty at a time (loopback, bounded).
        for start in range(0, CONNECTS, 50):
            await asyncio.gather(*(one() for _ in range(start, min(start + 50, CONNECTS))))
        assert len(opened) + refused == CONNECTS
        print(f"{len(opened)} sockets open at once, {refused} refused")
        # The lobby's own display still hears the next call, promptly.
        await bystander_hears_the_next_call(worker, bystander, desk_token)
        # Half the crowd leaves at once, without a closing handshake.
        for socket in opened[::2]:
            socket.transport.abort()
        await asyncio.gather(*(socket.close() for socket in opened[1::2]))
        await bystander_hears_the_next_call(worker, bystander, desk_token)
        assert await still_answers(bystander)
        await bystander.close()

    asyncio.run(scenario())
    assert worker.process is not None and worker.process.poll() is None  # the server lives
    assert httpx.get(f"{worker.url}/api/v1/sites/demo/snapshot/", timeout=10).status_code == 200


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1.evil.example", None])
def test_a_socket_from_a_wrong_or_missing_origin_is_refused(hall: tuple[Server, str, str], origin: str | None) -> None:
    worker, _, ticket_token = hall

    async def scenario() -> None:
        for path in ["/ws/v1/sites/demo/display/", f"/ws/v1/tickets/{ticket_token}/", "/ws/v1/sites/demo/desks/1/"]:
            with pytest.raises(InvalidStatus) as refused:
                socket = await connect(f"{worker.ws_url}{path}", origin=origin, open_timeout=10)  # type: ignore[arg-type]
                await socket.close()
            assert refused.value.response.status_code == 403

    asyncio.run(scenario())
