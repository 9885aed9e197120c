"""A booking as an iCalendar event (RFC 5545), for the phone's calendar."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from appointments.models import Booking


def _text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def ics(booking: Booking, url: str) -> str:
    summary = _("Appointment: %(business)s") % {"business": booking.business_type.name}
    description = _("Check in at the kiosk with code %(code)s (or its QR code). Checklist and cancel: %(url)s") % {
        "code": booking.display_code,
        "url": url,
    }
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Counter//Appointments//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{booking.code}@counter",
        f"DTSTAMP:{_utc(booking.created_at)}",
        f"DTSTART:{_utc(booking.start)}",
        f"DTEND:{_utc(booking.end)}",
        f"SUMMARY:{_text(summary)}",
        f"LOCATION:{_text(booking.site.name)}",
        f"DESCRIPTION:{_text(description)}",
        f"URL:{url}",
        "BEGIN:VALARM",
        "TRIGGER:-PT1H",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{_text(summary)}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"
