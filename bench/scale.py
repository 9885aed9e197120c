"""Scale benchmark: the deploy recipe (nginx in front of two daphne workers, PostgreSQL, Redis) under load.

Run from the project root with the virtualenv active, on an otherwise idle machine:

    python -m bench.scale --database-url postgres://postgres@127.0.0.1:5432/counter_scale \\
        --redis-url redis://127.0.0.1:6379/9

It re-creates the database, migrates it, seeds the demo site, starts `--workers`
daphne processes and a real nginx from deploy/nginx/counter.conf
(tests/scale/proxy.py) and drives everything through nginx, every feature on
(events, idempotency keys, the rate limit counted in Redis, device tokens, live
updates over the Redis layer, access logs):

1. issuance with 50 and 200 concurrent kiosks (bench/load.py's client);
2. 20 desks emptying 1,000 waiting tickets (bench/load.py's scenario);
3. fan-out: 2,000 display sockets opened through nginx (so spread over the
   workers), 50 calls made through nginx (bench/fanout.py's level).

It prints the settings, each figure next to its target, and the CPU each
component used per request (daphne workers, nginx, PostgreSQL, Redis, the
client). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.fanout import Level, measure_servers, raise_file_limit, run_level
from bench.load import (
    CALL_NEXT_TICKETS,
    CLOCK_TICKS,
    HOST,
    PASSWORD,
    RATE_LIMIT,
    SITE,
    CallNextResult,
    IssueLoad,
    IssueResult,
    RawConnection,
    cpu_model,
    daphne,
    django_step,
    free_port,
    machine_busy_seconds,
    manage,
    mark,
    own_cpu_seconds,
    percentile,
    postgres_database,
    print_table,
    profile_summary,
    progress,
    wait_ready,
)
from bench.load import call_next_load as load_call_next
from tests.scale.proxy import Nginx

ROOT = Path(__file__).resolve().parent.parent

# clients -> (min tickets/s, max p99 ms); 200 clients has no target of its own: it shows the curve.
ISSUE_TARGETS = {50: (300.0, 400.0)}
CALL_NEXT_SECONDS, CALL_NEXT_P99_MS = 3.0, 150.0
FANOUT_P99_MS = 500.0


# --- CPU per component ------------------------------------------------------------------


def _cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _pids(name: str) -> list[int]:
    done = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True, check=False)
    return [int(p) for p in done.stdout.split()]


def _children(pid: int) -> list[int]:
    done = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(p) for p in done.stdout.split()]


@dataclass
class Components:
    """CPU seconds of each part of the deployment over a phase (processes found at its start)."""

    wall: float = 0.0
    seconds: dict[str, float] = field(default_factory=dict)

    def per(self, count: int) -> dict[str, float]:
        return {name: 1000 * s / count for name, s in self.seconds.items()} if count else {}


@contextlib.asynccontextmanager
async def components(workers: Sequence[int], nginx_pid: int) -> AsyncIterator[Components]:
    groups = {
        "daphne": list(workers),
        "nginx": [nginx_pid, *_children(nginx_pid)],
        # PostgreSQL backends come and go with the pools; the ones alive at the end count too.
        "postgres": _pids("postgres"),
        "redis": _pids("redis-server"),
    }
    result = Components()

    def sample(pids: dict[str, list[int]]) -> dict[str, float]:
        return {name: sum(_cpu(p) for p in ps) for name, ps in pids.items()}

    start_wall, start, start_client = time.perf_counter(), sample(groups), own_cpu_seconds()
    try:
        yield result
    finally:
        groups["postgres"] = sorted(set(groups["postgres"]) | set(_pids("postgres")))
        end = sample(groups)
        result.wall = time.perf_counter() - start_wall
        result.seconds = {name: max(0.0, end[name] - start.get(name, 0.0)) for name in groups}
        result.seconds["client"] = own_cpu_seconds() - start_client


@contextlib.asynccontextmanager
async def phase(workers: Sequence[int], nginx_pid: int) -> AsyncIterator[Components]:
    """Components' CPU, and `other`: what the rest of the machine used meanwhile."""
    busy = machine_busy_seconds()
    async with components(workers, nginx_pid) as result:
        yield result
    result.seconds["other"] = max(0.0, machine_busy_seconds() - busy - sum(result.seconds[k] for k in COMPONENTS))


COMPONENTS = ("daphne", "nginx", "postgres", "redis", "client")


def cpu_line(c: Components, count: int, unit: str) -> str:
    per = c.per(count)
    parts = [f"{name} {per.get(name, 0):.2f}" for name in (*COMPONENTS, "other")]
    load = sum(c.seconds.get(n, 0) for n in (*COMPONENTS, "other")) / c.wall if c.wall else 0
    return f"  CPU ms per {unit}: " + ", ".join(parts) + f"  (machine busy {load:.2f} of {os.cpu_count()} cores)"


