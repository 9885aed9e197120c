"""WebSocket consumers: they authorise, join a group, send a snapshot, then forward.

They never change the queue: a socket is a pipe from the services' broadcasts
to a screen (SPEC "WebSockets"; README "Live updates"). The one thing a
screen tells back is its health (heartbeats, call acknowledgements), which
`queueing.screens` keeps as telemetry.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import time
from collections.abc import Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection

from queueing import broadcast, hub, languages, phones, readcache, screens, wire
from queueing.auth import works_at
from queueing.models import Desk, DeskToken, Site, Ticket, hash_token

MAX_MESSAGE = 4096
CLOSE_NOT_FOUND = 4404
CLOSE_UNAUTHORISED = 4401
CLOSE_FORBIDDEN = 4403
AUTH_TIMEOUT = 10
# A screen heartbeats every 15 s; more often than this is ignored (a socket is not a firehose).
MIN_HEARTBEAT_SECONDS = 5.0
# Calls a display may still acknowledge: one screen is never more than a few behind.
PENDING_ACKS = 32
SCREENS_PUSH_SECONDS = 15.0
TELL_DESKS_SECONDS = 1.0
# Acknowledgements this process asks for per call: each display acknowledges a call with the
# probability `ack_rate` its heartbeat's answer gives, so that a hall of a thousand screens
# sends about this many, not a thousand frames to parse per call (README "Screens").
ACK_SAMPLES: int = settings.COUNTER_ACK_SAMPLES


def ack_rate(screens: int) -> float:
    """The share of calls each of a site's `screens` display sockets here acknowledges."""
    return 1.0 if screens <= ACK_SAMPLES else round(ACK_SAMPLES / screens, 4)


def heartbeat_ok(screens: int) -> str:
    return broadcast.dumps({"type": "heartbeat.ok", "ack_rate": ack_rate(screens)})


def parse(text: str | None) -> dict[str, Any] | None:
    """A client's JSON object, or None for anything else (ignored, never fatal)."""
    if not text or len(text) > MAX_MESSAGE:
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: a few KB of nested brackets
        return None
    return data if isinstance(data, dict) else None


def site_row(slug: str) -> Site | None:
    """The site by its slug, in plain SQL: a hall's screens all reconnect after a restart, and
    compiling the ORM's query cost each of them more than running it."""
    table, column = connection.ops.quote_name(Site._meta.db_table), connection.ops.quote_name("slug")
    return next(iter(Site.objects.raw(f"SELECT * FROM {table} WHERE {column} = %s", [slug])), None)  # noqa: S608


# Made once: wrapping a function for the thread pool costs more than a connect's other work.
read_site_row = database_sync_to_async(site_row)


class QueueConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]  # channels has no type hints
    group: str | None = None
    language: str = ""

    async def connect(self) -> None:
        broadcast.remember_loop(asyncio.get_running_loop())
        self.language = languages.of_scope(self.scope)
        await self.open()

    def localised(self, payload: dict[str, Any]) -> str:
        """A payload built here (a snapshot) as text in this socket's language."""
        return broadcast.dumps(languages.relabel_payload(payload, self.language))

    async def open(self) -> None:
        raise NotImplementedError

    async def join(self, group: str, snapshot: Callable[[], dict[str, Any]]) -> None:
        """Subscribe, then read and send the snapshot.

        In this order a write that commits while the socket connects is either
        in the snapshot or in a message that follows it (Channels hands this
        consumer its group's messages only after this handler returns). Read
        before subscribing, a write between the two would be lost, and a
        page would keep the state from before it.
        """
        if self.group is None:
            self.group = group
            await self.channel_layer.group_add(group, self.channel_name)
        await self.send(text_data=self.localised(await database_sync_to_async(snapshot)()))

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Forwarding a broadcast, reading a screen's frame, connecting and leaving touch no
        # database directly (what does goes through database_sync_to_async, which cleans up itself):
        # skip Channels' per-message connection clean-up, a worker-thread hop for
        # every socket and message.
        kind = message["type"]
        if kind == "queue.event":
            await self.queue_event(message)
        elif kind == "websocket.receive":
            await self.websocket_receive(message)
        elif kind == "websocket.connect":
            await self.websocket_connect(message)
        elif kind == "websocket.disconnect":
            await self.websocket_disconnect(message)
        else:
            await super().dispatch(message)

    async def queue_event(self, event: dict[str, Any]) -> None:
        await self.send(text_data=languages.text_for(event, self.language))


