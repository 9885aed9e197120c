"""Every change of a booking: book, cancel, check in (which issues the ticket), missed.

Each runs in the queue's write discipline: the site's row locked first (so the places of
a slot are counted and taken by one request at a time), an Event for every change, and
messages to the citizen sent after the commit.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments import errors, notify, selectors
from appointments.models import AlertEvent, Booking, BookingSettings, TicketAlert
from counter.crypto import keyed_hash
from notices.models import ChecklistVersion, normalize_code
from queueing import rules
from queueing import services as queue
from queueing.errors import Forbidden, InvalidRequest, InvalidTransition, NotFound
from queueing.models import BusinessType, Event, Site, Ticket

PHONE_HASH_PURPOSE = "booking-phone"
MISSES_TO_BAR = 3
MISS_WINDOW = dt.timedelta(days=90)
BAR_FOR = dt.timedelta(days=30)
PHONE_KEPT_AFTER_VISIT = dt.timedelta(days=30)


def normalize_phone(raw: str) -> str:
    digits = re.sub(r"[\s\-()]", "", raw)
    if digits.startswith("+86"):
        digits = digits[3:]
    if not re.fullmatch(r"1\d{10}", digits):
        raise InvalidRequest(_("Please enter an 11-digit mobile number, or leave it empty."))
    return digits


def phone_hash(phone: str) -> str:
    return keyed_hash(phone, purpose=PHONE_HASH_PURPOSE)


def barred_until(*, site: Site, digest: str, now: dt.datetime) -> dt.datetime | None:
    """3 missed appointments within 90 days bar the number for 30 days after the third."""
    misses = selectors.missed_times(site=site, phone_hash=digest, since=now - MISS_WINDOW - BAR_FOR)
    for i in range(MISSES_TO_BAR - 1, len(misses)):
        third = misses[i]
        if third - misses[i - MISSES_TO_BAR + 1] <= MISS_WINDOW and third + BAR_FOR > now:
            return third + BAR_FOR
    return None


def book(
    *,
    site: Site,
    prefix: str,
    start: dt.datetime,
    phone: str | None,
    actor: queue.Actor,
    checklist_version: int | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Book a place in the slot of a business type starting at `start`."""
    now = now or timezone.now()
    if start.tzinfo is None:
        raise InvalidRequest(_("Give the slot's start with its UTC offset, e.g. 2026-12-07T09:00:00+08:00."))
    if abs(start.date() - now.date()) > dt.timedelta(days=selectors.MAX_DAYS_AWAY):
        raise errors.BookingClosed()
    bt = BusinessType.objects.filter(site=site, prefix=prefix.strip().upper()).first()
    if bt is None:
        raise NotFound(_("There is no business type %(prefix)s here.") % {"prefix": prefix})
    number = normalize_phone(phone) if phone else None
    return _book(site=site, bt=bt, start=start, phone=number, actor=actor, shown=checklist_version, now=now)


@queue.write_transaction
def _book(
    *,
    site: Site,
    bt: BusinessType,
    start: dt.datetime,
    phone: str | None,
    actor: queue.Actor,
    shown: int | None,
    now: dt.datetime,
) -> Booking:
    # The site lock serialises the bookings of a hall: the count of a slot's places
    # below and the new row are one step, so two citizens never take the last place twice.
    site = queue.lock_site(site.pk, now)
    mark_missed_locked(site, now)
    day = site.service_day(start)
    slot = next(
        (s for s in selectors.day_slots(site=site, business_type=bt, day=day, now=now) if s.start == start), None
    )
    if slot is None or slot.closed:
        raise errors.BookingClosed()
    settings = selectors.settings_for(site)
    digest = phone_hash(phone) if phone else ""
    if digest:
        barred = barred_until(site=site, digest=digest, now=now)
        if barred is not None:
            raise errors.BookingBarred(
                _(
                    "This mobile number missed 3 appointments within 90 days; it can book again from %(when)s. "
                    "You can still take a ticket at the kiosk."
                )
                % {"when": rules.when(site, barred)},
                retry_at=barred,
            )
        if Booking.objects.filter(site=site, phone_hash=digest, day=day, status__in=Booking.HOLDING).exists():
            raise errors.AlreadyBooked()
    if slot.free <= 0:
        raise errors.SlotFull()
    version = _checklist(bt, shown)
    booking = Booking.objects.create(
        site=site,
        business_type=bt,
        start=slot.start,
        end=slot.end,
        day=day,
        checklist_version=version,
        phone_hash=digest,
        phone_last4=phone[-4:] if phone else "",
        phone=phone if phone and settings.keeps_phone else None,
        created_at=now,
    )
    queue.record_event(
        site=site,
        kind=Event.Kind.APPOINTMENT_BOOKED,
        actor=actor,
        data={"booking": booking.pk, "business_type": bt.prefix, "start": slot.start.isoformat()},
        at=now,
    )
    transaction.on_commit(partial(notify.booking_message, booking.pk, notify.CONFIRMED), robust=True)
    return booking


