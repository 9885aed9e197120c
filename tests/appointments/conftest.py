"""A hall taking appointments at a fixed clock: 09:00 in Shanghai on Tuesday 8 December 2026."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from appointments import services
from appointments.models import Booking
from queueing.models import BusinessType, Desk, Site
from queueing.services import Actor

UTC = dt.UTC
NOW = dt.datetime(2026, 12, 8, 1, 0, tzinfo=UTC)  # 09:00 local


def local(site: Site, hour: int, minute: int = 0, days: int = 0) -> dt.datetime:
    day = NOW.astimezone(site.tz).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=site.tz)


@pytest.fixture
def hall(site: Site, types: dict[str, BusinessType], desk: Desk, desk2: Desk) -> Site:
    """Desk 1 handles A, B, C and desk 2 B, A: A has 2 places a slot, B 3, C 1."""
    return site


@pytest.fixture
def citizen() -> Actor:
    return Actor(kind="citizen", address="10.0.0.50")


@pytest.fixture
def book(hall: Site, citizen: Actor) -> Callable[..., Booking]:
    def _book(prefix: str = "A", start: dt.datetime | None = None, phone: str | None = None, **kw: Any) -> Booking:
        return services.book(
            site=hall,
            prefix=prefix,
            start=start or local(hall, 10),
            phone=phone,
            actor=citizen,
            now=kw.pop("now", NOW),
            **kw,
        )

    return _book