class DisplayConsumer(QueueConsumer):
    """`/ws/v1/sites/<site>/display/`: calls, desks and waiting counts of one site.

    Screens (lobby display, desk display, kiosk) send a heartbeat with their
    name on this socket, and displays acknowledge each call once drawn.
    """

    site: Site
    screen: str | None = None
    since: float = 0.0
    last_heartbeat: float = 0.0
    sound: bool | None = None
    early: list[dict[str, Any]] | None = None
    write_frame: Callable[[bytes], bool] | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        # A display socket hears its site through the hub (queueing/hub.py), never on a
        # layer channel of its own: no per-socket channel (a Redis subscription each),
        # and one plain loop over the client's frames instead of Channels' two-source
        # dispatch, which makes a task for every frame (each ack of each call).
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = None
        self.base_send = send
        # Under daphne a broadcast's frame, built once, is written to the connection (queueing/wire.py).
        self.write_frame = wire.raw_writer(send)
        with contextlib.suppress(StopConsumer):
            while True:
                await self.dispatch(await receive())

    async def open(self) -> None:
        read_at = time.monotonic()
        site = await read_site_row(self.scope["url_route"]["kwargs"]["site"])
        if site is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.site = site
        self.pending: dict[int, float] = {}
        # Messages that arrive while the snapshot is read: sent after it, so the snapshot comes first.
        self.early: list[dict[str, Any]] | None = []
        await self.accept()
        # The site's messages come through this process's hub, not a group membership of our own.
        listener = await hub.hub().join(site.pk, self)
        try:
            # The site was read before joining (one read per connect): if a write's message may have
            # passed since, read it again, so that the snapshot holds that write.
            if listener.may_have_missed(read_at=read_at, version=site.version):
                self.site = await database_sync_to_async(Site.objects.get)(pk=site.pk)
            text = await self.snapshot_text()
        except BaseException:  # the database is away: no disconnect will follow to leave the hub
            hub.hub().leave(site.pk, self)
            raise
        await self.send(text_data=text)
        early, self.early = self.early, None
        for event in early:
            await self.queue_event(event)

    async def snapshot_text(self) -> str:
        """The snapshot of `self.site`'s version: built once per version, language and minute, for
        every screen that connects meanwhile (a hall reconnecting after a restart)."""
        key = readcache.display_snapshot_key(self.site, self.language)
        body: str | None = readcache.answers.get(key)
        if body is None:
            body = await hub.hub().once(key, functools.partial(self._build_snapshot, key))
        return readcache.display_snapshot_text(body, self.site)

    async def _build_snapshot(self, key: tuple[Any, ...]) -> str:
        body: str = await database_sync_to_async(self._snapshot_body)()
        readcache.answers.put(key, body)
        return body

    def _snapshot_body(self) -> str:
        payload = languages.relabel_payload(broadcast.snapshot_payload(self.site), self.language)
        return readcache.display_snapshot_body(payload)

    async def queue_event(self, event: dict[str, Any]) -> None:
        if self.early is not None:
            self.early.append(event)
            return
        call = event.get("call")
        if call is not None:
            # Remember when the call left, for its acknowledgement (a round trip on the server's clock).
            self.pending[call] = event["sent"]
            if len(self.pending) > PENDING_ACKS:
                del self.pending[next(iter(self.pending))]
        text = languages.text_for(event, self.language)
        if self.write_frame is not None and self.write_frame(wire.frame_for(event, text, self.language)):
            return
        await self.send(text_data=text)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        message = parse(text_data)
        if message is None:
            return
        kind = message.get("type")
        if kind == "ack":
            await self.ack(message.get("id"))
        elif kind == "heartbeat":
            await self.heartbeat(message)
        elif kind == "snapshot.request":
            self.site = await database_sync_to_async(Site.objects.get)(pk=self.site.pk)
            await self.send(text_data=await self.snapshot_text())

    async def ack(self, call: Any) -> None:
        if not isinstance(call, int) or isinstance(call, bool):
            return
        sent = self.pending.pop(call, None)
        if sent is None:
            return  # not a call this socket was sent, or acknowledged already
        sample = screens.note_latency(site=self.site, call_id=call, screen=self.screen or "", sent=sent)
        if sample is not None and not screens.flush_scheduled():
            asyncio.ensure_future(screens.flush_soon())

    async def heartbeat(self, message: dict[str, Any]) -> None:
        name = screens.clean_name(message.get("screen"))
        kind = message.get("kind")
        sound = message.get("sound")
        if name is None or kind not in screens.KINDS or not (sound is None or isinstance(sound, bool)):
            return
        if self.screen is not None and name != self.screen:
            return  # one name per connection: a socket cannot fill the desks' list
        now = time.time()
        if self.screen is not None and now - self.last_heartbeat < MIN_HEARTBEAT_SECONDS and sound == self.sound:
            return
        if self.screen is None:
            self.screen, self.since = name, now
        self.last_heartbeat, self.sound = now, sound
        changed = await self.presence(
            screens.screen_seen, site_id=self.site.pk, name=name, kind=kind, sound=sound, since=self.since, now=now
        )
        await self.send(text_data=heartbeat_ok(hub.hub().count(self.site.pk)))
        if changed:
            await self.tell_desks()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "site"):
            hub.hub().leave(self.site.pk, self)
        gone = self.screen is not None and await self.presence(
            screens.screen_gone, site_id=self.site.pk, name=self.screen, since=self.since
        )
        if gone:
            await self.tell_desks()

    @staticmethod
    async def presence(func: Any, **kwargs: Any) -> bool:
        """A presence write, off the event loop (Redis answers over the network); False if the cache fails."""
        try:
            loop = asyncio.get_running_loop()
            return bool(await loop.run_in_executor(screens.presence_thread, functools.partial(func, **kwargs)))
        except Exception:  # the cache is down: live updates go on, presence waits
            broadcast._log_failure()
            return False

    async def tell_desks(self) -> None:
        # A hall's screens come back together after a restart: the desks, which re-read every
        # screen on each word, hear of them at most once every TELL_DESKS_SECONDS.
        group = broadcast.screens_group(self.site.pk)
        hub.hub().at_most_every(group, TELL_DESKS_SECONDS, functools.partial(_tell, self.channel_layer, group))


