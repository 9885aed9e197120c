"""Request and response shapes of the appointments API (SPEC "Fixed paths")."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from appointments.models import Booking


class SlotOut(Schema):
    start: dt.datetime
    end: dt.datetime
    free: int


class SlotsOut(Schema):
    slots: list[SlotOut]


class BookIn(Schema):
    business_type: str = Field(..., min_length=1, max_length=1, pattern=r"^[A-Za-z]$", examples=["A"])
    start: dt.datetime = Field(..., description="The slot's start, ISO 8601 with an offset.")
    phone: str | None = Field(None, max_length=20, description="Optional mobile number (never shown back).")
    checklist_version: int | None = Field(None, ge=1, description="The checklist version shown before booking.")


class BookingTicketOut(Schema):
    number: str
    token: str


class BookingOut(Schema):
    code: str
    status: str
    start: dt.datetime
    end: dt.datetime
    business_type: str
    business_type_name: str
    business_type_name_en: str
    url: str
    checklist_version: int | None
    ticket: BookingTicketOut | None = None


def booking_out(booking: Booking) -> BookingOut:
    tz = booking.site.tz
    ticket = booking.ticket
    return BookingOut(
        code=booking.code,
        status=booking.public_status,
        start=booking.start.astimezone(tz),
        end=booking.end.astimezone(tz),
        business_type=booking.business_type.prefix,
        business_type_name=booking.business_type.name,
        business_type_name_en=booking.business_type.name_en,
        url=f"/a/{booking.code}/",
        checklist_version=booking.checklist_version.number if booking.checklist_version else None,
        ticket=BookingTicketOut(number=ticket.number, token=ticket.token) if ticket is not None else None,
    )
