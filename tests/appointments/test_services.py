"""Booking: slots and their capacity, the booking window, the limits, cancel, missed bookings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection

from appointments import selectors, services
from appointments.errors import AlreadyBooked, BookingBarred, BookingClosed, CancelRefused, SlotFull
from appointments.models import Booking, BookingSettings, ClosedSlot
from counter.crypto import keyed_hash
from queueing import services as queue
from queueing.errors import InvalidRequest, NotFound
from queueing.models import BusinessType, Desk, DeskBusinessType, Event, Site
from tests.appointments.conftest import NOW, local

Book = Callable[..., Booking]


def test_capacity_comes_from_desks_handling_time_and_the_share(hall: Site, types: dict[str, BusinessType]) -> None:
    settings = selectors.settings_for(hall)
    places = {p: selectors.capacity(business_type=bt, settings=settings) for p, bt in types.items()}
    # A: 2 desks × 30 min / 15 min × 50 % = 2; B: 2 × 30 / 8 × 50 % = 3.75 → 3; C: 1 × 30 / 12 × 50 % = 1.25 → 1.
    assert places == {"A": 2, "B": 3, "C": 1}
    BookingSettings.objects.create(site=hall, share_percent=100, slot_minutes=60)
    settings = selectors.settings_for(hall)
    assert selectors.capacity(business_type=types["A"], settings=settings) == 8


def test_a_type_no_desk_handles_has_no_places(hall: Site, types: dict[str, BusinessType]) -> None:
    DeskBusinessType.objects.filter(business_type=types["C"]).delete()
    assert selectors.capacity(business_type=types["C"], settings=selectors.settings_for(hall)) == 0


def test_slots_follow_opening_hours_and_breaks(hall: Site, types: dict[str, BusinessType]) -> None:
    from queueing.models import OpeningPeriod

    hall.always_open = False
    hall.save()
    OpeningPeriod.objects.create(site=hall, weekday=1, opens=dt.time(8, 30), closes=dt.time(12, 0))
    OpeningPeriod.objects.create(site=hall, weekday=1, opens=dt.time(14, 0), closes=dt.time(17, 30))
    day = local(hall, 0).date()  # a Tuesday
    slots = selectors.day_slots(site=hall, business_type=types["A"], day=day, now=NOW)
    starts = [hall.local(s.start).strftime("%H:%M") for s in slots]
    assert starts[:3] == ["08:30", "09:00", "09:30"] and "12:00" not in starts and "13:30" not in starts
    assert starts[7:9] == ["14:00", "14:30"] and starts[-1] == "17:00"
    # Before 10:00 (one hour's lead from 09:00) nothing is bookable.
    assert [s.free for s in slots[:3]] == [0, 0, 0] and slots[3].free == 2
    assert selectors.day_slots(site=hall, business_type=types["A"], day=day + dt.timedelta(days=5), now=NOW) == []


def test_booking_window_lead_time_and_seven_days(hall: Site, book: Book) -> None:
    with pytest.raises(BookingClosed):
        book(start=local(hall, 9, 30))  # within the hour
    with pytest.raises(BookingClosed):
        book(start=local(hall, 8, 0))  # in the past
    with pytest.raises(BookingClosed):
        book(start=local(hall, 10, 0, days=8))
    with pytest.raises(BookingClosed):
        book(start=local(hall, 10, 10))  # not the start of a slot
    assert book(start=local(hall, 10, 0)).status == Booking.Status.BOOKED
    assert book(start=local(hall, 23, 30, days=7)).status == Booking.Status.BOOKED


def test_a_clerk_closed_slot_cannot_be_booked(hall: Site, types: dict[str, BusinessType], book: Book) -> None:
    ClosedSlot.objects.create(site=hall, start=local(hall, 11), note="业务培训")
    with pytest.raises(BookingClosed):
        book(start=local(hall, 11))
    free = {
        s.start: s.free
        for s in selectors.day_slots(site=hall, business_type=types["B"], day=local(hall, 0).date(), now=NOW)
    }
    assert free[local(hall, 11)] == 0 and free[local(hall, 11, 30)] == 3


def test_a_full_slot_is_refused(hall: Site, book: Book) -> None:
    book()
    book()
    with pytest.raises(SlotFull) as refused:
        book()
    assert refused.value.code == "slot_full" and refused.value.status == 409
    assert Booking.objects.count() == 2


def test_a_booking_records_event_checklist_and_code(hall: Site, types: dict[str, BusinessType], book: Book) -> None:
    from tests.conftest import publish_checklist

    version = publish_checklist(types["A"], ["居民身份证"])
    booking = book()
    assert booking.checklist_version == version
    assert len(booking.code) == 8 and set(booking.code) <= set("23456789ABCDEFGHJKMNPQRSTWXYZ")
    event = Event.objects.get(kind=Event.Kind.APPOINTMENT_BOOKED)
    assert event.data["booking"] == booking.pk and event.address == "10.0.0.50"
    assert "phone" not in str(event.data)


def test_the_mobile_number_is_kept_only_as_hash_and_last_four(hall: Site, book: Book) -> None:
    booking = book(phone="138 0013 1234")
    assert booking.phone is None and booking.phone_last4 == "1234"
    assert booking.phone_hash == keyed_hash("13800131234", purpose=services.PHONE_HASH_PURPOSE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM appointments_booking")
        assert "13800131234" not in str(cursor.fetchall())


def test_with_a_webhook_notifier_the_number_is_kept_encrypted(hall: Site, book: Book) -> None:
    BookingSettings.objects.create(site=hall, notifier="webhook", webhook_url="http://127.0.0.1:9/", webhook_secret="s")
    booking = book(phone="13800131234")
    assert Booking.objects.get(pk=booking.pk).phone == "13800131234"
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM appointments_booking")
        assert "13800131234" not in str(cursor.fetchall())


def test_a_bad_mobile_number_is_refused(book: Book) -> None:
    with pytest.raises(InvalidRequest):
        book(phone="12345")


def test_one_active_booking_per_number_site_and_day(hall: Site, book: Book) -> None:
    first = book(phone="13800131234")
    with pytest.raises(AlreadyBooked):
        book(prefix="B", start=local(hall, 14), phone="13800131234")
    assert book(start=local(hall, 10, days=1), phone="13800131234").status == "booked"  # another day
    services.cancel(booking=first, actor=queue.Actor(kind="citizen"), now=NOW)
    assert book(prefix="B", start=local(hall, 14), phone="13800131234").status == "booked"


def test_three_missed_in_ninety_days_bar_the_number_for_thirty_days(
    hall: Site, types: dict[str, BusinessType], book: Book
) -> None:
    digest = keyed_hash("13800131234", purpose=services.PHONE_HASH_PURPOSE)
    for days_ago in (80, 40, 10):
        start = NOW - dt.timedelta(days=days_ago)
        Booking.objects.create(
            site=hall,
            business_type=types["A"],
            start=start,
            end=start,
            day=start.date(),
            status=Booking.Status.MISSED,
            missed_at=start + dt.timedelta(minutes=15),
            phone_hash=digest,
        )
    with pytest.raises(BookingBarred) as refused:
        book(phone="13800131234")
    assert refused.value.code == "booking_barred" and "retry_at" in refused.value.as_dict()
    assert book(phone="13900001111").status == "booked"  # another number
    later = NOW + dt.timedelta(days=21)
    assert book(start=local(hall, 10, days=21), phone="13800131234", now=later).status == "booked"


def test_cancel_until_the_slot_starts(hall: Site, book: Book) -> None:
    booking = book()
    with pytest.raises(CancelRefused):
        services.cancel(booking=booking, actor=queue.Actor(kind="citizen"), now=local(hall, 10))
    done = services.cancel(booking=booking, actor=queue.Actor(kind="citizen"), now=NOW)
    assert done.status == "cancelled"
    with pytest.raises(CancelRefused):
        services.cancel(booking=booking, actor=queue.Actor(kind="citizen"), now=NOW)
    assert book().status == "booked" and book().status == "booked"  # its place is free again


def test_unknown_business_type_is_not_found(book: Book) -> None:
    with pytest.raises(NotFound):
        book(prefix="Q")


def test_bookings_not_checked_in_become_missed_and_free_their_place(hall: Site, book: Book, desk: Desk) -> None:
    book()
    book()
    after = local(hall, 10, 15) + dt.timedelta(seconds=1)
    assert services.mark_missed(site=hall, now=local(hall, 10, 14)) == 0
    assert queue.roll_over_day(site=hall, now=after) == 0  # `expire_tickets` runs this
    assert set(Booking.objects.values_list("status", flat=True)) == {"missed"}
    assert Event.objects.filter(kind=Event.Kind.APPOINTMENT_MISSED).count() == 2
    slot = selectors.day_slots(
        site=hall, business_type=BusinessType.objects.get(prefix="A"), day=local(hall, 0).date(), now=NOW
    )
    assert next(s for s in slot if s.start == local(hall, 10)).taken == 0


def test_the_day_change_marks_yesterdays_bookings_missed(hall: Site, book: Book, issue: Callable[..., object]) -> None:
    book(start=local(hall, 23, 30))
    issue("B", now=local(hall, 8, days=1))  # the first write of the next day
    assert Booking.objects.get().status == "missed"
