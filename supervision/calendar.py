"""Working days on a site's calendar, for the 15-working-day deadline of a follow-up case.

A day is a working day when the site has opening periods on its weekday and it
is not a closed day, or when it is an extra working day (调休) — the same
calendar `queueing.opening` opens the hall by. A site without opening periods
(the demo, `always_open`) has no office calendar to count on, so its working
days are Monday to Friday, still minus its closed days and plus its extra
working days: a deadline of "15 working days" must not shrink to 15 calendar
days because the lobby happens to run around the clock.
"""

from __future__ import annotations

import datetime as dt

from queueing.models import OpeningPeriod, Site, SpecialDay

OFFICE_WEEKDAYS = frozenset(range(5))


def _open_weekdays(site: Site) -> frozenset[int]:
    if site.always_open:
        return OFFICE_WEEKDAYS
    weekdays = frozenset(OpeningPeriod.objects.filter(site=site).values_list("weekday", flat=True))
    return weekdays or OFFICE_WEEKDAYS


def add_working_days(site: Site, start: dt.date, count: int) -> dt.date:
    """The `count`-th working day after `start` (`start` itself does not count)."""
    weekdays = _open_weekdays(site)
    # Long holidays (春节, 国庆) are at most a week or two; four times the span is ample.
    horizon = start + dt.timedelta(days=count * 4 + 30)
    special = dict(
        SpecialDay.objects.filter(site=site, date__gt=start, date__lte=horizon).values_list("date", "closed")
    )
    day, left = start, count
    while left > 0:
        day += dt.timedelta(days=1)
        closed = special.get(day)
        working = (not closed) if closed is not None else day.weekday() in weekdays
        if working:
            left -= 1
        if day > horizon:  # a calendar closed for months: count on regardless, without the special days
            special = {}
    return day
