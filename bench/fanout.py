"""Fan-out benchmark: desk calls delivered to many display WebSockets by daphne.

Run from the project root with the virtualenv active:

    python -m bench.fanout                                          # SQLite temp file, in-memory layer
    python -m bench.fanout --redis-url redis://127.0.0.1:6379/0     # Redis pub/sub channel layer
    python -m bench.fanout --redis-url ... --workers 2              # two daphne processes sharing Redis

For every client level it starts fresh daphne processes, opens N display sockets
(`/ws/v1/sites/demo/display/`, split across the workers), makes `--calls` desk
calls through the API of the first worker one every 100 ms and times, for every
(socket, call), the answer of the call-next request to that socket's receipt of
the matching `call` message. Every client behaves like a lobby screen: a
heartbeat on connect and every 15 s, and an acknowledgement of a call with the
probability (`ack_rate`) the server's last answer to a heartbeat gave, as
static/counter/live.js does (`--ack-all`: of every call). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import platform
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus, WebSocketException

from bench.load import (
    HOST,
    PASSWORD,
    RATE_LIMIT,
    READY_TIMEOUT,
    SITE,
    Usage,
    cpu_model,
    daphne,
    free_port,
    machine_busy_seconds,
    manage,
    mark,
    own_cpu_seconds,
    percentile,
    postgres_database,
    print_table,
    process_cpu_seconds,
    profile_summary,
    progress,
    py_spy,
    sqlite_database,
    wait_ready,
)

ORIGIN = f"http://{HOST}"
DISPLAY_PATH = f"/ws/v1/sites/{SITE}/display/"
ISSUE_PATH = f"/api/v1/sites/{SITE}/tickets/"
DESK = 1
CALL_PATH = f"/api/v1/sites/{SITE}/desks/{DESK}/call-next/"
CALL_PREFIX = '{"type":"call",'  # broadcast.dumps writes compact JSON, "type" first
HEARTBEAT_OK_PREFIX = '{"type":"heartbeat.ok"'
CONNECT_CONCURRENCY = 200  # a restart's reconnect storm: as many at once as the server takes
OPEN_TIMEOUT = 30.0
HTTP_TIMEOUT = 30.0
SETTLE_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0  # as static/counter/live.js

TARGET_P99_MS = 300.0
TARGET_P99_CLIENTS = 1000
TARGET_MB_PER_100 = 4.0
TARGET_OPEN_SECONDS = 5.0
TARGET_OPEN_CLIENTS = 2000


# --- Server measurements ------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MB (VmRSS, which /proc gives in kB)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def raise_file_limit() -> tuple[int, int]:
    """Soft open-file limit up to the hard one; daphne, started later, inherits it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 16)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


# --- HTTP (blocking, run in a thread so that timestamps do not wait for the event loop) -------------


