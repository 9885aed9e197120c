"""PostgreSQL restarted under a running server: a clear 503 with a retry hint meanwhile, then recovery by itself."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.faults.instances import prepare_hall, private_postgres, server

pytestmark = [pytest.mark.live, pytest.mark.timeout(240)]

# The pool waits this long for a connection before the request gives up with a 503.
POOL_TIMEOUT = 3


def test_requests_during_a_postgres_restart_get_503_and_the_app_recovers_by_itself() -> None:
    with private_postgres() as pg:
        desk_token = prepare_hall(pg.url)
        desk = {"Authorization": f"Bearer {desk_token}"}
        with server(pg.url, DATABASE_POOL_TIMEOUT=str(POOL_TIMEOUT)) as worker:
            client = httpx.Client(base_url=worker.url, timeout=30)
            tickets = "/api/v1/sites/demo/tickets/"
            assert client.post(tickets, json={"business_type": "A"}).status_code == 201
            assert client.post("/api/v1/sites/demo/desks/1/call-next/", headers=desk).status_code == 200

            pg.stop()  # fast shutdown: every pooled connection is cut
            requests = [
                ("POST", tickets, {"json": {"business_type": "A"}}),
                ("GET", "/api/v1/sites/demo/snapshot/", {}),
                ("GET", "/api/v1/sites/demo/business-types/", {}),
                ("POST", "/api/v1/sites/demo/desks/1/call-next/", {"headers": desk}),
            ] * 3

            def ask(request: tuple[str, str, dict[str, object]]) -> tuple[int, dict[str, object], str | None, float]:
                method, path, kwargs = request
                started = time.monotonic()
                answer = client.request(method, path, **kwargs)  # type: ignore[arg-type]
                return answer.status_code, answer.json(), answer.headers.get("Retry-After"), time.monotonic() - started

            with ThreadPoolExecutor(max_workers=6) as pool:
                answers = list(pool.map(ask, requests))
            for status, body, retry_after, took in answers:
                # A clear refusal in the SPEC's shape, soon: not a 500, not a hang.
                assert status == 503, body
                assert body["error"]["code"] == "unavailable"  # type: ignore[index]
                assert body["error"]["message"]  # type: ignore[index]
                assert retry_after is not None and int(retry_after) > 0
                assert took < POOL_TIMEOUT + 5
            page = client.get("/kiosk/demo/")
            assert page.status_code == 503 and page.headers["Retry-After"]

            pg.start()
            deadline = time.monotonic() + 60
            while True:
                answer = client.post(tickets, json={"business_type": "A"})
                if answer.status_code == 201:
                    break
                assert answer.status_code == 503, answer.text
                assert time.monotonic() < deadline, "the app did not recover after PostgreSQL came back"
                time.sleep(0.5)
            # Back to normal, without a restart of the app: every endpoint answers again.
            assert answer.json()["number"] == "A002"  # the refused requests issued nothing
            assert client.get("/api/v1/sites/demo/snapshot/").status_code == 200
            assert client.post("/api/v1/sites/demo/desks/1/call-next/", headers=desk).status_code == 200
            assert client.get("/kiosk/demo/").status_code == 200
            client.close()
