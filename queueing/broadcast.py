"""The live queue: group names, message shapes, and the one place that sends them.

The services call `publish` through `transaction.on_commit(..., robust=True)`
once per committed write of a site, so screens never hear of a change that
was rolled back, and a failed send is logged without touching the action.

Messages (README "Live updates"): a display socket gets `call`, `desk` and
`queue` messages, each with the site's `version`; a phone gets `ticket`
messages and a desk socket `desk` messages, each with its object's whole
state, so a missed one is harmless. Payloads are serialised once per group,
not once per socket.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections
from django.utils import timezone

from queueing import selectors
from queueing.models import Desk, Event, Site, Ticket

log = logging.getLogger(__name__)

# The event loop of this process's server, where the sockets' consumers run.
_loop: asyncio.AbstractEventLoop | None = None
_last_failure_log = 0.0
FAILURE_LOG_SECONDS = 60

CALL_KINDS = {Event.Kind.TICKET_CALLED, Event.Kind.TICKET_RECALLED}
# Phones told at once when their place moves, per queue (see _ticket_messages).
PUSH_AHEAD = 30
_publisher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="broadcast")


def site_group(site_id: int) -> str:
    return f"site.{site_id}"


def ticket_group(token: str) -> str:
    return f"ticket.{token}"


def desk_group(desk_id: int) -> str:
    return f"desk.{desk_id}"


def remember_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Called by the server's handlers: sends from worker threads are handed to this loop."""
    global _loop
    _loop = loop


def dumps(payload: dict[str, Any]) -> str:
    # Django's encoder, as the API's renderer: a socket's snapshot equals the API's.
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


# --- Payloads -------------------------------------------------------------------


def snapshot_payload(site: Site) -> dict[str, Any]:
    from queueing.schemas import snapshot_out

    return {"type": "snapshot", **snapshot_out(site, timezone.now()).model_dump()}


def call_payload(event: Event, version: int) -> dict[str, Any]:
    from queueing.schemas import call_out

    return {"type": "call", "version": version, **call_out(event).model_dump()}


def desk_payload(desk: Desk, version: int) -> dict[str, Any]:
    from queueing.schemas import desk_out

    ticket = selectors.active_ticket(desk)
    return {
        "type": "desk",
        "version": version,
        "desk": desk_out(desk, ticket, with_officer=False).model_dump(),
    }


def queue_payload(site: Site, version: int) -> dict[str, Any]:
    from queueing.schemas import waiting_out

    waiting = waiting_out(site, site.service_day(timezone.now()))
    return {"type": "queue", "version": version, "waiting": [row.model_dump() for row in waiting]}


def ticket_payload(ticket: Ticket, *, ahead: int | None = None, estimate: int | None = None) -> dict[str, Any]:
    from queueing.schemas import ticket_out

    return {"type": "ticket", "ticket": ticket_out(ticket, ahead=ahead, estimate=estimate).model_dump()}


def desk_state_payload(desk: Desk) -> dict[str, Any]:
    from queueing.schemas import desk_action_out

    return {"type": "desk", **desk_action_out(desk).model_dump()}


# --- Publishing -------------------------------------------------------------------


def publish(*, site_id: int, version: int, event_ids: list[int]) -> None:
    """Queue the broadcast of one committed write (called by the services on commit).

    It runs on one background thread, in commit order, so building the
    messages never delays the answer to the kiosk or the desk.
    """
    _publisher.submit(_publish_safely, site_id, version, list(event_ids))


def drain(timeout: float = 10) -> None:
    """Wait until every broadcast queued so far has been sent (tests, shutdown)."""
    _publisher.submit(lambda: None).result(timeout)


def _publish_safely(site_id: int, version: int, event_ids: list[int]) -> None:
    try:
        _publish(site_id=site_id, version=version, event_ids=event_ids)
    except Exception:  # never let one failed broadcast stop the ones after it
        _log_failure()
    finally:
        close_old_connections()  # give a pooled connection back


