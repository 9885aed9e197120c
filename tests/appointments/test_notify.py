"""The notifier: log by default; a webhook signed with the site's secret, retried with backoff,
sent after the commit only, and never failing the write that asked for it."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.server
import json
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction

from appointments import notify
from appointments.models import Booking, BookingSettings
from queueing.models import BusinessType, Desk, Site
from tests.appointments.conftest import local

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit callbacks run for real


class Gateway:
    """A local HTTP server standing in for a station's SMS gateway; fails the first `failures` requests."""

    def __init__(self, failures: int = 0) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.failures = failures
        gateway = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append((dict(self.headers), body))
                self.send_response(500 if len(gateway.requests) <= gateway.failures else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway_factory(settings: Any) -> Iterator[Callable[..., Gateway]]:
    settings.COUNTER_NOTIFY_BACKOFF_SECONDS = 0.01
    made: list[Gateway] = []

    def make(failures: int = 0) -> Gateway:
        made.append(Gateway(failures))
        return made[-1]

    yield make
    for gateway in made:
        gateway.close()


def use_webhook(site: Site, url: str) -> None:
    BookingSettings.objects.create(site=site, notifier="webhook", webhook_url=url, webhook_secret="s3cret")


def test_a_booking_is_confirmed_through_a_signed_webhook(
    hall: Site, book: Callable[..., Booking], gateway_factory: Callable[..., Gateway]
) -> None:
    gateway = gateway_factory()
    use_webhook(hall, gateway.url)
    booking = book(phone="13800131234")
    notify.drain()
    assert len(gateway.requests) == 1
    headers, body = gateway.requests[0]
    message = json.loads(body)
    assert message["type"] == "booking.confirmed" and message["code"] == booking.code
    assert message["phone"] == "13800131234" and message["start"].endswith("+08:00")
    timestamp = headers[notify.TIMESTAMP_HEADER]
    expected = hmac.new(b"s3cret", timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers[notify.SIGNATURE_HEADER] == f"sha256={expected}"


def test_a_failing_gateway_is_retried_with_backoff(
    hall: Site, book: Callable[..., Booking], gateway_factory: Callable[..., Gateway]
) -> None:
    gateway = gateway_factory(failures=2)
    use_webhook(hall, gateway.url)
    sent = notify.stats["sent"]
    book(phone="13800131234")
    notify.drain()
    assert len(gateway.requests) == 3
    assert len({body for _headers, body in gateway.requests}) == 1
    assert notify.stats["sent"] == sent + 1


def test_a_dead_gateway_never_fails_the_booking(
    hall: Site, book: Callable[..., Booking], gateway_factory: Callable[..., Gateway], caplog: Any
) -> None:
    gateway = gateway_factory()
    url = gateway.url
    gateway.close()  # nothing listens there any more
    use_webhook(hall, url)
    failed = notify.stats["failed"]
    with caplog.at_level(logging.WARNING, logger="appointments.notify"):
        booking = book(phone="13800131234")
        notify.drain()
    assert Booking.objects.get(pk=booking.pk).status == "booked"
    assert notify.stats["failed"] == failed + 1
    assert "could not be sent" in caplog.text


def test_nothing_is_sent_for_a_rolled_back_booking(
    hall: Site, book: Callable[..., Booking], gateway_factory: Callable[..., Gateway]
) -> None:
    gateway = gateway_factory()
    use_webhook(hall, gateway.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        book(phone="13800131234")
        raise RuntimeError("rolled back")
    notify.drain()
    assert gateway.requests == [] and not Booking.objects.exists()


def test_the_log_backend_writes_the_message_without_the_number(
    hall: Site, book: Callable[..., Booking], caplog: Any
) -> None:
    with caplog.at_level(logging.INFO, logger="appointments.notify"):
        booking = book(phone="13800131234")
        notify.drain()
    assert booking.code in caplog.text and "booking.confirmed" in caplog.text
    assert "13800131234" not in caplog.text and '"phone_last4": "1234"' in caplog.text


def test_reminders_go_once_the_day_before_and_the_hour_before(
    hall: Site, book: Callable[..., Booking], gateway_factory: Callable[..., Gateway]
) -> None:
    import datetime as dt

    from appointments import services
    from tests.appointments.conftest import NOW

    gateway = gateway_factory()
    use_webhook(hall, gateway.url)
    booking = book(start=local(hall, 8, 30, days=1), phone="13800131234")
    notify.drain()
    assert services.claim_reminders(now=NOW) == [(booking.pk, notify.REMINDER_DAY)]
    assert services.claim_reminders(now=NOW) == []
    assert services.claim_reminders(now=booking.start - dt.timedelta(minutes=50)) == [
        (booking.pk, notify.REMINDER_HOUR)
    ]
    notify.drain()
    assert [json.loads(body)["type"] for _h, body in gateway.requests] == [
        notify.CONFIRMED,
        notify.REMINDER_DAY,
        notify.REMINDER_HOUR,
    ]


def test_a_booked_citizen_hears_when_three_are_ahead_and_when_called(
    hall: Site, book: Callable[..., Booking], gateway_factory: Callable[..., Gateway], desk: Desk
) -> None:
    from django.utils import timezone

    from appointments import services
    from queueing import broadcast
    from queueing import services as queue

    gateway = gateway_factory()
    use_webhook(hall, gateway.url)
    kiosk = queue.Actor(kind="kiosk")
    now = timezone.now()
    start = now + dt.timedelta(minutes=20)
    booking = Booking.objects.create(
        site=hall,
        business_type=BusinessType.objects.get(prefix="A"),
        start=start,
        end=start,
        day=start.date(),
        phone="13800131234",
    )
    for _ in range(5):
        queue.issue_ticket(site=hall, prefix="A", actor=kiosk)
    ticket = services.check_in(site=hall, code=booking.code, actor=kiosk).ticket  # 5 ahead: its slot has not begun
    for _ in range(2):
        queue.call_next(desk=desk, actor=kiosk)
    broadcast.drain()
    notify.drain()
    sent = [json.loads(body) for _h, body in gateway.requests]
    assert [m["type"] for m in sent] == [notify.NEAR] and sent[0]["number"] == ticket.number
    for _ in range(4):
        queue.call_next(desk=desk, actor=kiosk)
    broadcast.drain()
    notify.drain()
    sent = [json.loads(body) for _h, body in gateway.requests]
    assert [m["type"] for m in sent] == [notify.NEAR, notify.CALLED] and sent[1]["desk"] == "1"
