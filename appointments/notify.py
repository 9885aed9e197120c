"""Messages to a booked citizen: a notifier with two backends, `log` (the default) and `webhook`.

A message is built in the request after the commit (a short read) and sent from a small
thread pool, so a slow or dead gateway never holds up a write; a webhook is signed with
the site's shared secret and retried with backoff, and a final failure is logged and counted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, Protocol

from django.conf import settings as django_settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

log = logging.getLogger(__name__)

CONFIRMED = "booking.confirmed"
REMINDER_DAY = "reminder.day_before"
REMINDER_HOUR = "reminder.hour_before"
NEAR = "ticket.near"
CALLED = "ticket.called"
READY = "document.ready"
NEAR_AHEAD = 3

SIGNATURE_HEADER = "X-Counter-Signature"
TIMESTAMP_HEADER = "X-Counter-Timestamp"

_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="counter-notify")
_pending: set[Future[None]] = set()
_lock = threading.Lock()
stats = {"sent": 0, "failed": 0}


class Backend(Protocol):
    def send(self, message: dict[str, Any]) -> None: ...


class LogBackend:
    """Writes what it would send, without the number itself."""

    def send(self, message: dict[str, Any]) -> None:
        shown = {k: v for k, v in message.items() if k != "phone"}
        log.info("Notification (log backend, not sent): %s", json.dumps(shown, ensure_ascii=False, sort_keys=True))


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 of "<timestamp>.<body>", hex: the receiver recomputes it with the shared secret."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class WebhookBackend:
    def __init__(self, url: str, secret: str) -> None:
        self.url, self.secret = url, secret

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message, ensure_ascii=False, sort_keys=True).encode()
        attempts = django_settings.COUNTER_NOTIFY_ATTEMPTS
        for attempt in range(attempts):
            timestamp = str(int(time.time()))
            request = urllib.request.Request(
                self.url,
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    TIMESTAMP_HEADER: timestamp,
                    SIGNATURE_HEADER: "sha256=" + signature(self.secret, timestamp, body),
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the site's own URL)
                    if 200 <= response.status < 300:
                        return
            except OSError as exc:  # refused, timed out, or an HTTP error status
                log.info("Webhook attempt %s of %s failed: %s", attempt + 1, attempts, exc)
            if attempt + 1 < attempts:
                time.sleep(django_settings.COUNTER_NOTIFY_BACKOFF_SECONDS * 2**attempt)
        raise OSError(f"webhook gave up after {attempts} attempts")


def backend_for(site_id: int) -> Backend:
    from appointments.models import BookingSettings

    found = BookingSettings.objects.filter(site_id=site_id).first()
    if found is not None and found.keeps_phone:
        return WebhookBackend(found.webhook_url, found.webhook_secret)
    return LogBackend()


def _deliver(backend: Backend, message: dict[str, Any]) -> None:
    try:
        backend.send(message)
    except Exception:
        with _lock:
            stats["failed"] += 1
        log.warning(
            "Notification %s for %s could not be sent.", message.get("type"), message.get("code"), exc_info=True
        )
    else:
        with _lock:
            stats["sent"] += 1


def submit(backend: Backend, message: dict[str, Any]) -> Future[None]:
    future = _executor.submit(_deliver, backend, message)
    with _lock:
        _pending.add(future)
    future.add_done_callback(_pending.discard)
    return future


def drain(timeout: float = 30) -> None:
    """Wait for the messages on their way (commands before exiting, tests)."""
    with _lock:
        pending = list(_pending)
    wait(pending, timeout=timeout)


def booking_message(booking_id: int, kind: str) -> None:
    """After the commit: the booking's message, handed to the sending threads."""
    from appointments.models import Booking

    booking = Booking.objects.select_related("site", "business_type").filter(pk=booking_id).first()
    if booking is None:
        return
    message: dict[str, Any] = {
        "type": kind,
        "site": booking.site.slug,
        "site_name": booking.site.name,
        "code": booking.code,
        "business_type": booking.business_type.prefix,
        "business_type_name": booking.business_type.name,
        "start": timezone.localtime(booking.start, booking.site.tz).isoformat(),
        "url": f"/a/{booking.code}/",
        "phone_last4": booking.phone_last4,
    }
    backend = backend_for(booking.site_id)
    if isinstance(backend, WebhookBackend):
        if not booking.phone:
            return  # the gateway could reach nobody
        message["phone"] = booking.phone
    submit(backend, message)


