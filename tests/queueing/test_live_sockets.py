"""Real WebSocket clients against real daphne workers: calls reach every display."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.conf import settings
from websockets.sync.client import ClientConnection, connect

from queueing import services
from queueing.models import Desk, Site
from tests.servers import Daphne

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(site: Site) -> Iterator[Daphne]:
    server = Daphne().start()
    try:
        yield server
    finally:
        server.stop()
        print(server.output())  # pytest shows it when the test fails


def display(server: Daphne) -> ClientConnection:
    ws_url = server.url.replace("http://", "ws://") + "/ws/v1/sites/hall/display/"
    return connect(ws_url, origin="http://127.0.0.1", open_timeout=10)


def first(socket: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(socket.recv(timeout=10))
    return message


def next_of_type(socket: ClientConnection, kind: str) -> dict[str, Any]:
    while True:
        message = json.loads(socket.recv(timeout=10))
        if message["type"] == kind:
            return message


def test_a_call_through_the_api_reaches_every_display(worker: Daphne, desk: Desk, issue: Any) -> None:
    issue("A")
    token = services.create_desk_token(desk=desk)
    with display(worker) as one, display(worker) as two:
        snapshot = first(one)
        assert snapshot["type"] == first(two)["type"] == "snapshot"
        response = httpx.post(
            f"{worker.url}/api/v1/sites/hall/desks/1/call-next/", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200
        for socket in (one, two):
            call = next_of_type(socket, "call")
            assert (call["number"], call["desk"], call["version"]) == ("A001", "1", snapshot["version"] + 1)


def test_a_reconnecting_display_gets_the_apis_snapshot(worker: Daphne, desk: Desk, issue: Any) -> None:
    issue("A")
    issue("B")
    services.call_next(desk=desk, actor=services.Actor.system())
    with display(worker) as socket:
        first(socket)
    with display(worker) as again:
        snapshot_again = first(again)
    api = httpx.get(f"{worker.url}/api/v1/sites/hall/snapshot/").json()
    assert snapshot_again == {"type": "snapshot", **api}
    assert snapshot_again["recent_calls"][0]["number"] == "A001"


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs redis: a call crosses workers only through Redis")
def test_a_call_on_one_worker_reaches_a_display_on_another(site: Site, desk: Desk, issue: Any) -> None:
    issue("A")
    token = services.create_desk_token(desk=desk)
    workers = [Daphne().start(), Daphne().start()]
    try:
        with display(workers[0]) as socket:
            first(socket)
            response = httpx.post(
                f"{workers[1].url}/api/v1/sites/hall/desks/1/call-next/", headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 200
            assert next_of_type(socket, "call")["number"] == "A001"
    finally:
        for worker in workers:
            worker.stop()
