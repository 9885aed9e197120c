"""The live queue: group names, message shapes, and the one place that sends them.

The services call `publish` through `transaction.on_commit(..., robust=True)`
once per committed write of a site, so screens never hear of a change that
was rolled back, and a failed send is logged without touching the action.

Messages (README "Live updates"): a display socket gets ONE frame per
committed write, with the site's `version`: a `call` (the SPEC's call, with
an `id` the screen acknowledges, carrying the write's `desks` and `waiting`
parts) when the write called a number, else an `update` with the same parts;
a day change sends a whole `snapshot`. Coalescing matters: the per-socket
cost of a message is what limits a lobby's fan-out. A phone gets `ticket`
messages and a desk socket `desk` messages, each with its object's whole
state, so a missed one is harmless. Payloads are serialised once per group,
not once per socket.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.translation import get_language

from notices.models import ChecklistVersion
from queueing import phones, selectors
from queueing.models import BusinessType, Desk, Event, Site, Ticket
from queueing.schemas import UNREAD

log = logging.getLogger(__name__)

# The event loop of this process's server, where the sockets' consumers run.
_loop: asyncio.AbstractEventLoop | None = None
_last_failure_log = 0.0
FAILURE_LOG_SECONDS = 60

CALL_KINDS = {Event.Kind.TICKET_CALLED, Event.Kind.TICKET_RECALLED}
# Changes of a waiting queue itself: the places behind them move (a priority ticket's issue too).
QUEUE_MOVES = {
    Event.Kind.TICKET_CALLED,
    Event.Kind.TICKET_CANCELLED,
    Event.Kind.TICKET_REQUEUED,
    Event.Kind.TICKET_TRANSFERRED,
    Event.Kind.TICKET_PRIORITISED,
}
HELP_KINDS = {Event.Kind.HELP_REQUESTED, Event.Kind.HELP_TAKEN}
DESK_STATE_KINDS = {Event.Kind.DESK_OPENED, Event.Kind.DESK_PAUSED, Event.Kind.DESK_RESUMED, Event.Kind.DESK_CLOSED}
# Phones told at once when their place moves, per queue (see _ticket_messages).
PUSH_AHEAD = 30

Outbox = list[tuple[str, dict[str, Any]]]
# Apps built on the queue add messages of their own to a write's broadcast (the rating tablet,
# for example): each registers a builder from its AppConfig.ready(), so the queue imports none of them.
EXTRA_MESSAGES: list[Callable[[list[Event]], Iterable[tuple[str, dict[str, Any]]]]] = []


def add_messages(builder: Callable[[list[Event]], Iterable[tuple[str, dict[str, Any]]]]) -> None:
    """Have `builder(events)` add (group, message) pairs to every committed write's broadcast."""
    if builder not in EXTRA_MESSAGES:
        EXTRA_MESSAGES.append(builder)


_publisher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="broadcast")
_exiting = threading.Event()


def site_group(site_id: int) -> str:
    return f"site.{site_id}"


def ticket_group(token: str) -> str:
    return f"ticket.{token}"


def desk_group(desk_id: int) -> str:
    return f"desk.{desk_id}"


def screens_group(site_id: int) -> str:
    """The desk sockets of a site, told when its screens come, go or change."""
    return f"screens.{site_id}"


def remember_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Called by the server's handlers: sends from worker threads are handed to this loop."""
    global _loop
    _loop = loop


def dumps(payload: dict[str, Any]) -> str:
    # Django's encoder, as the API's renderer: a socket's snapshot equals the API's.
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


# --- Payloads -------------------------------------------------------------------


def snapshot_payload(site: Site) -> dict[str, Any]:
    """The API's snapshot, plus the notice line that scrolls along the lobby display."""
    from queueing.schemas import snapshot_out

    return {"type": "snapshot", **snapshot_out(site, timezone.now()).model_dump(), **notice_fields(site)}


def notice_fields(site: Site) -> dict[str, str]:
    return {"display_message": site.display_message, "display_message_en": site.display_message_en}


def notice_payload(site: Site) -> dict[str, Any]:
    # Not a queue change: no version, so it never makes a screen think it missed one.
    return {"type": "notice", **notice_fields(site)}


def call_payload(event: Event, version: int) -> dict[str, Any]:
    """A call; `id` (the call's event) is what the screen acknowledges once it has drawn it."""
    from queueing.schemas import call_out

    return {"type": "call", "version": version, "id": event.pk, **call_out(event).model_dump()}


