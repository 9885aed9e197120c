"""A walk-in's mobile number left on the phone page: "3 people ahead" and "called" by the site's notifier,
each once, after the commit only; stored encrypted, shown nowhere, purged 30 days after the visit."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from appointments import notify, services
from appointments.models import AlertEvent, BookingSettings, TicketAlert
from queueing import broadcast
from queueing import services as queue
from queueing.errors import Forbidden, InvalidRequest, InvalidTransition
from queueing.models import BusinessType, Desk, Event, Site, Ticket
from tests.appointments.test_notify import Gateway, gateway_factory, use_webhook  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit callbacks run for real

PHONE = "13800131234"
CITIZEN = queue.Actor(kind="citizen", address="10.0.0.60")
KIOSK = queue.Actor(kind="kiosk")


def settle() -> None:
    broadcast.drain()
    notify.drain()


def sent(gateway: Gateway) -> list[dict[str, Any]]:
    settle()
    return [json.loads(body) for _headers, body in gateway.requests]


@pytest.fixture
def gateway(site: Site, gateway_factory: Callable[..., Gateway]) -> Gateway:  # noqa: F811
    made = gateway_factory()
    use_webhook(site, made.url)
    return made


def walk_ins(n: int, prefix: str = "A") -> list[Ticket]:
    return [queue.issue_ticket(site=Site.objects.get(slug="hall"), prefix=prefix, actor=KIOSK).ticket for _ in range(n)]


def call(desk: Desk, times: int = 1) -> None:
    for _ in range(times):
        queue.call_next(desk=desk, actor=KIOSK)


def test_a_walk_in_hears_at_three_ahead_and_when_called_each_once(
    types: dict[str, BusinessType], desk: Desk, gateway: Gateway
) -> None:
    *_before, mine = walk_ins(6)  # 5 ahead
    services.subscribe_alerts(token=mine.token, phone="138 0013 1234", actor=CITIZEN)
    assert sent(gateway) == []
    call(desk)
    assert sent(gateway) == []  # 4 ahead
    call(desk)  # 3 ahead
    messages = sent(gateway)
    assert [m["type"] for m in messages] == [notify.NEAR]
    assert messages[0]["number"] == mine.number and messages[0]["phone"] == PHONE
    assert messages[0]["url"] == f"/t/{mine.token}/" and messages[0]["ahead"] == 3
    call(desk, 2)  # 2 then 1 ahead: no second "3 ahead"
    assert [m["type"] for m in sent(gateway)] == [notify.NEAR]
    call(desk, 2)
    messages = sent(gateway)
    assert [m["type"] for m in messages] == [notify.NEAR, notify.CALLED] and messages[1]["desk"] == "1"
    queue.recall(desk=desk, actor=KIOSK)
    assert len(sent(gateway)) == 2
    kinds = list(AlertEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [AlertEvent.Kind.SUBSCRIBED, AlertEvent.Kind.NEAR, AlertEvent.Kind.CALLED]


def test_the_same_write_seen_twice_sends_once(types: dict[str, BusinessType], desk: Desk, gateway: Gateway) -> None:
    *_before, mine = walk_ins(5)
    services.subscribe_alerts(token=mine.token, phone=PHONE, actor=CITIZEN)
    call(desk)
    settle()
    event = Event.objects.filter(kind=Event.Kind.TICKET_CALLED).select_related("ticket").get()
    notify.queue_alerts([event])  # a second worker, or a replay, of the same committed write
    notify.queue_alerts([event])
    assert [m["type"] for m in sent(gateway)] == [notify.NEAR]


def test_leaving_a_number_when_already_near_sends_it_at_once(
    types: dict[str, BusinessType], desk: Desk, gateway: Gateway
) -> None:
    *_before, mine = walk_ins(3)  # 2 ahead
    services.subscribe_alerts(token=mine.token, phone=PHONE, actor=CITIZEN)
    assert [m["type"] for m in sent(gateway)] == [notify.NEAR]
    services.subscribe_alerts(token=mine.token, phone="13900139999", actor=CITIZEN)  # a new number
    assert len(sent(gateway)) == 1  # still once
    assert TicketAlert.objects.get().phone == "13900139999"


def test_a_cancel_ahead_brings_the_alert_too(types: dict[str, BusinessType], gateway: Gateway) -> None:
    first, *_middle, mine = walk_ins(5)  # 4 ahead
    services.subscribe_alerts(token=mine.token, phone=PHONE, actor=CITIZEN)
    assert sent(gateway) == []
    queue.cancel(ticket=first, actor=CITIZEN)
    assert [(m["type"], m["number"]) for m in sent(gateway)] == [(notify.NEAR, mine.number)]


def test_nothing_is_sent_for_a_rolled_back_call(types: dict[str, BusinessType], desk: Desk, gateway: Gateway) -> None:
    *_before, mine = walk_ins(5)  # 3 ahead only after a call
    services.subscribe_alerts(token=mine.token, phone=PHONE, actor=CITIZEN)
    with pytest.raises(RuntimeError), transaction.atomic():
        call(desk)
        raise RuntimeError("rolled back")
    assert sent(gateway) == []
    assert TicketAlert.objects.get().near_sent_at is None
    call(desk)  # the same call, committed this time
    assert [m["type"] for m in sent(gateway)] == [notify.NEAR]


def test_calls_of_another_queue_move_nobody(
    types: dict[str, BusinessType], site: Site, desk2: Desk, gateway: Gateway
) -> None:
    from tests.conftest import make_desk

    *_before, mine = walk_ins(5, "B")  # 4 ahead in B
    walk_ins(3, "A")
    services.subscribe_alerts(token=mine.token, phone=PHONE, actor=CITIZEN)
    a_only = make_desk(site, 3, "A")
    call(a_only, 3)
    assert sent(gateway) == [] and TicketAlert.objects.get().near_sent_at is None
    call(desk2)  # B's oldest: 3 ahead now
    assert [(m["type"], m["number"]) for m in sent(gateway)] == [(notify.NEAR, mine.number)]


def test_a_number_is_kept_only_where_the_notifier_sends(types: dict[str, BusinessType], site: Site) -> None:
    [ticket] = walk_ins(1)
    with pytest.raises(Forbidden):
        services.subscribe_alerts(token=ticket.token, phone=PHONE, actor=CITIZEN)
    BookingSettings.objects.create(site=site, notifier="log")
    with pytest.raises(Forbidden):
        services.subscribe_alerts(token=ticket.token, phone=PHONE, actor=CITIZEN)
    assert not TicketAlert.objects.exists() and not AlertEvent.objects.exists()


def test_bad_numbers_and_finished_tickets_are_refused_and_change_nothing(
    types: dict[str, BusinessType], desk: Desk, gateway: Gateway
) -> None:
    [ticket] = walk_ins(1)
    for bad in ("", "   ", "12345", "2380013123x", "138001312345"):
        with pytest.raises(InvalidRequest):
            services.subscribe_alerts(token=ticket.token, phone=bad, actor=CITIZEN)
    call(desk)
    queue.start(desk=desk, actor=KIOSK)
    with pytest.raises(InvalidTransition):
        services.subscribe_alerts(token=ticket.token, phone=PHONE, actor=CITIZEN)
    assert not TicketAlert.objects.exists() and not AlertEvent.objects.exists()


def test_the_number_is_encrypted_at_rest_and_purged_30_days_after(
    types: dict[str, BusinessType], gateway: Gateway
) -> None:
    [ticket] = walk_ins(1)
    alert = services.subscribe_alerts(token=ticket.token, phone=PHONE, actor=CITIZEN)
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM appointments_ticketalert")
        [(raw,)] = cursor.fetchall()
    assert PHONE not in str(raw) and "1234" not in str(raw)
    assert services.purge_phones(now=timezone.now() + dt.timedelta(days=29)) == 0
    assert services.purge_phones(now=timezone.now() + dt.timedelta(days=31)) == 1
    alert.refresh_from_db()
    assert alert.phone is None


def test_without_any_alert_a_committed_write_costs_one_indexed_query(
    types: dict[str, BusinessType], desk: Desk, django_assert_num_queries: Any
) -> None:
    walk_ins(2)
    call(desk)
    settle()
    event = Event.objects.filter(kind=Event.Kind.TICKET_CALLED).select_related("ticket").get()
    with django_assert_num_queries(1):
        notify._walk_in_alerts([event])


def test_at_a_site_that_sends_no_texts_a_call_costs_one_plain_query(
    types: dict[str, BusinessType], desk: Desk, site: Site, django_assert_num_queries: Any
) -> None:
    walk_ins(2)
    call(desk)
    settle()
    event = Event.objects.filter(kind=Event.Kind.TICKET_CALLED).select_related("ticket", "desk").get()
    BookingSettings.objects.create(site=site, notifier="log", webhook_url="http://127.0.0.1:9/sms")
    with django_assert_num_queries(1):
        assert notify.queue_alerts([event]) == []
    assert notify._sending_sites({site.pk}) == set()
    BookingSettings.objects.filter(site=site).update(notifier="webhook")
    assert notify._sending_sites({site.pk, site.pk + 1}) == {site.pk}
    BookingSettings.objects.filter(site=site).update(webhook_url="")
    assert notify._sending_sites({site.pk}) == set()


# --- The phone page's form ---------------------------------------------------------------------


def test_the_phone_page_offers_the_form_only_where_texts_are_sent(
    client: Client, types: dict[str, BusinessType], site: Site
) -> None:
    [ticket] = walk_ins(1)
    assert 'id="alerts-phone"' not in client.get(f"/t/{ticket.token}/").content.decode()
    BookingSettings.objects.create(site=site, notifier="webhook", webhook_url="http://127.0.0.1:9/sms")
    assert 'id="alerts-phone"' in client.get(f"/t/{ticket.token}/").content.decode()


def test_the_form_keeps_the_number_and_the_page_never_shows_it(
    client: Client, types: dict[str, BusinessType], gateway: Gateway
) -> None:
    [ticket] = walk_ins(1)
    response = client.post(f"/t/{ticket.token}/alerts/", {"phone": PHONE})
    assert response.status_code == 302 and response["Location"] == f"/t/{ticket.token}/?alerts=1#alerts"
    page = client.get(response["Location"]).content.decode()
    assert 'id="alerts-phone"' not in page and "phone-alerts-done" in page
    assert PHONE not in page and "1234" not in page
    api = client.get(f"/api/v1/tickets/{ticket.token}/").content.decode()
    assert PHONE not in api and "1234" not in api
    event = AlertEvent.objects.get(kind=AlertEvent.Kind.SUBSCRIBED)
    assert event.address == "127.0.0.1" and event.alert.ticket == ticket


def test_a_bad_number_gets_a_translated_error_and_nothing_is_kept(
    client: Client, types: dict[str, BusinessType], gateway: Gateway
) -> None:
    [ticket] = walk_ins(1)
    response = client.post(f"/t/{ticket.token}/alerts/", {"phone": "12345"}, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert"' in body and "11" in body and "Please enter" not in body
    assert 'value="12345"' in body
    assert not TicketAlert.objects.exists()
    assert client.post("/t/nope/alerts/", {"phone": PHONE}).status_code == 404
