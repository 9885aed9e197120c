"""Real daphne processes on loopback ports, sharing the test database."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from tests.conftest import FAST_HASHER

BASE_DIR = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url() -> str:
    """The URL of the database the tests are using right now (the test database)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    if connection.vendor == "postgresql":
        auth = quote(db["USER"] or "")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"])
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    raise NotImplementedError(connection.vendor)


def child_env(**env: str) -> dict[str, str]:
    """The environment of a process a test starts: this one's, with the Redis URL this process uses.

    Under pytest-xdist the settings move REDIS_URL to the worker's own database; the child gets the
    moved URL, and not the worker's name, which would move it again.
    """
    child = {name: value for name, value in os.environ.items() if name != "PYTEST_XDIST_WORKER"}
    if settings.REDIS_URL:
        child["REDIS_URL"] = settings.REDIS_URL
    return {**child, **env}


class Daphne:
    """One daphne worker serving counter.asgi on a free port, or `workers` sharing it (counter.serve)."""

    def __init__(self, workers: int = 1, **env: str) -> None:
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="daphne-", suffix=".log", delete=False)  # noqa: SIM115
        self.env = child_env(
            **{
                "DJANGO_SETTINGS_MODULE": "counter.settings",
                "DATABASE_URL": database_url(),
                "DEBUG": "0",
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "PASSWORD_HASHERS": FAST_HASHER,
                "COUNTER_KIOSK_RATE_LIMIT": "100000",
                **env,
            }
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> Daphne:
        if self.workers > 1:
            command = ["counter.serve", "--workers", str(self.workers), "-b", "127.0.0.1", "-p", str(self.port)]
        else:
            command = ["daphne", "-b", "127.0.0.1", "-p", str(self.port), "counter.asgi:application"]
        self.process = subprocess.Popen(
            [sys.executable, "-m", *command],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited early:\n{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"daphne did not start within {timeout}s:\n{self.output()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                for pid in self.worker_pids().values():  # counter.serve's workers outlive a killed parent
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)

    def worker_pids(self) -> dict[int, int]:
        """counter.serve's workers as its log names them: worker number -> its latest pid."""
        return {int(n): int(pid) for n, pid in re.findall(r"worker (\d+) is pid (\d+)", self.output(100_000))}

    def output(self, last: int = 5000) -> str:
        return Path(self.log.name).read_text(errors="replace")[-last:]