def desk_part(state: dict[str, Any]) -> dict[str, Any]:
    """One desk as the snapshot's `desks` list has it, from its desk message (public: no account name)."""
    return {**state["desk"], "officer": None}


def waiting_part(site: Site, overview: list[selectors.BusinessTypeOverview] | None = None) -> list[dict[str, Any]]:
    """The waiting counts and estimates of every business type, as the snapshot's `waiting`.

    Written out by hand, not through `WaitingOut`: it runs after every write (a test holds the two equal).
    """
    if overview is None:
        overview = selectors.business_type_overview(site=site, day=site.service_day(timezone.now()))
    return [
        {
            "business_type": o.business_type.prefix,
            "name": o.business_type.name,
            "name_en": o.business_type.name_en,
            "waiting": o.waiting,
            "open_desks": o.open_desks,
            "estimated_wait_minutes": o.estimated_wait_minutes,
        }
        for o in overview
    ]


def help_payload(site: Site) -> dict[str, Any]:
    """The site's open help requests, oldest first: the whole list, so a missed message is harmless.

    Desk sockets get it in their snapshot and after every raise or take; pages
    that do not know the type ignore it.
    """
    now = timezone.now()
    requests = selectors.open_help(site=site, now=now)
    return {
        "type": "help",
        "requests": [
            {
                "id": r.pk,
                "kiosk": r.kiosk,
                "raised_at": r.raised_at,
                "waited_seconds": max(0, int((now - r.raised_at).total_seconds())),
            }
            for r in requests[:50]
        ],
    }


def _help_messages(site: Site, events: list[Event]) -> list[tuple[str, dict[str, Any]]]:
    """Every desk socket of the site hears of a help request raised or taken."""
    if not any(event.kind in HELP_KINDS for event in events):
        return []
    payload = help_payload(site)
    return [(desk_group(pk), payload) for pk in Desk.objects.filter(site=site).values_list("pk", flat=True)]


def display_frame(
    *, version: int, call: dict[str, Any] | None, desks: list[dict[str, Any]], waiting: list[dict[str, Any]] | None
) -> dict[str, Any]:
    """The one display message of a write: the call (if any) with the write's other parts."""
    frame: dict[str, Any] = dict(call) if call is not None else {"type": "update", "version": version}
    frame["desks"] = desks
    if waiting is not None:
        frame["waiting"] = waiting
    return frame


def ticket_payload(ticket: Ticket, *, ahead: int | None = None, estimate: int | None = None) -> dict[str, Any]:
    from queueing.schemas import ticket_out

    return {"type": "ticket", "ticket": ticket_out(ticket, ahead=ahead, estimate=estimate).model_dump()}


def place_payload(
    ticket: Ticket,
    *,
    site: Site,
    ahead: int,
    estimate: int,
    business_type: BusinessType,
    checklist_number: int | None,
    status_label: str,
) -> dict[str, Any]:
    """A waiting ticket's message after its place moved: `ticket_payload`'s dict, written out by hand.

    A move tells up to PUSH_AHEAD phones at once, so each must cost no query and no schema render
    (a test holds the two equal). A ticket that was called before (it may have a notice) or moved
    to another type (its checklist link is looked up) takes the full render, with its reads.
    """
    if ticket.called_at is not None or ticket.business_type_id != ticket.issued_business_type_id:
        ticket.site = site
        return ticket_payload(ticket, ahead=ahead, estimate=estimate)
    checklist = f"/notices/{site.slug}/{business_type.prefix}/?v={checklist_number}" if checklist_number else None
    return {
        "type": "ticket",
        "ticket": {
            "number": ticket.number,
            "token": ticket.token,
            "status": ticket.status,
            "status_label": status_label,
            "priority": ticket.priority,
            "priority_source": ticket.priority_source,
            "appointment": ticket.appointment_start is not None,
            "appointment_start": ticket.appointment_start,
            "business_type": business_type.prefix,
            "business_type_name": business_type.name,
            "business_type_name_en": business_type.name_en,
            "ahead": ahead,
            "estimated_wait_minutes": estimate,
            "desk": None,
            "desk_name": None,
            "recalls": ticket.recalls,
            "service_day": ticket.service_day,
            "issued_at": ticket.issued_at,
            "called_at": None,
            "started_at": ticket.started_at,
            "finished_at": ticket.finished_at,
            "url": f"/t/{ticket.token}/",
            "checklist_url": checklist,
            "notice": None,
        },
    }