def _publish(*, site_id: int, version: int, event_ids: list[int]) -> None:
    events = list(
        Event.objects.filter(pk__in=event_ids)
        .select_related("site", "ticket__business_type", "ticket__site", "desk__site", "desk__officer")
        .order_by("pk")
    )
    if not events:
        return
    site = events[0].site
    outbox: list[tuple[str, dict[str, Any]]] = []
    for event in events:
        if event.kind in CALL_KINDS and event.ticket is not None and event.desk is not None:
            outbox.append((site_group(site.pk), call_payload(event, version)))
    desks = {event.desk.pk: event.desk for event in events if event.desk is not None}
    for desk in desks.values():
        outbox.append((site_group(site.pk), desk_payload(desk, version)))
        outbox.append((desk_group(desk.pk), desk_state_payload(desk)))
    if any(event.ticket is not None for event in events):
        outbox.append((site_group(site.pk), queue_payload(site, version)))
        outbox.extend(_ticket_messages(site, events))
    for group, payload in outbox:
        send(group, payload)


def _ticket_messages(site: Site, events: list[Event]) -> list[tuple[str, dict[str, Any]]]:
    """The changed tickets' phones, and the phones of tickets whose place moved.

    A plain ticket joins at the end of its queue and moves nobody. Any other
    change (a call, a cancel, a priority, a transfer) moves the tickets behind
    it: the first PUSH_AHEAD of each queue hear at once; a phone further back
    catches up at its next move into that window or by its own slow poll.
    """
    messages = []
    changed = {event.ticket.pk: event.ticket for event in events if event.ticket is not None}
    moved_types = {
        ticket.business_type_id
        for event in events
        if (ticket := event.ticket) is not None and not (event.kind == Event.Kind.TICKET_ISSUED and not ticket.priority)
    }
    issued = {event.ticket_id for event in events if event.kind == Event.Kind.TICKET_ISSUED}
    for ticket in changed.values():
        # No phone follows a ticket that was issued a moment ago.
        if ticket.pk not in issued and (
            ticket.status != Ticket.Status.WAITING or ticket.business_type_id not in moved_types
        ):
            messages.append((ticket_group(ticket.token), ticket_payload(ticket)))
    open_desks = selectors.open_desk_counts(site=site)
    day = site.service_day(timezone.now())
    for type_id in moved_types:
        queue = list(
            selectors.waiting_tickets(site=site, day=day)
            .filter(business_type_id=type_id)
            .select_related("business_type", "site")
            .order_by(*selectors.queue_order())[:PUSH_AHEAD]
        )
        for ahead, ticket in enumerate(queue):
            avg = ticket.business_type.avg_handling_minutes
            estimate = selectors.estimate_minutes(ahead=ahead, avg_minutes=avg, open_desks=open_desks.get(type_id, 0))
            messages.append((ticket_group(ticket.token), ticket_payload(ticket, ahead=ahead, estimate=estimate)))
    return messages


def send(group: str, payload: dict[str, Any]) -> None:
    """Send one message to a group without waiting for it; failures are logged, never raised."""
    message = {"type": "queue.event", "text": dumps(payload)}
    try:
        layer = get_channel_layer()
        if layer is None:
            return
        loop = _loop
        if loop is not None and loop.is_running() and threading.current_thread() is not threading.main_thread():
            future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop)
            future.add_done_callback(_log_failed)
        else:
            async_to_sync(layer.group_send)(group, message)
    except Exception:  # the channel layer is down or full: screens resync by snapshot later
        _log_failure()


def _log_failed(future: Future[None]) -> None:
    if future.exception() is not None:
        _log_failure(future.exception())


def _log_failure(exc: BaseException | None = None) -> None:
    """Once per burst, not once per message: a layer outage would otherwise flood the log."""
    global _last_failure_log
    now = time.monotonic()
    if now - _last_failure_log >= FAILURE_LOG_SECONDS:
        _last_failure_log = now
        log.warning("Live update not sent; screens will resync by snapshot.", exc_info=exc or True)
