"""Query plans of the hot paths on PostgreSQL, at a city's scale.

    python -m bench.plans --database-url postgres://postgres@127.0.0.1:5432/counter_plans

Drops and re-creates that database, migrates it, fills it with SQL
`generate_series` (not the ORM) — by default 200 sites × 90 days × 280
tickets (5.04 million tickets, one event each) — ANALYZEs, then runs the real
code of the hot paths against one site while capturing its SQL, and prints
EXPLAIN (ANALYZE, BUFFERS) of every statement that reads the ticket or event
tables: issuing a ticket, calling the next one (the waiting candidate in queue
order, FOR UPDATE SKIP LOCKED), the live broadcast each write sends, and the
display snapshot. Statements are explained inside a transaction that is rolled
back, so locking plans run for real without changing anything. See docs/deploy.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SITE_TZ = "Asia/Shanghai"
TYPES = "ABCDE"
DESKS = 8
BIG_TABLES = ("queueing_ticket", "queueing_event")


def progress(message: str) -> None:
    print(f"[plans] {message}", file=sys.stderr, flush=True)


def generate(url: str, *, sites: int, days: int, per_day: int) -> None:
    """Sites, business types, desks, tickets and events in plain SQL (explicit ids keep the joins out)."""
    import psycopg

    types, desks = len(TYPES), DESKS
    today = "(now() AT TIME ZONE 'Asia/Shanghai')::date"
    statements = [
        # Bulk load: no per-row foreign-key triggers (the ids below are consistent by construction).
        "SET session_replication_role = replica",
        f"""INSERT INTO queueing_site (id, slug, name, name_en, time_zone, always_open, recall_limit, version,
                current_day, display_message, display_message_en, notice_validity_days)
            SELECT s, 'site-' || s, '派出所 ' || s, 'Station ' || s, '{SITE_TZ}', true, 3, 1000000,
                   {today}, '', '', 90
            FROM generate_series(1, {sites}) s""",
        f"""INSERT INTO queueing_businesstype (id, site_id, prefix, name, name_en, active, position, daily_cap,
                avg_handling_minutes)
            SELECT (s - 1) * {types} + t, s, substr('{TYPES}', t, 1), '业务 ' || t, 'Business ' || t, true, t - 1,
                   NULL, 10
            FROM generate_series(1, {sites}) s, generate_series(1, {types}) t""",
        f"""INSERT INTO queueing_desk (id, site_id, number, name, state, officer_id)
            SELECT (s - 1) * {desks} + n, s, n, n || '号窗口', 'open', NULL
            FROM generate_series(1, {sites}) s, generate_series(1, {desks}) n""",
        f"""INSERT INTO queueing_deskbusinesstype (desk_id, business_type_id, position)
            SELECT (s - 1) * {desks} + n, (s - 1) * {types} + t, t - 1
            FROM generate_series(1, {sites}) s, generate_series(1, {desks}) n, generate_series(1, {types}) t""",
    ]
    # Tickets, one service day at a time. Past days: done (90 %), no-show, cancelled, expired.
    # Today (day 0): the first 55 % done, one being served per desk, the rest waiting.
    done_today = int(per_day * 0.55)
    ticket_sql = f"""
        INSERT INTO queueing_ticket (site_id, business_type_id, issued_business_type_id, service_day, sequence,
            number, status, priority, priority_source, priority_kind, transferred, recalls, token,
            idempotency_key, issued_at, queued_at, called_at, started_at, finished_at, desk_id, officer_id,
            checklist_version_id)
        SELECT site, bt, bt, day, seq, substr('{TYPES}', t + 1, 1) || lpad(seq::text, 3, '0'), status,
               i % 50 = 0, CASE WHEN i % 50 = 0 THEN 'self_declared' ELSE '' END, '', false, 0,
               md5(site || '-' || day || '-' || i), md5('key-' || site || '-' || day || '-' || i),
               at, at, called, called + interval '1 minute',
               CASE WHEN status IN ('done', 'no_show') THEN called + interval '9 minutes'
                    WHEN status IN ('cancelled', 'expired') THEN at + interval '30 minutes' END,
               CASE WHEN called IS NULL THEN NULL ELSE (site - 1) * {desks} + i % {desks} + 1 END, NULL, NULL
        FROM (
            SELECT s AS site, i, t, (s - 1) * {types} + t + 1 AS bt, i / {types} + 1 AS seq, d.day,
                   (d.day + time '08:30' + i * interval '110 seconds') AT TIME ZONE '{SITE_TZ}' AS at,
                   CASE WHEN d.back > 0 THEN
                            CASE WHEN i % 50 = 7 THEN 'no_show' WHEN i % 50 = 13 THEN 'cancelled'
                                 WHEN i % 50 = 29 THEN 'expired' ELSE 'done' END
                        WHEN i < {done_today} THEN 'done'
                        WHEN i < {done_today + desks} THEN 'serving'
                        ELSE 'waiting' END AS status,
                   CASE WHEN (d.back > 0 AND i % 50 NOT IN (13, 29)) OR (d.back = 0 AND i < {done_today + desks})
                        THEN (d.day + time '08:30' + i * interval '110 seconds' + interval '20 minutes')
                             AT TIME ZONE '{SITE_TZ}' END AS called
            FROM generate_series(1, {sites}) s, generate_series(0, {per_day} - 1) i,
                 (SELECT {today} - %(back)s AS day, %(back)s AS back) d,
                 LATERAL (SELECT i % {types} AS t) tt
        ) g"""
    # One event per ticket: its call (or its issue, if it was never called). Real halls write 4-5.
    event_sql = """
        INSERT INTO queueing_event (site_id, ticket_id, desk_id, kind, actor_kind, reason_text, note, data,
            address, version, created_at, device_id, user_id, reason_id)
        SELECT site_id, id, desk_id, CASE WHEN called_at IS NULL THEN 'ticket.issued' ELSE 'ticket.called' END,
               CASE WHEN called_at IS NULL THEN 'kiosk' ELSE 'device' END, '', '', '{}', NULL, id,
               coalesce(called_at, issued_at), NULL, NULL, NULL
        FROM queueing_ticket WHERE service_day = (now() AT TIME ZONE 'Asia/Shanghai')::date - %(back)s"""
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]
        started = time.monotonic()
        for back in range(days - 1, -1, -1):
            # (the day offset is an int of ours, formatted in: `%` is SQL's modulo here)
            conn.execute(ticket_sql.replace("%(back)s", str(back)))  # type: ignore[arg-type]
            conn.execute(event_sql.replace("%(back)s", str(back)))  # type: ignore[arg-type]
            if back % 10 == 0:
                progress(f"  {days - back}/{days} days of tickets and events ({time.monotonic() - started:.0f} s)")
        for table in ("queueing_site", "queueing_businesstype", "queueing_desk", "queueing_deskbusinesstype"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # type: ignore[arg-type]
            )
        conn.execute("SET session_replication_role = DEFAULT")
        progress("ANALYZE ...")
        conn.execute("VACUUM ANALYZE")


# --- Capturing the real SQL ------------------------------------------------------------------------


@contextlib.contextmanager
def captured(label: str, into: list[tuple[str, str]]) -> Iterator[None]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        yield
    into.extend((label, q["sql"]) for q in queries.captured_queries)


def run_hot_paths(site_slug: str) -> list[tuple[str, str]]:
    """Issue, call next, their broadcasts and the snapshot, by the code the API runs; their SQL."""
    from django.utils import timezone

    from queueing import broadcast, selectors, services
    from queueing.models import Desk, Event, Site
    from queueing.schemas import snapshot_out

    sent: list[Any] = []
    broadcast.send_all = sent.extend  # build every message, send none (no channel layer needed)
    site = Site.objects.get(slug=site_slug)
    desk = Desk.objects.get(site=site, number=3)
    out: list[tuple[str, str]] = []
    with captured("issue", out):
        issued = services.issue_ticket(
            site=site, prefix="C", actor=services.Actor(kind="kiosk", address="10.0.0.9"), idempotency_key="plan-1"
        )
    events = list(Event.objects.filter(ticket=issued.ticket).select_related("site", "ticket", "desk"))
    with captured("issue: broadcast", out):
        broadcast._publish([broadcast.Write(site.pk, site.version, tuple(events))])
    with captured("ticket status (phone)", out):
        selectors.ahead_of(issued.ticket)
    with captured("call next", out):
        services.call_next(desk=desk, actor=services.Actor(kind="device"))
    # The call and the finish.
    last = list(Event.objects.filter(site=site).select_related("site", "ticket", "desk").order_by("-pk")[:2])
    with captured("call next: broadcast", out):
        broadcast._publish([broadcast.Write(site.pk, site.version, tuple(last))])
    with captured("snapshot", out):
        snapshot_out(Site.objects.get(pk=site.pk), timezone.now()).model_dump()
    return out


def explain(sql: str) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of one statement, in a transaction rolled back afterwards."""
    from django.db import connection, transaction

    lines: list[str] = []
    with contextlib.suppress(_Rollback), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            lines = [row[0] for row in cursor.fetchall()]
        raise _Rollback
    return lines


