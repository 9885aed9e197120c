"""A server killed mid-day (SIGKILL) loses no issued ticket, reuses no number, and its screens come back.

Kiosks issue tickets with an Idempotency-Key and retry with the same key
until they get an answer, as the kiosk page does; a desk keeps calling; a
display and a phone keep a socket open. At a random moment daphne is killed
with SIGKILL and started again on the same port and database.
"""

from __future__ import annotations

import collections
import os
import random
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.faults.instances import (
    PrivatePostgres,
    api_snapshot,
    display,
    phone,
    prepare_hall,
    private_postgres,
    server,
    tickets_in,
    without_notice,
)

pytestmark = [pytest.mark.live, pytest.mark.timeout(240)]

KIOSKS = 4
TYPES = "ABCDE"


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, PrivatePostgres | None]]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hall.sqlite3'}", None
    else:
        with private_postgres() as pg:
            yield pg.url, pg


class Kiosk(threading.Thread):
    """Issues tickets; a request without an answer is retried with the same key until it gets one."""

    def __init__(self, url: str, rng: random.Random, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.url, self.rng, self.stop = url, rng, stop
        self.answers: list[tuple[str, int, dict[str, Any]]] = []  # key, status, body
        self.retries = 0

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            while not self.stop.is_set():
                key = uuid.uuid4().hex
                body = {"business_type": self.rng.choice(TYPES)}
                while True:
                    try:
                        response = client.post(
                            "/api/v1/sites/demo/tickets/", json=body, headers={"Idempotency-Key": key}
                        )
                    except httpx.TransportError:  # the server died under us: same key again
                        self.retries += 1
                        time.sleep(0.05)
                        continue
                    self.answers.append((key, response.status_code, response.json()))
                    break


class Desk(threading.Thread):
    def __init__(self, url: str, token: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.url, self.token, self.stop = url, token, stop
        self.statuses: list[int] = []

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.url, timeout=10, headers=headers) as client:
            while not self.stop.is_set():
                with suppress(httpx.TransportError):
                    self.statuses.append(client.post("/api/v1/sites/demo/desks/1/call-next/").status_code)
                time.sleep(0.1)


def test_a_server_killed_mid_day_loses_no_ticket_and_its_screens_come_back(
    database: tuple[str, PrivatePostgres | None],
) -> None:
    url, pg = database
    seed = int(os.environ.get("COUNTER_FAULT_SEED", random.randrange(1 << 30)))
    print(f"seed {seed} (COUNTER_FAULT_SEED to replay)")
    rng = random.Random(seed)
    desk_token = prepare_hall(url)
    with ExitStack() as stack:
        worker = stack.enter_context(server(url))
        first = httpx.post(f"{worker.url}/api/v1/sites/demo/tickets/", json={"business_type": "A"}, timeout=10)
        assert first.status_code == 201
        tv = display(worker.ws_url)
        tv.connect()
        stack.callback(tv.close)
        handset = phone(worker.ws_url, first.json()["token"])
        handset.connect()
        stack.callback(handset.close)

        stop = threading.Event()
        kiosks = [Kiosk(worker.url, random.Random(rng.random()), stop) for _ in range(KIOSKS)]
        desk = Desk(worker.url, desk_token, stop)
        for thread in [*kiosks, desk]:
            thread.start()
        deadline = time.monotonic() + 30
        while sum(len(kiosk.answers) for kiosk in kiosks) < 5:  # the day is under way
            assert time.monotonic() < deadline, "no ticket was issued before the kill"
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 1.5))
        answered_before_kill = {key for kiosk in kiosks for key, status, _ in kiosk.answers if status == 201}
        worker.kill()
        time.sleep(rng.uniform(0.1, 0.5))
        worker.start()
        time.sleep(1.5)  # the kiosks and the desk go on against the new process
        stop.set()
        for thread in [*kiosks, desk]:
            thread.join(timeout=30)
            assert not thread.is_alive()

        answers = [answer for kiosk in kiosks for answer in kiosk.answers]
        print(f"{len(answers)} answers, {sum(k.retries for k in kiosks)} retries, desk {desk.statuses.count(200)}")
        assert answers and answered_before_kill, "the kill came before any ticket was issued"
        # Every answer was a ticket (nothing is closed, capped or limited in the demo hall): no 5xx.
        assert collections.Counter(status for _, status, _ in answers) == {201: len(answers)}
        assert set(desk.statuses) == {200}

        # Every ticket whose issue got a 201 exists with its number.
        stored = {row["token"]: row for row in tickets_in(url, pg)}
        for key, _, body in answers:
            row = stored.get(body["token"])
            assert row is not None, f"ticket {body['number']} answered with 201 is lost"
            assert (row["number"], row["idempotency_key"]) == (body["number"], key)
        # No number was given twice, before or after the restart; no key made two tickets.
        numbers = [(row["service_day"], row["number"]) for row in stored.values()]
        assert len(numbers) == len(set(numbers))
        keys = [row["idempotency_key"] for row in stored.values() if row["idempotency_key"] != "None"]
        assert len(keys) == len(set(keys))
        assert len({body["number"] for _, _, body in answers}) == len(answers)

        # A retry with the same key, after the restart, returns the original ticket.
        with httpx.Client(base_url=worker.url, timeout=10) as client:
            for key, _, body in rng.sample(answers, min(10, len(answers))):
                again = client.post(
                    "/api/v1/sites/demo/tickets/", json={"business_type": "A"}, headers={"Idempotency-Key": key}
                )
                assert again.status_code == 201
                assert (again.json()["token"], again.json()["number"]) == (body["token"], body["number"])
        assert len(tickets_in(url, pg)) == len(stored)

        # The display and the phone come back by themselves and show what the API shows.
        tv.until_reconnected()
        tv.pump(1.0)
        assert without_notice(tv.resync()) == api_snapshot(worker.url)
        handset.until_reconnected()
        ticket = httpx.get(f"{worker.url}/api/v1/tickets/{first.json()['token']}/", timeout=10).json()
        handset.close()
        assert handset.connect()["ticket"] == ticket
