"""counter.layers.LobbyChannelLayer keeps the in-memory layer's behaviour at a lower cost."""

from __future__ import annotations

import asyncio

import pytest

from counter.layers import LobbyChannelLayer

pytestmark = pytest.mark.asyncio


async def test_a_group_message_reaches_every_member_once_and_unchanged() -> None:
    layer = LobbyChannelLayer(capacity=10)
    channels = [await layer.new_channel() for _ in range(3)]
    for channel in channels:
        await layer.group_add("site.1", channel)
    message = {"type": "queue.event", "text": '{"type":"call"}'}
    await layer.group_send("site.1", message)
    received = [await asyncio.wait_for(layer.receive(channel), 1) for channel in channels]
    assert received == [message] * 3
    received[0]["type"] = "changed"  # a member's copy is its own
    assert received[1]["type"] == "queue.event"
    await layer.group_discard("site.1", channels[0])
    await layer.group_send("site.1", {"type": "x"})
    assert [await asyncio.wait_for(layer.receive(c), 1) for c in channels[1:]] == [{"type": "x"}] * 2
    assert layer.channels.get(channels[0]) is None or layer.channels[channels[0]].empty()


async def test_a_full_member_loses_the_message_and_the_others_still_get_it() -> None:
    layer = LobbyChannelLayer(capacity=1)
    full, fine = await layer.new_channel(), await layer.new_channel()
    for channel in (full, fine):
        await layer.group_add("g", channel)
    await layer.send(full, {"type": "first"})
    await layer.group_send("g", {"type": "second"})
    assert await asyncio.wait_for(layer.receive(full), 1) == {"type": "first"}
    assert await asyncio.wait_for(layer.receive(fine), 1) == {"type": "second"}


async def test_a_consumer_that_stops_listening_leaves_no_queue_behind() -> None:
    layer = LobbyChannelLayer()
    channel = await layer.new_channel()
    waiting = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0)
    assert channel in layer.channels
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert channel not in layer.channels


async def test_membership_does_not_lapse_after_a_day() -> None:
    layer = LobbyChannelLayer()
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    layer.groups["g"][channel] -= 2 * 24 * 3600  # joined two days ago
    layer._swept = 0.0
    await layer.group_send("g", {"type": "still"})
    assert await asyncio.wait_for(layer.receive(channel), 1) == {"type": "still"}
