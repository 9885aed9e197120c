"""A document case marked ready is texted through the appointments notifier, once, when a number was left."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from appointments import notify
from appointments import services as appointments
from appointments.models import Booking, BookingSettings
from outreach import services
from outreach.models import DocumentCase
from queueing import broadcast
from queueing import services as queue
from queueing.errors import Forbidden
from queueing.models import BusinessType, Desk, Site, Ticket
from tests.appointments.test_notify import Gateway, gateway_factory, use_webhook  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit callbacks run for real

PHONE = "13800131234"
CITIZEN = queue.Actor(kind="citizen", address="10.0.0.61")


def sent(gateway: Gateway) -> list[dict[str, Any]]:
    broadcast.drain()
    notify.drain()
    return [json.loads(body) for _headers, body in gateway.requests]


@pytest.fixture
def served(issue: Callable[..., Ticket], desk: Desk, by_officer: queue.Actor) -> Ticket:
    ticket = issue("B")
    queue.call_next(desk=desk, actor=by_officer)
    queue.start(desk=desk, actor=by_officer)
    queue.complete(desk=desk, actor=by_officer)
    return ticket


def open_case(ticket: Ticket, officer: User) -> DocumentCase:
    return services.open_case(
        ticket=ticket, document="id_card", expected_date=timezone.localdate(), who=services.Who(user=officer)
    )


def test_ready_is_texted_once_to_the_number_left_on_the_case_page(
    served: Ticket,
    officer: User,
    site: Site,
    gateway_factory: Callable[..., Gateway],  # noqa: F811
) -> None:
    gateway = gateway_factory()
    use_webhook(site, gateway.url)
    case = open_case(served, officer)
    appointments.subscribe_alerts(token=served.token, phone=PHONE, actor=CITIZEN, for_document=True)
    services.set_case_status(cases=[case], status="in_production", who=services.Who(user=officer))
    assert sent(gateway) == []  # nothing for the queue: the ticket is done
    services.set_case_status(cases=[case], status="ready", who=services.Who(user=officer))
    messages = sent(gateway)
    assert [(m["type"], m["case"], m["phone"]) for m in messages] == [(notify.READY, case.code, PHONE)]
    assert messages[0]["url"] == f"/t/{served.token}/" and messages[0]["number"] == served.number
    notify.document_ready(served.pk, case.code)  # a replay: claimed already
    services.set_case_status(cases=[case], status="picked_up", who=services.Who(user=officer))
    assert len(sent(gateway)) == 1


def test_a_bookings_kept_number_hears_it_too(
    types: dict[str, BusinessType], desk: Desk, by_officer: queue.Actor, officer: User, site: Site,
    gateway_factory: Callable[..., Gateway],  # noqa: F811
) -> None:  # fmt: skip
    gateway = gateway_factory()
    use_webhook(site, gateway.url)
    start = timezone.now() + dt.timedelta(minutes=10)
    booking = Booking.objects.create(
        site=site, business_type=types["B"], start=start, end=start, day=start.date(), phone=PHONE
    )
    ticket = appointments.check_in(site=site, code=booking.code, actor=CITIZEN).ticket
    queue.call_next(desk=desk, actor=by_officer)
    queue.start(desk=desk, actor=by_officer)
    queue.complete(desk=desk, actor=by_officer)
    sent(gateway)
    gateway.requests.clear()
    case = open_case(ticket, officer)
    services.set_case_status(cases=[case], status="ready", who=services.Who(user=officer))
    assert [(m["type"], m["phone"]) for m in sent(gateway)] == [(notify.READY, PHONE)]


def test_nothing_is_sent_without_a_number_or_without_a_sending_notifier(
    served: Ticket,
    officer: User,
    site: Site,
    gateway_factory: Callable[..., Gateway],  # noqa: F811
) -> None:
    gateway = gateway_factory()
    use_webhook(site, gateway.url)
    case = open_case(served, officer)
    services.set_case_status(cases=[case], status="ready", who=services.Who(user=officer))
    assert sent(gateway) == []
    BookingSettings.objects.filter(site=site).update(notifier="log")
    with pytest.raises(Forbidden):
        appointments.subscribe_alerts(token=served.token, phone=PHONE, actor=CITIZEN, for_document=True)


def test_the_case_page_offers_the_form_until_the_document_is_ready(
    client: Client,
    served: Ticket,
    officer: User,
    site: Site,
    gateway_factory: Callable[..., Gateway],  # noqa: F811
) -> None:
    case = open_case(served, officer)
    page = f"/t/{served.token}/"
    assert 'id="alerts-phone"' not in client.get(page).content.decode()  # no notifier that sends
    gateway = gateway_factory()
    use_webhook(site, gateway.url)
    html = client.get(page).content.decode()
    assert 'id="alerts-phone"' in html and 'name="for" value="document"' in html
    response = client.post(f"/t/{served.token}/alerts/", {"phone": PHONE, "for": "document"})
    assert response.status_code == 302
    html = client.get(page).content.decode()
    assert 'id="alerts-phone"' not in html and "phone-alerts-done" in html and PHONE not in html
    services.set_case_status(cases=[case], status="ready", who=services.Who(user=officer))
    assert "phone-alerts" not in client.get(page).content.decode()
