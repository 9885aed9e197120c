"""Citizens racing for the last places of a slot, through two real daphne processes (SQLite or PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import httpx
import pytest
from django.utils import timezone

from appointments.models import Booking, BookingSettings
from queueing.models import BusinessType, Desk, Site
from tests.queueing.test_live import run_at_once
from tests.servers import Daphne

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workers(site: Site) -> Iterator[list[Daphne]]:
    servers = [Daphne(), Daphne()]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()
            print(server.output())


def slot_start(site: Site, days: int = 2, hour: int = 10) -> dt.datetime:
    day = site.service_day(timezone.now()) + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=site.tz)


def test_two_citizens_racing_for_the_last_place_exactly_one_gets_it(
    workers: list[Daphne], site: Site, types: dict[str, BusinessType], desk: Desk, desk2: Desk
) -> None:
    start = slot_start(site)
    taken = Booking.objects.create(
        site=site, business_type=types["A"], start=start, end=start + dt.timedelta(minutes=30), day=start.date()
    )
    assert taken.pk  # A has 2 places a slot: one is left
    body = {"business_type": "A", "start": start.isoformat()}

    def take(i: int) -> int:
        with httpx.Client(base_url=workers[i % 2].url, timeout=60) as http:
            response = http.post("/api/v1/sites/hall/appointments/", json=body)
            assert response.status_code in (201, 409), response.text
            if response.status_code == 409:
                assert response.json()["error"]["code"] == "slot_full"
            return response.status_code

    for _round in range(3):
        Booking.objects.exclude(pk=taken.pk).delete()
        results = run_at_once(2, take)
        assert sorted(results) == [201, 409]
        assert Booking.objects.filter(start=start, status="booked").count() == 2


def test_thirty_citizens_at_once_fill_a_slot_exactly(
    workers: list[Daphne], site: Site, types: dict[str, BusinessType], desk: Desk, desk2: Desk
) -> None:
    BookingSettings.objects.create(site=site, min_places=12)
    start = slot_start(site, hour=11)
    body = {"business_type": "A", "start": start.isoformat()}
    for worker in workers:  # warm both processes up (imports, first connection) before timing
        assert httpx.get(f"{worker.url}/api/v1/sites/hall/slots/?business_type=A&date={start.date()}").is_success

    def take(i: int) -> int:
        with httpx.Client(base_url=workers[i % 2].url, timeout=60) as http:
            return http.post("/api/v1/sites/hall/appointments/", json=body).status_code

    began = time.perf_counter()
    results = run_at_once(30, take)
    elapsed = time.perf_counter() - began
    assert results.count(201) == 12 and results.count(409) == 18
    assert Booking.objects.filter(start=start).count() == 12
    print(f"30 concurrent bookings over 2 workers in {elapsed:.2f} s ({30 / elapsed:.0f} requests/s)")