def desk_state_payload(desk: Desk, in_hand: Ticket | None = UNREAD, *, version: int | None = None) -> dict[str, Any]:
    from queueing.schemas import desk_action_out

    return {"type": "desk", **desk_action_out(desk, in_hand, version=version).model_dump()}


# What a desk's ticket event says of its hand afterwards: this ticket is in it, or it is empty.
HAND_TAKEN = {Event.Kind.TICKET_CALLED, Event.Kind.TICKET_RECALLED, Event.Kind.TICKET_STARTED}
HAND_FREED = {Event.Kind.TICKET_COMPLETED, Event.Kind.TICKET_NO_SHOW, Event.Kind.TICKET_TRANSFERRED}
# Events of a desk that leave its hand as it was.
HAND_KEPT = {Event.Kind.TICKET_REQUEUED, Event.Kind.TICKET_PRIORITISED, *DESK_STATE_KINDS, *HELP_KINDS}


def _tickets_in_hand(events: list[Event]) -> dict[int, Ticket | None]:
    """Each desk's ticket in hand after these events, where they tell it (the rest are read).

    A call, recall or start puts its ticket in the hand; a completion, no-show or transfer
    empties it. Any other kind of event of the desk (a day change, another app's) leaves it unknown.
    """
    hands: dict[int, Ticket | None] = {}
    for event in events:
        if event.desk_id is None or event.kind in HAND_KEPT:
            continue
        if event.kind in HAND_TAKEN and event.ticket is not None:
            hands[event.desk_id] = event.ticket
        elif event.kind in HAND_FREED:
            hands[event.desk_id] = None
        else:
            hands.pop(event.desk_id, None)
    return hands


# --- Publishing -------------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    """One committed write of a site: its version and its events."""

    site_id: int
    version: int
    events: tuple[Event, ...]  # as the write recorded them, with their ticket, desk and site
    # Desk messages the write built already (desk id → the language of its labels, message).
    desk_states: dict[int, tuple[str, dict[str, Any]]] = field(default_factory=dict)


# Writes committed but not yet broadcast, in commit order (see publish).
_pending: deque[Write] = deque()
_pending_lock = threading.Lock()
# A burst's writes are built together, up to this many at a time.
MAX_BATCH = 100
_flush_queued = False  # a _flush is submitted and has not started taking writes yet


def publish(
    *,
    site_id: int,
    version: int,
    events: list[Event],
    desk_states: dict[int, tuple[str, dict[str, Any]]] | None = None,
) -> None:
    """Queue the broadcast of one committed write (called by the services on commit).

    It runs on one background thread, in commit order, so building the
    messages never delays the answer to the kiosk or the desk. Writes that
    queue up while the thread is busy (a burst) are built together: each
    still gets its own display frame with its own version, but the parts
    they share (waiting counts, a desk's state, the places of the phones)
    are read once for the batch, as they stand after its last write. Under
    load the cost of the broadcasts then grows with the bursts, not with the
    writes.
    """
    global _flush_queued
    with _pending_lock:
        _pending.append(Write(site_id, version, tuple(events), desk_states or {}))
        # A flush already queued (not yet taking writes) will take this one too: waking the
        # broadcast thread once per burst, not once per write, spares every request the hand-over.
        if _flush_queued:
            return
        _flush_queued = True
    _submit(_flush)


def _submit(task: Callable[..., None], *args: Any) -> None:
    try:
        _publisher.submit(task, *args)
    except RuntimeError:
        # The interpreter is exiting and the publisher takes no new task: a flush still running
        # sends what is queued; anything later is dropped, with one line rather than a traceback.
        if not _exiting.is_set():
            _exiting.set()
            log.info("The process is exiting: live updates queued from now on are not sent.")


def _flush() -> None:
    # Batch after batch until nothing waits (an empty run means an earlier flush took this
    # one's writes). Looping here rather than submitting another flush: a management command
    # that ends while its last writes are being sent would be refused a new task (the
    # interpreter is exiting) and lose them; this thread is joined at exit and finishes.
    global _flush_queued
    while True:
        with _pending_lock:
            _flush_queued = False  # from here on a new write needs a flush of its own, or this loop takes it
            batch = [_pending.popleft() for _ in range(min(len(_pending), MAX_BATCH))]
        if not batch:
            return
        by_site: dict[int, list[Write]] = {}
        for write in batch:
            by_site.setdefault(write.site_id, []).append(write)
        for writes in by_site.values():
            _publish_safely(writes)


