"""The display socket's snapshot, kept per site version: a hall reconnecting at once builds it once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any
from unittest import mock

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.db import connections

from counter.asgi import application
from queueing import broadcast, consumers, hub, officers, services
from queueing.models import Desk, Site, StaffProfile, Ticket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = [(b"origin", b"http://localhost")]
PATH = "/ws/v1/sites/hall/display/"
Issue = Callable[..., Ticket]


@pytest_asyncio.fixture(autouse=True)
async def _close_connections() -> AsyncIterator[None]:
    yield
    await sync_to_async(connections.close_all)()


async def connect() -> tuple[WebsocketCommunicator, dict[str, Any]]:
    socket = WebsocketCommunicator(application, PATH, headers=ORIGIN)
    connected, _ = await socket.connect()
    assert connected
    return socket, json.loads(await socket.receive_from(timeout=5))


async def test_a_hall_of_displays_connecting_at_once_builds_the_snapshot_once(site: Site, issue: Issue) -> None:
    await sync_to_async(issue)("A")
    await sync_to_async(broadcast.drain)()
    first, _ = await connect()  # the site's listener is running, as on a server that has seen a screen
    real = broadcast.snapshot_payload
    with mock.patch.object(broadcast, "snapshot_payload", side_effect=real) as built:
        opened = await asyncio.gather(*(connect() for _ in range(20)))
    assert built.call_count <= 1  # 0 when the first socket's snapshot is still current
    snapshots = [snapshot for _, snapshot in opened]
    assert all(s == snapshots[0] for s in snapshots)
    assert {w["business_type"]: w["waiting"] for w in snapshots[0]["waiting"]}["A"] == 1
    for socket, _ in [(first, None), *opened]:
        await socket.disconnect()


async def test_a_kept_snapshot_is_the_one_the_site_would_build(site: Site, desk: Desk, issue: Issue) -> None:
    await sync_to_async(issue)("A")
    await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
    await sync_to_async(broadcast.drain)()
    one, first = await connect()
    two, again = await connect()
    fresh = await sync_to_async(Site.objects.get)(pk=site.pk)
    built = await sync_to_async(broadcast.snapshot_payload)(fresh)
    assert first == again == json.loads(broadcast.dumps(built))
    await one.disconnect()
    await two.disconnect()


async def test_a_new_notice_line_is_in_the_next_snapshot_without_a_version(site: Site) -> None:
    one, first = await connect()
    await sync_to_async(Site.objects.filter(pk=site.pk).update)(display_message="今天下午停办")
    two, second = await connect()
    assert (first["display_message"], second["display_message"]) == ("", "今天下午停办")
    assert first["version"] == second["version"]
    await one.disconnect()
    await two.disconnect()


async def test_the_supervisors_choice_of_names_is_in_the_next_snapshot_without_a_version(
    site: Site, desk: Desk, officer: User
) -> None:
    await sync_to_async(_on_duty)(site, desk, officer)
    one, first = await connect()
    await sync_to_async(officers.set_names_public)(site=site, public=True)
    two, second = await connect()
    cards = [{d["number"]: d["on_duty"] for d in snap["desks"]}["1"] for snap in (first, second)]
    assert "王芳" not in json.dumps(cards[0], ensure_ascii=False)
    assert "王芳" in json.dumps(cards[1], ensure_ascii=False)
    assert first["version"] == second["version"]
    await one.disconnect()
    await two.disconnect()


def _on_duty(site: Site, desk: Desk, officer: User) -> None:
    StaffProfile.objects.filter(user=officer).update(display_name="王芳", police_number="011201")
    services.close_desk(desk=desk, actor=services.Actor.system())
    services.open_desk(desk=desk, actor=services.Actor(kind="officer", user=officer))


async def test_a_write_heard_between_the_sites_read_and_joining_is_in_the_snapshot(
    site: Site, desk: Desk, issue: Issue
) -> None:
    # The socket reads the site (version N), then a call commits and its message reaches
    # this process before the socket has joined the site's listener: the snapshot must hold it.
    await sync_to_async(issue)("A")
    await sync_to_async(broadcast.drain)()
    watcher, _ = await connect()
    real_join = hub.Hub.join

    async def join_after_a_call(self: hub.Hub, site_id: int, member: Any) -> hub.SiteListener:
        if member is not None and not getattr(member, "_joined_once", False):
            member._joined_once = True
            await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
            await sync_to_async(broadcast.drain)()
            called = json.loads(await watcher.receive_from(timeout=5))  # heard by the process
            assert called["type"] == "call"
        return await real_join(self, site_id, member)

    with mock.patch.object(hub.Hub, "join", join_after_a_call):
        late, snapshot = await connect()
    assert snapshot["recent_calls"][0]["number"] == "A001"
    assert [d["ticket"] for d in snapshot["desks"] if d["number"] == str(desk.number)] == ["A001"]
    await watcher.disconnect()
    await late.disconnect()


async def test_a_hall_of_screens_coming_back_tells_the_desks_once_a_second(site: Site, desk: Desk) -> None:
    from tests.queueing.test_consumers import desk_socket, heartbeat

    officer, _ = await desk_socket(desk)
    screens = [await connect() for _ in range(10)]
    for i, (socket, _) in enumerate(screens):
        await socket.send_to(text_data=heartbeat(f"lobby-{i}"))
        assert json.loads(await socket.receive_from(timeout=5)) == {"type": "heartbeat.ok", "ack_rate": 1.0}
    first = json.loads(await officer.receive_from(timeout=5))  # at once, for the first screen
    last = json.loads(await officer.receive_from(timeout=5))  # once more, a second later, for the others
    assert first["type"] == last["type"] == "screens"
    assert len(last["screens"]) == 10
    assert await officer.receive_nothing(timeout=1.5)
    for socket, _ in screens:
        await socket.disconnect()
    await officer.disconnect()


async def test_in_a_big_hall_each_display_acknowledges_a_share_of_the_calls(site: Site) -> None:
    from tests.queueing.test_consumers import heartbeat

    rates = []
    with mock.patch.object(consumers, "ACK_SAMPLES", 4):
        screens = [await connect() for _ in range(8)]
        for i, (socket, _) in enumerate(screens):
            await socket.send_to(text_data=heartbeat(f"lobby-{i}"))
            rates.append(json.loads(await socket.receive_from(timeout=5))["ack_rate"])
        # Every screen asks again at its next heartbeat (a screen heartbeats every 15 s): the hall's size now.
        await screens[0][0].disconnect()
        await screens[1][0].send_to(text_data=heartbeat("lobby-1", sound=False))  # a change: answered at once
        again = json.loads(await screens[1][0].receive_from(timeout=5))
        assert [consumers.ack_rate(n) for n in (1, 4, 5, 1000)] == [1.0, 1.0, 0.8, 0.004]
    assert rates == [0.5] * 8  # all eight were open when they heartbeat: 4 acks per call in all
    assert again == {"type": "heartbeat.ok", "ack_rate": round(4 / 7, 4)}
    for socket, _ in screens[1:]:
        await socket.disconnect()