# --- Scenarios ---------------------------------------------------------------------------


@dataclass
class IssueRun:
    result: IssueResult
    cpu: Components


async def issue_levels(
    args: argparse.Namespace, nginx: Nginx, workers: Sequence[int], nginx_pid: int
) -> tuple[list[IssueRun], int]:
    def connect() -> RawConnection:
        return RawConnection(HOST, nginx.port)

    load = IssueLoad(connect, workers[0])  # type: ignore[arg-type]
    runs = []
    for clients in args.clients:
        progress(f"issue: {clients} clients through nginx ...")
        await load.run(clients, warmup=args.warmup, seconds=None, requests=clients, profile=None)  # warm-up
        profile = args.profile / f"scale-issue-{clients}.txt" if args.profile else None
        async with phase(workers, nginx_pid) as cpu, measure_servers(list(workers), profile) as usage:
            result = await load.run(clients, warmup=0, seconds=args.seconds, requests=None, profile=None)
        result.usage = usage
        result.profile = profile
        runs.append(IssueRun(result, cpu))
    load.count_duplicates([r.result for r in runs])
    return runs, sum(load.seen.values())


async def call_next(
    args: argparse.Namespace, env: dict[str, str], nginx: Nginx, workers: Sequence[int], nginx_pid: int
) -> tuple[CallNextResult, Components]:
    def connect() -> RawConnection:
        return RawConnection(HOST, nginx.port)

    progress(f"call-next: opening 20 desks and issuing {CALL_NEXT_TICKETS} tickets ...")
    tokens = {int(k): v for k, v in django_step(env, "desks")["tokens"].items()}
    django_step(env, "seed", str(CALL_NEXT_TICKETS))
    progress("call-next: calling through nginx ...")
    profile = args.profile / "scale-call-next.txt" if args.profile else None
    async with phase(workers, nginx_pid) as cpu, measure_servers(list(workers), profile) as usage:
        result = await load_call_next(connect, tokens, workers[0], None)  # type: ignore[arg-type]
    result.usage = usage
    result.profile = profile
    check = django_step(env, "check")
    result.waiting_after_db = check["waiting"]
    result.called_twice_db = check["called_twice"]
    return result, cpu


async def fan_out(
    args: argparse.Namespace, env: dict[str, str], nginx: Nginx, workers: Sequence[int], nginx_pid: int
) -> tuple[Level, Components, list[bool]]:
    token = manage(env, "desk_token", SITE, "1").strip().splitlines()[-1]
    level = Level(clients=args.sockets, calls=args.calls)
    origin_ok: list[bool] = []
    progress(f"fan-out: {args.sockets} display sockets through nginx ...")
    async with phase(workers, nginx_pid) as cpu:
        # Every socket and call goes through nginx's port; nginx spreads the sockets over the workers.
        await run_level(level, [*workers, nginx_pid], [nginx.port], token, args.interval, args.timeout, origin_ok, None)
    return level, cpu, origin_ok


# --- Output --------------------------------------------------------------------------------


