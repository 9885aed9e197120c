"""Refusals of booking and check-in: each a stable code (SPEC "Fixed paths") and a translated message."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from queueing.errors import Conflict


class SlotFull(Conflict):
    code = "slot_full"
    default_message = _("This time is fully booked. Please choose another time.")


class BookingClosed(Conflict):
    code = "booking_closed"
    default_message = _("This time cannot be booked (it is in the past or outside the booking window).")


class AlreadyBooked(Conflict):
    code = "already_booked"
    default_message = _("This mobile number already has an appointment here on that day.")


class BookingBarred(Conflict):
    code = "booking_barred"


class TooEarly(Conflict):
    code = "too_early"


class AppointmentMissed(Conflict):
    code = "appointment_missed"
    default_message = _("The check-in time of this appointment has passed. You can take an ordinary ticket instead.")


class AppointmentUsed(Conflict):
    code = "appointment_used"
    default_message = _("This appointment has already been checked in; its ticket was issued.")


class AppointmentCancelled(Conflict):
    code = "appointment_cancelled"
    default_message = _("This appointment was cancelled. You can take an ordinary ticket instead.")


class CancelRefused(Conflict):
    code = "invalid_transition"
