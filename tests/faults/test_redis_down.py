"""Redis down (with the Redis layer): live updates degrade, ticket issuance and desk actions never do."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.faults.instances import api_snapshot, display, prepare_hall, private_redis, server, without_notice

pytestmark = [pytest.mark.live, pytest.mark.timeout(180)]

BROADCAST_FAILED = "Live update not sent"
RATE_CACHE_FAILED = "Kiosk rate limit cache unreachable"


def test_redis_down_mid_load_never_stops_issuing_and_screens_resync_when_it_returns(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hall.sqlite3'}"
    desk_token = prepare_hall(url)
    desk = {"Authorization": f"Bearer {desk_token}"}
    with private_redis() as redis, server(url, REDIS_URL=redis.url) as worker:
        client = httpx.Client(base_url=worker.url, timeout=10)
        tickets = "/api/v1/sites/demo/tickets/"
        call_next = "/api/v1/sites/demo/desks/1/call-next/"
        for _ in range(3):
            assert client.post(tickets, json={"business_type": "A"}).status_code == 201
        tv = display(worker.ws_url)
        tv.connect()
        assert client.post(call_next, headers=desk).status_code == 200
        assert [m["type"] for m in tv.pump(1.0)].count("call") == 1  # live updates flow through Redis

        redis.stop()  # SIGKILL, mid-day
        started = time.monotonic()
        for i in range(30):
            answer = client.post(tickets, json={"business_type": "ABCDE"[i % 5]})
            assert answer.status_code == 201, answer.text
            if i % 5 == 0:
                assert client.post(call_next, headers=desk).status_code == 200
        assert client.post("/api/v1/sites/demo/desks/1/start/", headers=desk).status_code == 200
        assert client.post("/api/v1/sites/demo/desks/1/complete/", headers=desk).status_code == 200
        # Degraded, not slow: a failing Redis must not hold every request up for its timeouts.
        assert time.monotonic() - started < 30
        time.sleep(1.0)  # the broadcasts of the burst have been tried
        log = worker.full_output()
        # One warning for the whole burst, not one per request (nor one per message).
        assert log.count(BROADCAST_FAILED) == 1, worker.output()
        assert log.count(RATE_CACHE_FAILED) <= 1

        redis.start()  # the same port: the layer and the cache reconnect by themselves
        deadline = time.monotonic() + 30
        heard: list[dict[str, object]] = []
        while not heard:
            assert time.monotonic() < deadline, "live updates did not resume after Redis came back"
            assert client.post(tickets, json={"business_type": "B"}).status_code == 201
            heard = [m for m in tv.pump(1.0) if m["type"] in {"call", "update", "snapshot"}]
        # The display missed the outage's updates: it saw the gap in `version`, asked for a
        # snapshot, and now shows what the API shows.
        tv.pump(1.0)
        assert tv.snapshot is not None
        assert without_notice(tv.resync()) == api_snapshot(worker.url)
        assert client.post(call_next, headers=desk).status_code == 200
        call = next(m for m in tv.pump(2.0) if m["type"] == "call")
        assert call["version"] == tv.version
        tv.close()
        client.close()
