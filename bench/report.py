"""Supervision report benchmark: a year of tickets, then the month report's rendering time.

Run from the project root with the virtualenv active:

    python bench/report.py                       # 100,000 tickets in a fresh SQLite file in a temp dir
    python bench/report.py --tickets 20000 --runs 3 --keep
    python bench/report.py --database /tmp/counter-report-bench-…/report.sqlite3   # measure a kept one again

It migrates a fresh database, generates `--tickets` tickets over the year up to
today for one site (five business types, six desks with their officers; most
served, some no-shows, cancellations and expiries; ratings for about half the
served visits with a few bad ones and their cases; out-of-order calls, requeues,
transfers and pauses in the audit trail) straight with `bulk_create`, then
renders `/supervision/<site>/` for the last full month through Django's test
client as a signed-in superuser (the whole view: every query, the template, the
SVG charts) `--runs` times, and prints each time, the median against the target
(< 1 s) and the month's headline figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
import zoneinfo
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = "bench"
TARGET_SECONDS = 1.0
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
TYPES = [
    ("A", "户口迁移", 18.0, 3),
    ("B", "居民身份证", 8.0, 5),
    ("C", "出生登记", 12.0, 2),
    ("D", "居住证", 10.0, 2),
    ("E", "户籍证明", 6.0, 2),
]
DESKS = {1: "ABCDE", 2: "AB", 3: "BC", 4: "BD", 5: "DE", 6: "AE"}
BATCH = 5000


def setup(database: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "counter.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(total: int, seed: int) -> tuple[int, dt.date]:
    """Tickets over the 365 days up to yesterday (Sundays closed); returns (site id, last day)."""
    from django.contrib.auth.models import Group, User

    from queueing.models import BusinessType, Desk, DeskBusinessType, Event, Reason, Site, StaffProfile, Ticket
    from queueing.roles import OFFICER
    from supervision import calendar
    from supervision.models import BadReason, CaseAction, FollowUpCase, Rating

    rng = random.Random(seed)
    site = Site.objects.create(slug=SITE, name="城关派出所户籍窗口", name_en="Chengguan", always_open=True)
    types = {
        p: BusinessType.objects.create(site=site, prefix=p, name=n, position=i, avg_handling_minutes=m)
        for i, (p, n, m, _w) in enumerate(TYPES)
    }
    weights = [w for *_x, w in TYPES]
    reason = Reason.objects.create(site=site, code="returned", label="过号后返回")
    group = Group.objects.get_or_create(name=OFFICER)[0]
    desks, officers = {}, {}
    for number, prefixes in DESKS.items():
        desk = Desk.objects.create(site=site, number=number, name=f"{number}号窗口", state=Desk.State.OPEN)
        for pos, p in enumerate(prefixes):
            DeskBusinessType.objects.create(desk=desk, business_type=types[p], position=pos)
        user = User.objects.create_user(f"officer{number}", password=None, first_name=f"民警{number}")
        user.groups.add(group)
        StaffProfile.objects.create(user=user, site=site, desk=desk)
        Desk.objects.filter(pk=desk.pk).update(officer=user)
        desks[number], officers[number] = desk, user
    by_type = {p: [n for n, ps in DESKS.items() if p in ps] for p in types}

    last = dt.datetime.now(tz=TZ).date() - dt.timedelta(days=1)
    days = [last - dt.timedelta(days=i) for i in range(365)]
    days = sorted(d for d in days if d.weekday() != 6)
    per_day = total / len(days)
    tickets: list[Ticket] = []
    made = 0
    for index, day in enumerate(days):
        count = round(per_day * (index + 1)) - made
        made += count
        opening = dt.datetime.combine(day, dt.time(8, 30), tzinfo=TZ)
        issued = sorted(opening + dt.timedelta(seconds=rng.uniform(0, 8.5 * 3600)) for _ in range(count))
        sequences = dict.fromkeys(types, 0)
        for at in issued:
            prefix = rng.choices(list(types), weights)[0]
            bt = types[prefix]
            sequences[prefix] += 1
            number = rng.choice(by_type[prefix])
            roll = rng.random()
            status = "done" if roll < 0.85 else "no_show" if roll < 0.93 else "cancelled" if roll < 0.97 else "expired"
            ticket = Ticket(
                site=site,
                business_type=bt,
                issued_business_type=bt,
                service_day=day,
                sequence=sequences[prefix],
                number=bt.format_number(sequences[prefix]),
                status=status,
                priority=rng.random() < 0.05,
                issued_at=at,
                queued_at=at,
            )
            if status in ("done", "no_show"):
                ticket.desk, ticket.officer = desks[number], officers[number]
                ticket.called_at = at + dt.timedelta(minutes=rng.expovariate(1 / 14))
                if status == "done":
                    ticket.started_at = ticket.called_at + dt.timedelta(seconds=rng.uniform(20, 120))
                    ticket.finished_at = ticket.started_at + dt.timedelta(
                        minutes=rng.gammavariate(3, bt.avg_handling_minutes / 3)
                    )
                else:
                    ticket.finished_at = ticket.called_at + dt.timedelta(minutes=3)
            else:
                ticket.finished_at = at + dt.timedelta(minutes=rng.uniform(5, 60))
            tickets.append(ticket)
    created: list[Ticket] = []
    for start in range(0, len(tickets), BATCH):
        created.extend(Ticket.objects.bulk_create(tickets[start : start + BATCH]))

    ratings, events = [], []
    for ticket in created:
        if ticket.status == "done" and rng.random() < 0.5:
            overall = rng.choices([5, 4, 3, 2, 1], [70, 20, 6, 3, 1])[0]
            ratings.append(
                Rating(
                    ticket=ticket,
                    site=site,
                    desk=ticket.desk,
                    officer=ticket.officer,
                    business_type=ticket.business_type,
                    service_day=ticket.service_day,
                    overall=overall,
                    efficiency=min(5, overall + rng.choice([-1, 0, 0, 1])),
                    attitude=overall,
                    reason=rng.choice(BadReason.values[1:]) if overall <= 2 else "",
                    phone="13800138000" if overall <= 2 and rng.random() < 0.5 else "",
                    channel=rng.choice(["phone", "tablet"]),
                    created_at=ticket.finished_at,
                )
            )
        if ticket.called_at is not None and rng.random() < 0.03:
            kind = rng.choice([Event.Kind.TICKET_CALLED, Event.Kind.TICKET_REQUEUED, Event.Kind.TICKET_TRANSFERRED])
            events.append(
                Event(
                    site=site,
                    ticket=ticket,
                    desk=ticket.desk,
                    kind=kind,
                    actor_kind="officer",
                    user=ticket.officer,
                    reason=reason,
                    reason_text=reason.label,
                    data={"out_of_order": True} if kind == Event.Kind.TICKET_CALLED else {},
                    version=0,
                    created_at=ticket.called_at,
                )
            )
        if ticket.called_at is not None:
            events.append(
                Event(
                    site=site,
                    ticket=ticket,
                    desk=ticket.desk,
                    kind=Event.Kind.TICKET_CALLED,
                    actor_kind="officer",
                    user=ticket.officer,
                    version=0,
                    created_at=ticket.called_at,
                )
            )
    Rating.objects.bulk_create(ratings, batch_size=BATCH)
    Event.objects.bulk_create(events, batch_size=BATCH)
    bad = list(Rating.objects.filter(site=site, overall__lte=2))
    cases = FollowUpCase.objects.bulk_create(
        [
            FollowUpCase(
                rating=r,
                site=site,
                opened_at=r.created_at,
                due_on=calendar.add_working_days(site, r.service_day, 15),
                status="closed" if r.service_day < last - dt.timedelta(days=30) else "open",
            )
            for r in bad
        ],
        batch_size=BATCH,
    )
    CaseAction.objects.bulk_create([CaseAction(case=c, kind="opened", created_at=c.opened_at) for c in cases])
    print(
        f"generated {len(created):,} tickets over {len(days)} days, {len(ratings):,} ratings, "
        f"{len(cases):,} cases, {len(events):,} events"
    )
    return site.pk, last


def measure(last: dt.date, runs: int) -> None:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from queueing.models import Site
    from supervision.reports import Period, build_report

    end = last.replace(day=1) - dt.timedelta(days=1)
    start = end.replace(day=1)
    client = Client()
    client.force_login(User.objects.create_superuser("bench-root", password=None))
    url = f"/supervision/{SITE}/?start={start}&end={end}"
    times, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        times.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)  # SQLite runs in this process: its work is in here too
        assert response.status_code == 200, response.status_code
    median = statistics.median(times)
    sql = sum(float(q["time"]) for q in queries.captured_queries)
    print(f"month report {start} – {end}: GET {url}")
    print("  wall (s): " + ", ".join(f"{t:.3f}" for t in times))
    print("  CPU  (s): " + ", ".join(f"{t:.3f}" for t in cpu))
    print(
        f"  median {median:.3f} s wall, {statistics.median(cpu):.3f} s CPU; last run {len(queries)} queries "
        f"taking {sql:.3f} s; {len(response.content):,} bytes of HTML; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"  target < {TARGET_SECONDS:.1f} s: {'PASS' if median < TARGET_SECONDS else 'FAIL'}")
    report = build_report(Period(Site.objects.get(slug=SITE), start, end))
    s, r = report.summary, report.rating_summary
    print(
        f"  figures: {s.tickets:,} tickets, {s.served:,} served, no-show rate {s.no_show_rate} %, "
        f"wait avg {round((s.avg_wait or 0) / 60, 1)} / p90 {round((s.p90_wait or 0) / 60, 1)} min, "
        f"handling avg {round((s.avg_handling or 0) / 60, 1)} / p90 {round((s.p90_handling or 0) / 60, 1)} min, "
        f"{r.ratings:,} ratings, satisfaction {r.satisfaction} %, {report.fairness_total} out-of-order actions"
    )
    for key in ("by_desk", "ratings_by_officer"):
        table = report.table(key)
        print(f"  {table.title}:")
        for row in table.rows:
            print("    " + " | ".join("—" if c is None else str(c) for c in row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir with the database")
    parser.add_argument("--database", type=Path, help="a database this script generated before: measure only")
    args = parser.parse_args()
    if args.database is not None:
        setup(args.database)
        from queueing.models import Ticket

        last = Ticket.objects.filter(site__slug=SITE).order_by("-service_day").values_list("service_day", flat=True)[0]
        measure(last, args.runs)
        return
    tmp = Path(tempfile.mkdtemp(prefix="counter-report-bench-"))
    database = tmp / "report.sqlite3"
    try:
        began = time.perf_counter()
        setup(database)
        _site, last = generate(args.tickets, args.seed)
        print(f"  in {time.perf_counter() - began:.1f} s ({database.stat().st_size / 1e6:.0f} MB database)")
        measure(last, args.runs)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            for path in tmp.iterdir():
                path.unlink()
            tmp.rmdir()


if __name__ == "__main__":
    main()
