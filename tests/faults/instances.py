"""Private, disposable servers for fault tests: PostgreSQL, Redis and daphne on free loopback ports.

The machine's own PostgreSQL (5432) and Redis (6379) serve every other test,
so a test that stops a database starts one of its own, and kills only that.
Each helper stops what it started, by process id, even when the test fails.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from tests.conftest import FAST_HASHER
from tests.servers import BASE_DIR, child_env, free_port

PASSWORD = "pw-Faults-123"


def wait_for_port(port: int, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited early ({process.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


def postgres_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def require_private_postgres() -> None:
    """Skip (or, with COUNTER_REQUIRE_SERVICES=postgres, fail) where no private instance can be started."""
    if postgres_bin("initdb") is None or postgres_bin("postgres") is None:
        pytest.skip("needs postgres: no initdb/postgres binaries for a private instance")
    if os.geteuid() != 0:
        pytest.skip("needs postgres: a private instance is started as the postgres user, which needs root")


def require_private_redis() -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis: no redis-server binary for a private instance")


class PrivatePostgres:
    """A throw-away cluster in a temporary folder, owned and run by the postgres user."""

    def __init__(self) -> None:
        require_private_postgres()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="counter-pg-"))
        shutil.chown(self.dir, user="postgres")
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.process: subprocess.Popen[bytes] | None = None
        subprocess.run(
            [postgres_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"],
            user="postgres",
            check=True,
            capture_output=True,
            timeout=120,
        )
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/counter"

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [
                    postgres_bin("postgres"),
                    "-D",
                    str(self.data),
                    "-p",
                    str(self.port),
                    "-k",
                    str(self.dir),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "fsync=off",
                    "-c",
                    "max_connections=60",
                ],  # fmt: skip
                user="postgres",
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port, 30, self.process)
        deadline = time.monotonic() + 30
        while self.psql("SELECT 1", db="postgres", check=False).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError("the private PostgreSQL does not answer")
            time.sleep(0.2)

    def psql(self, sql: str, *, db: str = "counter", check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                postgres_bin("psql") or "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                db,
                "-tA",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ],  # fmt: skip
            check=check,
            capture_output=True,
            text=True,
            timeout=30,
        )

    def stop(self, sig: signal.Signals = signal.SIGINT) -> None:
        """SIGINT is PostgreSQL's fast shutdown: sessions are cut, as in a restart by the operator."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def destroy(self) -> None:
        self.stop(signal.SIGQUIT)
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    pg = PrivatePostgres()
    try:
        pg.start()
        pg.psql("CREATE DATABASE counter", db="postgres")
        yield pg
    finally:
        pg.destroy()


class PrivateRedis:
    def __init__(self) -> None:
        require_private_redis()
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, 15, self.process)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    redis = PrivateRedis()
    try:
        redis.start()
        yield redis
    finally:
        redis.stop()


def manage(database_url: str, *args: str, timeout: float = 180) -> str:
    env = child_env(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="counter.settings")
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def prepare_hall(database_url: str) -> str:
    """Migrate a fresh database, seed the demo hall, and return a device token of desk 1."""
    manage(database_url, "migrate", "--noinput", "-v0")
    manage(database_url, "seed_demo", "--password", PASSWORD)
    return manage(database_url, "desk_token", "demo", "1").strip().splitlines()[-1]