def print_settings(args: argparse.Namespace, detail: str, env: dict[str, str], nginx: Nginx, files: int) -> None:
    import channels
    import daphne as daphne_pkg
    import django

    nginx_version = subprocess.run([nginx.binary, "-v"], capture_output=True, text=True, check=False).stderr.strip()
    rows = [
        ("date", time.strftime("%Y-%m-%d %H:%M:%S %Z")),
        ("load average", " / ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1/5/15 min, before the run)"),
        ("cpu", f"{os.cpu_count()} x {cpu_model()}; clients, proxy, workers, PostgreSQL and Redis share them"),
        ("python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("django/channels/daphne", f"{django.get_version()} / {channels.__version__} / {daphne_pkg.__version__}"),
        ("proxy", f"{nginx_version.replace('nginx version: ', '')}, deploy/nginx/counter.conf on {nginx.url}"),
        ("workers", f"{args.workers} daphne processes on loopback, round robin, nothing sticky"),
        ("database", f"{detail}; pool per worker {env.get('DATABASE_POOL_MAX', '20')} max, CONN_MAX_AGE 0"),
        ("cache, channel layer", f"Redis {env['REDIS_URL']} (RedisPubSubChannelLayer, rate limit, presence)"),
        ("kiosk rate limit", f"{env['COUNTER_KIOSK_RATE_LIMIT']}/min per address: counted on every issue, never hit"),
        ("trusted proxy", env["COUNTER_TRUSTED_PROXIES"] + " (X-Forwarded-For from nginx)"),
        ("logging", "nginx access log, daphne access log, Django INFO"),
        ("issue", f"{', '.join(map(str, args.clients))} clients, {args.seconds:g} s each, types A-E, own keys"),
        ("call-next", f"{CALL_NEXT_TICKETS} waiting tickets, desks 5-24 (device tokens), all types"),
        ("fan-out", f"{args.sockets} display sockets, {args.calls} calls one every {args.interval * 1000:.0f} ms"),
        ("open-file limit", str(files)),
    ]
    width = max(len(k) for k, _ in rows)
    print("Settings")
    print("========")
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")
    sys.stdout.flush()


def print_issue(runs: Sequence[IssueRun], total: int) -> None:
    headers = ["issue via nginx", "requests", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "dups", "target", ""]
    rows = []
    for run in runs:
        r = run.result
        lat = sorted(r.latencies)
        rps = len(lat) / r.usage.wall if r.usage.wall else 0.0
        p50, p99 = percentile(lat, 0.5) * 1000, percentile(lat, 0.99) * 1000
        wording, verdict = "0 errors, 0 dups", mark(not r.errors and r.duplicates == 0)
        if r.clients in ISSUE_TARGETS:
            min_rps, max_p99 = ISSUE_TARGETS[r.clients]
            wording = f">= {min_rps:.0f}/s, p99 <= {max_p99:.0f} ms, " + wording
            verdict = mark(rps >= min_rps and p99 <= max_p99 and not r.errors and r.duplicates == 0)
        rows.append(
            [
                f"{r.clients} clients",
                str(len(lat)),
                f"{rps:.0f}",
                f"{p50:.1f}",
                f"{p99:.1f}",
                f"{lat[-1] * 1000:.1f}" if lat else "-",
                str(sum(r.errors.values())),
                str(r.duplicates),
                wording,
                verdict,
            ]
        )
    print_table(headers, rows)
    for run in runs:
        print(f"  {run.result.clients} clients:" + cpu_line(run.cpu, len(run.result.latencies), "ticket")[1:])
        if run.result.errors:
            print(f"    errors {dict(run.result.errors)}; first: {run.result.error_sample}")
    print(f"  dups: (day, number) pairs answered more than once among all {total} tickets of the run.")


def print_call_next(r: CallNextResult, cpu: Components) -> None:
    lat = sorted(r.latencies)
    p99 = percentile(lat, 0.99) * 1000
    left = r.waiting_after_api + r.waiting_after_db
    ok = r.usage.wall <= CALL_NEXT_SECONDS and p99 <= CALL_NEXT_P99_MS and not r.errors
    ok = ok and r.double_calls == 0 and r.called_twice_db == 0 and left == 0 and r.called == r.tickets_before
    headers = ["call-next via nginx", "called", "time s", "calls/s", "p50 ms", "p99 ms", "max ms", "errors"]
    headers += ["double", "left", "target", ""]
    row = [
        f"{r.desks} desks",
        f"{r.called}/{r.tickets_before}",
        f"{r.usage.wall:.2f}",
        f"{r.requests / r.usage.wall:.0f}" if r.usage.wall else "-",
        f"{percentile(lat, 0.5) * 1000:.1f}",
        f"{p99:.1f}",
        f"{lat[-1] * 1000:.1f}" if lat else "-",
        str(sum(r.errors.values())),
        f"{r.double_calls}/{r.called_twice_db}",
        f"{r.waiting_after_api}/{r.waiting_after_db}",
        f"<= {CALL_NEXT_SECONDS:.0f} s, p99 <= {CALL_NEXT_P99_MS:.0f} ms, 0 double, 0 left",
        mark(ok),
    ]
    print_table(headers, [row])
    print(cpu_line(cpu, r.requests, "call"))
    if r.errors:
        print(f"  errors {dict(r.errors)}; first: {r.error_sample}")


def print_fanout(level: Level, cpu: Components, origin_ok: Sequence[bool]) -> None:
    lat = sorted(level.latencies)
    p99 = percentile(lat, 0.99) * 1000
    api = sorted(level.api_latencies)
    headers = ["fan-out via nginx", "open", "delivered", "p50 ms", "p99 ms", "max ms", "call API p50 ms", "acks"]
    headers += ["target", ""]
    row = [
        f"{level.clients} sockets",
        f"{level.connected}/{level.clients} in {level.connect_seconds:.1f} s",
        f"{level.delivered}/{level.expected}",
        f"{percentile(lat, 0.5) * 1000:.1f}",
        f"{p99:.1f}",
        f"{lat[-1] * 1000:.1f}" if lat else "-",
        f"{percentile(api, 0.5) * 1000:.1f}" if api else "-",
        str(level.acks),
        f"p99 <= {FANOUT_P99_MS:.0f} ms, all delivered",
        mark(level.all_delivered and p99 <= FANOUT_P99_MS),
    ]
    print_table(headers, [row])
    print(cpu_line(cpu, max(level.calls_answered, 1), "call (whole level: opening the sockets included)"))
    print(
        f"  memory: {level.rss_open - level.rss_before:.0f} MB for {level.clients} sockets in daphne + nginx"
        f" ({level.mb_per_100:.2f} MB per 100); foreign Origin refused: {'yes' if all(origin_ok) else 'NO'}"
    )
    if level.timed_out or level.connect_errors or level.call_errors:
        print(f"  gave up at: {level.timed_out or '-'}; connect errors {len(level.connect_errors)}", end="")
        print(f" (first {level.connect_errors[:1]}); call errors {level.call_errors[:1]}")


# --- Main --------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Scale benchmark: nginx, daphne workers, PostgreSQL, Redis.")
    parser.add_argument("--database-url", required=True, help="PostgreSQL URL of a scratch database (re-created)")
    parser.add_argument("--redis-url", required=True, help="Redis URL (a database number of its own)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", choices=["issue", "call-next", "fanout"], action="append")
    parser.add_argument("--clients", type=lambda s: [int(x) for x in s.split(",")], default=[50, 200])
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per issue level")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds to open the sockets, and for delivery")
    parser.add_argument("--profile", type=Path, help="py-spy records the first worker into this directory")
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args(argv)


