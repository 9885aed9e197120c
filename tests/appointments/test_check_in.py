"""Check-in at the kiosk (window edges with time travel) and the call order with appointments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from appointments import errors, services
from appointments.models import Booking
from queueing import selectors
from queueing import services as queue
from queueing.errors import NotFound
from queueing.models import Desk, Event, Site, Ticket
from tests.appointments.conftest import local

Book = Callable[..., Booking]
KIOSK = queue.Actor(kind="kiosk", address="10.0.0.9")


def check_in(site: Site, code: str, now: dt.datetime) -> queue.Issued:
    return services.check_in(site=site, code=code, actor=KIOSK, now=now)


def test_check_in_opens_thirty_minutes_before_the_slot(hall: Site, book: Book) -> None:
    booking = book()  # 10:00
    with pytest.raises(errors.TooEarly) as refused:
        check_in(hall, booking.code, local(hall, 9, 29))
    assert refused.value.code == "too_early"
    assert "09:30" in str(refused.value.message) and refused.value.as_dict()["retry_at"]
    issued = check_in(hall, booking.code, local(hall, 9, 30))
    assert issued.ticket.appointment_start == booking.start
    booking.refresh_from_db()
    assert (booking.status, booking.ticket) == ("checked_in", issued.ticket)
    assert Event.objects.filter(kind=Event.Kind.APPOINTMENT_CHECKED_IN, ticket=issued.ticket).count() == 1


def test_check_in_closes_fifteen_minutes_after_the_start(hall: Site, book: Book) -> None:
    on_time, late = book(), book()
    assert check_in(hall, on_time.code, local(hall, 10, 15)).ticket.number == "A001"
    with pytest.raises(errors.AppointmentMissed):
        check_in(hall, late.code, local(hall, 10, 15) + dt.timedelta(seconds=1))
    assert Ticket.objects.count() == 1


def test_a_used_or_cancelled_code_gets_its_own_answer(hall: Site, book: Book) -> None:
    used, cancelled = book(), book()
    check_in(hall, used.code, local(hall, 9, 45))
    with pytest.raises(errors.AppointmentUsed):
        check_in(hall, used.code, local(hall, 9, 46))
    services.cancel(booking=cancelled, actor=queue.Actor(kind="citizen"), now=local(hall, 9, 40))
    with pytest.raises(errors.AppointmentCancelled):
        check_in(hall, cancelled.code, local(hall, 9, 46))


def test_a_code_is_typed_in_any_form_and_unknown_ones_are_not_found(hall: Site, book: Book) -> None:
    booking = book()
    with pytest.raises(NotFound):
        check_in(hall, "ZZZZ-ZZZZ", local(hall, 9, 45))
    typed = f" {booking.code[:4].lower()}-{booking.code[4:]} "
    assert check_in(hall, typed, local(hall, 9, 45)).ticket.appointment_start is not None


def test_another_sites_code_is_not_found(hall: Site, book: Book) -> None:
    other = Site.objects.create(slug="other", name="其他派出所", always_open=True)
    with pytest.raises(NotFound):
        check_in(other, book().code, local(hall, 9, 45))


def test_an_appointment_waits_like_a_walk_in_until_its_slot_starts(
    hall: Site, book: Book, desk: Desk, issue: Callable[..., Ticket]
) -> None:
    walk_in = issue("A", now=local(hall, 9, 40))
    booked = check_in(hall, book().code, local(hall, 9, 45)).ticket
    later = issue("A", now=local(hall, 9, 50))
    assert selectors.ahead_of(booked, local(hall, 9, 55)) == 1
    # Before 10:00 the walk-in who came first is called first.
    assert queue.call_next(desk=desk, actor=KIOSK, now=local(hall, 9, 55)) == walk_in
    assert queue.call_next(desk=desk, actor=KIOSK, now=local(hall, 9, 56)) == booked
    assert queue.call_next(desk=desk, actor=KIOSK, now=local(hall, 9, 57)) == later


def test_once_its_slot_started_an_appointment_goes_before_every_walk_in_but_not_priority(
    hall: Site, book: Book, desk: Desk, issue: Callable[..., Ticket]
) -> None:
    walk_ins = [issue("A", now=local(hall, 9, m)) for m in (10, 20)]
    booked = check_in(hall, book().code, local(hall, 9, 50)).ticket
    green = issue("A", priority=True, priority_kind="elderly", now=local(hall, 9, 55))
    at = local(hall, 10, 1)
    assert selectors.ahead_of(booked, at) == 1  # the priority ticket only
    assert selectors.ahead_of(walk_ins[0], at) == 2
    called = [queue.call_next(desk=desk, actor=KIOSK, now=at + dt.timedelta(seconds=s)) for s in range(4)]
    assert called == [green, booked, *walk_ins]


def test_an_appointment_goes_before_a_transferred_ticket(
    hall: Site, book: Book, desk: Desk, desk2: Desk, issue: Callable[..., Ticket], reason: object
) -> None:
    moved = issue("B", now=local(hall, 9, 0))
    queue.call_next(desk=desk2, actor=KIOSK, now=local(hall, 9, 1))
    queue.start(desk=desk2, actor=KIOSK, now=local(hall, 9, 2))
    queue.transfer(desk=desk2, prefix="A", reason_code="returned", actor=KIOSK, now=local(hall, 9, 3))
    booked = check_in(hall, book().code, local(hall, 9, 50)).ticket
    assert queue.call_next(desk=desk, actor=KIOSK, now=local(hall, 10, 0)) == booked
    assert queue.call_next(desk=desk, actor=KIOSK, now=local(hall, 10, 1)).number == moved.number  # type: ignore[union-attr]


def test_a_checked_in_ticket_goes_through_the_lifecycle_like_any_other(hall: Site, book: Book, desk: Desk) -> None:
    booking = book()
    ticket = check_in(hall, booking.code, local(hall, 9, 50)).ticket
    assert queue.call_next(desk=desk, actor=KIOSK, now=local(hall, 10, 0)) == ticket
    queue.start(desk=desk, actor=KIOSK, now=local(hall, 10, 1))
    queue.complete(desk=desk, actor=KIOSK, now=local(hall, 10, 9))
    booking.refresh_from_db()
    assert booking.public_status == "done"


# The call order as a table: each kind of waiting ticket against each other, the later-queued one
# first in the table when it outranks the other (SPEC "Call policy with appointments").
RANK = ["priority", "appointment_due", "transferred", "plain", "appointment_early"]
# An appointment whose slot has not begun waits like a walk-in: by its queue time among the plain.
SAME_AS_PLAIN = {"plain", "appointment_early"}


def make_kind(kind: str, hall: Site, at: dt.datetime) -> Ticket:
    slot = local(hall, 10)
    ticket = queue.issue_ticket(site=hall, prefix="A", actor=KIOSK, priority=kind == "priority", now=at).ticket
    updates: dict[str, object] = {}
    if kind == "appointment_due":
        updates["appointment_start"] = slot
    if kind == "appointment_early":
        updates["appointment_start"] = slot + dt.timedelta(hours=2)
    if kind == "transferred":
        updates["transferred"] = True
    Ticket.objects.filter(pk=ticket.pk).update(**updates)
    return ticket


@pytest.mark.parametrize("first", RANK)
@pytest.mark.parametrize("second", RANK)
def test_call_order_table(first: str, second: str, hall: Site, desk: Desk) -> None:
    older = make_kind(first, hall, local(hall, 9, 0))
    newer = make_kind(second, hall, local(hall, 9, 5))
    at = local(hall, 10, 5)
    called = queue.call_next(desk=desk, actor=KIOSK, now=at)
    same = first == second or {first, second} <= SAME_AS_PLAIN
    expected = older if same or RANK.index(first) < RANK.index(second) else newer
    assert called == expected
    assert selectors.ahead_of(Ticket.objects.get(pk=(newer if expected == older else older).pk), at) == 0
