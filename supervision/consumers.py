"""The rating tablet's socket: read-only; it joins its desk's rating group and forwards."""

from __future__ import annotations

import functools
from typing import Any

from channels.db import database_sync_to_async

from queueing.broadcast import dumps
from queueing.consumers import CLOSE_NOT_FOUND, QueueConsumer, parse
from queueing.models import Desk
from supervision import broadcast


class RatingTabletConsumer(QueueConsumer):
    """`/ws/v1/sites/<site>/desks/<number>/rating/`: idle or the just-completed ticket's rating handle.

    No credentials: a tablet faces the public and learns nothing but a handle
    that can only rate one finished visit. The origin is checked by the ASGI
    stack like every socket's.
    """

    desk: Desk

    async def open(self) -> None:
        kwargs = self.scope["url_route"]["kwargs"]
        desk = await database_sync_to_async(
            Desk.objects.select_related("site").filter(site__slug=kwargs["site"], number=int(kwargs["number"])).first
        )()
        if desk is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.desk = desk
        await self.accept()
        await self.join(broadcast.rating_group(desk.pk), functools.partial(broadcast.tablet_snapshot, desk))

    async def snapshot(self) -> dict[str, Any]:
        payload: dict[str, Any] = await database_sync_to_async(broadcast.tablet_snapshot)(self.desk)
        return payload

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        message = parse(text_data)
        if message is not None and message.get("type") == "snapshot.request" and self.group is not None:
            await self.send(text_data=dumps(await self.snapshot()))