class _Rollback(Exception):
    pass


def shorten(sql: str, width: int = 400) -> str:
    sql = re.sub(r'"queueing_(\w+)"\."(\w+)"', r"\1.\2", sql)
    sql = re.sub(r"SELECT .*? FROM", "SELECT … FROM", sql, count=1)
    return sql if len(sql) <= width else sql[: width - 1] + "…"


def summary(plan: list[str]) -> str:
    text = " ".join(plan)
    indexes = sorted(set(re.findall(r"(?:Index|Index Only|Bitmap Index) Scan (?:Backward )?(?:using|on) (\w+)", text)))
    seq = sorted(set(re.findall(r"Seq Scan on (\w+)", " ".join(plan))))
    time_ms = next((m.group(1) for line in plan if (m := re.search(r"Execution Time: ([\d.]+) ms", line))), "?")
    parts = [f"indexes: {', '.join(indexes) or '-'}"]
    if seq:
        parts.append(f"SEQ SCAN: {', '.join(seq)}")
    parts.append(f"execution {time_ms} ms")
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", required=True, help="PostgreSQL URL of a scratch database (re-created)")
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--per-day", type=int, default=280, help="tickets per site and day (default 280)")
    parser.add_argument("--site", default="site-117", help="the site whose hot paths are explained")
    parser.add_argument("--reuse", action="store_true", help="keep the filled database of an earlier run")
    parser.add_argument("--all", action="store_true", help="explain every statement, not only the big tables'")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "counter.settings")
    if not args.reuse:
        from bench.load import postgres_database

        postgres_database(args.database_url)  # drops and re-creates it
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if not args.reuse:
        progress("migrating ...")
        call_command("migrate", verbosity=0)
        started = time.monotonic()
        progress(f"generating {args.sites} sites x {args.days} days x {args.per_day} tickets ...")
        generate(args.database_url, sites=args.sites, days=args.days, per_day=args.per_day)
        progress(f"generated and analysed in {time.monotonic() - started:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(",")[0]
        cursor.execute("SELECT count(*) FROM queueing_ticket")
        tickets = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM queueing_event")
        events = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    print(f"{version}; {tickets:,} tickets, {events:,} events, database {size}; explaining {args.site}")
    done: set[str] = set()
    for label, sql in run_hot_paths(args.site):
        if not sql.lstrip().upper().startswith(("SELECT", "UPDATE")):
            continue
        if not args.all and not any(f'"{t}"' in sql for t in BIG_TABLES):
            continue
        shape = re.sub(r"'[^']*'|\b\d+\b", "?", sql)
        if shape in done:
            continue
        done.add(shape)
        plan = explain(sql)
        print()
        print(f"== {label}: {shorten(sql)}")
        print(f"   -> {summary(plan)}")
        for line in plan:
            print("   " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
