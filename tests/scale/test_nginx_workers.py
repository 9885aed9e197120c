"""The deploy recipe end to end: two daphne workers behind a real nginx, sharing PostgreSQL and Redis.

nginx runs from deploy/nginx/counter.conf (tests/scale/proxy.py), round robin
and nothing sticky; the test set-up adds an `X-Upstream` header naming the
worker that answered, so each test knows — and forces — where a socket or a
request lands. CI's PostgreSQL + Redis pass lists nginx in
COUNTER_REQUIRE_SERVICES, so there these tests fail rather than skip.
"""

from __future__ import annotations

import json
import shutil
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.core.cache import cache
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from queueing import services
from queueing.models import BusinessType, Desk, Event, Site, Ticket
from tests.conftest import make_desk
from tests.scale.proxy import Nginx, nginx_binary
from tests.servers import Daphne

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs postgres: workers behind nginx share a PostgreSQL database (set DATABASE_URL)",
    ),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs redis: calls cross workers through Redis (REDIS_URL)"),
    pytest.mark.skipif(nginx_binary() is None, reason="needs nginx: apt-get install nginx"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(120),
]

RECV_TIMEOUT = 10.0


@dataclass
class Hall:
    """nginx in front of workers a and b."""

    nginx: Nginx
    a: Daphne
    b: Daphne

    def name(self, worker: Daphne) -> str:
        return f"127.0.0.1:{worker.port}"

    def other(self, worker: Daphne) -> Daphne:
        return self.b if worker is self.a else self.a

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.nginx.url, timeout=15)

    def socket(self, path: str) -> ClientConnection:
        return connect(self.nginx.ws_url + path, origin=self.nginx.url, open_timeout=10, legacy=True)

    def socket_on(self, worker: Daphne, path: str) -> ClientConnection:
        """A socket through nginx that landed on `worker` (round robin: at most a few tries)."""
        for _ in range(6):
            ws = self.socket(path)
            if landed(ws) == self.name(worker):
                return ws
            ws.close()
        raise AssertionError(f"no socket landed on {self.name(worker)}")

    def next_to(self, client: httpx.Client, worker: Daphne) -> None:
        """Make the next request through nginx go to `worker` (round robin alternates)."""
        for _ in range(6):
            answered = client.get("/api/v1/sites/hall/reasons/").headers["X-Upstream"]
            if answered == self.name(self.other(worker)):
                return
        raise AssertionError("nginx does not alternate between the workers")


def landed(ws: ClientConnection) -> str:
    """The worker nginx handed the socket to (the last one it tried)."""
    assert ws.response is not None
    return str(ws.response.headers["X-Upstream"]).split(",")[-1].strip()


