"""A display, a desk and a phone left open across the site's local midnight (time travel: `now=` and a patched clock).

The display's own case (a snapshot of the new day) is in tests/queueing/test_consumers.py;
here all three screens stay open while the first kiosk of the new day changes the day.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any
from unittest import mock

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections

from counter.asgi import application
from queueing import broadcast, services
from queueing.models import Desk, Event, Site, Ticket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
ORIGIN = [(b"origin", b"http://localhost")]


@pytest_asyncio.fixture(autouse=True)
async def _close_connections() -> AsyncIterator[None]:
    yield
    await sync_to_async(connections.close_all)()


async def open_socket(path: str, first: dict[str, Any] | None = None) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    await sync_to_async(broadcast.drain)()
    socket = WebsocketCommunicator(application, path, headers=ORIGIN)
    connected, _ = await socket.connect()
    assert connected
    if first is not None:
        await socket.send_to(text_data=json.dumps(first))
    return socket, json.loads(await socket.receive_from(timeout=5))


async def until(socket: WebsocketCommunicator, kind: str) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await socket.receive_from(timeout=5))
        if message["type"] == kind:
            return message


async def test_screens_left_open_over_midnight_show_the_new_day_and_numbers_restart(site: Site, desk: Desk) -> None:
    # Half past eleven at night in the hall (Asia/Shanghai), then twenty to one.
    late = dt.datetime(2026, 11, 26, 15, 30, tzinfo=dt.UTC)
    after_midnight = late + dt.timedelta(minutes=70)
    system = services.Actor.system()

    def yesterdays_hall() -> tuple[list[Ticket], str]:
        tickets = [services.issue_ticket(site=site, prefix=p, actor=system, now=late).ticket for p in "AAAB"]
        services.call_next(desk=desk, actor=system, now=late)  # A001 called, the rest wait
        Site.objects.filter(pk=site.pk).update(current_day=site.service_day(late))
        return tickets, services.create_desk_token(desk=desk)

    with mock.patch("django.utils.timezone.now", return_value=late):
        tickets, desk_token = await sync_to_async(yesterdays_hall)()
        waiting = tickets[1]
        display, first = await open_socket("/ws/v1/sites/hall/display/")
        officer, desk_first = await open_socket("/ws/v1/sites/hall/desks/1/", {"type": "auth", "token": desk_token})
        handset, phone_first = await open_socket(f"/ws/v1/tickets/{waiting.token}/")
    assert first["desks"][0]["ticket"] == "A001"
    assert desk_first["ticket"]["number"] == "A001"
    assert (phone_first["ticket"]["number"], phone_first["ticket"]["status"]) == ("A002", "waiting")

    # Past midnight, the first kiosk of the day changes the day in its own write.
    with mock.patch("django.utils.timezone.now", return_value=after_midnight):
        issued = await sync_to_async(services.issue_ticket)(site=site, prefix="A", actor=system, now=after_midnight)
        assert issued.ticket.number == "A001"
        assert issued.ticket.service_day == site.service_day(after_midnight) != site.service_day(late)
        second = await sync_to_async(services.issue_ticket)(site=site, prefix="B", actor=system, now=after_midnight)
        assert second.ticket.number == "B001"

        fresh = await until(display, "snapshot")
        assert fresh["service_day"] == site.service_day(after_midnight).isoformat()
        assert fresh["recent_calls"] == [] and all(d["ticket"] is None for d in fresh["desks"])
        assert {w["business_type"]: w["waiting"] for w in fresh["waiting"]}["A"] == 1
        phone_now = await until(handset, "ticket")
        assert phone_now["ticket"]["status"] == "expired"
        desk_now = await until(officer, "desk")
        assert desk_now["ticket"] is None and desk_now["served_today"] == 0
    for socket in (display, officer, handset):
        await socket.disconnect()

    # Yesterday's unfinished tickets are expired, each with a system event; today's wait.
    expired = await sync_to_async(list)(
        Event.objects.filter(kind=Event.Kind.TICKET_EXPIRED).values_list("ticket__number", "actor_kind")
    )
    assert sorted(expired) == [(n, Event.ActorKind.SYSTEM) for n in ["A001", "A002", "A003", "B001"]]
    statuses = await sync_to_async(dict)(
        Ticket.objects.filter(service_day=site.service_day(late)).values_list("number", "status")
    )
    assert set(statuses.values()) == {Ticket.Status.EXPIRED}
