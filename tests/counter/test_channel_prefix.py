"""Installations sharing one Redis server keep their live messages apart."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings

from counter.settings import redis_channel_prefix


def test_the_prefix_follows_the_redis_database_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COUNTER_CHANNEL_PREFIX", raising=False)
    assert redis_channel_prefix("redis://127.0.0.1:6379/3") == "counter.db3."
    assert redis_channel_prefix("redis://127.0.0.1:6379") == redis_channel_prefix("redis://127.0.0.1:6379/0")
    assert redis_channel_prefix("redis://10.0.0.5:6380/3") == "counter.db3."  # the same installation's workers
    monkeypatch.setenv("COUNTER_CHANNEL_PREFIX", "station7.")
    assert redis_channel_prefix("redis://127.0.0.1:6379/3") == "station7."


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs redis: Redis publish/subscribe across database numbers")
@pytest.mark.asyncio
async def test_installations_on_other_databases_of_one_redis_do_not_hear_each_other() -> None:
    url = urlsplit(settings.REDIS_URL)
    here_db = int(url.path.strip("/") or 0)

    def installation(db: int) -> RedisPubSubChannelLayer:
        address = urlunsplit(url._replace(path=f"/{db}"))
        return RedisPubSubChannelLayer(hosts=[address], prefix=redis_channel_prefix(address))

    here, there = installation(here_db), installation((here_db + 1) % 16)
    group = f"site-1-{uuid.uuid4().hex}"  # both halls number their sites from 1
    try:
        display_here, display_there = await here.new_channel(), await there.new_channel()
        await here.group_add(group, display_here)
        await there.group_add(group, display_there)
        await here.group_send(group, {"type": "call", "number": "A001"})
        await there.group_send(group, {"type": "call", "number": "B001"})
        # Redis delivers in the order it took the two publishes: had the first crossed over,
        # the other hall's screen would hear it before its own.
        assert (await there.receive(display_there))["number"] == "B001"
        assert (await here.receive(display_here))["number"] == "A001"
    finally:
        await here.flush()
        await there.flush()