def queue_alerts(events: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    """Texts to booked citizens whose number is kept: "called", and "3 people ahead of you".

    Registered with the queue's broadcast (`queueing.broadcast.add_messages`), which runs after
    every committed write and off the request; it adds no socket message of its own.
    """
    from appointments.models import Booking
    from queueing import selectors
    from queueing.models import Event

    moved = {e.site_id for e in events if e.kind in _MOVES and e.ticket_id is not None}
    # Only a site whose notifier sends can text anyone: elsewhere a write costs this one small read.
    sending = _sending_sites(moved) if moved else set()
    if not sending:
        return []
    _walk_in_alerts([e for e in events if e.site_id in sending])
    calls = [
        e for e in events if e.kind == Event.Kind.TICKET_CALLED and e.ticket_id is not None and e.site_id in sending
    ]
    if not calls:
        return []
    desks = {e.ticket_id: e.desk for e in calls}
    # One read for both kinds of text (it runs after every call): the called bookings, and the
    # waiting ones of the queues the calls moved (a called ticket is no longer waiting).
    wanted = Q(ticket_id__in=list(desks))
    for site_id, type_id in {(e.site_id, e.ticket.business_type_id) for e in calls if e.ticket is not None}:
        wanted |= Q(site_id=site_id, ticket__business_type_id=type_id, ticket__status="waiting", alerted_near=False)
    bookings = list(
        Booking.objects.filter(wanted, phone__isnull=False).select_related(
            "site", "business_type", "ticket__site", "ticket__business_type"
        )
    )
    for booking in bookings:
        if booking.ticket_id in desks:
            desk = desks[booking.ticket_id]
            _send_ticket_alert(booking, CALLED, desk=str(desk.number) if desk is not None else "")
    for booking in bookings:
        if booking.ticket_id not in desks:
            assert booking.ticket is not None
            # Claimed with a conditional update, so two workers' broadcasts send it once.
            near = selectors.ahead_of(booking.ticket) <= NEAR_AHEAD
            if near and Booking.objects.filter(pk=booking.pk, alerted_near=False).update(alerted_near=True):
                _send_ticket_alert(booking, NEAR, ahead=NEAR_AHEAD)
    return []


def _sending_sites(site_ids: set[int]) -> set[int]:
    """Which of these sites have a notifier that sends (`BookingSettings.keeps_phone`).

    Plain SQL: it runs after every call, transfer and cancel, and the ORM's query cost
    more to build than to run (most sites send nothing).
    """
    from appointments.models import BookingSettings

    table = BookingSettings._meta.db_table
    marks = ", ".join(["%s"] * len(site_ids))
    sql = f"SELECT site_id FROM {table} WHERE notifier = %s AND webhook_url <> '' AND site_id IN ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [BookingSettings.Notifier.WEBHOOK, *site_ids])
        return {row[0] for row in cursor.fetchall()}


def _send_ticket_alert(booking: Any, kind: str, **extra: Any) -> None:
    backend = backend_for(booking.site_id)
    if not isinstance(backend, WebhookBackend) or not booking.phone or booking.ticket is None:
        return
    message = {
        "type": kind,
        "site": booking.site.slug,
        "site_name": booking.site.name,
        "code": booking.code,
        "number": booking.ticket.number,
        "url": f"/t/{booking.ticket.token}/",
        "phone": booking.phone,
        **extra,
    }
    submit(backend, message)


# --- Alerts left on a ticket's phone page (`appointments.models.TicketAlert`) -----------------------

# Writes after which a waiting ticket may have come within NEAR_AHEAD of the front of its queue.
_MOVES = {"ticket.called", "ticket.cancelled", "ticket.transferred"}


def _walk_in_alerts(events: list[Any]) -> None:
    """After a committed queue write (on the broadcast thread, never in the request): the texts now due.

    One indexed look-up per write when nobody at the site left a number; otherwise the called
    tickets' alerts and the waiting tickets of the moved queues, each message claimed once.
    """
    from appointments.models import TicketAlert

    moved = {e.site_id for e in events if e.kind in _MOVES and e.ticket_id is not None}
    for site_id in moved:
        pending = TicketAlert.objects.filter(site_id=site_id, phone__isnull=False, called_sent_at__isnull=True)
        if not pending.exists():
            continue
        types = {e.ticket.business_type_id for e in events if e.site_id == site_id and e.ticket is not None}
        due = pending.filter(ticket__status__in=("waiting", "called"), ticket__business_type_id__in=types)
        for pk in due.values_list("ticket_id", flat=True):
            alerts_for_ticket(pk)


def alerts_for_ticket(ticket_id: int) -> None:
    """Send what is due for one ticket's alert: "called" once it is called, else "3 ahead" once near."""
    from appointments import services
    from appointments.models import AlertEvent, TicketAlert
    from queueing import selectors

    alert = (
        TicketAlert.objects.select_related("site", "ticket__site", "ticket__business_type", "ticket__desk")
        .filter(ticket_id=ticket_id, phone__isnull=False)
        .first()
    )
    if alert is None:
        return
    ticket = alert.ticket
    backend = backend_for(alert.site_id)
    if not isinstance(backend, WebhookBackend):
        return  # the site's notifier stopped sending: nothing to claim
    if ticket.status == "called" and alert.called_sent_at is None:
        if services.claim_alert(alert_id=alert.pk, kind=AlertEvent.Kind.CALLED):
            desk = ticket.desk
            _send_alert(backend, alert, CALLED, desk=str(desk.number) if desk is not None else "")
    elif (
        ticket.status == "waiting"
        and alert.near_sent_at is None
        and selectors.ahead_of(ticket) <= NEAR_AHEAD
        and services.claim_alert(alert_id=alert.pk, kind=AlertEvent.Kind.NEAR)
    ):
        _send_alert(backend, alert, NEAR, ahead=NEAR_AHEAD)


def document_ready(ticket_id: int, code: str) -> None:
    """After the commit of a document case marked ready: "ready" to the number left for its ticket, once.

    The number left on the ticket's page, or the booking's kept number when the ticket came from one.
    """
    from appointments import services
    from appointments.models import AlertEvent, Booking, TicketAlert

    backend = backend_for_ticket(ticket_id)
    if backend is None:
        return
    alert = (
        TicketAlert.objects.select_related("site", "ticket").filter(ticket_id=ticket_id, phone__isnull=False).first()
    )
    if alert is not None:
        if services.claim_alert(alert_id=alert.pk, kind=AlertEvent.Kind.READY):
            _send_alert(backend, alert, READY, case=code, url=f"/t/{alert.ticket.token}/")
        return
    booking = Booking.objects.select_related("site", "ticket").filter(ticket_id=ticket_id, phone__isnull=False).first()
    if booking is not None and booking.ticket is not None:
        # A case is marked ready once (its states only move forward): no claim needed.
        submit(
            backend,
            {
                "type": READY,
                "site": booking.site.slug,
                "site_name": booking.site.name,
                "number": booking.ticket.number,
                "case": code,
                "url": f"/t/{booking.ticket.token}/",
                "phone": booking.phone,
            },
        )


def backend_for_ticket(ticket_id: int) -> WebhookBackend | None:
    from queueing.models import Ticket

    site_id = Ticket.objects.filter(pk=ticket_id).values_list("site_id", flat=True).first()
    backend = backend_for(site_id) if site_id is not None else None
    return backend if isinstance(backend, WebhookBackend) else None


def _send_alert(backend: Backend, alert: Any, kind: str, **extra: Any) -> None:
    message = {
        "type": kind,
        "site": alert.site.slug,
        "site_name": alert.site.name,
        "number": alert.ticket.number,
        "url": f"/t/{alert.ticket.token}/",
        "phone": alert.phone,
        **extra,
    }
    submit(backend, message)