def _checklist(bt: BusinessType, number: int | None) -> ChecklistVersion | None:
    versions = ChecklistVersion.objects.filter(business_type=bt, status=ChecklistVersion.Status.PUBLISHED)
    if number is not None:
        shown = versions.filter(number=number).first()
        if shown is not None:
            return shown
    return versions.order_by("-number").first()


def _lock_booking(code: str) -> Booking | None:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("business_type", "checklist_version")
        .filter(code=normalize_code(code))
        .first()
    )


@queue.write_transaction
def cancel(*, booking: Booking, actor: queue.Actor, now: dt.datetime | None = None) -> Booking:
    """The citizen gives up the place; allowed until the slot starts."""
    now = now or timezone.now()
    site = queue.lock_site(booking.site_id, now)
    locked = Booking.objects.select_for_update().select_related("business_type").get(pk=booking.pk)
    if locked.status != Booking.Status.BOOKED:
        raise errors.CancelRefused(
            _("This appointment is %(status)s; it cannot be cancelled.") % {"status": locked.get_status_display()}
        )
    if now >= locked.start:
        raise errors.CancelRefused(_("The appointment has started; it can no longer be cancelled."))
    locked.status = Booking.Status.CANCELLED
    locked.cancelled_at = now
    locked.save(update_fields=["status", "cancelled_at"])
    queue.record_event(
        site=site, kind=Event.Kind.APPOINTMENT_CANCELLED, actor=actor, data={"booking": locked.pk}, at=now
    )
    return locked


@queue.write_transaction
def check_in(
    *, site: Site, code: str, actor: queue.Actor, idempotency_key: str | None = None, now: dt.datetime | None = None
) -> queue.Issued:
    """At the kiosk: the booking's ticket, called before walk-ins once its slot has started."""
    now = now or timezone.now()
    locked_site = queue.lock_site(site.pk, now)
    booking = _lock_booking(code)
    if booking is None or booking.site_id != locked_site.pk:
        raise NotFound(_("This appointment code is not known here. Please check it, or ask at the information desk."))
    if booking.status == Booking.Status.CANCELLED:
        raise errors.AppointmentCancelled(business_type=booking.business_type.prefix)
    if booking.status == Booking.Status.CHECKED_IN:
        raise errors.AppointmentUsed()
    settings = selectors.settings_for(locked_site)
    if booking.status == Booking.Status.MISSED or now > booking.check_in_closes(settings):
        # The kiosk offers an ordinary ticket of the same business in one touch.
        raise errors.AppointmentMissed(business_type=booking.business_type.prefix)
    opens = booking.check_in_opens(settings)
    if now < opens:
        raise errors.TooEarly(
            _("Check-in for this appointment opens at %(when)s. Please come back then.")
            % {"when": rules.when(locked_site, opens)},
            retry_at=opens,
        )
    issued = queue.issue_ticket(
        site=locked_site,
        prefix=booking.business_type.prefix,
        actor=actor,
        idempotency_key=idempotency_key,
        checklist_version=booking.checklist_version.number if booking.checklist_version else None,
        appointment_start=booking.start,
        now=now,
    )
    booking.status = Booking.Status.CHECKED_IN
    booking.ticket = issued.ticket
    booking.checked_in_at = now
    booking.save(update_fields=["status", "ticket", "checked_in_at"])
    # The ticket's site is the row the issue locked: the check-in shares its version bump.
    queue.record_event(
        site=issued.ticket.site,
        kind=Event.Kind.APPOINTMENT_CHECKED_IN,
        actor=actor,
        ticket=issued.ticket,
        data={"booking": booking.pk},
        at=now,
    )
    return issued


def mark_missed_locked(site: Site, now: dt.datetime) -> int:
    """Bookings not checked in by the end of their check-in window become missed (their place is free).

    Runs with the site's row locked: in every booking, at the day change and at each `expire_tickets`.
    """
    settings = selectors.settings_for(site)
    cutoff = now - dt.timedelta(minutes=settings.check_in_after_minutes)
    overdue = list(
        Booking.objects.select_for_update()
        .filter(site=site, status=Booking.Status.BOOKED, start__lt=cutoff)
        .order_by("pk")
    )
    system = queue.Actor.system()
    for booking in overdue:
        booking.status = Booking.Status.MISSED
        booking.missed_at = now
        booking.save(update_fields=["status", "missed_at"])
        queue.record_event(
            site=site, kind=Event.Kind.APPOINTMENT_MISSED, actor=system, data={"booking": booking.pk}, at=now
        )
    return len(overdue)


