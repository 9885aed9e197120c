"""Real WebSocket clients against real daphne workers: calls reach every display."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.conf import settings
from websockets.sync.client import ClientConnection, connect

from queueing import screens as screens_module
from queueing import services
from queueing.models import CallLatency, Desk, Site
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
    # The API's snapshot, plus the lobby's notice line (a display-only field).
    notice = {"display_message": "", "display_message_en": ""}
    assert snapshot_again == {"type": "snapshot", **api, **notice}
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


def test_a_screens_heartbeat_reaches_the_desks_and_its_ack_times_the_call(
    worker: Daphne, site: Site, desk: Desk, issue: Any
) -> None:
    issue("A")
    token = services.create_desk_token(desk=desk)
    desk_url = worker.url.replace("http://", "ws://") + "/ws/v1/sites/hall/desks/1/"
    with connect(desk_url, origin="http://127.0.0.1", open_timeout=10) as officer, display(worker) as tv:
        officer.send(json.dumps({"type": "auth", "token": token}))
        assert first(officer)["screens"]["screens"] == []
        first(tv)
        tv.send(json.dumps({"type": "heartbeat", "screen": "大厅-1", "kind": "display", "sound": True}))
        assert next_of_type(tv, "heartbeat.ok") == {"type": "heartbeat.ok", "ack_rate": 1.0}
        screens = next_of_type(officer, "screens")["screens"]
        assert [(s["name"], s["kind"], s["sound"], s["connected"]) for s in screens] == [
            ("大厅-1", "display", True, True)
        ]

        response = httpx.post(
            f"{worker.url}/api/v1/sites/hall/desks/1/call-next/", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200
        call = next_of_type(tv, "call")
        tv.send(json.dumps({"type": "ack", "id": call["id"]}))
        # The server writes its samples in batches, within a few seconds.
        deadline = time.monotonic() + 15
        while not CallLatency.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        sample = CallLatency.objects.get()
        assert (sample.call, sample.screen) == (call["id"], "大厅-1")
        assert 0 <= sample.milliseconds < 5000
        assert screens_module.latency_of_day(site=site)["samples"] == 1
