"""The sockets, in process: snapshot first, one message per committed change, nothing for a rollback."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from unittest import mock

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.core.cache import cache, caches
from django.db import connections, transaction
from django.test import Client
from django.utils import timezone

from counter.asgi import application
from queueing import broadcast, screens, services
from queueing.models import CallLatency, Desk, Event, Site, Ticket
from tests.conftest import make_staff

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest_asyncio.fixture(autouse=True)
async def _close_connections() -> AsyncIterator[None]:
    yield
    # The sync worker thread keeps a connection; close it so the test database can be dropped.
    await sync_to_async(connections.close_all)()


ORIGIN = [(b"origin", b"http://localhost")]
Issue = Callable[..., Ticket]


async def connect(path: str, headers: list[tuple[bytes, bytes]] = ORIGIN) -> tuple[WebsocketCommunicator, Any]:
    # Broadcasts of the set-up's writes must not arrive after the snapshot.
    await sync_to_async(broadcast.drain)()
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await socket.connect()
    assert connected
    return socket, json.loads(await socket.receive_from(timeout=5))


async def messages(socket: WebsocketCommunicator, count: int) -> list[dict[str, Any]]:
    return [json.loads(await socket.receive_from(timeout=5)) for _ in range(count)]


async def test_display_gets_a_snapshot_then_one_call_frame_per_write(site: Site, desk: Desk, issue: Issue) -> None:
    await sync_to_async(issue)("A")
    socket, first = await connect("/ws/v1/sites/hall/display/")
    assert first["type"] == "snapshot"
    assert {w["business_type"]: w["waiting"] for w in first["waiting"]}["A"] == 1
    await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
    call = json.loads(await socket.receive_from(timeout=5))
    # The SPEC's call, with the id a screen acknowledges and the write's other parts.
    assert call["type"] == "call"
    assert (call["number"], call["desk"], call["recall"]) == ("A001", "1", False)
    assert call["version"] == first["version"] + 1
    event = await sync_to_async(Event.objects.get)(kind="ticket.called")
    assert call["id"] == event.pk
    assert [(d["number"], d["ticket"], d["ticket_status"]) for d in call["desks"]] == [("1", "A001", "called")]
    assert {w["business_type"]: w["waiting"] for w in call["waiting"]}["A"] == 0
    assert await socket.receive_nothing(timeout=0.2)  # one frame, not three
    await socket.disconnect()


async def test_one_write_is_one_version_even_with_two_events(site: Site, desk: Desk, issue: Issue) -> None:
    await sync_to_async(issue)("A")
    await sync_to_async(issue)("A")
    await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
    socket, first = await connect("/ws/v1/sites/hall/display/")
    # Finishing A001 (no-show) and calling A002 happen in one transaction.
    await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
    received = await messages(socket, 1)
    assert [(m["type"], m["number"], m["version"]) for m in received] == [("call", "A002", first["version"] + 1)]
    assert await socket.receive_nothing(timeout=0.2)
    versions = await sync_to_async(
        lambda: set(
            Event.objects.filter(kind__in=["ticket.no_show", "ticket.called"]).values_list("version", flat=True)
        )
    )()
    assert first["version"] + 1 in versions
    await socket.disconnect()


async def test_an_issue_is_one_update_frame_with_the_waiting_counts(site: Site, desk: Desk, issue: Issue) -> None:
    socket, first = await connect("/ws/v1/sites/hall/display/")
    await sync_to_async(issue)("B")
    update = json.loads(await socket.receive_from(timeout=5))
    assert (update["type"], update["version"], update["desks"]) == ("update", first["version"] + 1, [])
    assert {w["business_type"]: w["waiting"] for w in update["waiting"]}["B"] == 1
    await socket.disconnect()


async def test_a_burst_of_writes_is_built_together_and_still_one_frame_per_version(
    site: Site, desk: Desk, issue: Issue
) -> None:
    await sync_to_async(issue)("A")
    ticket = await sync_to_async(issue)("A")
    phone, _ = await connect(f"/ws/v1/tickets/{ticket.token}/")
    socket, first = await connect("/ws/v1/sites/hall/display/")
    # Hold the broadcast thread while four writes commit: they queue up, as under load.
    gate = threading.Event()
    broadcast._publisher.submit(gate.wait, 5)
    counted = mock.Mock(wraps=broadcast.waiting_part)
    with mock.patch("queueing.broadcast.waiting_part", counted):
        await sync_to_async(issue)("B")
        await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
        await sync_to_async(issue)("B")
        await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
        gate.set()
        await sync_to_async(broadcast.drain)()
    frames = await messages(socket, 4)
    assert await socket.receive_nothing(timeout=0.2)
    base = first["version"]
    assert [(f["type"], f["version"]) for f in frames] == [
        ("update", base + 1),
        ("call", base + 2),
        ("update", base + 3),
        ("call", base + 4),
    ]
    assert [f.get("number") for f in frames if f["type"] == "call"] == ["A001", "A002"]
    # The counts were read once, after the last write, and every frame carries them.
    assert counted.call_count == 1
    assert all({w["business_type"]: w["waiting"] for w in f["waiting"]} == {"A": 0, "B": 2, "C": 0} for f in frames)
    # The desk is in both calls' frames, as it stands after the second.
    assert [d["ticket"] for f in frames if f["type"] == "call" for d in f["desks"]] == ["A002", "A002"]
    # A phone hears its ticket once, in its latest state.
    told = await messages(phone, 1)
    assert (told[0]["ticket"]["number"], told[0]["ticket"]["status"]) == ("A002", "called")
    assert await phone.receive_nothing(timeout=0.2)
    await socket.disconnect()
    await phone.disconnect()


async def test_nothing_is_sent_for_a_rolled_back_action(site: Site, desk: Desk, issue: Issue) -> None:
    await sync_to_async(issue)("A")
    socket, _ = await connect("/ws/v1/sites/hall/display/")

    def call_then_fail() -> None:
        with transaction.atomic():
            services.call_next(desk=desk, actor=services.Actor.system())
            raise RuntimeError("something after the call failed")

    with pytest.raises(RuntimeError):
        await sync_to_async(call_then_fail)()
    assert await socket.receive_nothing(timeout=0.5)
    assert await sync_to_async(lambda: Ticket.objects.get().status)() == "waiting"
    await socket.disconnect()


async def test_a_broken_channel_layer_does_not_fail_the_action(site: Site, desk: Desk, issue: Issue) -> None:
    await sync_to_async(issue)("A")
    with mock.patch("queueing.broadcast.get_channel_layer", side_effect=ConnectionError("layer down")):
        called = await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
    assert called is not None and called.status == "called"


async def test_display_asks_for_a_snapshot_and_ignores_junk(site: Site, desk: Desk) -> None:
    socket, first = await connect("/ws/v1/sites/hall/display/")
    for junk in ["not json", "[]", json.dumps({"type": "nope"}), "x" * 10000]:
        await socket.send_to(text_data=junk)
    assert await socket.receive_nothing(timeout=0.3)
    await socket.send_to(text_data=json.dumps({"type": "snapshot.request"}))
    again = json.loads(await socket.receive_from(timeout=5))
    assert again == first
    await socket.disconnect()


async def test_unknown_site_and_wrong_origin_are_refused(site: Site) -> None:
    unknown = WebsocketCommunicator(application, "/ws/v1/sites/nowhere/display/", headers=ORIGIN)
    connected, _ = await unknown.connect()
    assert not connected
    foreign = WebsocketCommunicator(
        application, "/ws/v1/sites/hall/display/", headers=[(b"origin", b"http://evil.example")]
    )
    connected, _ = await foreign.connect()
    assert not connected


async def test_phone_follows_its_ticket_and_its_place(site: Site, desk: Desk, issue: Issue) -> None:
    first_ticket = await sync_to_async(issue)("A")
    second = await sync_to_async(issue)("A")
    socket, snapshot = await connect(f"/ws/v1/tickets/{second.token}/")
    assert snapshot["type"] == "snapshot"
    assert (snapshot["ticket"]["number"], snapshot["ticket"]["ahead"]) == ("A002", 1)
    await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
    update = json.loads(await socket.receive_from(timeout=5))
    assert (update["type"], update["ticket"]["ahead"], update["ticket"]["status"]) == ("ticket", 0, "waiting")
    await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
    called = json.loads(await socket.receive_from(timeout=5))
    assert (called["ticket"]["status"], called["ticket"]["desk"]) == ("called", "1")
    assert first_ticket.token not in json.dumps(called)  # a phone hears only of its own ticket
    await socket.disconnect()


async def test_a_finish_out_of_the_queue_moves_no_one(site: Site, desk: Desk, issue: Issue) -> None:
    served = await sync_to_async(issue)("A")
    waiting = await sync_to_async(issue)("A")
    await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
    own, _ = await connect(f"/ws/v1/tickets/{served.token}/")
    behind, snapshot = await connect(f"/ws/v1/tickets/{waiting.token}/")
    assert snapshot["ticket"]["ahead"] == 0
    await sync_to_async(services.start)(desk=desk, actor=services.Actor.system())
    await sync_to_async(broadcast.drain)()  # two broadcasts, not one batch telling "done" once
    await sync_to_async(services.complete)(desk=desk, actor=services.Actor.system())
    assert [m["ticket"]["status"] for m in await messages(own, 2)] == ["serving", "done"]
    assert await behind.receive_nothing(timeout=0.3)  # its place did not change
    # A call does move the queue: the ticket behind is told it is now called.
    await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
    assert (await messages(behind, 1))[0]["ticket"]["status"] == "called"
    await own.disconnect()
    await behind.disconnect()


async def test_moves_are_built_only_for_tickets_whose_phone_is_open(site: Site, desk: Desk, issue: Issue) -> None:
    first = await sync_to_async(issue)("A")
    watched, unwatched, closed = [await sync_to_async(issue)("A") for _ in range(3)]
    # The first ticket's phone could not be counted (the cache failed as it connected).
    with mock.patch("queueing.phones.opened", side_effect=ConnectionError("cache down")):
        uncounted, _ = await connect(f"/ws/v1/tickets/{first.token}/")
    phone, _ = await connect(f"/ws/v1/tickets/{watched.token}/")
    gone, _ = await connect(f"/ws/v1/tickets/{closed.token}/")
    await gone.disconnect()
    await asyncio.sleep(0.2)  # the disconnect's count is taken back off the event loop
    built = mock.Mock(wraps=broadcast.place_payload)
    with mock.patch("queueing.broadcast.place_payload", built):
        await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
        await sync_to_async(broadcast.drain)()
        # Of the places behind the call, only the watched one is built...
        assert [c.args[0].token for c in built.call_args_list if "ahead" in c.kwargs] == [watched.token]
        assert (await messages(phone, 1))[0]["ticket"]["ahead"] == 0
        # ...but a ticket's own change always reaches its phone, counted or not.
        assert (await messages(uncounted, 1))[0]["ticket"]["status"] == "called"
        # A cache that cannot tell: every ticket behind the call is told, as before.
        built.reset_mock()
        # (On the class: the broadcast thread has a cache object of its own.)
        with mock.patch.object(type(caches["default"]), "get_many", side_effect=ConnectionError("down")):
            await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
            await sync_to_async(broadcast.drain)()
        told = {c.args[0].token for c in built.call_args_list}
        assert {unwatched.token, closed.token} <= told
    await phone.disconnect()
    await uncounted.disconnect()


async def test_desk_socket_takes_a_device_token_as_first_message(site: Site, desk: Desk, issue: Issue) -> None:
    token = await sync_to_async(services.create_desk_token)(desk=desk)
    await sync_to_async(broadcast.drain)()
    socket = WebsocketCommunicator(application, "/ws/v1/sites/hall/desks/1/", headers=ORIGIN)
    connected, _ = await socket.connect()
    assert connected
    await socket.send_to(text_data=json.dumps({"type": "auth", "token": token}))
    snapshot = json.loads(await socket.receive_from(timeout=5))
    assert (snapshot["type"], snapshot["desk"]["number"], snapshot["ticket"]) == ("snapshot", "1", None)
    await sync_to_async(issue)("B")
    await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
    update = json.loads(await socket.receive_from(timeout=5))
    assert (update["type"], update["ticket"]["number"]) == ("desk", "B001")
    await socket.disconnect()


@pytest.mark.parametrize("kind", ["desk", "ticket"])
async def test_a_write_that_commits_while_a_socket_subscribes_is_not_lost(
    site: Site, desk: Desk, issue: Issue, kind: str
) -> None:
    # The call commits and is broadcast just before the socket's subscription takes
    # effect: the snapshot, read after subscribing, must already hold it.
    ticket = await sync_to_async(issue)("A")
    token = await sync_to_async(services.create_desk_token)(desk=desk)
    await sync_to_async(broadcast.drain)()
    layer = get_channel_layer()
    real_group_add = layer.group_add

    async def group_add_after_a_call(group: str, channel: str) -> None:
        if group in (broadcast.desk_group(desk.pk), broadcast.ticket_group(ticket.token)):
            await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
            await sync_to_async(broadcast.drain)()
        await real_group_add(group, channel)

    path = f"/ws/v1/sites/hall/desks/{desk.number}/" if kind == "desk" else f"/ws/v1/tickets/{ticket.token}/"
    with mock.patch.object(layer, "group_add", group_add_after_a_call):
        socket = WebsocketCommunicator(application, path, headers=ORIGIN)
        connected, _ = await socket.connect()
        assert connected
        if kind == "desk":
            await socket.send_to(text_data=json.dumps({"type": "auth", "token": token}))
        snapshot = json.loads(await socket.receive_from(timeout=5))
    assert snapshot["type"] == "snapshot"
    assert (snapshot["ticket"]["number"], snapshot["ticket"]["status"]) == ("A001", "called")
    await socket.disconnect()


async def test_desk_states_on_the_socket_carry_versions_never_newer_than_themselves(
    site: Site, desk: Desk, issue: Issue
) -> None:
    # The snapshot's version is read before its state: a call that commits in between is in the
    # state but not in the version, so the page (which drops older versions) never drops a newer state.
    await sync_to_async(issue)("A")
    await sync_to_async(issue)("A")
    real_state = broadcast.desk_state_payload
    before: list[int] = []

    def a_call_commits_first(*args: Any, **kwargs: Any) -> dict[str, Any]:
        before.append(Site.objects.get(pk=site.pk).version)
        services.call_next(desk=desk, actor=services.Actor.system())
        return real_state(*args, **kwargs)

    with mock.patch.object(broadcast, "desk_state_payload", a_call_commits_first):
        socket, snapshot = await desk_socket(desk)
    assert (snapshot["type"], snapshot["ticket"]["number"]) == ("snapshot", "A001")
    assert snapshot["site_version"] == before[0]
    update = json.loads(await socket.receive_from(timeout=5))  # the call's own desk message
    assert (update["type"], update["ticket"]["number"], update["site_version"]) == ("desk", "A001", before[0] + 1)
    await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
    update = json.loads(await socket.receive_from(timeout=5))
    now = await sync_to_async(lambda: Site.objects.get(pk=site.pk).version)()
    assert (update["ticket"]["number"], update["site_version"]) == ("A002", now)
    await socket.disconnect()


async def test_desk_socket_refuses_a_wrong_token(site: Site, desk: Desk) -> None:
    socket = WebsocketCommunicator(application, "/ws/v1/sites/hall/desks/1/", headers=ORIGIN)
    connected, _ = await socket.connect()
    assert connected
    await socket.send_to(text_data=json.dumps({"type": "auth", "token": "wrong"}))
    closed = await socket.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4401}


# --- Screens: heartbeats, acknowledgements, junk ---------------------------------------------


@pytest.fixture(autouse=True)
def _no_screens_left_over() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()
    screens._buffer.clear()


def heartbeat(name: str, kind: str = "display", sound: bool | None = True) -> str:
    return json.dumps({"type": "heartbeat", "screen": name, "kind": kind, "sound": sound})


async def desk_socket(desk: Desk) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    token = await sync_to_async(services.create_desk_token)(desk=desk)
    await sync_to_async(broadcast.drain)()
    socket = WebsocketCommunicator(application, f"/ws/v1/sites/hall/desks/{desk.number}/", headers=ORIGIN)
    connected, _ = await socket.connect()
    assert connected
    await socket.send_to(text_data=json.dumps({"type": "auth", "token": token}))
    return socket, json.loads(await socket.receive_from(timeout=5))


async def test_a_heartbeat_puts_the_screen_on_its_sites_desks(site: Site, desk: Desk) -> None:
    officer, snapshot = await desk_socket(desk)
    assert snapshot["screens"]["screens"] == []
    display, _ = await connect("/ws/v1/sites/hall/display/")
    await display.send_to(text_data=heartbeat("lobby-1", sound=False))
    assert json.loads(await display.receive_from(timeout=5)) == {"type": "heartbeat.ok", "ack_rate": 1.0}
    told = json.loads(await officer.receive_from(timeout=5))
    assert told["type"] == "screens"
    [screen] = told["screens"]
    assert (screen["name"], screen["kind"], screen["connected"], screen["sound"], screen["stale"]) == (
        "lobby-1",
        "display",
        True,
        False,
        False,
    )
    assert screen["since"].endswith("Z") and screen["age"] == 0

    await display.disconnect()  # the screen goes: the desks hear at once, the alert follows a minute later
    gone = json.loads(await officer.receive_from(timeout=5))
    assert [(s["name"], s["connected"]) for s in gone["screens"]] == [("lobby-1", False)]
    later = await sync_to_async(screens.site_screens)(site_id=site.pk, now=time.time() + screens.STALE_SECONDS + 1)
    assert [(s["name"], s["stale"]) for s in later] == [("lobby-1", True)]
    await officer.disconnect()


async def test_an_acknowledged_call_becomes_a_latency_sample(site: Site, desk: Desk, issue: Issue) -> None:
    await sync_to_async(issue)("A")
    await sync_to_async(issue)("A")
    display, _ = await connect("/ws/v1/sites/hall/display/")
    await display.send_to(text_data=heartbeat("hall-tv"))
    await display.receive_from(timeout=5)
    await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
    call = json.loads(await display.receive_from(timeout=5))
    await asyncio.sleep(0.05)
    await display.send_to(text_data=json.dumps({"type": "ack", "id": call["id"]}))
    await display.send_to(text_data=json.dumps({"type": "ack", "id": call["id"]}))  # twice: counted once
    await display.send_to(text_data=json.dumps({"type": "ack", "id": call["id"] + 1000}))  # never sent to it
    await display.send_to(text_data=json.dumps({"type": "snapshot.request"}))
    await display.receive_from(timeout=5)  # every frame before it has been read
    assert await sync_to_async(screens.flush)() == 1
    [sample] = await sync_to_async(list)(CallLatency.objects.all())
    assert (sample.call, sample.screen, sample.site_id) == (call["id"], "hall-tv", site.pk)
    assert 50 <= sample.milliseconds < 5000
    day = await sync_to_async(screens.latency_of_day)(site=site)
    assert (day["samples"], day["p50_ms"], day["p95_ms"]) == (1, sample.milliseconds, sample.milliseconds)
    await display.disconnect()


async def test_bad_huge_and_unknown_frames_are_ignored(site: Site, desk: Desk) -> None:
    display, first = await connect("/ws/v1/sites/hall/display/")
    junk = [
        "not json",
        "[]",
        "x" * 100_000,
        json.dumps({"type": "nope"}),
        json.dumps({"type": "ack", "id": "1"}),
        json.dumps({"type": "ack", "id": True}),
        json.dumps({"type": "ack"}),
        json.dumps({"type": "heartbeat", "screen": 42, "kind": "display"}),
        json.dumps({"type": "heartbeat", "screen": "tv", "kind": "toaster"}),
        json.dumps({"type": "heartbeat", "screen": "tv", "kind": "display", "sound": "loud"}),
        json.dumps({"type": "heartbeat", "screen": "\u0000\u200b \n", "kind": "display"}),
        json.dumps({"type": "heartbeat", "screen": "big" * 2000, "kind": "display"}),  # over the frame limit
    ]
    for frame in junk:
        await display.send_to(text_data=frame)
    assert await display.receive_nothing(timeout=0.3)
    assert await sync_to_async(screens.site_screens)(site_id=site.pk) == []
    # A long name with markup is cut and kept as text (the page escapes it).
    await display.send_to(text_data=heartbeat("<b>" + "x" * 100 + "\u0007", kind="kiosk", sound=None))
    assert json.loads(await display.receive_from(timeout=5))["type"] == "heartbeat.ok"
    # One name per connection: another name on the same socket is ignored.
    await display.send_to(text_data=heartbeat("someone-else"))
    await display.send_to(text_data=json.dumps({"type": "snapshot.request"}))
    assert json.loads(await display.receive_from(timeout=5)) == first
    [screen] = await sync_to_async(screens.site_screens)(site_id=site.pk)
    assert screen["name"] == "<b>" + "x" * (screens.MAX_NAME - 3)
    assert (screen["kind"], screen["sound"]) == ("kiosk", None)
    await display.disconnect()


async def test_a_transfer_updates_the_counts_of_both_queues(site: Site, desk: Desk, issue: Issue, reason: Any) -> None:
    await sync_to_async(issue)("A")
    await sync_to_async(issue)("A")
    await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
    await sync_to_async(services.start)(desk=desk, actor=services.Actor.system())
    display, first = await connect("/ws/v1/sites/hall/display/")
    before = {w["business_type"]: w["waiting"] for w in first["waiting"]}
    assert (before["A"], before["B"]) == (1, 0)
    await sync_to_async(services.transfer)(
        desk=desk, prefix="B", reason_code=reason.code, actor=services.Actor.system()
    )
    frame = json.loads(await display.receive_from(timeout=5))
    after = {w["business_type"]: w["waiting"] for w in frame["waiting"]}
    assert (frame["type"], after["A"], after["B"]) == ("update", 1, 1)
    assert [(d["number"], d["ticket"]) for d in frame["desks"]] == [("1", None)]
    await display.disconnect()


async def test_pausing_and_opening_a_desk_send_fresh_estimates(
    site: Site, desk: Desk, issue: Issue, reason: Any
) -> None:
    await sync_to_async(issue)("B")
    display, first = await connect("/ws/v1/sites/hall/display/")
    assert {w["business_type"]: w["open_desks"] for w in first["waiting"]}["B"] == 1
    await sync_to_async(services.pause_desk)(desk=desk, reason_code=reason.code, actor=services.Actor.system())
    paused = json.loads(await display.receive_from(timeout=5))
    assert paused["type"] == "update" and paused["desks"][0]["state"] == "paused"
    assert {w["business_type"]: w["open_desks"] for w in paused["waiting"]}["B"] == 0
    await sync_to_async(services.resume_desk)(desk=desk, actor=services.Actor.system())
    resumed = json.loads(await display.receive_from(timeout=5))
    assert {w["business_type"]: w["open_desks"] for w in resumed["waiting"]}["B"] == 1
    await display.disconnect()


async def test_a_display_left_open_over_midnight_gets_the_new_days_empty_queue(
    site: Site, desk: Desk, issue: Issue
) -> None:
    yesterday = timezone.now() - dt.timedelta(days=1)

    def yesterdays_queue() -> None:
        for _ in range(3):
            services.issue_ticket(site=site, prefix="A", actor=services.Actor.system(), now=yesterday)
        services.call_next(desk=desk, actor=services.Actor.system(), now=yesterday)
        # The fixtures opened the desk today; the hall's last write was in fact yesterday.
        Site.objects.filter(pk=site.pk).update(current_day=site.service_day(yesterday))

    await sync_to_async(yesterdays_queue)()
    with mock.patch("django.utils.timezone.now", return_value=yesterday):
        display, first = await connect("/ws/v1/sites/hall/display/")
    assert first["recent_calls"][0]["number"] == "A001"
    assert {w["business_type"]: w["waiting"] for w in first["waiting"]}["A"] == 2
    # The first write of the new day (here the timer's `expire_tickets`) changes the day.
    assert await sync_to_async(services.roll_over_day)(site=site) == 3
    fresh = json.loads(await display.receive_from(timeout=5))
    assert fresh["type"] == "snapshot"
    assert fresh["service_day"] == site.service_day(timezone.now()).isoformat() != first["service_day"]
    assert fresh["recent_calls"] == []
    assert {w["business_type"]: w["waiting"] for w in fresh["waiting"]}["A"] == 0
    assert all(d["ticket"] is None for d in fresh["desks"])
    await display.disconnect()


async def test_a_desk_socket_with_another_sites_session_is_refused_for_good(site: Site, desk: Desk) -> None:
    def stranger_cookie() -> bytes:
        other = Site.objects.create(slug="elsewhere", name="别处")
        user = make_staff("stranger", other)
        client = Client()
        client.force_login(user)
        return f"sessionid={client.cookies['sessionid'].value}".encode()

    cookie = await sync_to_async(stranger_cookie)()
    socket = WebsocketCommunicator(application, "/ws/v1/sites/hall/desks/1/", headers=[*ORIGIN, (b"cookie", cookie)])
    connected, _ = await socket.connect()
    assert connected
    closed = await socket.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4403}


async def test_a_new_notice_line_reaches_the_displays_without_a_version(site: Site) -> None:
    display, first = await connect("/ws/v1/sites/hall/display/")
    assert (first["display_message"], first["display_message_en"]) == ("", "")
    await sync_to_async(Site.objects.filter(pk=site.pk).update)(display_message="今天下午停办", display_message_en="")
    await sync_to_async(broadcast.notice_changed)(site.pk)  # what the admin does on save
    notice = json.loads(await display.receive_from(timeout=5))
    assert notice == {"type": "notice", "display_message": "今天下午停办", "display_message_en": ""}
    await display.disconnect()


async def test_each_socket_speaks_the_language_of_the_page_that_opened_it(site: Site, desk: Desk, issue: Issue) -> None:
    ticket = await sync_to_async(issue)("A")
    await sync_to_async(issue)("A")
    english_cookie = [*ORIGIN, (b"cookie", b"django_language=en")]
    english_browser = [*ORIGIN, (b"accept-language", b"en-US,en;q=0.9")]
    zh_display, _ = await connect("/ws/v1/sites/hall/display/")
    en_display, en_first = await connect("/ws/v1/sites/hall/display/", headers=english_cookie)
    assert [d["name"] for d in en_first["desks"]] == ["Desk 1"]
    zh_phone, zh_ticket = await connect(f"/ws/v1/tickets/{ticket.token}/")
    en_phone, en_ticket = await connect(f"/ws/v1/tickets/{ticket.token}/", headers=english_browser)
    assert (zh_ticket["ticket"]["status_label"], en_ticket["ticket"]["status_label"]) == ("等候中", "waiting")

    await sync_to_async(services.call_next)(desk=desk, actor=services.Actor.system())
    zh_call, en_call = (
        json.loads(await zh_display.receive_from(timeout=5)),
        json.loads(await en_display.receive_from(5)),
    )
    assert (zh_call["desk_name"], en_call["desk_name"]) == ("1号窗口", "Desk 1")
    assert (zh_call["desks"][0]["name"], en_call["desks"][0]["name"]) == ("1号窗口", "Desk 1")
    assert {k: v for k, v in zh_call.items() if k not in ("desk_name", "desks")} == {
        k: v for k, v in en_call.items() if k not in ("desk_name", "desks")
    }
    zh_called = json.loads(await zh_phone.receive_from(timeout=5))["ticket"]
    en_called = json.loads(await en_phone.receive_from(timeout=5))["ticket"]
    assert (zh_called["status_label"], zh_called["desk_name"]) == ("已叫号", "1号窗口")
    assert (en_called["status_label"], en_called["desk_name"]) == ("called", "Desk 1")
    for socket in (zh_display, en_display, zh_phone, en_phone):
        await socket.disconnect()


async def test_a_name_the_site_gave_its_desk_is_kept_in_every_language(site: Site, desk: Desk) -> None:
    desk.name = "综合窗口"
    await sync_to_async(desk.save)(update_fields=["name"])
    _socket, first = await connect("/ws/v1/sites/hall/display/", headers=[*ORIGIN, (b"cookie", b"django_language=en")])
    assert [d["name"] for d in first["desks"]] == ["综合窗口"]
    await _socket.disconnect()