def first(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(ws.recv(timeout=RECV_TIMEOUT))
    return message


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"no {what} within {timeout:.0f} s"
        time.sleep(0.05)


def next_of_type(ws: ClientConnection, kind: str, where: Callable[[dict[str, Any]], bool] = lambda m: True) -> Any:
    deadline = time.monotonic() + RECV_TIMEOUT
    while True:
        message = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        if message["type"] == kind and where(message):
            return message


@pytest.fixture
def hall(request: pytest.FixtureRequest, site: Site, types: dict[str, BusinessType], tmp_path: Path) -> Iterator[Hall]:
    # As deploy/counter.env.example has it; a test may add settings (indirect parametrisation).
    env = {"COUNTER_TRUSTED_PROXIES": "127.0.0.1,::1", "LOG_LEVEL": "WARNING", **getattr(request, "param", {})}
    # nginx's static root holds one "collected" file; the rest falls through to the workers.
    static_root = tmp_path / "staticfiles"
    (static_root / "counter").mkdir(parents=True)
    shutil.copy(Path(settings.BASE_DIR) / "static" / "counter" / "live.js", static_root / "counter" / "live.js")
    static_root.chmod(0o755)
    tmp_path.chmod(0o755)
    with ExitStack() as stack:
        workers = []
        for _ in range(2):
            worker = Daphne(**env).start()
            stack.callback(lambda w=worker: (w.stop(), print(w.output())))  # pytest shows it on failure
            workers.append(worker)
        nginx = Nginx([w.port for w in workers], static_root).start()
        stack.callback(lambda: (print(nginx.output()), nginx.stop()))
        yield Hall(nginx=nginx, a=workers[0], b=workers[1])


def test_the_proxy_serves_the_api_static_files_and_both_workers(hall: Hall) -> None:
    with hall.http() as client:
        answered = {client.get("/api/v1/sites/hall/snapshot/").headers["X-Upstream"] for _ in range(4)}
        assert answered == {hall.name(hall.a), hall.name(hall.b)}
        live = client.get("/static/counter/live.js")
        assert live.status_code == 200 and "WebSocket" in live.text
        assert "X-Upstream" not in live.headers  # nginx itself served it
        assert live.headers["Cache-Control"] == "public, max-age=300"
        # A file nginx does not have falls through to the workers (WhiteNoise).
        fallback = client.get("/static/counter/api.js")
        assert fallback.status_code == 200
        assert fallback.headers["X-Upstream"] in (hall.name(hall.a), hall.name(hall.b))


def test_a_display_on_worker_a_hears_a_call_made_on_worker_b(hall: Hall, desk: Desk, issue: Any) -> None:
    issue("A")
    token = services.create_desk_token(desk=desk)
    with hall.socket_on(hall.a, "/ws/v1/sites/hall/display/") as tv, hall.http() as client:
        snapshot = first(tv)
        assert snapshot["type"] == "snapshot"
        hall.next_to(client, hall.b)
        response = client.post("/api/v1/sites/hall/desks/1/call-next/", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        assert response.headers["X-Upstream"] == hall.name(hall.b)
        call = next_of_type(tv, "call")
        assert (call["number"], call["desk"], call["version"]) == ("A001", "1", snapshot["version"] + 1)


def test_a_phone_on_worker_a_hears_its_call_made_on_worker_b(hall: Hall, desk: Desk) -> None:
    desk_token = services.create_desk_token(desk=desk)
    with hall.http() as client:
        issued = client.post("/api/v1/sites/hall/tickets/", json={"business_type": "B"})
        assert issued.status_code == 201
        ticket = issued.json()
        with hall.socket_on(hall.a, f"/ws/v1/tickets/{ticket['token']}/") as phone:
            assert first(phone)["ticket"]["number"] == ticket["number"] == "B001"
            hall.next_to(client, hall.b)
            response = client.post(
                "/api/v1/sites/hall/desks/1/call-next/", headers={"Authorization": f"Bearer {desk_token}"}
            )
            assert response.headers["X-Upstream"] == hall.name(hall.b)
            update = next_of_type(phone, "ticket", lambda m: m["ticket"]["status"] == "called")
            assert (update["ticket"]["number"], update["ticket"]["desk"]) == ("B001", "1")


def test_twenty_callers_on_both_workers_never_get_the_same_ticket(
    hall: Hall, site: Site, types: dict[str, BusinessType], issue: Any
) -> None:
    tickets = 200
    for i in range(tickets):
        issue("ABC"[i % 3])
    tokens = {n: services.create_desk_token(desk=make_desk(site, n, "ABC")) for n in range(1, 21)}
    start = threading.Barrier(len(tokens))

    def caller(number: int) -> tuple[list[str], Counter[str]]:
        called: list[str] = []
        upstreams: Counter[str] = Counter()
        with hall.http() as client:
            start.wait()
            for _ in range(tickets):
                response = client.post(
                    f"/api/v1/sites/hall/desks/{number}/call-next/",
                    headers={"Authorization": f"Bearer {tokens[number]}"},
                )
                assert response.status_code == 200, response.text
                upstreams[response.headers["X-Upstream"]] += 1
                if response.json()["ticket"] is None:
                    break
                called.append(response.json()["ticket"]["number"])
        return called, upstreams

    with ThreadPoolExecutor(len(tokens)) as pool:
        results = list(pool.map(caller, tokens))
    numbers = [n for called, _ in results for n in called]
    upstreams = sum((u for _, u in results), Counter[str]())
    assert len(numbers) == len(set(numbers)) == tickets
    assert set(upstreams) == {hall.name(hall.a), hall.name(hall.b)}
    assert min(upstreams.values()) > tickets / 4  # spread over both, not merely touching one
    calls = Counter(Event.objects.filter(site=site, kind=Event.Kind.TICKET_CALLED).values_list("ticket", flat=True))
    assert len(calls) == tickets and max(calls.values()) == 1
    assert not Ticket.objects.filter(site=site, status=Ticket.Status.WAITING).exists()


@pytest.mark.parametrize("hall", [{"COUNTER_KIOSK_RATE_LIMIT": "6"}], indirect=True)
def test_the_rate_limit_is_shared_by_the_workers_and_a_forged_forwarded_for_does_not_escape_it(
    hall: Hall, site: Site
) -> None:
    if time.time() % 60 > 50:  # the window is a clock minute: start well inside one
        time.sleep(61 - time.time() % 60)
    window = int(time.time() // 60)
    cache.delete_many([f"counter:kiosk-rate:127.0.0.1:{w}" for w in (window, window + 1)])  # earlier tests' counts
    statuses, upstreams = [], set()
    with hall.http() as client:
        for i in range(8):
            forged = {"X-Forwarded-For": f"203.0.113.{i}"}
            response = client.post("/api/v1/sites/hall/tickets/", json={"business_type": "A"}, headers=forged)
            statuses.append(response.status_code)
            upstreams.add(response.headers["X-Upstream"])
    assert statuses == [201] * 6 + [429] * 2
    assert upstreams == {hall.name(hall.a), hall.name(hall.b)}
    # nginx replaced the forged header with the real peer, which the workers believe (a trusted proxy).
    addresses = Event.objects.filter(site=site, kind=Event.Kind.TICKET_ISSUED).values_list("address", flat=True)
    assert set(addresses) == {"127.0.0.1"}


def test_killing_a_worker_moves_its_sockets_to_the_other_and_loses_no_ticket(
    hall: Hall, site: Site, desk: Desk, issue: Any
) -> None:
    waiting = issue("A")
    services.call_next(desk=desk, actor=services.Actor.system())
    phone_ticket = issue("C")
    display_path, phone_path = "/ws/v1/sites/hall/display/", f"/ws/v1/tickets/{phone_ticket.token}/"
    tv, phone = hall.socket_on(hall.a, display_path), hall.socket_on(hall.a, phone_path)
    assert first(tv)["type"] == first(phone)["type"] == "snapshot"

    # Kiosks keep issuing through nginx while worker a dies.
    answers: list[tuple[str, int, dict[str, Any]]] = []
    stop = threading.Event()

    def kiosk() -> None:
        with hall.http() as client:
            while not stop.is_set() and len(answers) < 400:
                key = str(uuid.uuid4())
                try:
                    r = client.post(
                        "/api/v1/sites/hall/tickets/", json={"business_type": "B"}, headers={"Idempotency-Key": key}
                    )
                    answers.append((key, r.status_code, r.json() if r.status_code == 201 else {}))
                except httpx.HTTPError:
                    answers.append((key, 0, {}))

    kiosks = [threading.Thread(target=kiosk) for _ in range(4)]
    for thread in kiosks:
        thread.start()
    # Kill a once tickets are coming in, and stop once b has answered a good many after it (conditions, not
    # time: under load a second may see no ticket at all).
    wait_for(lambda: sum(status == 201 for _, status, _ in answers) >= 10, "tickets before the kill")
    assert hall.a.process is not None
    hall.a.process.send_signal(signal.SIGKILL)
    hall.a.process.wait(timeout=10)
    killed_at = len(answers)
    wait_for(lambda: sum(status == 201 for _, status, _ in answers[killed_at:]) >= 10, "tickets after the kill")
    stop.set()
    for thread in kiosks:
        thread.join(timeout=30)

    # The dead worker's sockets are closed by nginx, as a screen would see it.
    for ws in (tv, phone):
        with pytest.raises(ConnectionClosed):
            while True:
                ws.recv(timeout=RECV_TIMEOUT)

    with hall.http() as client:
        # A kiosk retries what failed with the same Idempotency-Key and gets its ticket (now from b).
        for i, (key, status, _) in enumerate(answers):
            if status != 201:
                retry = client.post(
                    "/api/v1/sites/hall/tickets/", json={"business_type": "B"}, headers={"Idempotency-Key": key}
                )
                assert retry.status_code == 201, retry.text
                answers[i] = (key, 201, retry.json())
        issued = [body for _, _, body in answers]
        assert len(issued) >= 20
        # No ticket lost: every 201 is in the database, once per key and once per number.
        tokens = {body["token"] for body in issued}
        assert Ticket.objects.filter(token__in=tokens).count() == len(tokens) == len(issued)
        stored = Ticket.objects.filter(site=site, idempotency_key__isnull=False)
        assert sorted(stored.values_list("idempotency_key", flat=True)) == sorted(key for key, _, _ in answers)
        assert sorted(stored.values_list("number", flat=True)) == sorted(body["number"] for body in issued)

        # The screens reconnect through nginx, land on b and get the truth.
        with hall.socket(display_path) as tv_again, hall.socket(phone_path) as phone_again:
            assert landed(tv_again) == landed(phone_again) == hall.name(hall.b)
            display_snapshot, phone_snapshot = first(tv_again), first(phone_again)
            api = client.get("/api/v1/sites/hall/snapshot/").json()
            api_ticket = client.get(f"/api/v1/tickets/{phone_ticket.token}/").json()
    notice = {"display_message": "", "display_message_en": ""}
    assert display_snapshot == {"type": "snapshot", **api, **notice}
    assert display_snapshot["desks"][0]["ticket"] == waiting.number
    assert sum(w["waiting"] for w in display_snapshot["waiting"]) == 1 + len(issued)
    assert phone_snapshot == {"type": "snapshot", "ticket": api_ticket}
