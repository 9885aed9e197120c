"""Counter beside the floor: the same jobs, the same external client (wrk), one run.

    python -m bench.floor                                   # fresh SQLite databases in a temp dir
    python -m bench.floor --database-url postgres://postgres@127.0.0.1:5432/bench_floor

Copies the floor app (a bare Django + Channels app doing the same jobs the plain way,
`--floor`, default ../shared/floor) to a temp dir, starts it and Counter with one daphne
each on their own ports (Counter as bench/load.py starts it: DEBUG=0, access log, rate limit
counted but out of reach), then runs each job with `wrk -t1` for `--seconds`, floor first,
then Counter, and prints both with their ratio and the target. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import load

ROOT = load.ROOT
HOST = load.HOST
SITE = load.SITE
WRK = shutil.which("wrk") or "/usr/bin/wrk"
LUA = ROOT / "bench" / "wrk"
DESKS = (1, 2, 3, 4)
CALL_NEXT_CLIENTS = 20
READ_CLIENTS = 10


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    port: int
    env: dict[str, str]
    cwd: Path

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"


@dataclass
class WrkResult:
    rps: float = 0.0
    p50: float = float("nan")  # ms
    p99: float = float("nan")
    requests: int = 0
    non2xx: int = 0
    errors: int = 0
    claims: int = 0
    empty: int = 0
    twice: int = -1  # numbers answered twice by call-next (-1: not counted)
    cpu: float = 0.0  # the server's CPU seconds per request, in ms
    output: str = ""


@dataclass
class Job:
    name: str
    clients: int
    floor_path: str
    counter_path: str
    method: str = "GET"
    script: str | None = None
    floor_args: list[str] = field(default_factory=list)
    counter_args: list[str] = field(default_factory=list)
    counter_headers: list[str] = field(default_factory=list)
    target: str = ""
    floor: WrkResult | None = None
    counter: WrkResult | None = None

    def verdict(self) -> tuple[str, str]:
        """(ratio, PASS/FAIL/-) against this job's target."""
        f, c = self.floor, self.counter
        if f is None or c is None or not f.rps:
            return "-", "-"
        ratio = c.rps / f.rps
        ok: bool | None = None
        if m := re.match(r">= ([\d.]+)x", self.target):
            ok = ratio >= float(m.group(1))
            if "p99" in self.target:
                ok = ok and c.p99 <= f.p99
        elif self.target.startswith("p50"):
            ok = c.p50 <= float(self.target.split("<=")[1].split()[0])
        if ok is not None and (c.errors or c.non2xx and self.script != "call_next.lua"):
            ok = False
        return f"{ratio:.2f}", "-" if ok is None else load.mark(ok)


# --- Servers ---------------------------------------------------------------------


