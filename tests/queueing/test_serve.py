"""Several daphne workers on one port (counter.serve), and SQLite writers across processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.db import connection
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from counter import serve
from queueing import services
from queueing.models import Desk, Ticket
from tests.servers import BASE_DIR, Daphne, child_env, database_url

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="needs redis: workers share live updates through it")


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


@pytest.fixture
def workers(site: Any) -> Iterator[Daphne]:
    server = Daphne(workers=2).start()
    try:
        wait_for(lambda: listening(server) == 2, "both workers listening")
        yield server
    finally:
        server.stop()
        print(server.output())  # pytest shows it when the test fails


def listening(server: Daphne) -> int:
    """How many daphne workers have started to accept (each says so once)."""
    return server.output(100_000).count("Listening on TCP address")


def display(server: Daphne, stack: ExitStack) -> ClientConnection:
    url = server.url.replace("http://", "ws://") + "/ws/v1/sites/hall/display/"
    socket: ClientConnection = stack.enter_context(connect(url, origin=Origin("http://127.0.0.1"), open_timeout=10))
    assert json.loads(socket.recv(timeout=10))["type"] == "snapshot"
    return socket


def holder(server: Daphne, client: ClientConnection) -> int | None:
    """The pid of the worker holding the server side of a client's connection (from /proc)."""
    client_port = client.socket.getsockname()[1]
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state = fields[1], fields[2], fields[3]
        if (
            state == "01"
            and int(local.split(":")[1], 16) == server.port
            and int(remote.split(":")[1], 16) == client_port
        ):
            inode = fields[9]
    for pid in server.worker_pids().values():
        fds = Path(f"/proc/{pid}/fd")
        for fd in fds.iterdir() if fds.exists() else []:
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


def test_more_than_one_worker_needs_redis(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert serve.main(["--workers", "2", "-p", "0"]) == 2
    assert "needs REDIS_URL" in capsys.readouterr().err
    assert serve.main(["--workers", "0"]) == 2


@needs_redis
def test_workers_share_the_port_and_every_display_hears_every_call(
    workers: Daphne, desk: Desk, issue: Callable[..., Ticket]
) -> None:
    pids = set(workers.worker_pids().values())
    sockets: list[ClientConnection] = []
    held: dict[int, int] = {}
    with ExitStack() as stack:
        # Screens connect one by one until each worker holds some: the kernel hands each
        # connection to whichever worker accepts first.
        while len(held) < 2:
            assert len(sockets) < 100, f"100 connections, all to one worker: {held}"
            sockets.append(display(workers, stack))
            pid = wait_for(lambda: holder(workers, sockets[-1]), "the socket's worker found in /proc")
            assert pid in pids
            held[pid] = held.get(pid, 0) + 1
        numbers = [issue("A").number for _ in range(4)]
        token = services.create_desk_token(desk=desk)
        for number in numbers:
            # A new connection each time, so the calls too go to either worker.
            response = httpx.post(
                f"{workers.url}/api/v1/sites/hall/desks/1/call-next/", headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 200 and response.json()["ticket"]["number"] == number
        for socket in sockets:
            heard: list[str] = []
            while len(heard) < len(numbers):
                message = json.loads(socket.recv(timeout=10))
                if message["type"] == "call":
                    heard.append(message["number"])
            assert heard == numbers


@needs_redis
def test_a_killed_worker_is_started_again_and_the_port_answers_meanwhile(workers: Daphne) -> None:
    before = workers.worker_pids()
    os.kill(before[1], signal.SIGKILL)
    answers = []

    def replaced() -> bool:
        answers.append(httpx.get(f"{workers.url}/api/v1/sites/hall/business-types/", timeout=10).status_code)
        return workers.worker_pids()[1] != before[1]

    wait_for(replaced, "worker 1 started again")
    wait_for(lambda: listening(workers) == 3, "the new worker listening")
    assert "worker 1 (pid" in workers.output() and "starting it again" in workers.output()
    assert set(answers) == {200}
    # The new worker serves: every answer stays 200 until it holds a connection too.
    new = workers.worker_pids()[1]
    sockets: list[ClientConnection] = []
    with ExitStack() as stack:
        while new not in {holder(workers, s) for s in sockets}:
            assert len(sockets) < 100, "the restarted worker never accepted a connection"
            sockets.append(display(workers, stack))
            wait_for(lambda: holder(workers, sockets[-1]), "the socket's worker found in /proc")
    assert workers.process is not None
    workers.process.send_signal(signal.SIGTERM)
    assert workers.process.wait(timeout=20) == 0
    for pid in workers.worker_pids().values():
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's writers only")
def test_sqlite_writers_of_other_processes_wait_on_the_file_lock(site: Any, types: Any) -> None:
    """A process that writes waits, in the kernel, while another holds the writer lock, then goes on."""
    code = (
        "import django; django.setup()\n"
        "from queueing import services\n"
        "from queueing.models import Site\n"
        "print(services.issue_ticket(site=Site.objects.get(slug='hall'), prefix='A', "
        "actor=services.Actor(kind='kiosk')).ticket.number)\n"
    )
    env = child_env(DJANGO_SETTINGS_MODULE="counter.settings", DATABASE_URL=database_url())
    with services._sqlite_writer.held():
        child = subprocess.Popen(
            [sys.executable, "-c", code], cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:
            # The child is queued on the lock: /proc/locks lists it as a waiter ("->") of our flock.
            wait_for(lambda: f" {child.pid} " in waiting_flocks(), "the child waiting on the writer lock")
            assert child.poll() is None and not Ticket.objects.exists()
        except BaseException:
            child.kill()
            raise
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err.decode()
    assert out.decode().split() == ["A001"]
    assert Path(f"{connection.settings_dict['NAME']}.writer-lock").exists()


def waiting_flocks() -> str:
    return "\n".join(line for line in Path("/proc/locks").read_text().splitlines() if "->" in line and "FLOCK" in line)
