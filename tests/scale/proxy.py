"""A real nginx, run from deploy/nginx/counter.conf, in front of loopback daphne workers.

Used by tests/scale/ and bench/scale.py, so the operator's recipe is what gets
tested. Only the parts an operator edits are substituted (the workers, the
listening port, server_name, the static root); everything else is the file
as shipped. The test set-up adds one line: an `X-Upstream` response header
naming the worker that answered, so a test knows where a request or socket
landed. nginx runs as a non-daemon child with its own prefix, pid and logs.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATE = ROOT / "deploy" / "nginx" / "counter.conf"
HOST = "127.0.0.1"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _sub(pattern: str, replacement: str, text: str, *, count: int = 1) -> str:
    new, n = re.subn(pattern, lambda _: replacement, text, flags=re.MULTILINE)
    if n != count:
        raise ValueError(f"deploy/nginx/counter.conf: expected {count} match(es) of {pattern!r}, found {n}")
    return new


def render_site(*, worker_ports: list[int], port: int, static_root: Path, upstream_header: bool = True) -> str:
    """deploy/nginx/counter.conf with this machine's workers, port and static root."""
    text = TEMPLATE.read_text()
    servers = re.findall(r"^(\s*)server 127\.0\.0\.1:\d+( [^;]*)?;$", text, flags=re.MULTILINE)
    if not servers:
        raise ValueError("deploy/nginx/counter.conf: no `server 127.0.0.1:PORT` lines in the upstream")
    indent, params = servers[0]
    lines = "\n".join(f"{indent}server {HOST}:{p}{params};" for p in worker_ports)
    text = _sub(r"^\s*server 127\.0\.0\.1:\d+( [^;]*)?;\n", "", text, count=len(servers))
    text = _sub(r"^(\s*# workers:.*\n(?:\s*#.*\n)*)", "", text)  # the comment goes with the lines it explains
    text = _sub(r"^(\s*)keepalive (\d+);", f"{lines}\n{indent}keepalive 32;", text)
    text = _sub(r"^\s*listen \[::\]:80;\n", "", text)
    text = _sub(r"^(\s*)listen 80;", f"    listen {HOST}:{port};", text)
    text = _sub(r"^(\s*)server_name [^;]+;.*$", "    server_name 127.0.0.1 localhost;", text)
    text = _sub(r"^(\s*)alias [^;]+;.*$", f"        alias {static_root}/;", text)
    if upstream_header:
        text = _sub(
            r"^(\s*)server_tokens off;$",
            "    server_tokens off;\n    add_header X-Upstream $upstream_addr always;",
            text,
        )
    return text


def render_main(prefix: Path, *, worker_connections: int = 1024, worker_processes: str = "1") -> str:
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers must read the temp dirs we made
    temp = "\n".join(
        f"    {name}_temp_path {prefix / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}daemon off;
worker_processes {worker_processes};
worker_rlimit_nofile {worker_connections * 2 + 100};
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{
    worker_connections {worker_connections};
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix / "access.log"};
{temp}
    include {prefix / "counter.conf"};
}}
"""


class Nginx:
    """nginx on a free loopback port in front of `worker_ports`."""

    def __init__(
        self,
        worker_ports: list[int],
        static_root: Path,
        *,
        worker_connections: int = 1024,
        worker_processes: str = "1",  # one: round robin then alternates strictly, which the tests rely on
    ) -> None:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed")
        self.binary = binary
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.ws_url = f"ws://{HOST}:{self.port}"
        self.prefix = Path(tempfile.mkdtemp(prefix="counter-nginx-"))
        (self.prefix / "counter.conf").write_text(
            render_site(worker_ports=worker_ports, port=self.port, static_root=static_root)
        )
        (self.prefix / "nginx.conf").write_text(
            render_main(self.prefix, worker_connections=worker_connections, worker_processes=worker_processes)
        )
        self.process: subprocess.Popen[bytes] | None = None

    def _command(self, *extra: str) -> list[str]:
        return [self.binary, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"), "-e", str(self.log), *extra]

    @property
    def log(self) -> Path:
        return self.prefix / "error.log"

    def start(self, timeout: float = 10) -> Nginx:
        check = subprocess.run(self._command("-t", "-q"), capture_output=True, text=True, check=False)
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t refused the configuration:\n{check.stderr}")
        self.process = subprocess.Popen(self._command(), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited early:\n{self.output()}")
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not start within {timeout}s:\n{self.output()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.prefix, ignore_errors=True)

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-5000:]
        except OSError:
            return ""