def notice_changed(site_id: int) -> None:
    """Tell the site's displays its new notice line (the admin calls it on commit)."""
    _submit(_send_notice, site_id)


def _send_notice(site_id: int) -> None:
    try:
        site = Site.objects.filter(pk=site_id).first()
        if site is not None:
            send(site_group(site.pk), notice_payload(site))
    except Exception:
        _log_failure()
    finally:
        close_old_connections()


def drain(timeout: float = 10) -> None:
    """Wait until every broadcast queued so far has been sent (tests, shutdown)."""
    _publisher.submit(lambda: None).result(timeout)


def _publish_safely(writes: list[Write]) -> None:
    try:
        _publish(writes)
    except Exception:  # never let one failed broadcast stop the ones after it
        _log_failure()
    finally:
        close_old_connections()  # give a pooled connection back


def _publish(writes: list[Write]) -> None:
    """The messages of one site's writes, in commit order, sent in one go.

    The events are the objects the write itself recorded (its ticket, desk and
    site as it left them), handed over once committed: nothing re-reads them.
    The parts several writes share are read here, after the batch's last write.
    """
    events = [event for write in writes for event in write.events]
    if not events:
        return
    site = events[0].site
    group = site_group(site.pk)
    by_version = {write.version: write.events for write in writes}
    desks = {event.desk.pk: event.desk for event in events if event.desk is not None}
    hands = _tickets_in_hand(events)
    built = _built_desk_states(writes)
    # A state read here is as of at least its desk's last write in the batch: that write's version is its stamp.
    desk_versions = {event.desk_id: write.version for write in writes for event in write.events if event.desk_id}
    desk_states = {
        pk: built[pk] if pk in built else desk_state_payload(desk, hands.get(pk, UNREAD), version=desk_versions[pk])
        for pk, desk in desks.items()
    }
    desk_parts = {pk: desk_part(state) for pk, state in desk_states.items()}
    waiting: list[dict[str, Any]] | None = None
    # Read once for the batch: the frames' counts and the estimates of the phones told below.
    overview: list[selectors.BusinessTypeOverview] | None = None
    snapshot: dict[str, Any] | None = None
    outbox: list[tuple[str, dict[str, Any]]] = []
    for version, own in by_version.items():
        if not own:
            continue  # nothing to tell (cannot happen: every write records an event)
        # Open desks change every business type's estimate, so a desk's state change counts too.
        counts_changed = any(event.ticket is not None or event.kind in DESK_STATE_KINDS for event in own)
        if counts_changed and waiting is None:
            overview = selectors.business_type_overview(site=site, day=site.service_day(timezone.now()))
            waiting = waiting_part(site, overview)
        if any(event.kind == Event.Kind.TICKET_EXPIRED for event in own):
            # A day change: yesterday's desks, calls and counts all go at once.
            snapshot = snapshot or snapshot_payload(site)
            outbox.append((group, snapshot))
        calls = [
            call_payload(event, version)
            for event in own
            if event.kind in CALL_KINDS and event.ticket is not None and event.desk is not None
        ]
        # At most one call per write in practice; should there be more, each is its own frame.
        outbox.extend((group, call) for call in calls[:-1])
        frame_desks = list(dict.fromkeys(event.desk.pk for event in own if event.desk is not None))
        frame = display_frame(
            version=version,
            call=calls[-1] if calls else None,
            desks=[desk_parts[pk] for pk in frame_desks],
            waiting=waiting if counts_changed else None,
        )
        outbox.append((group, frame))
    outbox.extend((desk_group(pk), state) for pk, state in desk_states.items())
    if any(event.ticket is not None for event in events):
        # A desk's ticket in hand is in its desk message already, as the phone shows it.
        in_hand = {state["ticket"]["token"]: state["ticket"] for state in desk_states.values() if state["ticket"]}
        outbox.extend(_ticket_messages(site, events, in_hand, overview))
    outbox.extend(_help_messages(site, events))
    for builder in EXTRA_MESSAGES:
        outbox.extend(builder(events))
    send_all(outbox)