class Server:
    """One daphne worker on a fixed port that a test may kill and start again."""

    def __init__(self, database_url: str, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.log_path = Path(tempfile.mkstemp(prefix="daphne-fault-", suffix=".log")[1])
        self.env = child_env(
            **{
                "DJANGO_SETTINGS_MODULE": "counter.settings",
                "DATABASE_URL": database_url,
                "DEBUG": "0",
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "PASSWORD_HASHERS": FAST_HASHER,
                "COUNTER_KIOSK_RATE_LIMIT": "100000",
                "LOG_LEVEL": "INFO",
                **env,
            }
        )
        if "REDIS_URL" not in env:
            self.env.pop("REDIS_URL", None)
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, timeout: float = 45) -> Server:
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"\n=== start {self.starts} ===\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "counter.asgi:application"],
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for_port(self.port, timeout, self.process)
        except RuntimeError:
            self.stop()
            raise RuntimeError(f"daphne did not start:\n{self.output()}") from None
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, as when the machine loses power or the OOM killer strikes."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self) -> str:
        return self.full_output()[-8000:]

    def full_output(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def server(database_url: str, **env: str) -> Iterator[Server]:
    worker = Server(database_url, **env).start()
    try:
        yield worker
    finally:
        worker.stop()
        print(worker.output())  # pytest shows it when the test fails


# --- Clients -------------------------------------------------------------------------


class LiveSocket:
    """A screen's socket with what live.js does: reconnect with backoff, resync on a gap."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.socket: ClientConnection | None = None
        self.snapshot: dict[str, Any] | None = None
        self.version = -1
        self.reconnects = 0

    def connect(self, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        delay = 0.1
        while True:
            try:
                self.socket = connect(self.url, origin="http://127.0.0.1", open_timeout=5, close_timeout=1, legacy=True)
                self.take(json.loads(self.socket.recv(timeout=10)))
                assert self.snapshot is not None
                return self.snapshot
            except Exception as exc:  # refused, reset, handshake cut: try again
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the display did not come back: {exc!r}") from exc
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
                self.reconnects += 1

    def take(self, message: dict[str, Any]) -> None:
        if message["type"] == "snapshot":
            self.snapshot, self.version = message, message.get("version", -1)
        elif "version" in message:
            if message["version"] > self.version + 1 and self.socket is not None:
                self.socket.send(json.dumps({"type": "snapshot.request"}))  # a gap: ask for the truth
            self.version = max(self.version, message["version"])

    def pump(self, seconds: float) -> list[dict[str, Any]]:
        """Read what arrives for a while; reconnect if the server went away."""
        received = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                assert self.socket is not None
                message = json.loads(self.socket.recv(timeout=left))
                received.append(message)
                # A gap in frames still buffered from a dead server is answered on its socket, and
                # that send fails (broken pipe) as a read would: the same reconnect follows.
                self.take(message)
            except TimeoutError:
                break
            except Exception:  # closed by a dying server: what live.js does
                self.reconnects += 1
                self.connect()
                continue
        return received

    def until_reconnected(self, timeout: float = 30) -> None:
        """Read what the old socket still holds until it turns out closed, then reconnect (live.js)."""
        deadline = time.monotonic() + timeout
        before = self.reconnects
        while self.reconnects == before:
            if time.monotonic() > deadline:
                raise TimeoutError("the socket never noticed that its server died")
            self.pump(1.0)

    def resync(self, timeout: float = 10) -> dict[str, Any]:
        assert self.socket is not None
        self.socket.send(json.dumps({"type": "snapshot.request"}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = json.loads(self.socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            self.take(message)
            if message["type"] == "snapshot":
                return message
        raise TimeoutError("no snapshot")

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close()


def display(ws_url: str, site: str = "demo") -> LiveSocket:
    return LiveSocket(f"{ws_url}/ws/v1/sites/{site}/display/")


def phone(ws_url: str, token: str) -> LiveSocket:
    return LiveSocket(f"{ws_url}/ws/v1/tickets/{token}/")


def api_snapshot(url: str, site: str = "demo") -> dict[str, Any]:
    response = httpx.get(f"{url}/api/v1/sites/{site}/snapshot/", timeout=10)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def without_notice(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in snapshot.items() if k not in {"type", "display_message", "display_message_en"}}


# --- Reading the database behind the server's back ------------------------------------


def tickets_in(database_url: str, pg: PrivatePostgres | None = None) -> list[dict[str, Any]]:
    query = (
        "SELECT t.number, t.token, t.idempotency_key, t.service_day, t.status, b.prefix "
        "FROM queueing_ticket t JOIN queueing_businesstype b ON b.id = t.business_type_id ORDER BY t.id"
    )
    columns = ["number", "token", "idempotency_key", "service_day", "status", "prefix"]
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            rows = db.execute(query).fetchall()
        return [dict(zip(columns, map(str, row), strict=True)) for row in rows]
    assert pg is not None
    out = pg.psql(f"SELECT json_agg(x) FROM ({query}) x").stdout.strip()
    return [{k: str(v) for k, v in row.items()} for row in json.loads(out or "null") or []]
