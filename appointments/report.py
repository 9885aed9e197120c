"""Supervision's figures of appointments: per day and type, waits beside walk-ins, the booked share
of each hour, numbers barred. Tables in supervision's shape, so they render and export alike."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from statistics import mean

from django.utils import timezone
from django.utils.translation import gettext as _

from appointments import services
from appointments.models import Booking
from supervision.reports import Period, Table, minutes, percent

TABLE_KEYS = ("appointments_by_day", "appointment_waits", "appointment_hours", "appointment_barred")


def build(period: Period) -> dict[str, Table]:
    return {
        "appointments_by_day": by_day(period),
        "appointment_waits": waits(period),
        "appointment_hours": hours(period),
        "appointment_barred": barred(period),
    }


def _bookings(period: Period) -> list[Booking]:
    return list(
        Booking.objects.filter(site=period.site, day__gte=period.first, day__lte=period.last)
        .select_related("business_type", "ticket")
        .order_by("day", "business_type__position", "business_type__prefix")
    )


def by_day(period: Period) -> Table:
    table = Table(
        "appointments_by_day",
        _("Appointments per day and business type"),
        [_("Day"), _("Business type"), _("Booked"), _("Checked in"), _("Missed"), _("Cancelled"), _("Done")],
    )
    counts: dict[tuple[dt.date, str], Counter[str]] = defaultdict(Counter)
    for booking in _bookings(period):
        key = (booking.day, f"{booking.business_type.prefix} {booking.business_type.name}")
        counts[key]["booked"] += 1
        counts[key][booking.public_status] += 1
        if booking.ticket_id is not None:
            counts[key]["checked_in_total"] += 1
    for (day, name), c in counts.items():
        table.rows.append(
            [day.isoformat(), name, c["booked"], c["checked_in_total"], c["missed"], c["cancelled"], c["done"]]
        )
    return table


def waits(period: Period) -> Table:
    """Appointments' wait counts from the slot's start (or check-in, if later); walk-ins' from issue."""
    table = Table(
        "appointment_waits",
        _("Wait of appointments beside walk-ins"),
        [
            _("Business type"),
            _("Appointments called"),
            _("Appointments' wait after slot start (min)"),
            _("Walk-ins called"),
            _("Walk-ins' wait (min)"),
        ],
    )
    booked: dict[str, list[float]] = defaultdict(list)
    walk_in: dict[str, list[float]] = defaultdict(list)
    for ticket in period.tickets().filter(called_at__isnull=False).select_related("issued_business_type"):
        assert ticket.called_at is not None
        name = f"{ticket.issued_business_type.prefix} {ticket.issued_business_type.name}"
        if ticket.appointment_start is not None:
            booked[name].append((ticket.called_at - max(ticket.appointment_start, ticket.issued_at)).total_seconds())
        else:
            walk_in[name].append((ticket.called_at - ticket.issued_at).total_seconds())
    for name in sorted(set(booked) | set(walk_in)):
        table.rows.append(
            [
                name,
                len(booked[name]),
                minutes(mean(booked[name])) if booked[name] else None,
                len(walk_in[name]),
                minutes(mean(walk_in[name])) if walk_in[name] else None,
            ]
        )
    return table


def hours(period: Period) -> Table:
    """Of the tickets issued in each hour of the day, how many were booked citizens checking in."""
    table = Table(
        "appointment_hours",
        _("Booked share of each hour"),
        [_("Hour"), _("Tickets"), _("Of them appointments"), _("Booked share (%)")],
    )
    issued: Counter[int] = Counter()
    booked: Counter[int] = Counter()
    for issued_at, start in period.tickets().values_list("issued_at", "appointment_start"):
        hour = period.site.local(issued_at).hour
        issued[hour] += 1
        booked[hour] += start is not None
    for hour in sorted(issued):
        table.rows.append([f"{hour:02d}:00", issued[hour], booked[hour], percent(booked[hour], issued[hour])])
    return table


def barred(period: Period) -> Table:
    """Mobile numbers (counted, never shown) that may not book now after 3 missed appointments."""
    table = Table("appointment_barred", _("Numbers barred from booking"), [_("Numbers barred now")])
    now = timezone.now()
    digests = set(
        Booking.objects.filter(
            site=period.site,
            status=Booking.Status.MISSED,
            missed_at__gte=now - services.MISS_WINDOW - services.BAR_FOR,
        )
        .exclude(phone_hash="")
        .values_list("phone_hash", flat=True)
    )
    count = sum(1 for digest in digests if services.barred_until(site=period.site, digest=digest, now=now))
    table.rows.append([count])
    return table
