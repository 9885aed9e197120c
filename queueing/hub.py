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
import logging
import weakref
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

    async def start(self) -> None:
        self.task = asyncio.ensure_future(self.run())
        await self.ready.wait()

    async def run(self) -> None:
        layer = get_channel_layer()
        group = broadcast.site_group(self.site_id)
        self.channel = await layer.new_channel()
        await layer.group_add(group, self.channel)
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
            for member in list(self.members):
                try:
                    await member.queue_event(message)
                except Exception:  # one closing socket must not starve the others
                    log.debug("A display socket refused a message.", exc_info=True)


class Hub:
    def __init__(self) -> None:
        self.sites: dict[int, SiteListener] = {}
        self.lock = asyncio.Lock()

    async def join(self, site_id: int, member: Member) -> None:
        async with self.lock:  # two sockets opening at once start one listener
            listener = self.sites.get(site_id)
            if listener is None or (listener.task is not None and listener.task.done()):
                listener = self.sites[site_id] = SiteListener(site_id)
                await listener.start()
        listener.members.add(member)

    def leave(self, site_id: int, member: Member) -> None:
        # The listener stays: a site's screens come back, and one idle member costs nothing.
        listener = self.sites.get(site_id)
        if listener is not None:
            listener.members.discard(member)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = Hub()
    return found
