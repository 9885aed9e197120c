"""Reads of slots and bookings: what a day offers, what is taken, what a number may still book."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Count, Q

from appointments.models import Booking, BookingSettings, ClosedSlot
from queueing import opening
from queueing.models import BusinessType, DeskBusinessType, Site

MAX_DAYS_AWAY = 366


def settings_for(site: Site) -> BookingSettings:
    """The site's settings; the defaults (unsaved) when the site has none."""
    found = BookingSettings.objects.filter(site=site).first()
    return found if found is not None else BookingSettings(site=site)


def capacity(*, business_type: BusinessType, settings: BookingSettings) -> int:
    """Places per slot: what the desks that handle the type serve in one slot, times the share for bookings.

    Every desk that handles the type counts (bookings are made days ahead, before anyone
    knows which desks will open), which leans generous as the wait estimate does; the
    share left to walk-ins absorbs it.
    """
    desks = DeskBusinessType.objects.filter(business_type=business_type).count()
    served = desks * settings.slot_minutes / max(business_type.avg_handling_minutes, 1.0)
    computed = math.floor(served * settings.share_percent / 100)
    return max(computed, settings.min_places) if desks else settings.min_places


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    end: dt.datetime
    capacity: int
    taken: int
    closed: bool  # closed by a clerk, or outside the booking window

    @property
    def free(self) -> int:
        return 0 if self.closed else max(self.capacity - self.taken, 0)


def slot_starts(site: Site, day: dt.date, minutes: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """Slots inside the day's opening periods (breaks, closed days and 调休 from the calendar)."""
    length = dt.timedelta(minutes=minutes)
    slots = []
    for start, end in opening.periods_on(site, day):
        at = start
        while at + length <= end:
            slots.append((at, at + length))
            at += length
    return slots


def booking_window(site: Site, settings: BookingSettings, now: dt.datetime) -> tuple[dt.datetime, dt.date]:
    """The earliest bookable start, and the last bookable local day."""
    earliest = now + dt.timedelta(minutes=settings.lead_minutes)
    return earliest, site.service_day(now) + dt.timedelta(days=settings.window_days)


def day_slots(*, site: Site, business_type: BusinessType, day: dt.date, now: dt.datetime) -> list[Slot]:
    settings = settings_for(site)
    if abs((day - site.service_day(now)).days) > MAX_DAYS_AWAY:
        return []  # nothing to book there, and no calendar arithmetic near the ends of time
    places = capacity(business_type=business_type, settings=settings)
    starts = slot_starts(site, day, settings.slot_minutes)
    if not starts:
        return []
    rows = (
        Booking.objects.filter(
            business_type=business_type, start__gte=starts[0][0], start__lte=starts[-1][0], status__in=Booking.HOLDING
        )
        .values("start")
        .annotate(n=Count("pk"))
    )
    taken = {row["start"]: row["n"] for row in rows}
    closed = set(
        ClosedSlot.objects.filter(site=site, start__gte=starts[0][0], start__lte=starts[-1][0])
        .filter(Q(business_type__isnull=True) | Q(business_type=business_type))
        .values_list("start", flat=True)
    )
    earliest, last_day = booking_window(site, settings, now)
    bookable = settings.enabled and business_type.active and day <= last_day
    return [
        Slot(
            start=start,
            end=end,
            capacity=places,
            taken=taken.get(start, 0),
            closed=start in closed or not bookable or start < earliest,
        )
        for start, end in starts
    ]


def bookable_days(*, site: Site, now: dt.datetime) -> list[dt.date]:
    settings = settings_for(site)
    today = site.service_day(now)
    days = [today + dt.timedelta(days=n) for n in range(settings.window_days + 1)]
    return [day for day in days if opening.periods_on(site, day)]


def missed_times(*, site: Site, phone_hash: str, since: dt.datetime) -> list[dt.datetime]:
    return sorted(
        t
        for t in Booking.objects.filter(
            site=site, phone_hash=phone_hash, status=Booking.Status.MISSED, missed_at__gte=since
        ).values_list("missed_at", flat=True)
        if t is not None
    )


def booked_per_hour(*, site: Site, type_ids: list[int], day: dt.date) -> list[tuple[int, int]]:
    """(local hour, bookings holding a place) of a day, for the desk page's load."""
    hours: dict[int, int] = {}
    for start in Booking.objects.filter(
        site=site, business_type_id__in=type_ids, day=day, status__in=Booking.HOLDING
    ).values_list("start", flat=True):
        hour = site.local(start).hour
        hours[hour] = hours.get(hour, 0) + 1
    return sorted(hours.items())


def get_booking(code: str) -> Booking | None:
    from notices.models import normalize_code

    return (
        Booking.objects.select_related("site", "business_type", "checklist_version", "ticket")
        .filter(code=normalize_code(code))
        .first()
    )
