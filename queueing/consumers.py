"""WebSocket consumers: they authorise, join a group, send a snapshot, then forward.

They never write: a socket is a pipe from the services' broadcasts to a
screen (SPEC "WebSockets"; README "Live updates").
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth.models import User

from queueing import broadcast
from queueing.auth import works_at
from queueing.models import Desk, DeskToken, Site, Ticket, hash_token

MAX_MESSAGE = 4096
CLOSE_NOT_FOUND = 4404
CLOSE_UNAUTHORISED = 4401
AUTH_TIMEOUT = 10


def parse(text: str | None) -> dict[str, Any] | None:
    """A client's JSON object, or None for anything else (ignored, never fatal)."""
    if not text or len(text) > MAX_MESSAGE:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


class QueueConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]  # channels has no type hints
    group: str | None = None

    async def connect(self) -> None:
        broadcast.remember_loop(asyncio.get_running_loop())
        await self.open()

    async def open(self) -> None:
        raise NotImplementedError

    async def join(self, group: str, snapshot: dict[str, Any]) -> None:
        self.group = group
        await self.channel_layer.group_add(group, self.channel_name)
        await self.send(text_data=broadcast.dumps(snapshot))

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Forwarding a broadcast touches no database: skip Channels' per-message
        # connection clean-up, a worker-thread hop for every socket and message.
        if message["type"] == "queue.event":
            await self.queue_event(message)
        else:
            await super().dispatch(message)

    async def queue_event(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])


class DisplayConsumer(QueueConsumer):
    """`/ws/v1/sites/<site>/display/`: calls, desks and waiting counts of one site."""

    site: Site

    async def open(self) -> None:
        site = await database_sync_to_async(Site.objects.filter(slug=self.scope["url_route"]["kwargs"]["site"]).first)()
        if site is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.site = site
        await self.accept()
        await self.join(broadcast.site_group(site.pk), await self.snapshot())

    async def snapshot(self) -> dict[str, Any]:
        payload: dict[str, Any] = await database_sync_to_async(broadcast.snapshot_payload)(self.site)
        return payload

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        message = parse(text_data)
        if message is not None and message.get("type") == "snapshot.request":
            await self.send(text_data=broadcast.dumps(await self.snapshot()))


class TicketConsumer(QueueConsumer):
    """`/ws/v1/tickets/<token>/`: one ticket's whole state, for the citizen's phone."""

    async def open(self) -> None:
        token = self.scope["url_route"]["kwargs"]["token"]
        payload = await database_sync_to_async(self._snapshot)(token)
        if payload is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.accept()
        await self.join(broadcast.ticket_group(token), payload)

    @staticmethod
    def _snapshot(token: str) -> dict[str, Any] | None:
        ticket = Ticket.objects.select_related("site", "business_type", "desk").filter(token=token).first()
        if ticket is None:
            return None
        return {**broadcast.ticket_payload(ticket), "type": "snapshot"}


class DeskConsumer(QueueConsumer):
    """`/ws/v1/sites/<site>/desks/<number>/`: the officer's session, or a device token as the first message."""

    desk: Desk | None = None

    async def open(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        self.desk = await database_sync_to_async(self._desk)(kwargs["site"], int(kwargs["number"]))
        if self.desk is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.accept()
        user = self.scope.get("user")
        if isinstance(user, User) and await database_sync_to_async(works_at)(user, self.desk.site):
            await self.start()
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
        snapshot = await database_sync_to_async(broadcast.desk_state_payload)(self.desk)
        await self.join(broadcast.desk_group(self.desk.pk), {**snapshot, "type": "snapshot"})

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
