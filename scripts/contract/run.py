"""Run schemathesis (every check) against a fresh demo hall served by daphne.

    python scripts/contract/run.py [extra schemathesis options]

A throwaway SQLite database gets the demo hall, then the identifiers the checks
need to reach real objects: desk 1's device token, a waiting ticket, a notice
code, a rating handle, a supervisor's session. 40 examples per operation and
phase, seed 7: the same requests on every run.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

PREPARE = """
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from notices import services as notices
from queueing import services
from queueing.models import Desk, Site
from supervision.broadcast import rating_handle

site = Site.objects.get(slug="demo")
desk = Desk.objects.get(site=site, number=2)
officer = services.Actor(kind="officer", user=desk.officer)
kiosk = services.Actor(kind="kiosk")
served = services.issue_ticket(site=site, prefix="B", actor=kiosk).ticket
services.call_next(desk=desk, actor=officer)
services.start(desk=desk, actor=officer)
services.complete(desk=desk, actor=officer)
served.refresh_from_db()
services.issue_ticket(site=site, prefix="B", actor=kiosk)
services.call_next(desk=desk, actor=officer)
item = desk.business_types.get(prefix="B").checklist_versions.filter(status="published").first().items.first()
notice = notices.issue_notice(desk=desk, actor=officer, item_ids=[item.pk])
waiting = services.issue_ticket(site=site, prefix="A", actor=kiosk).ticket
session = SessionStore()
supervisor = get_user_model().objects.get(username="supervisor")
session["_auth_user_id"] = str(supervisor.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = supervisor.get_session_auth_hash()
session.create()
print(waiting.token, notice.code, rating_handle(served), session.session_key)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


def main(extra: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="counter-contract-") as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "counter.settings",
            "DATABASE_URL": f"sqlite:///{tmp}/contract.sqlite3",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "COUNTER_KIOSK_RATE_LIMIT": "100000",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("REDIS_URL", None)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed_demo", "--password", "contract-Check-123")
        desk_token = manage(env, "desk_token", "demo", "1").strip().splitlines()[-1]
        ticket, notice, handle, session = manage(env, "shell", "-c", PREPARE).split()[-4:]
        port = free_port()
        log = Path(tmp) / "daphne.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "counter.asgi:application"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        print(log.read_text(), file=sys.stderr)
                        return 1
                    time.sleep(0.2)
            checks = {
                **env,
                "CONTRACT_DESK_TOKEN": desk_token,
                "CONTRACT_TICKET": ticket,
                "CONTRACT_NOTICE": notice,
                "CONTRACT_HANDLE": handle,
                "CONTRACT_SESSION": session,
            }
            command = [
                str(Path(sys.executable).with_name("schemathesis")),
                "--config-file",
                str(HERE / "schemathesis.toml"),
                "run",
                f"http://127.0.0.1:{port}/api/v1/openapi.json",
                "--checks",
                "all",
                "--max-examples",
                "40",
                "--seed",
                "7",
                "--workers",
                "1",
                *extra,
            ]
            status = subprocess.run(command, cwd=tmp, env=checks).returncode
            if status != 0:
                print(log.read_text()[-5000:], file=sys.stderr)
            return status
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