def _built_desk_states(writes: list[Write]) -> dict[int, dict[str, Any]]:
    """The desk messages a batch's writes built themselves, where the desk's last write in the batch built one.

    Used only when their labels are in this thread's language; any other is built here as before.
    """
    language = get_language()
    built: dict[int, dict[str, Any]] = {}
    for write in writes:
        for event in write.events:
            if event.desk_id is not None:
                built.pop(event.desk_id, None)  # a later write of the desk: its state is newer
        for pk, (state_language, state) in write.desk_states.items():
            if state_language == language:
                built[pk] = state
    return built


def _ticket_messages(
    site: Site,
    events: list[Event],
    in_hand: dict[str, dict[str, Any]],
    overview: list[selectors.BusinessTypeOverview] | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """The changed tickets' phones, and the phones of tickets whose place moved.

    A plain ticket joins at the end of its queue and moves nobody; nor does
    anything that happens to a ticket already out of the queue (a recall, a
    start, a finish). A change of the queue itself (a call, a cancel, a
    priority, a transfer or requeue into it) moves the tickets behind: the
    first PUSH_AHEAD of that queue hear at once; a phone further back catches
    up at its next move into that window or by its own slow poll. Place
    updates are built only for tickets with a phone open (`queueing.phones`).
    """
    changed = {event.ticket.pk: event.ticket for event in events if event.ticket is not None}
    moved_types = {
        ticket.business_type_id
        for event in events
        if (ticket := event.ticket) is not None
        and (event.kind in QUEUE_MOVES or (event.kind == Event.Kind.TICKET_ISSUED and ticket.priority))
    }
    issued = {event.ticket_id for event in events if event.kind == Event.Kind.TICKET_ISSUED}
    # No phone follows a ticket that was issued a moment ago; a waiting one in a moved queue is told below.
    to_tell = [
        ticket
        for ticket in changed.values()
        if ticket.pk not in issued
        and (ticket.status != Ticket.Status.WAITING or ticket.business_type_id not in moved_types)
    ]
    # A ticket's own change (called, finished…) always goes out: one or two per write, and the one
    # a phone must never miss. The places behind a move are built only for phones that are open.
    messages = [
        (
            ticket_group(ticket.token),
            {"type": "ticket", "ticket": in_hand[ticket.token]} if ticket.token in in_hand else ticket_payload(ticket),
        )
        for ticket in to_tell
    ]
    if not moved_types:
        return messages
    now = timezone.now()
    rows = {type_id: _queue_head_rows(site, site.service_day(now), type_id, now) for type_id in sorted(moved_types)}
    listening = phones.listening([row[_TOKEN] for queue in rows.values() for row in queue])
    # Tickets are made only of the rows whose phone is open: most of a hall's are closed.
    queues = {
        type_id: [_ticket_of(row) if listening is None or row[_TOKEN] in listening else _UNHEARD for row in queue]
        for type_id, queue in rows.items()
    }
    if overview is None:
        overview = selectors.business_type_overview(site=site, day=site.service_day(now), include_inactive=True)
    types = {o.business_type.pk: o for o in overview}
    waiting_label = str(Ticket.Status.WAITING.label)  # translated once per write, not once per phone
    for type_id, queue in queues.items():
        row = types.get(type_id)
        bt = row.business_type if row is not None else None
        for ahead, ticket in enumerate(queue):
            if ticket is _UNHEARD:
                continue
            if row is None or bt is None:  # an inactive type's queue: its estimate is read too
                ticket.site = site
                messages.append((ticket_group(ticket.token), ticket_payload(ticket, ahead=ahead)))
                continue
            estimate = selectors.estimate_minutes(
                ahead=ahead, avg_minutes=bt.avg_handling_minutes, open_desks=row.open_desks
            )
            payload = place_payload(
                ticket,
                site=site,
                ahead=ahead,
                estimate=estimate,
                business_type=bt,
                checklist_number=vars(ticket).get("checklist_number"),
                status_label=waiting_label,
            )
            messages.append((ticket_group(ticket.token), payload))
    return messages


def _queue_head(site: Site, day: dt.date, type_id: int, now: dt.datetime) -> list[Ticket]:
    """The first PUSH_AHEAD waiting tickets of a type in queue_order(), with their checklist's number."""
    return [_ticket_of(row) for row in _queue_head_rows(site, day, type_id, now)]


_TICKET_FIELDS = len(Ticket._meta.concrete_fields)
_TOKEN = [f.name for f in Ticket._meta.concrete_fields].index("token")  # its place in a row of _queue_head_rows()
_UNHEARD: Any = object()  # a place in a queue whose phone is closed


def _ticket_of(row: tuple[Any, ...]) -> Ticket:
    ticket: Ticket = selectors.from_row(Ticket, row[:_TICKET_FIELDS])
    ticket.checklist_number = row[_TICKET_FIELDS]  # type: ignore[attr-defined]
    return ticket


_QUEUE_HEAD = f"""
    SELECT {selectors.columns(Ticket, "t")}, cv.number
    FROM {Ticket._meta.db_table} t
    LEFT JOIN {ChecklistVersion._meta.db_table} cv ON cv.id = t.checklist_version_id
    WHERE t.site_id = %s AND t.service_day = %s AND t.status = %s AND t.business_type_id = %s
    ORDER BY t.priority DESC,
        CASE WHEN NOT t.priority AND t.appointment_start IS NOT NULL AND t.appointment_start <= %s
            THEN 1 ELSE 0 END DESC,
        t.transferred DESC, t.queued_at, t.id
    LIMIT %s
"""  # noqa: S608


def _queue_head_rows(site: Site, day: dt.date, type_id: int, now: dt.datetime) -> list[tuple[Any, ...]]:
    """_queue_head()'s rows: the ticket's columns (selectors.columns() order), then its checklist's number.

    One statement in SQL (it runs on every call): the ORM's compilation of queue_order() cost more
    than reading the rows; and rows, not tickets, as only those with a phone open become tickets.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _QUEUE_HEAD,
            [
                site.pk,
                day,
                Ticket.Status.WAITING,
                type_id,
                connection.ops.adapt_datetimefield_value(now),
                PUSH_AHEAD,
            ],
        )
        return list(cursor.fetchall())


def send(group: str, payload: dict[str, Any]) -> None:
    """Send one message to a group without waiting for it; failures are logged, never raised."""
    send_all([(group, payload)])


def layer_message(payload: dict[str, Any]) -> dict[str, Any]:
    """The channel-layer message for a payload.

    The text is encoded here, once, and every socket sends it verbatim. A call
    also carries its id and the moment it left (wall clock of this server, as
    the acknowledgement's will be), for the call-to-screen latency.
    """
    message: dict[str, Any] = {"type": "queue.event", "text": dumps(payload)}
    if payload.get("type") == "call" and "id" in payload:
        message["call"] = payload["id"]
        message["sent"] = time.time()
    return message


def send_all(outbox: list[tuple[str, dict[str, Any]]]) -> None:
    """Send the messages of one write, in order, in one go; failures are logged, never raised."""
    if not outbox:
        return
    try:
        layer = get_channel_layer()
        if layer is None:
            return
        messages = [(group, layer_message(payload)) for group, payload in outbox]
        loop = _loop
        in_worker = threading.current_thread() is not threading.main_thread()
        if in_worker and not isinstance(layer, InMemoryChannelLayer):
            # Redis: publish from this thread's own event loop. On the server's loop,
            # busy with a thousand sockets, each publish (one at a time per
            # connection) waited for a turn of that loop: a write's thirty phone
            # messages then held the next call back by a second.
            _own_loop().run_until_complete(_group_send_all(layer, messages))
        elif in_worker and loop is not None and loop.is_running():
            # The in-memory layer's queues belong to the server's loop: one hop there per write.
            future = asyncio.run_coroutine_threadsafe(_group_send_all(layer, messages), loop)
            future.add_done_callback(_log_failed)
        else:
            async_to_sync(_group_send_all)(layer, messages)
    except Exception:  # the channel layer is down or full: screens resync by snapshot later
        _log_failure()


async def _group_send_all(layer: Any, messages: list[tuple[str, dict[str, Any]]]) -> None:
    failed: BaseException | None = None
    for group, message in messages:
        try:
            await layer.group_send(group, message)
        except Exception as exc:  # the others still go
            failed = exc
    if failed is not None:
        raise failed


_thread_state = threading.local()


def _own_loop() -> asyncio.AbstractEventLoop:
    loop: asyncio.AbstractEventLoop | None = getattr(_thread_state, "loop", None)
    if loop is None or loop.is_closed():
        loop = _thread_state.loop = asyncio.new_event_loop()
    return loop


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
