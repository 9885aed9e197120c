"""Opening hours: periods per weekday, closed days and extra working days (调休).

All times are the site's local time. A site marked `always_open` ignores them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from queueing.models import OpeningPeriod, Site, SpecialDay

# How far ahead "come back on …" looks for the next opening.
SEARCH_DAYS = 60


def periods_on(site: Site, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The opening periods of one local day, as aware datetimes, in order."""
    tz = site.tz
    if site.always_open:
        start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
        return [(start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz))]
    special = SpecialDay.objects.filter(site=site, date=day).first()
    if special is not None and special.closed:
        return []
    weekday = special.hours_like if special is not None else day.weekday()
    rows = OpeningPeriod.objects.filter(site=site, weekday=weekday).order_by("opens")
    return [
        (dt.datetime.combine(day, row.opens, tzinfo=tz), dt.datetime.combine(day, row.closes, tzinfo=tz))
        for row in rows
    ]


@dataclass(frozen=True)
class Opening:
    is_open: bool
    # Open minutes left today from now (breaks excluded).
    minutes_left_today: float
    # When the hall next opens, if it is not open now (None: not within SEARCH_DAYS).
    next_open: dt.datetime | None
    # When today's last period ends.
    closes_today: dt.datetime | None


def opening_at(site: Site, now: dt.datetime) -> Opening:
    local = site.local(now)
    today = periods_on(site, local.date())
    is_open = any(start <= local < end for start, end in today)
    minutes_left = sum((end - max(start, local)).total_seconds() / 60 for start, end in today if end > local)
    if site.always_open:
        minutes_left = float("inf")
    return Opening(
        is_open=is_open,
        minutes_left_today=minutes_left,
        next_open=None if is_open else next_opening(site, local),
        closes_today=today[-1][1] if today else None,
    )


def next_opening(site: Site, after: dt.datetime, *, skip_today: bool = False) -> dt.datetime | None:
    local = site.local(after)
    for offset in range(1 if skip_today else 0, SEARCH_DAYS):
        day = local.date() + dt.timedelta(days=offset)
        for start, _end in periods_on(site, day):
            if start > local:
                return start
    return None