@queue.write_transaction
def mark_missed(*, site: Site, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return mark_missed_locked(queue.lock_site(site.pk, now), now)


@transaction.atomic
def purge_phones(*, now: dt.datetime | None = None) -> int:
    """Kept mobile numbers are deleted 30 days after the visit (only the hash and last four digits stay).

    The same for the numbers left on a ticket's phone page for alerts (left at the visit).
    """
    now = now or timezone.now()
    cutoff = now - PHONE_KEPT_AFTER_VISIT
    bookings = Booking.objects.filter(phone__isnull=False, start__lt=cutoff).update(phone=None)
    return bookings + TicketAlert.objects.filter(phone__isnull=False, created_at__lt=cutoff).update(phone=None)


# --- Alerts for a ticket's holder (a walk-in's "3 people ahead", "called", a document "ready") ---

# A ticket in these states can still be told it is near or called.
ALERTABLE = (Ticket.Status.WAITING, Ticket.Status.CALLED)


@queue.write_transaction
def subscribe_alerts(
    *,
    token: str,
    phone: str,
    actor: queue.Actor,
    for_document: bool = False,
    now: dt.datetime | None = None,
) -> TicketAlert:
    """Keep the mobile number a ticket's holder left, to text them "3 ahead" and "called" (or "ready").

    Only at a site whose notifier sends; leaving a number again replaces it and keeps what was sent.
    `for_document`: the ticket is done and its document is made later (outreach's case page).
    """
    now = now or timezone.now()
    try:
        number = normalize_phone(phone or "")
    except InvalidRequest:
        raise InvalidRequest(_("Please enter your 11-digit mobile number.")) from None
    # The ticket's row locked: a number left while the ticket is being called is judged on its state after.
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("site").filter(token=token).first()
    if ticket is None:
        raise NotFound(_("This ticket is not known."))
    if not selectors.settings_for(ticket.site).keeps_phone:
        raise Forbidden(_("This station does not send text messages."))
    if not for_document and ticket.status not in ALERTABLE:
        raise InvalidTransition(_("This ticket is no longer waiting; no text message can be sent for it."))
    alert, _created = TicketAlert.objects.update_or_create(
        ticket=ticket, defaults={"site": ticket.site, "phone": number, "created_at": now}
    )
    AlertEvent.objects.create(
        site=ticket.site, alert=alert, kind=AlertEvent.Kind.SUBSCRIBED, address=actor.address, created_at=now
    )
    if not for_document:
        # Already 3 or fewer ahead (or called): the first message may be due at once.
        transaction.on_commit(partial(notify.alerts_for_ticket, ticket.pk), robust=True)
    return alert


ALERT_FLAGS = {
    AlertEvent.Kind.NEAR: "near_sent_at",
    AlertEvent.Kind.CALLED: "called_sent_at",
    AlertEvent.Kind.READY: "ready_sent_at",
}


@queue.write_transaction
def claim_alert(*, alert_id: int, kind: str, now: dt.datetime | None = None) -> bool:
    """Mark one message of an alert as sent; False when it was sent already (it then goes no second time).

    A conditional update, so two workers broadcasting the same write, or a retry, claim it once.
    """
    now = now or timezone.now()
    flag = ALERT_FLAGS[AlertEvent.Kind(kind)]
    claimed = TicketAlert.objects.filter(pk=alert_id, phone__isnull=False, **{flag: None}).update(**{flag: now})
    if claimed:
        site_id = TicketAlert.objects.filter(pk=alert_id).values_list("site_id", flat=True).get()
        AlertEvent.objects.create(site_id=site_id, alert_id=alert_id, kind=kind, created_at=now)
    return bool(claimed)


@transaction.atomic
def claim_reminders(*, now: dt.datetime | None = None) -> list[tuple[int, str]]:
    """The reminders due now (the day before, 1 hour before), marked as sent so each goes once."""
    now = now or timezone.now()
    due: list[tuple[int, str]] = []
    for flag, ahead, kind in (
        ("reminded_day_before", dt.timedelta(hours=24), notify.REMINDER_DAY),
        ("reminded_hour_before", dt.timedelta(hours=1), notify.REMINDER_HOUR),
    ):
        rows = Booking.objects.select_for_update().filter(
            status=Booking.Status.BOOKED, start__gt=now, start__lte=now + ahead, **{flag: False}
        )
        ids = list(rows.values_list("pk", flat=True))
        Booking.objects.filter(pk__in=ids).update(**{flag: True})
        due += [(pk, kind) for pk in ids]
    for pk, kind in due:
        transaction.on_commit(partial(notify.booking_message, pk, kind), robust=True)
    return due


def seed_demo_settings(site: Site) -> None:
    """The demo site: bookings today and the next 7 days, at least 2 places a slot, no lead time."""
    BookingSettings.objects.get_or_create(site=site, defaults={"lead_minutes": 0, "min_places": 2, "window_days": 7})
