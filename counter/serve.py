"""Several daphne processes on one port.

    python -m counter.serve --workers 2 -b 127.0.0.1 -p 8000 [daphne options…]

One daphne process runs Django on one core (the GIL); a machine's other cores
would stay idle. This binds the port once and starts `--workers` daphne
processes that all accept on that socket (`daphne --fd`), so the kernel hands
each new connection to one of them: no proxy needed in front, and one address
for kiosks, phones and screens. A worker that dies is started again (after a
second, so a broken configuration does not spin); SIGTERM or SIGINT stops them
all, each finishing its requests as daphne does.

More than one worker needs REDIS_URL: a write's live updates reach the sockets
held by the other workers through the Redis channel layer, and the rate limit
and cached answers are shared there. SQLite writers of all the workers queue on
one file lock beside the database (queueing/services.py).

Options after the known ones (`--access-log -`, `--proxy-headers`, …) go to
each daphne unchanged.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType

APPLICATION = "counter.asgi:application"
RESTART_DELAY = 1.0


def parse_args(argv: Sequence[str] | None = None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="python -m counter.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="daphne processes (default: cores)")
    parser.add_argument("-b", "--bind", default="127.0.0.1", help="IPv4 address to listen on (default 127.0.0.1)")
    parser.add_argument("-p", "--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--backlog", type=int, default=1024, help="listen backlog shared by the workers")
    return parser.parse_known_args(argv)


def listen(host: str, port: int, backlog: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.setblocking(False)  # Twisted adopts it as a non-blocking listening socket
    sock.set_inheritable(True)
    return sock


class Workers:
    def __init__(self, sock: socket.socket, count: int, daphne_args: list[str]) -> None:
        self.sock = sock
        self.count = count
        self.daphne_args = daphne_args
        self.procs: list[subprocess.Popen[bytes] | None] = [None] * count
        self.stopping = False

    def command(self) -> list[str]:
        fd = str(self.sock.fileno())
        return [sys.executable, "-m", "daphne", "--fd", fd, *self.daphne_args, APPLICATION]

    def start(self, index: int) -> None:
        proc = self.procs[index] = subprocess.Popen(self.command(), pass_fds=(self.sock.fileno(),))
        print(f"counter.serve: worker {index + 1} is pid {proc.pid}", file=sys.stderr, flush=True)

    def stop(self, signum: int, _frame: FrameType | None = None) -> None:
        self.stopping = True
        for proc in self.procs:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signum)

    def run(self) -> int:
        for index in range(self.count):
            self.start(index)
        while not self.stopping:
            time.sleep(0.2)
            for index, proc in enumerate(self.procs):
                if self.stopping or proc is None or proc.poll() is None:
                    continue
                note = f"worker {index + 1} (pid {proc.pid}) exited with {proc.returncode}; starting it again"
                print(f"counter.serve: {note}", file=sys.stderr, flush=True)
                time.sleep(RESTART_DELAY)
                if not self.stopping:
                    self.start(index)
        codes = [proc.wait() for proc in self.procs if proc is not None]
        return 0 if all(code in (0, -signal.SIGTERM, -signal.SIGINT) for code in codes) else 1


def main(argv: Sequence[str] | None = None) -> int:
    args, daphne_args = parse_args(argv)
    if args.workers < 1:
        print("counter.serve: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.workers > 1 and not os.environ.get("REDIS_URL"):
        print(
            "counter.serve: more than one worker needs REDIS_URL (live updates cross workers through Redis)",
            file=sys.stderr,
        )
        return 2
    sock = listen(args.bind, args.port, args.backlog)
    workers = Workers(sock, args.workers, daphne_args)
    signal.signal(signal.SIGTERM, workers.stop)
    signal.signal(signal.SIGINT, workers.stop)
    print(f"counter.serve: {args.workers} workers on {args.bind}:{args.port}", file=sys.stderr, flush=True)
    return workers.run()


if __name__ == "__main__":
    sys.exit(main())
