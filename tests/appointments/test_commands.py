"""seed_demo's bookings, expire_tickets marking missed bookings, and the reminders command."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from appointments import selectors
from appointments.models import Booking, BookingSettings
from queueing.models import BusinessType, Site


@pytest.mark.django_db
def test_seed_demo_takes_bookings_for_every_type_today_and_the_next_seven_days() -> None:
    call_command("seed_demo", "--password", "pw-Demo-123", stdout=StringIO())
    call_command("seed_demo", "--password", "pw-Demo-123", stdout=StringIO())
    site = Site.objects.get(slug="demo")
    assert BookingSettings.objects.filter(site=site).count() == 1
    # Seen from this morning: late in the evening today's last slot has begun, and "today" has nothing left.
    today = site.service_day(timezone.now())
    now = dt.datetime.combine(today, dt.time(8, 0), tzinfo=site.tz)
    for bt in BusinessType.objects.filter(site=site):
        for days in range(8):
            day = today + dt.timedelta(days=days)
            slots = selectors.day_slots(site=site, business_type=bt, day=day, now=now)
            upcoming = [s for s in slots if s.start >= now]
            assert upcoming and all(s.free >= 2 for s in upcoming), (bt.prefix, day)
    # No lead time: every slot still to come today is bookable, the next one (within 30 minutes) too.


def test_expire_tickets_marks_bookings_missed(site: Site, types: dict[str, BusinessType]) -> None:
    start = timezone.now() - dt.timedelta(minutes=20)
    Booking.objects.create(site=site, business_type=types["A"], start=start, end=start, day=start.date())
    call_command("expire_tickets", stdout=StringIO())
    assert Booking.objects.get().status == "missed"


def test_send_reminders_purges_numbers_thirty_days_after_the_visit(site: Site, types: dict[str, BusinessType]) -> None:
    start = timezone.now() - dt.timedelta(days=31)
    old = Booking.objects.create(
        site=site, business_type=types["A"], start=start, end=start, day=start.date(), phone="13800131234"
    )
    recent = Booking.objects.create(
        site=site,
        business_type=types["A"],
        start=start + dt.timedelta(days=2),
        end=start,
        day=start.date(),
        phone="13800135678",
    )
    out = StringIO()
    call_command("send_reminders", stdout=out)
    assert "1 mobile number(s) purged" in out.getvalue()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.phone is None and recent.phone == "13800135678"