async def _tell(layer: Any, group: str) -> None:
    with contextlib.suppress(Exception):
        await layer.group_send(group, {"type": "screens.changed"})


class TicketConsumer(QueueConsumer):
    """`/ws/v1/tickets/<token>/`: one ticket's whole state, for the citizen's phone."""

    async def open(self) -> None:
        token = self.scope["url_route"]["kwargs"]["token"]
        if not await database_sync_to_async(Ticket.objects.filter(token=token).exists)():
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.accept()
        # Counted before the snapshot is read: a move after it is built for this phone.
        self.counted = await DisplayConsumer.presence(phones.opened, token=token)
        await self.join(broadcast.ticket_group(token), functools.partial(self._snapshot, token))

    async def disconnect(self, code: int) -> None:
        await super().disconnect(code)
        if getattr(self, "counted", False):
            await DisplayConsumer.presence(phones.closed, token=self.scope["url_route"]["kwargs"]["token"])

    @staticmethod
    def _snapshot(token: str) -> dict[str, Any]:
        ticket = Ticket.objects.select_related("site", "business_type", "desk", "checklist_version").get(token=token)
        return {**broadcast.ticket_payload(ticket), "type": "snapshot"}


class DeskConsumer(QueueConsumer):
    """`/ws/v1/sites/<site>/desks/<number>/`: the officer's session, or a device token as the first message.

    Besides the desk's state it tells the site's screens (`screens`): when one
    comes, goes or changes its sound, and every SCREENS_PUSH_SECONDS.
    """

    desk: Desk | None = None
    pusher: asyncio.Task[None] | None = None
    auth_deadline: asyncio.TimerHandle | None = None

    async def open(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        self.desk = await database_sync_to_async(self._desk)(kwargs["site"], int(kwargs["number"]))
        if self.desk is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.accept()
        user = self.scope.get("user")
        if isinstance(user, User):
            if await database_sync_to_async(works_at)(user, self.desk.site):
                await self.start()
            else:
                await self.close(code=CLOSE_FORBIDDEN)  # signed in, but not at this site
        else:
            # Give a device a few seconds to send {"type": "auth", "token": …}.
            self.auth_deadline = asyncio.get_running_loop().call_later(AUTH_TIMEOUT, self._auth_expired)

    @staticmethod
    def _desk(site: str, number: int) -> Desk | None:
        return Desk.objects.select_related("site").filter(site__slug=site, number=number).first()

    def _auth_expired(self) -> None:
        if self.group is None:
            asyncio.ensure_future(self.close(code=CLOSE_UNAUTHORISED))

    async def start(self) -> None:
        assert self.desk is not None
        await self.join(broadcast.desk_group(self.desk.pk), self._snapshot)
        if self.pusher is None:
            await self.channel_layer.group_add(broadcast.screens_group(self.desk.site_id), self.channel_name)
            self.pusher = asyncio.ensure_future(self._push_screens())

    def _snapshot(self) -> dict[str, Any]:
        assert self.desk is not None
        # The site's version read now, before the state: a call that commits after it shows in this
        # snapshot or in the desk message after it, and the page can tell this state is older than that.
        version = Site.objects.filter(pk=self.desk.site_id).values_list("version", flat=True).get()
        state = broadcast.desk_state_payload(self.desk, version=version)
        return {**state, "type": "snapshot", "screens": self._screens(), "help": broadcast.help_payload(self.desk.site)}

    def _screens(self) -> dict[str, Any] | None:
        assert self.desk is not None
        try:
            return screens.screens_payload(self.desk.site)
        except Exception:  # the cache is down: the desk works on without the panel
            broadcast._log_failure()
            return None

    async def _push_screens(self) -> None:
        # Ages grow while nothing happens: a screen that went silent turns stale on its own.
        while True:
            await asyncio.sleep(SCREENS_PUSH_SECONDS)
            await self.screens_changed({})

    async def screens_changed(self, event: dict[str, Any]) -> None:
        payload = await database_sync_to_async(self._screens)()
        if payload is not None:
            await self.send(text_data=broadcast.dumps(payload))

    async def disconnect(self, code: int) -> None:
        await super().disconnect(code)
        if self.auth_deadline is not None:
            self.auth_deadline.cancel()
        if self.pusher is not None and self.desk is not None:
            self.pusher.cancel()
            await self.channel_layer.group_discard(broadcast.screens_group(self.desk.site_id), self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        message = parse(text_data)
        if message is None or self.desk is None:
            return
        if self.group is None and message.get("type") == "auth":
            token = message.get("token")
            if isinstance(token, str) and await database_sync_to_async(self._token_fits)(token):
                await self.start()
            else:
                await self.close(code=CLOSE_UNAUTHORISED)
        elif self.group is not None and message.get("type") == "snapshot.request":
            await self.start()

    def _token_fits(self, token: str) -> bool:
        assert self.desk is not None
        return DeskToken.objects.filter(
            token_hash=hash_token(token[:200]), desk=self.desk, revoked_at__isnull=True
        ).exists()
