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
from concurrent.futures import Future
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from queueing import selectors
from queueing.models import Desk, Event, Site, Ticket

log = logging.getLogger(__name__)

# The event loop of this process's server, where the sockets' consumers run.
_loop: asyncio.AbstractEventLoop | None = None
_last_failure_log = 0.0
FAILURE_LOG_SECONDS = 60

CALL_KINDS = {Event.Kind.TICKET_CALLED, Event.Kind.TICKET_RECALLED}


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
    from queueing.schemas import snapshot_out

    waiting = snapshot_out(site, timezone.now()).model_dump()["waiting"]
    return {"type": "queue", "version": version, "waiting": waiting}


def ticket_payload(ticket: Ticket, *, ahead: int | None = None, estimate: int | None = None) -> dict[str, Any]:
    from queueing.schemas import ticket_out

    return {"type": "ticket", "ticket": ticket_out(ticket, ahead=ahead, estimate=estimate).model_dump()}


def desk_state_payload(desk: Desk) -> dict[str, Any]:
    from queueing.schemas import DeskActionOut, desk_out, ticket_out

    ticket = selectors.active_ticket(desk)
    state = DeskActionOut(
        ticket=ticket_out(ticket) if ticket else None,
        desk=desk_out(desk, ticket),
        served_today=selectors.served_today(desk=desk, day=desk.site.service_day(timezone.now())),
    )
    return {"type": "desk", **state.model_dump()}


# --- Publishing -------------------------------------------------------------------


def publish(*, site_id: int, version: int, event_ids: list[int]) -> None:
    """Tell the site's screens, the phones and the desks what one committed write changed."""
    site = Site.objects.get(pk=site_id)
    events = list(
        Event.objects.filter(pk__in=event_ids)
        .select_related("ticket__business_type", "desk__site", "desk__officer")
        .order_by("pk")
    )
    outbox: list[tuple[str, dict[str, Any]]] = []
    for event in events:
        if event.kind in CALL_KINDS and event.ticket is not None and event.desk is not None:
            outbox.append((site_group(site.pk), call_payload(event, version)))
    desks = {event.desk.pk: event.desk for event in events if event.desk is not None}
    for desk in desks.values():
        outbox.append((site_group(site.pk), desk_payload(desk, version)))
        outbox.append((desk_group(desk.pk), desk_state_payload(desk)))
    tickets = {event.ticket.pk: event.ticket for event in events if event.ticket is not None}
    if tickets:
        outbox.append((site_group(site.pk), queue_payload(site, version)))
        outbox.extend(_ticket_messages(site, list(tickets.values())))
    for group, payload in outbox:
        send(group, payload)


def _ticket_messages(site: Site, changed: list[Ticket]) -> list[tuple[str, dict[str, Any]]]:
    """The changed tickets, and every waiting ticket of their queues (their place moved)."""
    messages = []
    for ticket in changed:
        ticket.refresh_from_db()
        if ticket.status != Ticket.Status.WAITING:
            messages.append((ticket_group(ticket.token), ticket_payload(ticket)))
    type_ids = {t.business_type_id for t in changed}
    open_desks = selectors.open_desk_counts(site=site)
    day = site.service_day(timezone.now())
    for type_id in type_ids:
        queue = list(
            selectors.waiting_tickets(site=site, day=day)
            .filter(business_type_id=type_id)
            .select_related("business_type", "site")
            .order_by(*selectors.queue_order())
        )
        for ahead, ticket in enumerate(queue):
            estimate = selectors.estimate_minutes(
                ahead=ahead,
                avg_minutes=ticket.business_type.avg_handling_minutes,
                open_desks=open_desks.get(type_id, 0),
            )
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
