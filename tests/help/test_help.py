"""Help at the kiosk: raised by a kiosk, shown on every desk of the site, taken by the first officer."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client
from django.utils import timezone

from counter.asgi import application
from queueing import broadcast, services
from queueing.errors import InvalidTransition, NotFound, RateLimited
from queueing.models import Desk, Event, HelpRequest, Site
from supervision.reports import Period, build_report
from tests.conftest import make_staff

KIOSK = services.Actor(kind="kiosk", address="10.0.0.9")


def test_raising_help_records_an_event_and_a_second_tap_adds_nothing(site: Site, desk: Desk) -> None:
    first = services.raise_help(site=site, kiosk="2号取号机", actor=KIOSK)
    again = services.raise_help(site=site, kiosk="2号取号机", actor=KIOSK)
    assert again.pk == first.pk and first.status == HelpRequest.Status.OPEN
    events = Event.objects.filter(kind=Event.Kind.HELP_REQUESTED)
    assert [(e.data["kiosk"], e.actor_kind, e.address) for e in events] == [("2号取号机", "kiosk", "10.0.0.9")]


def test_the_first_officer_takes_it_and_the_second_is_told_who(site: Site, desk: Desk, desk2: Desk) -> None:
    raised_at = timezone.now() - dt.timedelta(seconds=75)
    request = services.raise_help(site=site, kiosk="2号取号机", actor=KIOSK, now=raised_at)
    officer = make_staff("officer9", site)
    taken = services.take_help(desk=desk, help_id=request.pk, actor=services.Actor(kind="officer", user=officer))
    assert (taken.status, taken.desk, taken.officer) == (HelpRequest.Status.TAKEN, desk, officer)
    assert taken.answer_seconds is not None and 74 <= taken.answer_seconds <= 120
    event = Event.objects.get(kind=Event.Kind.HELP_TAKEN)
    assert (event.desk, event.user, event.data["help"]) == (desk, officer, request.pk)
    with pytest.raises(InvalidTransition, match="1号窗口"):
        services.take_help(desk=desk2, help_id=request.pk, actor=services.Actor.system())
    # A new request from the same kiosk is a new alert.
    assert services.raise_help(site=site, kiosk="2号取号机", actor=KIOSK).pk != request.pk


def test_a_desk_cannot_take_another_sites_request(site: Site, desk: Desk) -> None:
    other = Site.objects.create(slug="other", name="另一个派出所", always_open=True)
    request = services.raise_help(site=other, kiosk="1号取号机", actor=KIOSK)
    with pytest.raises(NotFound):
        services.take_help(desk=desk, help_id=request.pk, actor=services.Actor.system())
    assert HelpRequest.objects.get(pk=request.pk).status == HelpRequest.Status.OPEN


def test_a_flood_of_kiosk_names_is_capped(site: Site) -> None:
    for i in range(services.MAX_OPEN_HELP):
        services.raise_help(site=site, kiosk=f"k{i}", actor=KIOSK)
    with pytest.raises(RateLimited):
        services.raise_help(site=site, kiosk="one more", actor=KIOSK)


def test_the_broadcast_tells_every_desk_of_the_site_after_commit(
    site: Site, desk: Desk, desk2: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    sent: list[tuple[str, dict[str, Any]]] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(broadcast, "send_all", sent.extend)
        mp.setattr(broadcast, "publish", lambda **kw: broadcast._publish([broadcast.Write(**kw)]))
        with django_capture_on_commit_callbacks(execute=True):
            services.raise_help(site=site, kiosk="2号取号机", actor=KIOSK)
    helps = [(group, payload) for group, payload in sent if payload["type"] == "help"]
    assert sorted(group for group, _ in helps) == sorted(
        [broadcast.desk_group(desk.pk), broadcast.desk_group(desk2.pk)]
    )
    assert [r["kiosk"] for r in helps[0][1]["requests"]] == ["2号取号机"]
    # The displays still get their one frame per version (no gap for them to fill).
    assert [p["type"] for g, p in sent if g == broadcast.site_group(site.pk)] == ["update"]


# --- API ---------------------------------------------------------------------------


def test_a_kiosk_raises_and_follows_its_request_over_the_api(site: Site, desk: Desk, officer: User) -> None:
    client = Client()
    answer = client.post("/api/v1/sites/hall/help/", {"kiosk": "  2号取号机 "}, content_type="application/json")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["kiosk"], body["status"], body["desk"]) == ("2号取号机", "open", None)
    assert client.get(f"/api/v1/help/{body['token']}/").json()["status"] == "open"

    staff = Client()
    staff.force_login(officer)
    taken = staff.post(f"/api/v1/sites/hall/desks/1/help/{body['id']}/take/", content_type="application/json")
    assert taken.status_code == 200, taken.content
    followed = client.get(f"/api/v1/help/{body['token']}/").json()
    assert (followed["status"], followed["desk"]) == ("taken", "1号窗口")
    again = staff.post(f"/api/v1/sites/hall/desks/1/help/{body['id']}/take/", content_type="application/json")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invalid_transition")


def test_the_api_refuses_bad_requests(site: Site, desk: Desk) -> None:
    client = Client()
    assert client.post("/api/v1/sites/hall/help/", {}, content_type="application/json").status_code == 422
    blank = client.post("/api/v1/sites/hall/help/", {"kiosk": "\u200b\n"}, content_type="application/json")
    assert blank.status_code in (400, 422)
    assert (
        client.post("/api/v1/sites/nowhere/help/", {"kiosk": "a"}, content_type="application/json").status_code == 404
    )
    assert client.get("/api/v1/help/nope/").status_code == 404
    request = services.raise_help(site=site, kiosk="k", actor=KIOSK)
    # Taking needs an officer or the desk's device.
    anonymous = client.post(f"/api/v1/sites/hall/desks/1/help/{request.pk}/take/", content_type="application/json")
    assert anonymous.status_code == 401
    assert HelpRequest.objects.get().status == HelpRequest.Status.OPEN


# --- The desk socket ---------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_desk_sockets_get_open_requests_in_their_snapshot_and_live(site: Site, desk: Desk) -> None:
    token = await sync_to_async(services.create_desk_token)(desk=desk)
    await sync_to_async(services.raise_help)(site=site, kiosk="1号取号机", actor=KIOSK)
    await sync_to_async(broadcast.drain)()
    socket = WebsocketCommunicator(
        application, "/ws/v1/sites/hall/desks/1/", headers=[(b"origin", b"http://localhost")]
    )
    try:
        connected, _ = await socket.connect()
        assert connected
        await socket.send_to(text_data=json.dumps({"type": "auth", "token": token}))
        snapshot = json.loads(await socket.receive_from(timeout=5))
        assert [r["kiosk"] for r in snapshot["help"]["requests"]] == ["1号取号机"]
        assert snapshot["desk"]["number"] == "1"  # the SPEC's snapshot keeps its shape
        second = await sync_to_async(services.raise_help)(site=site, kiosk="2号取号机", actor=KIOSK)
        frame = json.loads(await socket.receive_from(timeout=5))
        assert frame["type"] == "help"
        assert [r["kiosk"] for r in frame["requests"]] == ["1号取号机", "2号取号机"]
        await sync_to_async(services.take_help)(desk=desk, help_id=second.pk, actor=services.Actor.system())
        seen: list[dict[str, Any]] = []
        while not any(f["type"] == "help" for f in seen):
            seen.append(json.loads(await socket.receive_from(timeout=5)))
        assert [r["kiosk"] for r in seen[-1]["requests"]] == ["1号取号机"]
    finally:
        await socket.disconnect()
        await sync_to_async(connections.close_all)()


# --- Supervision ---------------------------------------------------------------------------


def test_supervision_sees_open_requests_and_counts_answer_times(site: Site, desk: Desk, supervisor: User) -> None:
    now = timezone.now()
    services.raise_help(site=site, kiosk="1号取号机", actor=KIOSK, now=now - dt.timedelta(seconds=90))
    answered = services.raise_help(site=site, kiosk="2号取号机", actor=KIOSK, now=now - dt.timedelta(seconds=300))
    services.take_help(
        desk=desk, help_id=answered.pk, actor=services.Actor.system(), now=now - dt.timedelta(seconds=180)
    )
    client = Client()
    client.force_login(supervisor)
    today = client.get("/api/v1/sites/hall/supervision/today/").json()
    assert [r["kiosk"] for r in today["help"]] == ["1号取号机"]
    assert 89 <= today["help"][0]["waited_seconds"] <= 150

    day = site.service_day(now)
    report = build_report(Period(site, day - dt.timedelta(days=1), day), today=day)
    table = report.tables["help"]
    rows = {row[0]: row[1:] for row in table.rows}
    assert rows["2号取号机"] == [1, 1, 120, 120]
    assert rows["1号取号机"] == [1, 0, None, None]
    page = client.get("/supervision/hall/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert 'id="today-help"' in html and 'data-kiosk="1号取号机"' in html
    assert 'data-kiosk="2号取号机"' not in html  # answered: no longer waiting


def test_a_request_left_open_yesterday_is_not_carried_into_today(site: Site, desk: Desk) -> None:
    yesterday = timezone.now() - dt.timedelta(days=1)
    old = services.raise_help(site=site, kiosk="2号取号机", actor=KIOSK, now=yesterday)
    fresh = services.raise_help(site=site, kiosk="2号取号机", actor=KIOSK)
    assert fresh.pk != old.pk
    assert [r["id"] for r in broadcast.help_payload(site)["requests"]] == [fresh.pk]
