"""What building one write's live messages costs the server, with N tickets waiting and their phones open.

Run from the project root with the virtualenv active:

    python -m bench.messages                                      # SQLite file in a temp dir, 1,000 waiting
    python -m bench.messages --waiting 1000 --phones 1000 --database-url postgres://postgres@127.0.0.1:5432/bench_m

It migrates a fresh database, seeds the demo site, opens desk 5 (every business type), issues `--waiting`
tickets spread over A–E and counts a phone socket open for `--phones` of them (in this process's cache,
as the phone consumer does). Then, for each kind of write (a plain issue, a priority issue, a call-next
that moves a queue), it runs the write `--repeat` times and, each time, builds that write's messages
exactly as the server's broadcast thread does (`broadcast._publish`, including the JSON text of every
message) with a channel layer that drops them: CPU time of the build (p50, max), its SQL statements and
its messages. Target: ≤ 2 ms of CPU per write, whatever the number of phones.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import PASSWORD, PREFIXES, manage, postgres_database, sqlite_database  # noqa: E402

TARGET_MS = 2.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL of a scratch database (dropped and re-created)")
    parser.add_argument("--waiting", type=int, default=1000, help="waiting tickets (default 1000)")
    parser.add_argument("--phones", type=int, default=None, help="of which with a phone open (default: all)")
    parser.add_argument("--repeat", type=int, default=30, help="writes measured per kind (default 30)")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions of each kind")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    phones_open = args.waiting if args.phones is None else args.phones
    tmp = Path(tempfile.mkdtemp(prefix="counter-messages-"))
    db = postgres_database(args.database_url) if args.database_url else sqlite_database(tmp)
    env = {**os.environ, "DATABASE_URL": db.url, "DEBUG": "0"}
    env.pop("REDIS_URL", None)
    env.setdefault("DJANGO_SETTINGS_MODULE", "counter.settings")
    manage(env, "migrate", "-v0")
    manage(env, "seed_demo", "--password", PASSWORD)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "DEBUG", "DJANGO_SETTINGS_MODULE")})
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    try:
        rows = run(waiting=args.waiting, phones_open=phones_open, repeat=args.repeat, profile=args.profile)
    finally:
        if db.drop is not None:
            from django.db import connections

            connections.close_all()
            db.drop()
    print(f"database     {db.detail}")
    print(f"waiting      {args.waiting} tickets over {PREFIXES}, phones open for {phones_open} of them")
    print(f"{'write':<16}{'CPU p50 ms':>12}{'CPU max ms':>12}{'SQL':>6}{'messages':>10}   target <= {TARGET_MS} ms")
    for name, cpu, queries, messages in rows:
        p50 = statistics.median(cpu) * 1000
        ok = "PASS" if p50 <= TARGET_MS else "FAIL"
        print(f"{name:<16}{p50:>12.2f}{max(cpu) * 1000:>12.2f}{queries:>6}{messages:>10}   {ok}")
    return 0


def run(
    *, waiting: int, phones_open: int, repeat: int, profile: bool = False
) -> list[tuple[str, list[float], int, int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from queueing import broadcast, phones, services
    from queueing.models import BusinessType, Desk, DeskBusinessType, Site

    site = Site.objects.get(slug="demo")
    desk, _ = Desk.objects.get_or_create(site=site, number=5, defaults={"name": "5号窗口"})
    for position, bt in enumerate(BusinessType.objects.filter(site=site).order_by("position")):
        DeskBusinessType.objects.get_or_create(desk=desk, business_type=bt, defaults={"position": position})
    services.open_desk(desk=desk, actor=services.Actor.system())

    writes: list[broadcast.Write] = []

    def capture(*, site_id: int, version: int, events: list[Any], desk_states: Any = None) -> None:
        # A desk state the write built already (call-next's) is used as the broadcast thread would use it.
        writes.append(broadcast.Write(site_id, version, tuple(events), desk_states or {}))

    sent: list[int] = []

    def drop(outbox: list[tuple[str, dict[str, Any]]]) -> None:
        # What send_all does before the layer: every message's text, encoded once.
        sent.append(len([broadcast.layer_message(payload) for _group, payload in outbox]))

    broadcast.publish = capture  # type: ignore[assignment]
    broadcast.send_all = drop  # type: ignore[assignment]
    kiosk = services.Actor(kind="kiosk")
    for i in range(waiting):
        ticket = services.issue_ticket(site=site, prefix=PREFIXES[i % len(PREFIXES)], actor=kiosk).ticket
        if i < phones_open:
            phones.opened(ticket.token)
    device = services.Actor(kind="device")
    kinds = {
        "issue": lambda i: services.issue_ticket(site=site, prefix=PREFIXES[i % len(PREFIXES)], actor=kiosk),
        "issue priority": lambda i: services.issue_ticket(
            site=site, prefix=PREFIXES[i % len(PREFIXES)], actor=kiosk, priority=True
        ),
        "call-next": lambda i: services.call_next(desk=desk, actor=device),
    }
    rows = []
    for name, write in kinds.items():
        cpu: list[float] = []
        queries = messages = 0
        for i in range(repeat):
            writes.clear()
            sent.clear()
            write(i)
            start = time.thread_time()
            broadcast._publish(writes)
            cpu.append(time.thread_time() - start)
            messages = sum(sent)
        with CaptureQueriesContext(connection) as captured:  # again, counted (not timed: it slows the cursor)
            broadcast._publish(writes)
        queries = len(captured)
        if profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(broadcast._publish, writes)
            print(f"--- {name}")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        rows.append((name, cpu, queries, messages))
    return rows


if __name__ == "__main__":
    sys.exit(main())
