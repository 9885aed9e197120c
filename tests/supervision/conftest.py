"""The hand-computed day at the hall (Monday 2 November 2026, Asia/Shanghai) for the figures' tests.

desk 1 / officer1 (A tickets)            desk 2 / officer2 (B tickets)
A001 issued 09:00 called 09:10 start 09:11 done 09:21   wait 10  handling 10
A002 issued 09:05 called 09:21 start 09:22 done 09:42   wait 16  handling 20
A003 issued 10:00 called 10:12 no-show 10:17             wait 12
B001 issued 09:30 called 09:32 start 09:33 done 09:38   wait 2   handling 5
B002 issued 10:10 called 10:14 start 10:15 done 10:46   wait 4   handling 31
B003 issued 10:20, still waiting
Ratings (overall): A001 5, A002 2 (bad, with a number), B001 4, B002 5.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User

from queueing import services
from queueing.models import Desk, Site, Ticket
from supervision import services as supervision
from tests.conftest import make_desk, make_staff

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 11, 2)


def at(hour: int, minute: int, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


@dataclass
class Scenario:
    site: Site
    desk1: Desk
    desk2: Desk
    officer1: User
    officer2: User
    tickets: dict[str, Ticket]


def _serve(desk: Desk, actor: services.Actor, called: dt.datetime, started: dt.datetime, done: dt.datetime) -> Ticket:
    ticket = services.call_next(desk=desk, actor=actor, now=called)
    assert ticket is not None
    services.start(desk=desk, actor=actor, now=started)
    services.complete(desk=desk, actor=actor, now=done)
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def scenario(site: Site, types: Any, officer: User) -> Scenario:
    officer2 = make_staff("officer2", site)
    desk1 = make_desk(site, 1, "A")
    desk2 = make_desk(site, 2, "B")
    by1 = services.Actor(kind="officer", user=officer)
    by2 = services.Actor(kind="officer", user=officer2)
    kiosk = services.Actor(kind="kiosk")

    def issue(prefix: str, when: dt.datetime) -> Ticket:
        return services.issue_ticket(site=site, prefix=prefix, actor=kiosk, now=when).ticket

    t: dict[str, Ticket] = {}
    t["A001"] = issue("A", at(9, 0))
    t["A002"] = issue("A", at(9, 5))
    _serve(desk1, by1, at(9, 10), at(9, 11), at(9, 21))
    _serve(desk1, by1, at(9, 21), at(9, 22), at(9, 42))
    t["B001"] = issue("B", at(9, 30))
    _serve(desk2, by2, at(9, 32), at(9, 33), at(9, 38))
    t["A003"] = issue("A", at(10, 0))
    t["B002"] = issue("B", at(10, 10))
    services.call_next(desk=desk1, actor=by1, now=at(10, 12))
    _serve(desk2, by2, at(10, 14), at(10, 15), at(10, 46))
    services.no_show(desk=desk1, actor=by1, now=at(10, 17))
    t["B003"] = issue("B", at(10, 20))
    t = {number: Ticket.objects.get(pk=ticket.pk) for number, ticket in t.items()}
    for number, overall, extra in [
        ("A001", 5, {"efficiency": 4}),
        ("A002", 2, {"reason": "long_wait", "phone": "138 0013 8000", "comment": "等太久"}),
        ("B001", 4, {}),
        ("B002", 5, {}),
    ]:
        supervision.rate_ticket(ticket=t[number], overall=overall, channel="phone", now=at(11, 0), **extra)
    return Scenario(site=site, desk1=desk1, desk2=desk2, officer1=officer, officer2=officer2, tickets=t)


RateFn = Callable[..., Any]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """The complaint form counts posts per address in the cache; each test starts at zero."""
    from django.core.cache import cache

    cache.clear()
