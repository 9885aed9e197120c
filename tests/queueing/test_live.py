"""Issue and call-next through real daphne workers: HTTP answers and concurrency across processes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from queueing import services
from queueing.models import BusinessType, Desk, Event, Site, Ticket
from tests.conftest import make_desk
from tests.servers import Daphne

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workers(site: Site) -> Iterator[list[Daphne]]:
    """Two daphne processes on two ports, sharing the test database."""
    servers = [Daphne(), Daphne()]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()
            print(server.output())  # pytest shows it when the test fails


def test_issue_and_call_next_over_http(workers: list[Daphne], desk: Desk) -> None:
    token = services.create_desk_token(desk=desk)
    with httpx.Client(base_url=workers[0].url, timeout=10) as http:
        issued = http.post("/api/v1/sites/hall/tickets/", json={"business_type": "A"}, headers={"Idempotency-Key": "x"})
        assert issued.status_code == 201
        assert issued.json()["number"] == "A001"
        bad = http.post("/api/v1/sites/hall/tickets/", content=b"{oops", headers={"Content-Type": "application/json"})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_request"
        denied = http.post("/api/v1/sites/hall/desks/1/call-next/")
        assert denied.status_code == 401 and denied.json()["error"]["code"] == "unauthenticated"
    with httpx.Client(base_url=workers[1].url, timeout=10, headers={"Authorization": f"Bearer {token}"}) as desk_http:
        called = desk_http.post("/api/v1/sites/hall/desks/1/call-next/")
        assert called.status_code == 200
        assert called.json()["ticket"]["number"] == "A001"
        assert called.json()["ticket"]["token"] == issued.json()["token"]
    with httpx.Client(base_url=workers[0].url, timeout=10) as http:
        retried = http.post(
            "/api/v1/sites/hall/tickets/", json={"business_type": "A"}, headers={"Idempotency-Key": "x"}
        )
        assert retried.json()["token"] == issued.json()["token"]
        assert retried.json()["status"] == "called"


def run_at_once(count: int, task: Any) -> list[Any]:
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = task(i)
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    if errors:
        raise errors[0]
    return results


def test_fifty_kiosks_at_once_get_fifty_consecutive_numbers(workers: list[Daphne], types: Any) -> None:
    def take(i: int) -> tuple[int, str]:
        with httpx.Client(base_url=workers[i % 2].url, timeout=60) as http:
            response = http.post("/api/v1/sites/hall/tickets/", json={"business_type": "A"})
            return response.status_code, response.json().get("number", response.text)

    results = run_at_once(50, take)
    assert {status for status, _ in results} == {201}, results
    numbers = sorted(number for _, number in results)
    assert numbers == [f"A{n:03d}" for n in range(1, 51)]
    assert Ticket.objects.count() == 50


def test_twenty_desks_calling_at_once_never_double_call(workers: list[Daphne], site: Site, types: Any) -> None:
    kiosk = services.Actor(kind="kiosk")
    for i in range(200):
        services.issue_ticket(site=site, prefix="AB"[i % 2], actor=kiosk)
    desks = [make_desk(site, n, "AB") for n in range(10, 30)]
    tokens = [services.create_desk_token(desk=d) for d in desks]

    def drain(i: int) -> list[str]:
        called = []
        headers = {"Authorization": f"Bearer {tokens[i]}"}
        with httpx.Client(base_url=workers[i % 2].url, timeout=60, headers=headers) as http:
            while True:
                response = http.post(f"/api/v1/sites/hall/desks/{desks[i].number}/call-next/")
                assert response.status_code == 200, response.text
                ticket = response.json()["ticket"]
                if ticket is None:
                    return called
                called.append(ticket["number"])

    per_desk = run_at_once(20, drain)
    everything = [number for numbers in per_desk for number in numbers]
    assert len(everything) == 200
    assert len(set(everything)) == 200
    assert not Ticket.objects.filter(status=Ticket.Status.WAITING).exists()
    calls = Event.objects.filter(kind=Event.Kind.TICKET_CALLED).values_list("ticket_id", flat=True)
    assert len(calls) == len(set(calls)) == 200
    assert BusinessType.objects.count() == 3
