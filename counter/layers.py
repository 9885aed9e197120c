"""The in-memory channel layer of the embedded default (one daphne process), made fit for a lobby.

Channels' `InMemoryChannelLayer` sweeps every channel and every group member
for expired messages on each `receive` and each `group_send`, and deep-copies
a message for every member through a task of its own: one broadcast to N
display sockets costs O(N²) (22 % of daphne's CPU at 1,000 sockets, measured
with bench/fanout.py). This layer keeps its semantics (capacity, expiry,
groups) and changes only the cost:

- the expiry sweep runs at most once a second, not once per message;
- `group_send` puts the message on each member's queue directly;
- each member gets a shallow copy (the consumers never mutate a message, and
  the payload inside is an already-encoded string);
- a channel's queue is kept while its consumer listens, not re-created for
  every message;
- group membership does not lapse after a day (Channels' `group_expiry`): a
  desk page or a phone left open overnight keeps hearing. A member that died
  without leaving is still dropped when a message to it expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

SWEEP_SECONDS = 1.0
YEAR = 365 * 24 * 3600


class LobbyChannelLayer(InMemoryChannelLayer):  # type: ignore[misc]  # channels has no type hints
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("group_expiry", 10 * YEAR)
        super().__init__(*args, **kwargs)
        self._swept = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._swept < SWEEP_SECONDS:
            return
        self._swept = now
        super()._clean_expired()

    def _queue(self, channel: str) -> asyncio.Queue[tuple[float, dict[str, Any]]]:
        queue: asyncio.Queue[tuple[float, dict[str, Any]]] | None = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        return queue

    def _put(self, channel: str, message: dict[str, Any]) -> None:
        try:
            self._queue(channel).put_nowait((time.time() + self.expiry, dict(message)))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        self._put(channel, message)

    async def receive(self, channel: str) -> dict[str, Any]:
        self.require_valid_channel_name(channel)
        self._clean_expired()
        queue = self._queue(channel)
        try:
            _, message = await queue.get()
        except asyncio.CancelledError:
            # The consumer has gone: forget its queue unless something is still waiting in it.
            if queue.empty() and self.channels.get(channel) is queue:
                del self.channels[channel]
            raise
        return message

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, ())):
            # A full channel drops the message, as Channels does; its screen resyncs by snapshot.
            with contextlib.suppress(ChannelFull):
                self._put(channel, message)
