"""Load benchmark: ticket issuance and desk calls against one daphne process.

Run from the project root with the virtualenv active:

    python bench/load.py                                   # fresh SQLite file in a temp dir
    python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/bench

It builds a fresh database (migrate + seed_demo), starts one daphne process with
every feature on (access log, rate-limit check, Django logging), drives it from
one asyncio client process and prints the settings, then the figures next to the
targets. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SITE = "demo"
PASSWORD = "bench-pass-123"
PREFIXES = "ABCDE"
HOST = "127.0.0.1"
# High enough never to trigger, but the limit is still counted on every issue request.
RATE_LIMIT = 100_000_000
BENCH_DESKS = range(5, 25)  # 20 desks of their own, so the demo desks 1–4 stay as seeded
CALL_NEXT_TICKETS = 1_000
REQUEST_TIMEOUT = 30.0
READY_TIMEOUT = 60.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

ISSUE_PATH = f"/api/v1/sites/{SITE}/tickets/"
SNAPSHOT_PATH = f"/api/v1/sites/{SITE}/snapshot/"
READY_PATH = f"/api/v1/sites/{SITE}/business-types/"

# clients -> (min tickets/s, max p50 ms, max p99 ms, wording)
ISSUE_TARGETS: dict[int, tuple[float, float | None, float | None, str]] = {
    1: (0.0, 5.0, None, "p50 <= 5 ms"),
    10: (300.0, None, 100.0, ">= 300/s, p99 <= 100 ms"),
    50: (250.0, None, 400.0, ">= 250/s, p99 <= 400 ms"),
}
CALL_NEXT_TARGET_SECONDS = 4.0


# --- HTTP clients -------------------------------------------------------------


class Connection(Protocol):
    async def request(
        self, method: str, path: str, headers: Sequence[tuple[str, str]] = (), body: bytes = b""
    ) -> tuple[int, bytes]: ...

    async def close(self) -> None: ...


class RawConnection:
    """One keep-alive HTTP/1.1 connection with just enough parsing for daphne's answers.

    A hand-written client costs a few tens of microseconds per request, so on a
    two-core machine nearly all the CPU is left to the server being measured.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._host_header = f"{host}:{port}"
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    async def request(
        self, method: str, path: str, headers: Sequence[tuple[str, str]] = (), body: bytes = b""
    ) -> tuple[int, bytes]:
        reader, writer = await self._connect()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self._host_header}"]
        lines.extend(f"{name}: {value}" for name, value in headers)
        lines.append(f"Content-Length: {len(body)}")
        # One write per request: no Nagle/delayed-ACK stall between head and body.
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        try:
            await writer.drain()
            return await self._read_response(reader)
        except BaseException:
            # A half-read answer leaves the stream out of step; start afresh.
            await self.close()
            raise

    async def _read_response(self, reader: asyncio.StreamReader) -> tuple[int, bytes]:
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].split(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        fields: dict[bytes, bytes] = {}
        for line in header_lines:
            name, _, value = line.partition(b":")
            fields[name.strip().lower()] = value.strip()
        if b"content-length" in fields:
            body = await reader.readexactly(int(fields[b"content-length"]))
        elif fields.get(b"transfer-encoding", b"").lower() == b"chunked":
            body = await self._read_chunked(reader)
        else:
            body = await reader.read()
            fields[b"connection"] = b"close"
        if fields.get(b"connection", b"").lower() == b"close":
            await self.close()
        return status, body

    @staticmethod
    async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


class HttpxConnection:
    """The same interface over httpx.AsyncClient, kept to compare the clients' own CPU cost."""

    def __init__(self, host: str, port: int) -> None:
        import httpx

        self._client = httpx.AsyncClient(
            base_url=f"http://{host}:{port}",
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            timeout=REQUEST_TIMEOUT,
        )

    async def request(
        self, method: str, path: str, headers: Sequence[tuple[str, str]] = (), body: bytes = b""
    ) -> tuple[int, bytes]:
        response = await self._client.request(method, path, headers=list(headers), content=body)
        return response.status_code, response.content

    async def close(self) -> None:
        await self._client.aclose()


ConnectionFactory = Callable[[], Connection]
CLIENTS: dict[str, tuple[Callable[[str, int], Connection], str]] = {
    "raw": (RawConnection, "asyncio, hand-written HTTP/1.1 keep-alive; one connection per client, one process"),
    "httpx": (HttpxConnection, "httpx.AsyncClient; one connection per client, one process"),
}


# --- CPU use and profiles ---------------------------------------------------------


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads) and of its living descendants, from /proc.

    The descendants are the daphne workers of `python -m counter.serve`; one daphne has none.
    """
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                # The command name may contain spaces; the fields after it are fixed.
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
    tree, total = [pid], 0.0
    while tree:
        current = tree.pop()
        total += stats.get(current, (0, 0.0))[1]
        tree.extend(child for child, (parent, _) in stats.items() if parent == current)
    return total


def machine_busy_seconds() -> float:
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / CLOCK_TICKS  # all but idle and iowait


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Usage:
    """Wall time and CPU seconds of one measured phase."""

    wall: float = 0.0
    server: float = 0.0
    client: float = 0.0
    # Everything else on the machine (other users' processes share these cores).
    other: float = 0.0

    def percent(self, cpu_seconds: float) -> str:
        """As % of one core."""
        return f"{100 * cpu_seconds / self.wall:.0f}%" if self.wall else "-"


def py_spy() -> str | None:
    found = shutil.which("py-spy")
    beside = Path(sys.executable).parent / "py-spy"
    return found or (str(beside) if beside.exists() else None)


@contextlib.asynccontextmanager
async def measure(server_pid: int, profile_to: Path | None) -> AsyncIterator[Usage]:
    """CPU of server, client and the rest of the machine over the block, optionally under py-spy."""
    usage = Usage()
    profiler = None
    tool = py_spy() if profile_to is not None else None
    if profile_to is not None and tool is not None:
        # --gil: only the thread holding the GIL, i.e. where the Python CPU goes (SQLite's
        # own C work runs without the GIL and does not show); --nonblocking: never pauses daphne.
        profiler = subprocess.Popen(
            [tool, "record", "--pid", str(server_pid), "--rate", "100", "--gil", "--nonblocking"]
            + ["--format", "raw", "--output", str(profile_to)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        await asyncio.sleep(0.5)
    elif profile_to is not None:
        progress("py-spy not found (pip install py-spy); running without a profile")
    start = (time.perf_counter(), process_cpu_seconds(server_pid), own_cpu_seconds(), machine_busy_seconds())
    try:
        yield usage
    finally:
        usage.wall = time.perf_counter() - start[0]
        usage.server = process_cpu_seconds(server_pid) - start[1]
        usage.client = own_cpu_seconds() - start[2]
        usage.other = max(0.0, machine_busy_seconds() - start[3] - usage.server - usage.client)
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)
            try:
                profiler.wait(30)
            except subprocess.TimeoutExpired:
                profiler.kill()


def profile_summary(path: Path, top: int) -> list[str]:
    """Top functions of a py-spy raw profile: by own samples, and inclusive for this project's code."""
    if not path.exists():
        return [f"  (no profile written to {path})"]
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    packages = tuple(f"{p.name}/" for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name != "bench")
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        # "function (file:line)" -> "function (file)", so that one function counts once.
        frames = [frame.rsplit(":", 1)[0] + ")" if frame.endswith(")") else frame for frame in stack.split(";")]
        own[frames[-1]] += n
        for frame in set(frames):
            if frame.rpartition("(")[2].startswith(packages):
                inclusive[frame] += n
    if not total:
        return [f"  (empty profile {path})"]
    lines = [f"  {total} samples; own time (function and file, % of samples):"]
    lines += [f"    {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    lines.append("  this project's functions, including what they call:")
    lines += [f"    {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    return lines


# --- Scenario: issue ----------------------------------------------------------


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile; exact for the sample, no interpolation to argue about."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -int(-fraction * len(sorted_values) // 1))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class IssueResult:
    clients: int
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    error_sample: str = ""
    keys: list[tuple[str, str]] = field(default_factory=list)
    duplicates: int = 0
    usage: Usage = field(default_factory=Usage)
    profile: Path | None = None


class IssueLoad:
    """Clients that each take tickets back to back on their own keep-alive connection."""

    def __init__(self, connect: ConnectionFactory, server_pid: int) -> None:
        self.connect = connect
        self.server_pid = server_pid
        # Every 201 answer of the run, warm-up included: numbers restart only at the day change.
        self.seen: Counter[tuple[str, str]] = Counter()
        self._cycle = 0

    def _next_body(self) -> bytes:
        prefix = PREFIXES[self._cycle % len(PREFIXES)]
        self._cycle += 1
        return json.dumps({"business_type": prefix}).encode()

    async def _one(self, conn: Connection, result: IssueResult | None) -> None:
        headers = [("Content-Type", "application/json"), ("Idempotency-Key", str(uuid.uuid4()))]
        body = self._next_body()
        started = time.perf_counter()
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                status, answer = await conn.request("POST", ISSUE_PATH, headers, body)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
            status, answer = 0, repr(exc).encode()
        latency = time.perf_counter() - started
        ticket: dict[str, Any] = {}
        if status == 201:
            with contextlib.suppress(ValueError):
                ticket = json.loads(answer)
        ok = status == 201 and bool(ticket.get("number")) and bool(ticket.get("token"))
        key = (str(ticket.get("service_day")), str(ticket.get("number")))
        if ok:
            self.seen[key] += 1
        if result is None:
            return
        result.latencies.append(latency)
        if ok:
            result.keys.append(key)
        else:
            result.errors[str(status or "connection")] += 1
            result.error_sample = result.error_sample or answer[:300].decode("utf-8", "replace")

    async def run(
        self, clients: int, *, warmup: float, seconds: float | None, requests: int | None, profile: Path | None
    ) -> IssueResult:
        result = IssueResult(clients=clients, profile=profile)
        conns = [self.connect() for _ in range(clients)]
        try:
            await self._phase(conns, None, deadline=time.perf_counter() + warmup, budget=None)
            async with measure(self.server_pid, profile) as usage:
                deadline = time.perf_counter() + seconds if seconds is not None else None
                await self._phase(conns, result, deadline=deadline, budget=requests)
        finally:
            await asyncio.gather(*(c.close() for c in conns))
        result.usage = usage
        return result

    async def _phase(
        self, conns: list[Connection], result: IssueResult | None, *, deadline: float | None, budget: int | None
    ) -> None:
        remaining = [budget]

        async def client(conn: Connection) -> None:
            while deadline is None or time.perf_counter() < deadline:
                if remaining[0] is not None:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                await self._one(conn, result)

        await asyncio.gather(*(client(c) for c in conns))

    def count_duplicates(self, results: Sequence[IssueResult]) -> None:
        # Counted once every level has run, so a number repeated in a later level counts too.
        for r in results:
            r.duplicates = sum(1 for key in set(r.keys) if self.seen[key] > 1)


# --- Scenario: call-next ----------------------------------------------------------


@dataclass
class CallNextResult:
    desks: int
    tickets_before: int = 0
    requests: int = 0
    called: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    error_sample: str = ""
    double_calls: int = 0
    waiting_after_api: int = -1
    waiting_after_db: int = -1
    called_twice_db: int = -1
    usage: Usage = field(default_factory=Usage)
    profile: Path | None = None


async def waiting_total(connect: ConnectionFactory) -> int:
    conn = connect()
    try:
        status, body = await conn.request("GET", SNAPSHOT_PATH)
    finally:
        await conn.close()
    if status != 200:
        raise RuntimeError(f"snapshot answered {status}: {body[:200]!r}")
    return sum(int(row["waiting"]) for row in json.loads(body)["waiting"])


async def call_next_load(
    connect: ConnectionFactory, tokens: dict[int, str], server_pid: int, profile: Path | None
) -> CallNextResult:
    result = CallNextResult(desks=len(tokens), profile=profile)
    numbers: Counter[str] = Counter()
    result.tickets_before = await waiting_total(connect)
    # A stuck desk must not loop for ever; nothing legitimate needs this many calls.
    max_requests = 3 * (result.tickets_before + len(tokens)) + 100

    async def desk_client(number: int, token: str) -> None:
        conn = connect()
        path = f"/api/v1/sites/{SITE}/desks/{number}/call-next/"
        headers = [("Authorization", f"Bearer {token}")]
        failures_in_a_row = 0
        try:
            while result.requests < max_requests and failures_in_a_row < 50:
                started = time.perf_counter()
                try:
                    async with asyncio.timeout(REQUEST_TIMEOUT):
                        status, body = await conn.request("POST", path, headers)
                except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
                    status, body = 0, repr(exc).encode()
                result.latencies.append(time.perf_counter() - started)
                result.requests += 1
                answer: dict[str, Any] | None = None
                if status == 200:
                    with contextlib.suppress(ValueError):
                        answer = json.loads(body)
                if answer is None or "ticket" not in answer:
                    result.errors[str(status or "connection")] += 1
                    result.error_sample = result.error_sample or body[:300].decode("utf-8", "replace")
                    failures_in_a_row += 1
                    continue
                failures_in_a_row = 0
                ticket = answer["ticket"]
                if ticket is None:
                    return
                if ticket.get("status") != "called":
                    result.errors[f"status {ticket.get('status')}"] += 1
                numbers[ticket["number"]] += 1
        finally:
            await conn.close()

    async with measure(server_pid, profile) as usage:
        await asyncio.gather(*(desk_client(n, t) for n, t in tokens.items()))
    result.usage = usage
    result.called = sum(numbers.values())
    result.double_calls = sum(1 for n in numbers.values() if n > 1)
    result.waiting_after_api = await waiting_total(connect)
    return result


# --- Database and server processes ----------------------------------------------------


@dataclass
class Database:
    url: str
    engine: str
    detail: str
    drop: Callable[[], None] | None = None


def sqlite_database(directory: Path) -> Database:
    import sqlite3

    path = directory / "bench.sqlite3"
    return Database(url=f"sqlite:///{path}", engine="SQLite", detail=f"SQLite {sqlite3.sqlite_version}, file {path}")


def postgres_database(url: str) -> Database:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or name in ("postgres", "template0", "template1"):
        raise SystemExit(f"Refusing to drop and re-create database {name!r}; name a scratch database.")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))

    def run(statement: sql.Composable) -> None:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(statement)

    run(drop)
    run(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return Database(
        url=url,
        engine="PostgreSQL",
        detail=f"PostgreSQL {row[0] if row else '?'}, database {name} (dropped and re-created)",
        drop=lambda: run(drop),
    )


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def django_step(env: dict[str, str], *args: str) -> dict[str, Any]:
    """Run one of this file's --internal steps in a fresh process set up against the bench database."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--internal", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"step {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def daphne(env: dict[str, str], port: int, log_path: Path, workers: int = 1) -> Iterator[subprocess.Popen[bytes]]:
    """One daphne process on `port`, or `workers` of them sharing it (`python -m counter.serve`)."""
    if workers > 1:
        command = [sys.executable, "-m", "counter.serve", "--workers", str(workers), "-b", HOST, "-p", str(port)]
    else:
        command = [sys.executable, "-m", "daphne", "-b", HOST, "-p", str(port), "counter.asgi:application"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own session, so a Ctrl-C in the terminal reaches only us and we stop it in order.
            start_new_session=True,
        )
    try:
        yield proc
    finally:
        # A second Ctrl-C or kill must not cut the clean-up short and leave daphne running.
        previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            if proc.poll() is None:
                proc.terminate()
                try:
                    # Stopped mid-request (Ctrl-C during a scenario) daphne hangs at exit: its worker
                    # threads wait for an event loop that is gone. Give it a moment, then kill it
                    # (its own session: every worker counter.serve started with it).
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


async def wait_ready(proc: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"daphne exited with {proc.returncode}:\n{log_path.read_text(errors='replace')[-3000:]}")
        conn = RawConnection(HOST, port)
        try:
            status, _ = await conn.request("GET", READY_PATH)
            if status == 200:
                return
        except (OSError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            await conn.close()
        await asyncio.sleep(0.2)
    raise RuntimeError(f"daphne did not answer within {READY_TIMEOUT:.0f} s")


# --- Output -------------------------------------------------------------------------


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> None:
    """Aligned columns: the first `left` and the last two (target, verdict) left-aligned, figures right."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    text_columns = set(range(left)) | {len(headers) - 2, len(headers) - 1}

    def line(cells: Sequence[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.ljust(w) if i in text_columns else c.rjust(w) for i, (c, w) in pairs).rstrip()

    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def mark(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_issue(results: Sequence[IssueResult], total_tickets: int) -> None:
    headers = ["issue", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "dups"]
    headers += ["srv CPU", "srv CPU/req", "cli CPU", "other CPU", "target (and 0 errors, 0 dups)", ""]
    rows = []
    for r in results:
        lat = sorted(r.latencies)
        u = r.usage
        rps = len(lat) / u.wall if u.wall else 0.0
        p50, p99 = percentile(lat, 0.50) * 1000, percentile(lat, 0.99) * 1000
        wording, verdict = "-", ""
        if r.clients in ISSUE_TARGETS:
            min_rps, max_p50, max_p99, wording = ISSUE_TARGETS[r.clients]
            ok = rps >= min_rps and r.duplicates == 0 and not r.errors
            ok = ok and (max_p50 is None or p50 <= max_p50) and (max_p99 is None or p99 <= max_p99)
            verdict = mark(ok)
        rows.append(
            [
                f"{r.clients} client{'s' if r.clients != 1 else ''}",
                str(len(lat)),
                f"{rps:.0f}",
                f"{p50:.1f}",
                ms(percentile(lat, 0.90)),
                f"{p99:.1f}",
                ms(lat[-1] if lat else float("nan")),
                str(sum(r.errors.values())),
                str(r.duplicates),
                u.percent(u.server),
                f"{1000 * u.server / len(lat):.1f} ms" if lat else "-",
                u.percent(u.client),
                u.percent(u.other),
                wording,
                verdict,
            ]
        )
    print_table(headers, rows)
    for r in results:
        if r.errors:
            print(f"  {r.clients} clients: errors by status {dict(r.errors)}; first: {r.error_sample}")
    print(f"  dups: (day, number) pairs answered more than once among all {total_tickets} tickets of the run.")


def print_call_next(r: CallNextResult) -> None:
    lat = sorted(r.latencies)
    u = r.usage
    left = r.waiting_after_api + r.waiting_after_db
    ok = u.wall <= CALL_NEXT_TARGET_SECONDS and r.double_calls == 0 and r.called_twice_db == 0
    ok = ok and not r.errors and left == 0 and r.called == r.tickets_before
    headers = ["call-next", "called", "calls", "time s", "calls/s", "p50 ms", "p99 ms", "max ms", "errors"]
    headers += ["double", "left", "srv CPU", "cli CPU", "other CPU", "target (and 0 errors, 0 left)", ""]
    row = [
        f"{r.desks} desks",
        f"{r.called}/{r.tickets_before}",
        str(r.requests),
        f"{u.wall:.2f}",
        f"{r.requests / u.wall:.0f}" if u.wall else "-",
        ms(percentile(lat, 0.50)),
        ms(percentile(lat, 0.99)),
        ms(lat[-1] if lat else float("nan")),
        str(sum(r.errors.values())),
        f"{r.double_calls}/{r.called_twice_db}",
        f"{r.waiting_after_api}/{r.waiting_after_db}",
        u.percent(u.server),
        u.percent(u.client),
        u.percent(u.other),
        f"<= {CALL_NEXT_TARGET_SECONDS:.0f} s, 0 double calls",
        mark(ok),
    ]
    print_table(headers, [row])
    if r.errors:
        print(f"  errors by status {dict(r.errors)}; first: {r.error_sample}")
    print("  calls: including each desk's last call, which finds the queue empty.")
    print("  double: numbers answered as called more than once / tickets with more than one call event.")
    print("  left: tickets still waiting afterwards per the snapshot API / per the database.")


def print_results(
    issue: Sequence[IssueResult], call_next: CallNextResult | None, total_tickets: int, profile_top: int
) -> None:
    print()
    print("Results")
    print("=======")
    print("Latency: request written to answer read. CPU: % of one core, over the measured phase;")
    print("other = the rest of the machine: PostgreSQL and Redis if used, and any other process.")
    if issue:
        print()
        print_issue(issue, total_tickets)
    if call_next is not None:
        print()
        print_call_next(call_next)
    profiled = [(f"issue, {r.clients} clients", r.profile) for r in issue if r.profile is not None]
    if call_next is not None and call_next.profile is not None:
        profiled.append(("call-next", call_next.profile))
    for label, path in profiled:
        print()
        print(f"Server profile, {label} (py-spy --gil, {path}):")
        print("\n".join(profile_summary(path, profile_top)))


def print_settings(
    args: argparse.Namespace, db: Database, env: dict[str, str], port: int, log_path: Path, client: str
) -> None:
    import daphne as daphne_pkg
    import django

    redis = env.get("REDIS_URL")
    amount = f"{args.requests} requests per level" if args.requests else f"{args.seconds:g} s per level"
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    settings = [
        ("date", time.strftime("%Y-%m-%d %H:%M:%S %Z")),
        ("python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("django / daphne", f"{django.get_version()} / {daphne_pkg.__version__}"),
        ("settings module", env["DJANGO_SETTINGS_MODULE"]),
        ("database", db.detail),
        (
            "server",
            f"{args.workers} daphne processes on {HOST}:{port} (python -m counter.serve)"
            if args.workers > 1
            else f"1 daphne process on {HOST}:{port} (counter.asgi:application)",
        ),
        ("DEBUG", env["DEBUG"]),
        ("kiosk rate limit", f"{env['COUNTER_KIOSK_RATE_LIMIT']}/min per address (checked on every issue, never hit)"),
        ("cache, channel layer", f"Redis {redis}" if redis else "local memory, in-memory channel layer"),
        ("logging", f"on: daphne access log + Django LOG_LEVEL={env.get('LOG_LEVEL', 'INFO')} -> {log_path}"),
        ("cpu", f"{os.cpu_count()} x {cpu_model()}; client and server share them"),
        ("load average", f"{load} (1/5/15 min, before the run)"),
        ("client", client),
        ("issue levels", f"{', '.join(map(str, args.clients))} clients; {args.warmup:g} s warm-up, then {amount}"),
        ("call-next", f"{CALL_NEXT_TICKETS} waiting tickets (A-E), desks {BENCH_DESKS[0]}-{BENCH_DESKS[-1]} on A-E"),
        ("profile", f"py-spy into {args.profile}" if args.profile else "off"),
    ]
    width = max(len(k) for k, _ in settings)
    print("Settings")
    print("========")
    for key, value in settings:
        print(f"{key.ljust(width)}  {value}")
    sys.stdout.flush()


# --- Steps run inside Django (--internal) ---------------------------------------------


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "counter.settings")
    import django

    django.setup()


def internal_desks() -> dict[str, Any]:
    """Open the bench desks, each handling every business type, and give each a device token."""
    from queueing import services
    from queueing.models import BusinessType, Desk, DeskBusinessType, Site

    site = Site.objects.get(slug=SITE)
    types = list(BusinessType.objects.filter(site=site).order_by("position"))
    tokens = {}
    for number in BENCH_DESKS:
        desk, _ = Desk.objects.get_or_create(site=site, number=number, defaults={"name": f"{number}号窗口"})
        for position, bt in enumerate(types):
            DeskBusinessType.objects.get_or_create(desk=desk, business_type=bt, defaults={"position": position})
        if desk.state != Desk.State.OPEN:
            services.open_desk(desk=desk, actor=services.Actor(kind="system"))
        tokens[str(number)] = services.create_desk_token(desk=desk)
    return {"tokens": tokens}


def internal_seed(count: int) -> dict[str, Any]:
    """Leave exactly `count` waiting tickets, spread over A-E, issued by the service."""
    from django.db import connection
    from django.utils import timezone

    from queueing import services
    from queueing.models import Site, Ticket

    site = Site.objects.get(slug=SITE)
    # The issue scenario leaves thousands waiting. Going through services.cancel
    # would take longer than the scenario itself, and these rows exist only in
    # the bench database, so they leave the queue in one statement.
    retired = Ticket.objects.filter(site=site, status=Ticket.Status.WAITING).update(
        status=Ticket.Status.CANCELLED, finished_at=timezone.now()
    )
    kiosk = services.Actor(kind="kiosk")
    for i in range(count):
        services.issue_ticket(site=site, prefix=PREFIXES[i % len(PREFIXES)], actor=kiosk)
    waiting = Ticket.objects.filter(site=site, status=Ticket.Status.WAITING).count()
    # PostgreSQL plans from table statistics, and autovacuum gathers them within a minute of
    # a thousand new rows (autovacuum_naptime): a hall is never measured with the empty
    # table's, which would send the queue-head reads down the wrong index.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"retired": retired, "waiting": waiting}


def internal_check() -> dict[str, Any]:
    from django.db.models import Count

    from queueing.models import Event, Site, Ticket

    site = Site.objects.get(slug=SITE)
    calls = Event.objects.filter(site=site, kind=Event.Kind.TICKET_CALLED)
    return {
        "waiting": Ticket.objects.filter(site=site, status=Ticket.Status.WAITING).count(),
        "called_events": calls.count(),
        "called_twice": calls.values("ticket").annotate(n=Count("pk")).filter(n__gt=1).count(),
    }


def run_internal(step: Sequence[str]) -> None:
    setup_django()
    steps: dict[str, Callable[[], dict[str, Any]]] = {
        "desks": internal_desks,
        "seed": lambda: internal_seed(int(step[1])),
        "check": internal_check,
    }
    result = steps[step[0]]()
    from queueing import broadcast

    broadcast.drain()  # the step's live updates go out before the interpreter exits under their thread
    print(json.dumps(result))


# --- Main ---------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Load benchmark of the Counter API against one daphne process.")
    parser.add_argument("--database-url", help="PostgreSQL URL of a scratch database (dropped and re-created)")
    parser.add_argument("--redis-url", help="give the server REDIS_URL: Redis cache and channel layer")
    parser.add_argument("--only", choices=["issue", "call-next"], help="run one scenario")
    add_workers_option(parser)
    amount = parser.add_mutually_exclusive_group()
    amount.add_argument("--seconds", type=float, default=8.0, help="measured seconds per issue level (default 8)")
    amount.add_argument("--requests", type=int, help="measured requests per issue level, instead of --seconds")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per issue level (default 1)")
    parser.add_argument(
        "--clients",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[1, 10, 50],
        help="issue concurrency levels, comma-separated (default 1,10,50)",
    )
    parser.add_argument("--client", choices=sorted(CLIENTS), default="raw", help="HTTP client (default raw)")
    parser.add_argument("--profile", type=Path, help="record the server with py-spy into this directory")
    parser.add_argument("--profile-top", type=int, default=15, help="functions listed per profile (default 15)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, server log)")
    parser.add_argument("--internal", nargs="+", help=argparse.SUPPRESS)
    return parse_with_workers(parser, argv)


def add_workers_option(parser: argparse.ArgumentParser) -> None:
    """--workers: Counter as `python -m counter.serve` (several daphne processes on one port)."""
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="Counter's daphne processes on its one port (python -m counter.serve; > 1 needs --redis-url)",
    )


def parse_with_workers(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    args = parser.parse_args(argv)
    if args.workers > 1 and not args.redis_url:
        parser.error("--workers > 1 needs --redis-url: live updates cross the workers through Redis")
    return args


async def run_scenarios(
    args: argparse.Namespace, env: dict[str, str], proc: subprocess.Popen[bytes], port: int, log_path: Path
) -> tuple[list[IssueResult], CallNextResult | None, int]:
    factory = CLIENTS[args.client][0]

    def connect() -> Connection:
        return factory(HOST, port)

    def profile_path(name: str) -> Path | None:
        return args.profile / f"{name}.txt" if args.profile else None

    await wait_ready(proc, port, log_path)
    issue_results: list[IssueResult] = []
    load = IssueLoad(connect, proc.pid)
    if args.only in (None, "issue"):
        for clients in args.clients:
            progress(f"issue: {clients} clients ...")
            issue_results.append(
                await load.run(
                    clients,
                    warmup=args.warmup,
                    seconds=None if args.requests else args.seconds,
                    requests=args.requests,
                    profile=profile_path(f"issue-{clients}"),
                )
            )
        load.count_duplicates(issue_results)
    call_next = None
    if args.only in (None, "call-next"):
        progress(f"call-next: opening {len(BENCH_DESKS)} desks and issuing {CALL_NEXT_TICKETS} tickets ...")
        tokens = {int(k): v for k, v in django_step(env, "desks")["tokens"].items()}
        django_step(env, "seed", str(CALL_NEXT_TICKETS))
        progress("call-next: calling ...")
        call_next = await call_next_load(connect, tokens, proc.pid, profile_path("call-next"))
        check = django_step(env, "check")
        call_next.waiting_after_db = check["waiting"]
        call_next.called_twice_db = check["called_twice"]
    return issue_results, call_next, sum(load.seen.values())


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.internal:
        run_internal(args.internal)
        return 0
    # Let a `kill` of the bench run the same clean-up as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="counter-bench-"))
    db: Database | None = None
    try:
        db = postgres_database(args.database_url) if args.database_url else sqlite_database(tmp)
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
        port = free_port()
        log_path = tmp / "daphne.log"
        progress(f"starting daphne on port {port} ...")
        with daphne(env, port, log_path, workers=args.workers) as proc:
            print_settings(args, db, env, port, log_path, CLIENTS[args.client][1])
            issue, call_next, total_tickets = asyncio.run(run_scenarios(args, env, proc, port, log_path))
        print_results(issue, call_next, total_tickets, args.profile_top)
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
        progress("interrupted; daphne stopped and temporary files removed")
        sys.exit(130)