async def run(
    args: argparse.Namespace, env: dict[str, str], nginx: Nginx, procs: Sequence[subprocess.Popen[bytes]], tmp: Path
) -> None:
    ports = [int(p) for p in env["_PORTS"].split(",")]
    for proc, port in zip(procs, ports, strict=True):
        await wait_ready(proc, port, tmp / f"daphne-{port}.log")
    workers = [p.pid for p in procs]
    assert nginx.process is not None
    nginx_pid = nginx.process.pid
    only = set(args.only or ["issue", "call-next", "fanout"])
    print()
    print("Results (everything through nginx; CPU per request by component, in ms)")
    print("=======")
    if "issue" in only:
        runs, total = await issue_levels(args, nginx, workers, nginx_pid)
        print()
        print_issue(runs, total)
        sys.stdout.flush()
    if "call-next" in only:
        result, cpu = await call_next(args, env, nginx, workers, nginx_pid)
        print()
        print_call_next(result, cpu)
        sys.stdout.flush()
    if "fanout" in only:
        level, cpu, origin_ok = await fan_out(args, env, nginx, workers, nginx_pid)
        print()
        print_fanout(level, cpu, origin_ok)
    if args.profile:
        for path in sorted(args.profile.glob("scale-*.txt")):
            print()
            print(f"Profile of the first worker ({path}):")
            print("\n".join(profile_summary(path, 20)))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    files = raise_file_limit()[0]
    tmp = Path(tempfile.mkdtemp(prefix="counter-scale-"))
    db = None
    try:
        db = postgres_database(args.database_url)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "counter.settings",
            "DATABASE_URL": db.url,
            "REDIS_URL": args.redis_url,
            "DEBUG": "0",
            "COUNTER_KIOSK_RATE_LIMIT": str(RATE_LIMIT),
            "COUNTER_TRUSTED_PROXIES": "127.0.0.1,::1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
        progress("migrating PostgreSQL and seeding the demo site ...")
        manage(env, "migrate", "-v0")
        manage(env, "seed_demo", "--password", PASSWORD)
        # Redis: this run's rate-limit counters and presence only (a database number of its own).
        subprocess.run(["redis-cli", "-u", args.redis_url, "FLUSHDB"], capture_output=True, check=False)
        ports = [free_port() for _ in range(args.workers)]
        env["_PORTS"] = ",".join(map(str, ports))
        with contextlib.ExitStack() as stack:
            procs = [stack.enter_context(daphne(env, port, tmp / f"daphne-{port}.log")) for port in ports]
            nginx = Nginx(
                ports, ROOT / "staticfiles", worker_connections=4 * args.sockets + 1024, worker_processes="auto"
            )
            stack.callback(nginx.stop)
            nginx.start()
            print_settings(args, db.detail, env, nginx, files)
            asyncio.run(run(args, env, nginx, procs, tmp))
        return 0
    finally:
        if db is not None and db.drop is not None and not args.keep:
            with contextlib.suppress(Exception):
                db.drop()
        if args.keep:
            progress(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        progress("interrupted; servers stopped")
        sys.exit(130)
