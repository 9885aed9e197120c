"""A site's display sockets in this process, fed by ONE member of the site's channel-layer group.

Channels' usual pattern makes every socket a member of the group: one
broadcast then costs, per socket, a layer message, a queue wake-up, a task
and a dispatch, and a lobby's fan-out is bound by that (bench/fanout.py). A
display socket only forwards an already-encoded text, so here the layer
delivers a site's message once per process, and the hub hands the text to
each of the process's display sockets of that site in a plain loop. Across
workers nothing changes: every process has its own member of the group, and
the Redis layer reaches each of them.

One hub per event loop (tests run one loop per test; a server runs one).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Protocol

from channels.layers import get_channel_layer

from queueing import broadcast

log = logging.getLogger(__name__)

# Layers forget a group member after a day (channels' default group_expiry),
# even a quiet one: a lobby open for months re-joins well before that, by the clock.
REJOIN_SECONDS = 3600.0


class Member(Protocol):
    async def queue_event(self, event: dict[str, Any]) -> None: ...


class SiteListener:
    def __init__(self, site_id: int) -> None:
        self.site_id = site_id
        self.members: set[Member] = set()
        self.channel: str | None = None
        self.task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()
        # Since when (monotonic) it hears the group, and the newest site version it has heard of since.
        self.since = float("inf")
        self.version: int | None = None

    def may_have_missed(self, *, read_at: float, version: int) -> bool:
        """Whether a member that read the site's `version` at `read_at` (monotonic) and joined
        just now may have missed a message: one newer than its read passed here before it
        joined, or this listener was not yet listening when it read."""
        return self.since > read_at or (self.version is not None and self.version > version)

    def heard(self, message: dict[str, Any]) -> None:
        text = message.get("text")
        try:
            version = json.loads(text).get("version") if isinstance(text, str) else None
        except ValueError:
            return
        if isinstance(version, int) and (self.version is None or version > self.version):
            self.version = version

    async def start(self) -> None:
        self.task = asyncio.ensure_future(self.run())
        await self.ready.wait()

    async def run(self) -> None:
        layer = get_channel_layer()
        group = broadcast.site_group(self.site_id)
        self.channel = await layer.new_channel()
        await layer.group_add(group, self.channel)
        self.since = time.monotonic()
        self.ready.set()
        rejoiner = asyncio.ensure_future(self.rejoin(layer, group))
        try:
            await self.forward(layer)
        finally:
            rejoiner.cancel()

    async def rejoin(self, layer: Any, group: str) -> None:
        while True:
            await asyncio.sleep(REJOIN_SECONDS)
            with contextlib.suppress(Exception):
                await layer.group_add(group, self.channel)

    async def forward(self, layer: Any) -> None:
        while True:
            try:
                message = await layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # the layer is down (Redis): the sockets resync by snapshot later
                broadcast._log_failure()
                await asyncio.sleep(1)
                continue
            # Before the members: one that joins after this list is taken sees the version.
            self.heard(message)
            for member in list(self.members):
                try:
                    await member.queue_event(message)
                except Exception:  # one closing socket must not starve the others
                    log.debug("A display socket refused a message.", exc_info=True)


class Hub:
    def __init__(self) -> None:
        self.sites: dict[int, SiteListener] = {}
        self.lock = asyncio.Lock()
        self.building: dict[Hashable, asyncio.Future[str]] = {}
        self.last_run: dict[Hashable, float] = {}
        self.deferred: set[Hashable] = set()

    async def join(self, site_id: int, member: Member) -> SiteListener:
        async with self.lock:  # two sockets opening at once start one listener
            listener = self.sites.get(site_id)
            if listener is None or (listener.task is not None and listener.task.done()):
                listener = self.sites[site_id] = SiteListener(site_id)
                await listener.start()
        listener.members.add(member)
        return listener

    def leave(self, site_id: int, member: Member) -> None:
        # The listener stays: a site's screens come back, and one idle member costs nothing.
        listener = self.sites.get(site_id)
        if listener is not None:
            listener.members.discard(member)

    def count(self, site_id: int) -> int:
        """How many of the site's display sockets this process holds."""
        listener = self.sites.get(site_id)
        return len(listener.members) if listener is not None else 0

    async def once(self, key: Hashable, build: Callable[[], Awaitable[str]]) -> str:
        """`build()`'s result; sockets asking for the same key meanwhile wait for the same build."""
        pending = self.building.get(key)
        if pending is None:
            pending = self.building[key] = asyncio.ensure_future(build())
            pending.add_done_callback(functools.partial(self._built, key))
        return await asyncio.shield(pending)

    def at_most_every(self, key: Hashable, seconds: float, run: Callable[[], Awaitable[None]]) -> None:
        """Start `run()` now, or if one ran in the last `seconds`, once at the end of that window
        (what is asked meanwhile is in that run too)."""
        if key in self.deferred:
            return
        loop = asyncio.get_running_loop()
        wait = self.last_run.get(key, -seconds) + seconds - loop.time()
        if wait <= 0:
            self.last_run[key] = loop.time()
            asyncio.ensure_future(run())
        else:
            self.deferred.add(key)
            loop.call_later(wait, functools.partial(self._deferred_run, key, run))

    def _deferred_run(self, key: Hashable, run: Callable[[], Awaitable[None]]) -> None:
        self.deferred.discard(key)
        self.last_run[key] = asyncio.get_running_loop().time()
        asyncio.ensure_future(run())

    def _built(self, key: Hashable, future: asyncio.Future[str]) -> None:
        if self.building.get(key) is future:
            del self.building[key]
        if not future.cancelled():
            future.exception()  # retrieved: the waiters raise it themselves


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = Hub()
    return found