def floor_env(database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG")}
    env["DJANGO_SETTINGS_MODULE"] = "floorapp.settings"
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def run(cmd: Sequence[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(list(cmd), cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@contextlib.contextmanager
def floor_daphne(env: dict[str, str], cwd: Path, port: int, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-v", "0", "-b", HOST, "-p", str(port), "floorapp.asgi:application"],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_ready(server: Server, path: str) -> None:
    deadline = time.monotonic() + load.READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.proc.returncode}")
        with contextlib.suppress(OSError), urllib.request.urlopen(server.base + path, timeout=5) as answer:
            if answer.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer within {load.READY_TIMEOUT:.0f} s")


def http(
    server: Server, method: str, path: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.base + path, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            raw = answer.read()
            return answer.status, dict(answer.headers), json.loads(raw) if raw else {}
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), {}


def floor_shell(server: Server, code: str) -> str:
    # The last line: Django 5.2's shell first says what it imported.
    return run([sys.executable, "manage.py", "shell", "-c", code], server.cwd, server.env).strip().splitlines()[-1]


def counter_step(server: Server, *args: str) -> dict[str, Any]:
    out = run([sys.executable, "-m", "bench.floor", "--internal", *args], ROOT, server.env)
    return dict(json.loads(out.strip().splitlines()[-1]))


# --- wrk -------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> WrkResult:
    r = WrkResult(output=output)
    if m := re.search(r"Requests/sec:\s+([\d.]+)", output):
        r.rps = float(m.group(1))
    if m := re.search(r"(\d+) requests in", output):
        r.requests = int(m.group(1))
    for pct, attr in (("50", "p50"), ("99", "p99")):
        if m := re.search(rf"^\s+{pct}%\s+([\d.]+(?:us|ms|s|m))\s*$", output, re.M):
            setattr(r, attr, _ms(m.group(1)))
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        r.non2xx = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        r.errors = sum(int(x) for x in m.groups())
    if m := re.search(r"^claims (\d+) empty (\d+) twice (\d+)$", output, re.M):
        r.claims, r.empty, r.twice = int(m.group(1)), int(m.group(2)), int(m.group(3))
    return r


def flush_redis(url: str) -> None:
    """Counter's Redis database emptied, as its SQL database is fresh: nothing cached from an earlier run."""
    import redis

    redis.Redis.from_url(url).flushdb()


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wrk(
    server: Server,
    path: str,
    clients: int,
    seconds: float,
    *,
    script: str | None = None,
    script_args: Sequence[str] = (),
    headers: Sequence[str] = (),
) -> WrkResult:
    cmd = [WRK, "-t1", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "--latency"]
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", str(LUA / script)]
    cmd.append(server.base + path)
    if script_args:
        cmd += ["--", *script_args]
    server_cpu = load.process_cpu_seconds(server.proc.pid)
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    server_cpu = load.process_cpu_seconds(server.proc.pid) - server_cpu
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr}")
    result = parse_wrk(done.stdout)
    result.cpu = 1000 * server_cpu / result.requests if result.requests else 0.0
    return result


# --- Steps run inside Counter's Django (--internal) ----------------------------------


def internal_prefill(count: int) -> dict[str, Any]:
    """Retire what is waiting and leave `count` waiting E tickets, issued by the service."""
    from django.utils import timezone

    from queueing import services
    from queueing.models import Site, Ticket

    site = Site.objects.get(slug=SITE)
    # Bench rows only: leaving the queue in one statement, as bench/load.py does.
    Ticket.objects.filter(site=site, status=Ticket.Status.WAITING).update(
        status=Ticket.Status.CANCELLED, finished_at=timezone.now()
    )
    kiosk = services.Actor(kind="kiosk")
    for _ in range(count):
        services.issue_ticket(site=site, prefix="E", actor=kiosk)
    return {"waiting": Ticket.objects.filter(site=site, status=Ticket.Status.WAITING).count()}


def internal_check() -> dict[str, Any]:
    from django.db.models import Count

    from queueing.models import Event, Site, Ticket

    site = Site.objects.get(slug=SITE)
    calls = Event.objects.filter(site=site, kind=Event.Kind.TICKET_CALLED)
    dupes = Ticket.objects.filter(site=site).values("service_day", "number").annotate(n=Count("pk")).filter(n__gt=1)
    return {
        "duplicates": dupes.count(),
        "called_events": calls.count(),
        "called_twice": calls.values("ticket").annotate(n=Count("pk")).filter(n__gt=1).count(),
    }


FLOOR_PREFILL = """
from django.utils import timezone
from q.models import Ticket
Ticket.objects.filter(status="waiting").update(status="cancelled")
print(Ticket.objects.filter(day=timezone.localdate(), status="called").count())
"""
FLOOR_CHECK = """
from django.db.models import Count
from q.models import Ticket
d = Ticket.objects.values("site", "day", "number").annotate(n=Count("pk")).filter(n__gt=1).count()
print(d, Ticket.objects.filter(status="called").count())
"""


# --- Main ------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Counter beside the floor app, measured with wrk in one run.")
    parser.add_argument("--floor", type=Path, default=ROOT.parent / "shared" / "floor", help="the floor app")
    parser.add_argument("--database-url", help="PostgreSQL URL; NAME for Counter and NAME_floor, both re-created")
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds per job and server (default 8)")
    parser.add_argument("--call-tickets", type=int, default=5000, help="waiting E tickets before call-next")
    parser.add_argument("--only", action="append", help="run only jobs whose name starts with this (repeatable)")
    parser.add_argument("--profile", type=Path, help="py-spy records Counter during each job into this directory")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (databases, logs)")
    load.add_workers_option(parser)
    parser.add_argument("--redis-url", help="Counter's REDIS_URL (cache, rate limit and channel layer)")
    parser.add_argument("--internal", nargs="+", help=argparse.SUPPRESS)
    return load.parse_with_workers(parser, argv)


def build_jobs(floor_token: str, counter_token: str, desk_tokens: list[str]) -> list[Job]:
    status_floor = f"/api/tickets/{floor_token}/"
    status_counter = f"/api/v1/tickets/{counter_token}/"
    types = f"/api/v1/sites/{SITE}/business-types/"
    snapshot = f"/api/v1/sites/{SITE}/snapshot/"
    reads = ">= 3x floor's ticket GET"
    jobs = [
        Job("bare GET", READ_CLIENTS, "/ping/", types, target="(floor /ping/)"),
        Job("ticket status GET", READ_CLIENTS, status_floor, status_counter, target=">= 3x"),
        Job("business types GET", READ_CLIENTS, status_floor, types, target=reads),
        Job("snapshot GET", READ_CLIENTS, status_floor, snapshot, target=reads),
    ]
    for clients, target in ((1, "p50 <= 5 ms"), (10, ">= 2x, p99 <= floor"), (50, ">= 2x, p99 <= floor")):
        jobs.append(
            Job(
                "issue",
                clients,
                f"/api/sites/{SITE}/tickets/",
                f"/api/v1/sites/{SITE}/tickets/",
                method="POST",
                script="issue.lua",
                floor_args=[f"floor{clients}"],
                counter_args=[f"counter{clients}"],
                target=target,
            )
        )
    jobs.append(
        Job(
            "call-next E",
            CALL_NEXT_CLIENTS,
            f"/api/sites/{SITE}/desks/1/call-next/",
            f"/api/v1/sites/{SITE}/desks/1/call-next/",
            method="POST",
            script="call_next.lua",
            floor_args=[f"/api/sites/{SITE}/desks/{{desk}}/call-next/"],
            counter_args=[f"/api/v1/sites/{SITE}/desks/{{desk}}/call-next/", *desk_tokens],
            target=">= 1.5x",
        )
    )
    for name, path in (("ticket status", status_counter), ("business types", types), ("snapshot", snapshot)):
        jobs.append(
            Job(
                f"{name} If-None-Match",
                READ_CLIENTS,
                status_floor,
                path,
                target=reads,
            )
        )
    return jobs


def run_job(job: Job, floor: Server, counter: Server, seconds: float, profile: Path | None) -> None:
    load.progress(f"{job.name} ({job.clients} clients): floor ...")
    job.floor = wrk(floor, job.floor_path, job.clients, seconds, script=job.script, script_args=job.floor_args)
    load.progress(f"{job.name} ({job.clients} clients): Counter ...")
    profiler = None
    if profile is not None and (tool := load.py_spy()):
        out = profile / f"{re.sub(r'[^a-z0-9]+', '-', job.name.lower())}-{job.clients}.txt"
        profiler = subprocess.Popen(
            [tool, "record", "--pid", str(counter.proc.pid), "--rate", "200", "--gil", "--nonblocking"]
            + ["--format", "raw", "--output", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.5)
    try:
        job.counter = wrk(
            counter,
            job.counter_path,
            job.clients,
            seconds,
            script=job.script,
            script_args=job.counter_args,
            headers=job.counter_headers,
        )
    finally:
        if profiler is not None:
            profiler.send_signal(2)
            profiler.wait(30)


def cell(r: WrkResult | None) -> list[str]:
    if r is None:
        return ["-", "-", "-", "-"]
    return [f"{r.rps:,.0f}", f"{r.p50:.2f}", f"{r.p99:.2f}", f"{r.cpu:.2f}"]


def bad(r: WrkResult | None) -> str:
    if r is None:
        return "-"
    parts = []
    if r.non2xx:
        parts.append(f"{r.non2xx} non-2xx")
    if r.empty:
        parts.append(f"{r.empty} empty")
    if r.errors:
        parts.append(f"{r.errors} socket")
    return ", ".join(parts) or "0"


def print_report(jobs: Sequence[Job], checks: dict[str, Any]) -> None:
    # Other people's work on these cores moves both columns; the ratio is what compares.
    print(f"load average before / after: {checks.pop('load before')} / {os.getloadavg()[0]:.2f}")
    headers = ["job", "clients", "floor req/s", "p50 ms", "p99 ms", "CPU ms/req"]
    headers += ["Counter req/s", "p50 ms", "p99 ms", "CPU ms/req", "ratio", "target", "result"]
    rows = []
    for j in jobs:
        ratio, verdict = j.verdict()
        rows.append([j.name, str(j.clients), *cell(j.floor), *cell(j.counter), ratio, j.target, verdict])
    print()
    load.print_table(headers, rows, left=1)
    print()
    load.print_table(
        ["job", "clients", "floor: not 2xx", "Counter: not 2xx"],
        [[j.name, str(j.clients), bad(j.floor), bad(j.counter)] for j in jobs],
    )
    print()
    for key, value in checks.items():
        print(f"{key}: {value}")
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.internal:
        load.setup_django()
        steps = {"prefill": lambda: internal_prefill(int(args.internal[1])), "check": internal_check}
        print(json.dumps(steps[args.internal[0]]()))
        return 0
    if not Path(WRK).exists():
        raise SystemExit("wrk is not installed")
    floor_src = args.floor.resolve()
    if not (floor_src / "manage.py").exists():
        raise SystemExit(f"No floor app at {floor_src}")
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="counter-floor-"))
    dbs: list[load.Database] = []
    try:
        floor_dir = tmp / "floor"
        shutil.copytree(floor_src, floor_dir, ignore=shutil.ignore_patterns(".venv", "*.sqlite3*", "__pycache__"))
        if args.database_url:
            dbs.append(load.postgres_database(args.database_url))
            dbs.append(load.postgres_database(args.database_url.rstrip("/") + "_floor"))
            counter_url, floor_url = dbs[0].url, dbs[1].url
        else:
            counter_url, floor_url = load.sqlite_database(tmp).url, None
        fenv = floor_env(floor_url)
        load.progress("floor: migrating and seeding ...")
        run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], floor_dir, fenv)
        run([sys.executable, "manage.py", "seed"], floor_dir, fenv)
        cenv = {
            **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
            "DJANGO_SETTINGS_MODULE": "counter.settings",
            "DATABASE_URL": counter_url,
            "DEBUG": "0",
            "COUNTER_KIOSK_RATE_LIMIT": str(load.RATE_LIMIT),
        }
        if args.redis_url:
            cenv["REDIS_URL"] = args.redis_url
            flush_redis(args.redis_url)
        load.progress("Counter: migrating and seeding ...")
        load.manage(cenv, "migrate", "-v0")
        load.manage(cenv, "seed_demo", "--password", load.PASSWORD)
        desk_tokens = [load.manage(cenv, "desk_token", SITE, str(n)).strip().splitlines()[-1] for n in DESKS]
        fport, cport = load.free_port(), load.free_port()
        while cport == fport:
            cport = load.free_port()
        with (
            floor_daphne(fenv, floor_dir, fport, tmp / "floor-daphne.log") as fproc,
            load.daphne(cenv, cport, tmp / "daphne.log", workers=args.workers) as cproc,
        ):
            floor = Server("floor", fproc, fport, fenv, floor_dir)
            counter = Server("Counter", cproc, cport, cenv, ROOT)
            wait_ready(floor, "/ping/")
            wait_ready(counter, f"/api/v1/sites/{SITE}/business-types/")
            jobs, checks = run_all(args, floor, counter, desk_tokens)
            checks["Counter"] = f"{args.workers} daphne process(es) on one port" + (
                f", Redis {args.redis_url}" if args.redis_url else ", no Redis (local memory, in-memory layer)"
            )
            checks["floor"] = "1 daphne process, in-memory layer (its run.sh default)"
        print_report(jobs, checks)
        return 0
    finally:
        for db in dbs:
            if db.drop is not None and not args.keep:
                with contextlib.suppress(Exception):
                    db.drop()
        if args.keep:
            load.progress(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run_all(
    args: argparse.Namespace, floor: Server, counter: Server, desk_tokens: list[str]
) -> tuple[list[Job], dict[str, Any]]:
    load_before = f"{os.getloadavg()[0]:.2f}"
    _, _, f_ticket = http(floor, "POST", f"/api/sites/{SITE}/tickets/", {"business_type": "A"})
    _, _, c_ticket = http(counter, "POST", f"/api/v1/sites/{SITE}/tickets/", {"business_type": "A"})
    # A short warm-up of both servers' read and write paths before anything is measured.
    for server, path in ((floor, "/ping/"), (counter, f"/api/v1/tickets/{c_ticket['token']}/")):
        wrk(server, path, READ_CLIENTS, 1)
    jobs = build_jobs(f_ticket["token"], c_ticket["token"], desk_tokens)
    selected = [j for j in jobs if not args.only or any(j.name.startswith(o) for o in args.only)]
    for job in selected:
        if job.script == "call_next.lua":
            load.progress(f"call-next: {args.call_tickets} waiting tickets in each ...")
            floor_shell(floor, FLOOR_PREFILL)
            run([sys.executable, "manage.py", "fill", str(4 * args.call_tickets)], floor.cwd, floor.env)
            counter_step(counter, "prefill", str(args.call_tickets))
        if "If-None-Match" in job.name:
            _, headers, _ = http(counter, "GET", job.counter_path)
            # The ETag of the answer as it stands now (none before ETags existed: a plain GET then).
            etag = headers.get("ETag") or '"none"'
            job.counter_headers = [f"If-None-Match: {etag}"]
        run_job(job, floor, counter, args.seconds, args.profile)
    check = counter_step(counter, "check")
    f_dupes, f_called = (int(x) for x in floor_shell(floor, FLOOR_CHECK).split())
    checks: dict[str, Any] = {
        "load before": load_before,
        "duplicate numbers": f"floor {f_dupes}, Counter {check['duplicates']}",
    }
    call = next((j for j in selected if j.script == "call_next.lua"), None)
    if call is not None and call.floor is not None and call.counter is not None:
        # Every claim wrk saw, by number; requests still in flight when wrk stops are not seen,
        # so the database's count of called tickets can be a little higher than the claims.
        checks["double calls"] = (
            f"floor {call.floor.twice} numbers answered twice ({call.floor.claims} claims seen, "
            f"{f_called} tickets called); Counter {call.counter.twice} answered twice, "
            f"{check['called_twice']} tickets with two call events ({call.counter.claims} claims seen, "
            f"{check['called_events']} call events)"
        )
    if args.profile:
        for path in sorted(args.profile.glob("*.txt")):
            checks[f"profile {path.name}"] = "\n" + "\n".join(load.profile_summary(path, 12))
    return selected, checks


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        load.progress("interrupted; servers stopped and temporary files removed")
        sys.exit(130)
