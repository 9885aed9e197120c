"""The rating tablet's socket: a snapshot first (idle or the pending handle), then the desk's completions only."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections

from counter.asgi import application
from queueing import broadcast as queue_broadcast
from queueing import services
from queueing.models import Desk, Event, Ticket
from supervision import broadcast
from supervision import services as supervision
from tests.supervision.test_services import Issue, served

ORIGIN = [(b"origin", b"http://localhost")]


def completion_events(ticket: Ticket) -> list[Event]:
    return list(Event.objects.filter(ticket=ticket).select_related("ticket__business_type").order_by("pk"))


@pytest.mark.django_db
def test_a_completion_sends_its_desks_tablet_the_handle_and_nothing_else(
    issue: Issue, desk: Desk, desk2: Desk, by_officer: services.Actor
) -> None:
    ticket = served(issue, desk, by_officer)
    messages = broadcast.rating_messages(completion_events(ticket))
    assert len(messages) == 1
    group, payload = messages[0]
    assert group == broadcast.rating_group(desk.pk)
    assert payload["type"] == "rating.request" and payload["number"] == ticket.number
    assert ticket.token not in json.dumps(payload)
    assert broadcast.ticket_for_handle(payload["handle"]).pk == ticket.pk
    other = issue("B")
    services.call_next(desk=desk2, actor=by_officer)
    services.no_show(desk=desk2, actor=by_officer)
    assert broadcast.rating_messages(completion_events(other)) == []  # a no-show is not rated


@pytest.mark.django_db
def test_call_next_completing_the_ticket_in_hand_wakes_the_tablet_too(
    issue: Issue, desk: Desk, by_officer: services.Actor
) -> None:
    ticket = issue("A")
    services.call_next(desk=desk, actor=by_officer)
    services.start(desk=desk, actor=by_officer)
    services.call_next(desk=desk, actor=by_officer)  # finishes A001 as done
    assert [g for g, _p in broadcast.rating_messages(completion_events(ticket))] == [broadcast.rating_group(desk.pk)]


@pytest.mark.django_db
def test_the_snapshot_is_pending_for_a_minute_then_idle(issue: Issue, desk: Desk, by_officer: services.Actor) -> None:
    assert broadcast.tablet_snapshot(desk) == {"type": "snapshot", "state": "idle"}
    ticket = served(issue, desk, by_officer)
    snapshot = broadcast.tablet_snapshot(desk)
    assert (snapshot["state"], snapshot["number"]) == ("pending", ticket.number)
    assert ticket.finished_at is not None
    from datetime import timedelta

    later = ticket.finished_at + timedelta(seconds=broadcast.TABLET_SECONDS + 1)
    assert broadcast.tablet_snapshot(desk, now=later)["state"] == "idle"
    supervision.rate_ticket(ticket=ticket, overall=5, channel="tablet")
    assert broadcast.tablet_snapshot(desk)["state"] == "idle"  # rated: nothing pending


@pytest_asyncio.fixture
async def _close_connections() -> AsyncIterator[None]:
    yield
    await sync_to_async(connections.close_all)()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_socket_sends_a_snapshot_and_forwards_rating_requests(
    _close_connections: Any, desk: Desk, issue: Issue, by_officer: services.Actor
) -> None:
    path = "/ws/v1/sites/hall/desks/1/rating/"
    socket = WebsocketCommunicator(application, path, headers=ORIGIN)
    connected, _code = await socket.connect()
    assert connected
    assert json.loads(await socket.receive_from()) == {"type": "snapshot", "state": "idle"}
    ticket = await sync_to_async(served)(issue, desk, by_officer)
    # The desk's own broadcast carries the request (supervision adds it with queueing.broadcast.add_messages).
    await sync_to_async(queue_broadcast.drain)()
    message = json.loads(await socket.receive_from(timeout=3))
    assert (message["type"], message["number"]) == ("rating.request", ticket.number)
    await socket.send_to(text_data=json.dumps({"type": "snapshot.request"}))
    again = json.loads(await socket.receive_from(timeout=3))
    assert (again["type"], again["state"], again["number"]) == ("snapshot", "pending", ticket.number)
    await socket.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_unknown_desk_or_a_foreign_origin_is_refused(_close_connections: Any, desk: Desk) -> None:
    unknown = WebsocketCommunicator(application, "/ws/v1/sites/hall/desks/9/rating/", headers=ORIGIN)
    connected, code = await unknown.connect()
    assert not connected or code == 4404
    foreign = WebsocketCommunicator(
        application, "/ws/v1/sites/hall/desks/1/rating/", headers=[(b"origin", b"http://evil.example")]
    )
    connected, _code = await foreign.connect()
    assert not connected