def post(conn: http.client.HTTPConnection, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    conn.request("POST", path, body=body, headers={"Content-Length": str(len(body)), **headers})
    response = conn.getresponse()
    return response.status, response.read()


def issue_tickets(port: int, count: int) -> list[str]:
    conn = http.client.HTTPConnection(HOST, port, timeout=HTTP_TIMEOUT)
    numbers = []
    try:
        for _ in range(count):
            headers = {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
            status, body = post(conn, ISSUE_PATH, headers, json.dumps({"business_type": "A"}).encode())
            if status != 201:
                raise RuntimeError(f"issue answered {status}: {body[:300]!r}")
            numbers.append(str(json.loads(body)["number"]))
    finally:
        conn.close()
    return numbers


@dataclass
class CallLog:
    # (number, perf_counter when the answer had been read in full)
    answered: list[tuple[str, float]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def make_calls(port: int, token: str, count: int, interval: float, stop: threading.Event) -> CallLog:
    """`count` call-next requests, one started every `interval` seconds (or right after the last if slower)."""
    log = CallLog()
    conn = http.client.HTTPConnection(HOST, port, timeout=HTTP_TIMEOUT)
    headers = {"Authorization": f"Bearer {token}"}
    start = time.perf_counter()
    try:
        for i in range(count):
            if stop.is_set():
                break
            delay = start + i * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            sent = time.perf_counter()
            try:
                status, body = post(conn, CALL_PATH, headers, b"")
            except (OSError, http.client.HTTPException) as exc:
                log.errors.append(repr(exc))
                conn.close()
                continue
            answered = time.perf_counter()
            log.latencies.append(answered - sent)
            ticket = json.loads(body).get("ticket") if status == 200 else None
            if ticket is None:
                log.errors.append(f"{status}: {body[:200]!r}")
                continue
            log.answered.append((str(ticket["number"]), answered))
    finally:
        conn.close()
    return log


# --- Display clients -----------------------------------------------------------------------------


@dataclass
class Display:
    ws: ClientConnection
    name: str = ""
    calls: dict[str, float] = field(default_factory=dict)  # number -> perf_counter at receipt
    others: int = 0
    acks: int = 0
    heartbeats: int = 0
    ack_rate: float = 1.0  # as the server's last heartbeat.ok says (live.js); --ack-all: always 1
    ack_all: bool = False
    reader: asyncio.Task[None] | None = None
    beater: asyncio.Task[None] | None = None
    # Set when the receipts reach `wanted` numbers; the level waits on all of them.
    wanted: set[str] = field(default_factory=set)
    complete: asyncio.Event = field(default_factory=asyncio.Event)

    async def read(self) -> None:
        with contextlib.suppress(WebSocketException):
            async for message in self.ws:
                now = time.perf_counter()
                if isinstance(message, str) and message.startswith(CALL_PREFIX):
                    call = json.loads(message)
                    number = str(call["number"])
                    self.calls.setdefault(number, now)
                    # As a lobby display does once it has drawn the call: with the server's sampling rate.
                    if self.ack_all or random.random() < self.ack_rate:
                        await self.ws.send(json.dumps({"type": "ack", "id": call["id"]}))
                        self.acks += 1
                    if self.wanted and self.wanted.issubset(self.calls):
                        self.complete.set()
                else:
                    self.others += 1
                    if isinstance(message, str) and message.startswith(HEARTBEAT_OK_PREFIX):
                        self.ack_rate = float(json.loads(message).get("ack_rate", 1.0))

    async def heartbeat(self) -> None:
        """On connect and every HEARTBEAT_SECONDS (the first one spread out, as screens start apart)."""
        frame = json.dumps({"type": "heartbeat", "screen": self.name, "kind": "display", "sound": True})
        with contextlib.suppress(WebSocketException):
            await self.ws.send(frame)
            self.heartbeats += 1
            await asyncio.sleep(random.uniform(0, HEARTBEAT_SECONDS))
            while True:
                await self.ws.send(frame)
                self.heartbeats += 1
                await asyncio.sleep(HEARTBEAT_SECONDS)

    def expect(self, numbers: set[str]) -> None:
        self.wanted = numbers
        if numbers.issubset(self.calls):
            self.complete.set()


async def open_display(
    uri: str, limit: asyncio.Semaphore, name: str = "bench-warm-up", *, ack_all: bool = False
) -> Display:
    async with limit:
        ws = await connect(uri, origin=ORIGIN, open_timeout=OPEN_TIMEOUT, max_queue=None, ping_interval=None)
        try:
            first = json.loads(await asyncio.wait_for(ws.recv(), OPEN_TIMEOUT))
            if first.get("type") != "snapshot":
                raise RuntimeError(f"first message is {first.get('type')!r}, not a snapshot")
        except BaseException:
            await ws.close()
            raise
    display = Display(ws=ws, name=name, ack_all=ack_all)
    display.reader = asyncio.create_task(display.read())
    display.beater = asyncio.create_task(display.heartbeat())
    return display


async def close_all(displays: Sequence[Display]) -> None:
    limit = asyncio.Semaphore(CONNECT_CONCURRENCY * 4)

    async def close(display: Display) -> None:
        async with limit:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(display.ws.close(), 5)
        for task in (display.beater, display.reader):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    await asyncio.gather(*(close(d) for d in displays))


async def origin_rejected(port: int) -> bool:
    """True if the server refuses a display socket from a foreign Origin (the check is on)."""
    uri = f"ws://{HOST}:{port}{DISPLAY_PATH}"
    try:
        ws = await connect(uri, origin="http://evil.example", open_timeout=10, ping_interval=None)
    except InvalidStatus:
        return True
    await ws.close()
    return False


# --- One level ----------------------------------------------------------------------------------


@dataclass
class Level:
    clients: int
    calls: int
    connected: int = 0
    connect_errors: list[str] = field(default_factory=list)
    connect_seconds: float = 0.0
    open_usage: Usage = field(default_factory=Usage)
    rss_before: float = 0.0
    rss_open: float = 0.0
    calls_answered: int = 0
    call_errors: list[str] = field(default_factory=list)
    api_latencies: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    delivered: int = 0
    unmatched: int = 0
    acks: int = 0
    heartbeats: int = 0
    timed_out: str = ""
    usage: Usage = field(default_factory=Usage)

    @property
    def expected(self) -> int:
        return self.clients * self.calls

    @property
    def all_delivered(self) -> bool:
        return self.delivered == self.expected and not self.timed_out

    @property
    def mb_per_100(self) -> float:
        return (self.rss_open - self.rss_before) / self.clients * 100 if self.clients else float("nan")


@contextlib.asynccontextmanager
async def measure_servers(pids: Sequence[int], profile_to: Path | None) -> AsyncIterator[Usage]:
    """CPU of the server processes (summed), the client and the rest of the machine; py-spy on the first."""
    usage = Usage()
    profiler = None
    tool = py_spy() if profile_to is not None else None
    if profile_to is not None and tool is not None:
        profiler = subprocess.Popen(
            [tool, "record", "--pid", str(pids[0]), "--rate", "100", "--gil", "--nonblocking"]
            + ["--format", "raw", "--output", str(profile_to)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        await asyncio.sleep(0.5)
    elif profile_to is not None:
        progress("py-spy not found (pip install py-spy); running without a profile")

    def servers() -> float:
        return sum(process_cpu_seconds(pid) for pid in pids)

    start = (time.perf_counter(), servers(), own_cpu_seconds(), machine_busy_seconds())
    try:
        yield usage
    finally:
        usage.wall = time.perf_counter() - start[0]
        usage.server = servers() - start[1]
        usage.client = own_cpu_seconds() - start[2]
        usage.other = max(0.0, machine_busy_seconds() - start[3] - usage.server - usage.client)
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)
            try:
                profiler.wait(30)
            except subprocess.TimeoutExpired:
                profiler.kill()


async def run_level(
    level: Level,
    pids: Sequence[int],
    ports: Sequence[int],
    token: str,
    interval: float,
    budget: float,
    origin_ok: list[bool],
    profile_to: Path | None = None,
    opening: int = CONNECT_CONCURRENCY,
    ack_all: bool = False,
) -> None:
    uris = [f"ws://{HOST}:{port}{DISPLAY_PATH}" for port in ports]
    port = ports[0]  # the calls are made on the first worker; the others hear of them through Redis
    limit = asyncio.Semaphore(CONNECT_CONCURRENCY)
    # Warm the servers up (imports, first queries, first socket) before the memory baseline.
    await close_all([await open_display(uri, limit) for uri in uris])
    origin_ok.append(await origin_rejected(port))
    await asyncio.to_thread(issue_tickets, port, level.calls)
    await asyncio.sleep(SETTLE_SECONDS)
    level.rss_before = sum(rss_mb(pid) for pid in pids)

    displays: list[Display] = []
    stop = threading.Event()
    try:
        # Two budgets: opening the sockets, then the calls and their delivery.
        deadline = time.monotonic() + budget
        limit = asyncio.Semaphore(opening)
        open_profile = profile_to.with_name(profile_to.stem + "-open.txt") if profile_to is not None else None
        async with measure_servers(pids, open_profile) as open_usage:
            # The reconnect storm: from the first connect to the last snapshot received.
            started = time.perf_counter()
            tasks = [
                asyncio.create_task(open_display(uris[i % len(uris)], limit, f"bench-{i:04d}", ack_all=ack_all))
                for i in range(level.clients)
            ]
            done, pending = await asyncio.wait(tasks, timeout=max(0.0, deadline - time.monotonic()))
            level.connect_seconds = time.perf_counter() - started
        level.open_usage = open_usage
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            if task.exception() is None:
                displays.append(task.result())
            else:
                level.connect_errors.append(repr(task.exception()))
        level.connected = len(displays)
        if pending:
            level.timed_out = f"connecting ({len(pending)} sockets not open after {budget:.0f} s)"
        await asyncio.sleep(SETTLE_SECONDS)
        level.rss_open = sum(rss_mb(pid) for pid in pids)
        if level.timed_out:
            return

        progress(f"{level.clients} clients: {level.connected} open in {level.connect_seconds:.1f} s; calling ...")
        deadline = time.monotonic() + budget
        async with measure_servers(pids, profile_to) as usage:
            calling = asyncio.create_task(asyncio.to_thread(make_calls, port, token, level.calls, interval, stop))
            try:
                log = await asyncio.wait_for(asyncio.shield(calling), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                stop.set()
                log = await calling
                level.timed_out = f"calling (not done within {budget:.0f} s)"
            numbers = {number for number, _ in log.answered}
            for display in displays:
                display.expect(numbers)
            waiting = [asyncio.create_task(d.complete.wait()) for d in displays]
            _, still = await asyncio.wait(waiting, timeout=max(0.0, deadline - time.monotonic()))
            for task in still:
                task.cancel()
            if still and not level.timed_out:
                level.timed_out = f"delivery ({len(still)} sockets incomplete after {budget:.0f} s)"
        level.usage = usage
        level.calls_answered = len(log.answered)
        level.call_errors = log.errors
        level.api_latencies = log.latencies
        answered = dict(log.answered)
        for display in displays:
            for number, received in display.calls.items():
                if number in answered:
                    level.latencies.append(received - answered[number])
                else:
                    level.unmatched += 1
        level.delivered = len(level.latencies)
        level.acks = sum(d.acks for d in displays)
        level.heartbeats = sum(d.heartbeats for d in displays)
    finally:
        stop.set()
        await close_all(displays)


# --- Restart: a hall's screens come back by themselves -------------------------------------------

# static/counter/live.js's reconnect backoff (retryDelay), in seconds.
RETRY_MIN = 0.25
RETRY_FIRST_WINDOW = 1.0
SHORT_OUTAGE = 60.0
SHORT_OUTAGE_MAX = 5.0
RETRY_MAX = 30.0
TARGET_WHOLE_SECONDS = 10.0


def retry_delay(attempt: int, outage: float) -> float:
    cap = SHORT_OUTAGE_MAX if outage < SHORT_OUTAGE else RETRY_MAX
    return RETRY_MIN + random.random() * min(cap, RETRY_FIRST_WINDOW * 2**attempt)


@dataclass
class Screen:
    """A lobby screen as live.js drives it: connect, heartbeat, read until the server goes, back off, again."""

    uri: str
    name: str
    snapshots: list[float] = field(default_factory=list)  # perf_counter of each snapshot received
    retries: int = 0

    async def open(self, frame: str) -> ClientConnection:
        ws = await connect(self.uri, origin=ORIGIN, open_timeout=OPEN_TIMEOUT, max_queue=None, ping_interval=None)
        try:
            await ws.send(frame)
            if json.loads(await asyncio.wait_for(ws.recv(), OPEN_TIMEOUT)).get("type") == "snapshot":
                self.snapshots.append(time.perf_counter())
        except BaseException:
            await ws.close()
            raise
        return ws

    async def run(self, first: asyncio.Semaphore) -> None:
        attempt, lost_at = 0, 0.0
        frame = json.dumps({"type": "heartbeat", "screen": self.name, "kind": "display", "sound": True})
        gate: asyncio.Semaphore | None = first  # the hall's first opening, as many at once as the levels'
        while True:
            try:
                if gate is not None:
                    async with gate:
                        ws = await self.open(frame)
                    gate = None
                else:
                    ws = await self.open(frame)
                attempt = 0
                async for _ in ws:
                    pass
            except (OSError, TimeoutError, ValueError, WebSocketException):
                pass
            if attempt == 0:
                lost_at = time.perf_counter()
            self.retries += 1
            await asyncio.sleep(retry_delay(attempt, time.perf_counter() - lost_at))
            attempt += 1


@dataclass
class Restart:
    clients: int
    opened: int = 0
    stop_seconds: float = 0.0
    ready_seconds: float = 0.0
    whole_seconds: float = float("nan")
    back: int = 0
    retries: int = 0
    usage: Usage = field(default_factory=Usage)


async def until(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def restart_level(env: dict[str, str], tmp: Path, clients: int, opening: int, budget: float) -> Restart:
    """N screens on one daphne; daphne stops (SIGTERM, as systemd restarts a worker) and a new one starts
    on the same port: how long until every screen has the new server's snapshot."""
    result = Restart(clients=clients)
    port = free_port()
    uri = f"ws://{HOST}:{port}{DISPLAY_PATH}"
    screens = [Screen(uri, f"bench-{i:04d}") for i in range(clients)]
    gate = asyncio.Semaphore(opening)
    tasks: list[asyncio.Task[None]] = []
    try:
        log_path = tmp / f"daphne-restart-{clients}-0.log"
        with daphne(env, port, log_path) as old:
            await asyncio.wait_for(wait_ready(old, port, log_path), READY_TIMEOUT + 5)
            tasks = [asyncio.create_task(screen.run(gate)) for screen in screens]
            await until(lambda: all(s.snapshots for s in screens), budget)
            result.opened = sum(1 for s in screens if s.snapshots)
            progress(f"restart, {clients} screens: {result.opened} open; stopping daphne ...")
            stopping = time.perf_counter()
        stopped = time.perf_counter()
        result.stop_seconds = stopped - stopping
        retries_before = sum(s.retries for s in screens)
        log_path = tmp / f"daphne-restart-{clients}-1.log"
        with daphne(env, port, log_path) as new:
            async with measure_servers([new.pid], None) as usage:
                await asyncio.wait_for(wait_ready(new, port, log_path), READY_TIMEOUT + 5)
                result.ready_seconds = time.perf_counter() - stopped
                await until(lambda: all(s.snapshots and s.snapshots[-1] > stopped for s in screens), budget)
            result.usage = usage
            back = [s.snapshots[-1] for s in screens if s.snapshots and s.snapshots[-1] > stopped]
            result.back = len(back)
            if len(back) == clients:
                result.whole_seconds = max(back) - stopped
            result.retries = sum(s.retries for s in screens) - retries_before
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for task in tasks:
            task.cancel()
    return result


def print_restarts(restarts: Sequence[Restart]) -> None:
    print()
    headers = ["restart", "open before", "old daphne stopped in s", "new ready after s", "back", "hall whole after s"]
    headers += ["retries per screen", "srv CPU", "other CPU", "target", ""]
    rows = []
    for r in restarts:
        u = r.usage
        rows.append(
            [
                f"{r.clients} screens",
                f"{r.opened}/{r.clients}",
                f"{r.stop_seconds:.1f}",
                f"{r.ready_seconds:.1f}",
                f"{r.back}/{r.clients}",
                f"{r.whole_seconds:.1f}",
                f"{r.retries / r.clients:.1f}",
                u.percent(u.server),
                u.percent(u.other),
                f"whole in <= {TARGET_WHOLE_SECONDS:.0f} s",
                mark(r.back == r.clients and r.whole_seconds <= TARGET_WHOLE_SECONDS),
            ]
        )
    print_table(headers, rows)
    print("  Screens back off as static/counter/live.js does; times from the moment the old daphne had exited.")


# --- Output ----------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def print_settings(args: argparse.Namespace, db_detail: str, env: dict[str, str], files: tuple[int, int]) -> None:
    import channels
    import daphne as daphne_pkg
    import django
    import websockets

    layer = manage(
        env,
        "shell",
        "-c",
        "from django.conf import settings as s; l = s.CHANNEL_LAYERS['default'];"
        " print(l['BACKEND'], l.get('CONFIG', {}))",
    ).strip()
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    settings = [
        ("date", time.strftime("%Y-%m-%d %H:%M:%S %Z")),
        ("python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("django / channels / daphne", f"{django.get_version()} / {channels.__version__} / {daphne_pkg.__version__}"),
        ("database", db_detail),
        ("channel layer", layer.splitlines()[-1] if layer else "?"),
        ("cache", f"Redis {env['REDIS_URL']}" if env.get("REDIS_URL") else "local memory"),
        (
            "server",
            f"{args.workers} daphne process{'es' if args.workers > 1 else ''} on {HOST}"
            " (counter.asgi:application), fresh ones per level; clients split across them, calls on the first",
        ),
        ("DEBUG", env["DEBUG"]),
        ("origin check", f"on (AllowedHostsOriginValidator); clients send Origin {ORIGIN}"),
        ("logging", "daphne access log + Django logging -> daphne-<N>.log in the temp dir"),
        ("cpu", f"{os.cpu_count()} x {cpu_model()}; clients and server share them"),
        ("load average", f"{load} (1/5/15 min, before the run)"),
        ("open-file limit", f"{files[0]} soft / {files[1]} hard (daphne inherits it)"),
        (
            "clients",
            f"websockets {websockets.__version__}, one asyncio process, {args.open_concurrency} opening at once",
        ),
        ("socket path", f"{DISPLAY_PATH} (first message a snapshot, checked)"),
        (
            "screens",
            f"every client heartbeats on connect and every {HEARTBEAT_SECONDS:g} s, and acknowledges "
            + ("every call" if args.ack_all else "a call with the probability its last heartbeat.ok gave"),
        ),
        (
            "levels",
            f"{', '.join(map(str, args.clients))} sockets; per level {args.timeout:g} s to open them,"
            f" then {args.timeout:g} s for the calls and their delivery",
        ),
        ("calls", f"{args.calls} x POST {CALL_PATH} (device token), one every {args.interval * 1000:.0f} ms"),
    ]
    width = max(len(k) for k, _ in settings)
    print("Settings")
    print("========")
    for key, value in settings:
        print(f"{key.ljust(width)}  {value}")
    sys.stdout.flush()


def print_results(levels: Sequence[Level], origin_ok: Sequence[bool]) -> None:
    print()
    print("Results")
    print("=======")
    print("Delivery latency: call-next answer read by the bench -> matching `call` message read from each socket.")
    print("Every socket heartbeats and acknowledges calls (acks / heartbeats sent below).")
    print("CPU: % of one core from the first call to the last delivery (srv CPU/call: daphne CPU seconds per")
    print("answered call, request and fan-out together); other = the rest of the machine meanwhile.")
    print()
    headers = ["fan-out", "open", "delivered", "p50 ms", "p99 ms", "max ms", "min ms", "call API p50/max ms"]
    headers += ["acks / heartbeats", "srv CPU", "srv CPU/call", "cli CPU", "other CPU", "target", ""]
    rows = []
    for lv in levels:
        lat = sorted(lv.latencies)
        api = sorted(lv.api_latencies)
        p99 = percentile(lat, 0.99)
        ok = lv.all_delivered
        wording = "all delivered"
        if lv.clients == TARGET_P99_CLIENTS:
            wording = f"p99 <= {TARGET_P99_MS:.0f} ms, all delivered"
            ok = ok and p99 * 1000 <= TARGET_P99_MS
        u = lv.usage
        rows.append(
            [
                f"{lv.clients} sockets",
                f"{lv.connected}/{lv.clients}",
                f"{lv.delivered}/{lv.expected}",
                ms(percentile(lat, 0.50)),
                ms(p99),
                ms(lat[-1]) if lat else "-",
                ms(lat[0]) if lat else "-",
                f"{ms(percentile(api, 0.50))}/{ms(api[-1])}" if api else "-",
                f"{lv.acks} / {lv.heartbeats}",
                u.percent(u.server),
                f"{1000 * u.server / lv.calls_answered:.0f} ms" if lv.calls_answered else "-",
                u.percent(u.client),
                u.percent(u.other),
                wording,
                mark(ok),
            ]
        )
    print_table(headers, rows)
    print()
    headers = ["memory", "RSS before MB", "RSS open MB", "MB per 100 sockets", "target", ""]
    rows = []
    for lv in levels:
        rows.append(
            [
                f"{lv.clients} sockets",
                f"{lv.rss_before:.1f}",
                f"{lv.rss_open:.1f}",
                f"{lv.mb_per_100:.2f}",
                f"<= {TARGET_MB_PER_100:.0f} MB per 100 sockets",
                mark(lv.connected == lv.clients and lv.mb_per_100 <= TARGET_MB_PER_100),
            ]
        )
    print_table(headers, rows)
    print("  RSS: daphne's VmRSS (summed over the workers) after warm-up, and again 1 s after the last socket opened.")
    print()
    headers = ["reconnect storm", "open", "open in s", "sockets/s", "srv CPU", "srv CPU/socket", "cli CPU"]
    headers += ["other CPU", "target", ""]
    rows = []
    for lv in levels:
        u = lv.open_usage
        ok = lv.connected == lv.clients
        wording = "all open"
        if lv.clients >= TARGET_OPEN_CLIENTS:
            wording = f"{TARGET_OPEN_CLIENTS} open in <= {TARGET_OPEN_SECONDS:.0f} s"
            ok = ok and lv.connect_seconds * TARGET_OPEN_CLIENTS / lv.clients <= TARGET_OPEN_SECONDS
        rows.append(
            [
                f"{lv.clients} sockets",
                f"{lv.connected}/{lv.clients}",
                f"{lv.connect_seconds:.2f}",
                f"{lv.connected / lv.connect_seconds:.0f}" if lv.connect_seconds else "-",
                u.percent(u.server),
                f"{1000 * u.server / lv.connected:.2f} ms" if lv.connected else "-",
                u.percent(u.client),
                u.percent(u.other),
                wording,
                mark(ok),
            ]
        )
    print_table(headers, rows)
    print("  Open: from the first connect to the last snapshot received, opening as many at once as set above.")
    print(f"  origin check: foreign Origin refused at every level: {'yes' if all(origin_ok) else 'NO'}")
    for lv in levels:
        notes = []
        if lv.timed_out:
            notes.append(f"gave up at {lv.timed_out}")
        if lv.connect_errors:
            notes.append(f"{len(lv.connect_errors)} sockets failed to open, first: {lv.connect_errors[0]}")
        if lv.call_errors:
            notes.append(f"{len(lv.call_errors)} calls failed, first: {lv.call_errors[0]}")
        if lv.calls_answered != lv.calls:
            notes.append(f"{lv.calls_answered}/{lv.calls} calls answered with a ticket")
        if lv.unmatched:
            notes.append(f"{lv.unmatched} call messages for numbers no call of this level answered")
        if notes:
            print(f"  {lv.clients} sockets: " + "; ".join(notes))


# --- Main ------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Fan-out benchmark: desk calls to many display WebSockets.")
    parser.add_argument(
        "--clients",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[100, 500, 1000],
        help="display sockets per level, comma-separated (default 100,500,1000)",
    )
    parser.add_argument(
        "--open-concurrency",
        type=int,
        default=CONNECT_CONCURRENCY,
        help=f"sockets opening at once, as after a restart (default {CONNECT_CONCURRENCY})",
    )
    parser.add_argument("--calls", type=int, default=50, help="desk calls per level (default 50)")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between calls (default 0.1)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="seconds to open the sockets, and again for calls + delivery (default 60)",
    )
    parser.add_argument("--database-url", help="PostgreSQL URL of a scratch database (dropped and re-created)")
    parser.add_argument("--redis-url", help="give the server REDIS_URL: Redis cache and pub/sub channel layer")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="daphne processes sharing the Redis layer (default 1; >1 needs --redis-url)",
    )
    parser.add_argument(
        "--restart",
        action="store_true",
        help="per level, also restart daphne under N screens and time until every one has a new snapshot",
    )
    parser.add_argument(
        "--ack-all",
        action="store_true",
        help="every screen acknowledges every call, ignoring the server's ack_rate (as screens did before it)",
    )
    parser.add_argument("--profile", type=Path, help="directory: py-spy records the first worker during each level")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, server logs)")
    return parser.parse_args(argv)


async def run_levels(args: argparse.Namespace, env: dict[str, str], tmp: Path, token: str) -> list[Level]:
    levels = []
    origin_ok: list[bool] = []
    for clients in args.clients:
        level = Level(clients=clients, calls=args.calls)
        ports = [free_port() for _ in range(args.workers)]
        progress(f"{clients} clients: starting daphne on port{'s' if len(ports) > 1 else ''} {ports} ...")
        profile_to = args.profile / f"fanout-{clients}.txt" if args.profile else None
        with contextlib.ExitStack() as stack:
            procs = []
            for i, port in enumerate(ports):
                log_path = tmp / f"daphne-{clients}-{i}.log"
                proc = stack.enter_context(daphne(env, port, log_path))
                await asyncio.wait_for(wait_ready(proc, port, log_path), READY_TIMEOUT + 5)
                procs.append(proc)
            await run_level(
                level,
                [p.pid for p in procs],
                ports,
                token,
                args.interval,
                args.timeout,
                origin_ok,
                profile_to,
                args.open_concurrency,
                args.ack_all,
            )
        levels.append(level)
        if profile_to is not None:
            opened = profile_to.with_name(profile_to.stem + "-open.txt")
            print(f"Profile of the first worker while {clients} sockets open ({opened}):")
            print("\n".join(profile_summary(opened, 25)))
            print(f"Profile of the first worker, {clients} sockets ({profile_to}):")
            print("\n".join(profile_summary(profile_to, 25)))
    print_results(levels, origin_ok)
    if args.restart:
        restarts = []
        for clients in args.clients:
            progress(f"restart, {clients} screens: starting daphne ...")
            restarts.append(await restart_level(env, tmp, clients, args.open_concurrency, args.timeout))
        print_restarts(restarts)
    return levels


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.workers > 1 and not args.redis_url:
        raise SystemExit("--workers > 1 needs --redis-url: a call reaches another worker's sockets only through Redis")
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    files = raise_file_limit()
    if max(args.clients) + 100 > files[0]:
        raise SystemExit(f"open-file limit {files[0]} is too low for {max(args.clients)} sockets")
    tmp = Path(tempfile.mkdtemp(prefix="counter-fanout-"))
    drop = None
    try:
        db = postgres_database(args.database_url) if args.database_url else sqlite_database(tmp)
        drop = db.drop
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "counter.settings"),
            "DATABASE_URL": db.url,
            "DEBUG": "0",
            "COUNTER_KIOSK_RATE_LIMIT": str(RATE_LIMIT),
        }
        env.pop("REDIS_URL", None)
        if args.redis_url:
            env["REDIS_URL"] = args.redis_url
        progress(f"migrating the {db.engine} database and seeding the demo site ...")
        manage(env, "migrate", "-v0")
        manage(env, "seed_demo", "--password", PASSWORD)
        token = manage(env, "desk_token", SITE, str(DESK)).strip().splitlines()[-1]
        print_settings(args, db.detail, env, files)
        levels = asyncio.run(run_levels(args, env, tmp, token))
        return 0 if levels else 1
    finally:
        if drop is not None and not args.keep:
            with contextlib.suppress(Exception):
                drop()
        if args.keep:
            progress(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        progress("interrupted; daphne stopped and temporary files removed")
        sys.exit(130)
