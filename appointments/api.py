"""The appointments part of the JSON API v1 (SPEC "Fixed paths"): slots, book, a booking, cancel."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status

from appointments import selectors, services
from appointments.models import Booking
from appointments.schemas import BookIn, BookingOut, SlotOut, SlotsOut, booking_out
from queueing import ratelimit
from queueing.apikit import ERRORS, add_links, get_site
from queueing.errors import NotFound
from queueing.models import BusinessType
from queueing.services import Actor

router = Router(tags=["appointments"])


class SlotsQuery(Schema):
    business_type: str
    date: dt.date


@router.get("/sites/{site}/slots/", response={200: SlotsOut, **ERRORS})
def slots(request: HttpRequest, site: str, query: Query[SlotsQuery]) -> SlotsOut:
    """The slots of one local day for a business type; full and closed ones have `free` 0."""
    site_obj = get_site(site)
    bt = BusinessType.objects.filter(site=site_obj, prefix=query.business_type.strip().upper()).first()
    if bt is None:
        raise NotFound(_("There is no business type %(prefix)s here.") % {"prefix": query.business_type})
    day_slots = selectors.day_slots(site=site_obj, business_type=bt, day=query.date, now=timezone.now())
    return SlotsOut(slots=[SlotOut(start=s.start, end=s.end, free=s.free) for s in day_slots])


# A new booking can be read back and cancelled by its code.
add_links(
    "appointments_api_book",
    201,
    {
        name: {"operationId": operation, "parameters": {"code": "$response.body#/code"}}
        for name, operation in {
            "Booking": "appointments_api_booking_status",
            "CancelBooking": "appointments_api_booking_cancel",
        }.items()
    },
)


@router.post("/sites/{site}/appointments/", response={201: BookingOut, **ERRORS})
def book(request: HttpRequest, site: str, payload: BookIn) -> Status[BookingOut]:
    """Book a place (anonymous, rate-limited per client address like the kiosk)."""
    site_obj = get_site(site)
    ratelimit.check_kiosk_rate(request)
    booking = services.book(
        site=site_obj,
        prefix=payload.business_type,
        start=payload.start,
        phone=payload.phone or None,
        checklist_version=payload.checklist_version,
        actor=Actor(kind="citizen", address=ratelimit.client_address(request)),
    )
    booking.site = site_obj
    return Status(201, booking_out(booking))


def _booking(code: str) -> Booking:
    booking = selectors.get_booking(code)
    if booking is None:
        raise NotFound(_("This appointment does not exist."))
    return booking


@router.get("/appointments/{code}/", response={200: BookingOut, **ERRORS})
def booking_status(request: HttpRequest, code: str) -> BookingOut:
    return booking_out(_booking(code))


@router.post("/appointments/{code}/cancel/", response={200: BookingOut, **ERRORS})
def booking_cancel(request: HttpRequest, code: str) -> BookingOut:
    booking = _booking(code)
    services.cancel(booking=booking, actor=Actor(kind="citizen", address=ratelimit.client_address(request)))
    return booking_out(_booking(code))
