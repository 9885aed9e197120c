"""Take the README's screenshots of the kiosk, the printed ticket, the phone page, the desk and the display.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

It builds a demo hall in a temporary SQLite database (seed_demo, a few
tickets, desk 1 calling), serves it with daphne on a free loopback port and
photographs the pages in Debian's headless Chromium, in Chinese.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "Demo-screens-2026"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True, stdout=subprocess.DEVNULL)


def build_hall(env: dict[str, str]) -> dict[str, str]:
    """Tickets in the queue and one called at desk 1; returns two tickets' tokens."""
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from queueing import services
    from queueing.models import Desk, Site

    site = Site.objects.get(slug="demo")
    kiosk = services.Actor(kind="kiosk")
    for prefix in "AABBBDEA":
        services.issue_ticket(site=site, prefix=prefix, actor=kiosk)
    services.issue_ticket(site=site, prefix="C", actor=kiosk, priority=True, priority_kind="elderly")
    desk1 = Desk.objects.get(site=site, number=1)
    called = services.call_next(desk=desk1, actor=services.Actor.system())
    waiting = services.issue_ticket(site=site, prefix="B", actor=kiosk).ticket
    assert called is not None
    return {"called": called.token, "waiting": waiting.token}


def wait_for(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("daphne exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("daphne did not start")


def photograph(url: str, tokens: dict[str, str], out: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)

        kiosk = browser.new_page(locale="zh-CN", viewport={"width": 1080, "height": 1920})
        kiosk.goto(f"{url}/kiosk/demo/")
        expect(kiosk.locator("button.type").first).to_be_visible()
        kiosk.screenshot(path=out / "kiosk.png")
        kiosk.locator('button.type[data-prefix="A"]').click()
        expect(kiosk.locator('[data-screen="confirm"]')).to_be_visible()
        kiosk.screenshot(path=out / "kiosk-confirm.png")
        kiosk.close()

        landscape = browser.new_page(locale="zh-CN", viewport={"width": 1920, "height": 1080})
        landscape.goto(f"{url}/kiosk/demo/")
        expect(landscape.locator("button.type").first).to_be_visible()
        landscape.screenshot(path=out / "kiosk-landscape.png")
        landscape.close()

        slip = browser.new_page(locale="zh-CN", viewport={"width": 302, "height": 700})
        slip.goto(f"{url}/t/{tokens['waiting']}/print/")
        slip.screenshot(path=out / "ticket-print.png", full_page=True)
        slip.close()

        phone = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844}, device_scale_factor=2)
        phone.goto(f"{url}/t/{tokens['waiting']}/")
        phone.screenshot(path=out / "phone.png")
        phone.goto(f"{url}/t/{tokens['called']}/")
        phone.screenshot(path=out / "phone-called.png")
        phone.close()

        lobby = browser.new_page(locale="zh-CN", viewport={"width": 1920, "height": 1080})
        lobby.goto(f"{url}/display/demo/")
        expect(lobby.locator(".lobby-call-number")).not_to_be_empty()
        lobby.screenshot(path=out / "display.png")
        lobby.close()

        desk = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 768})
        desk.goto(f"{url}/accounts/login/")
        desk.fill("input[name=username]", "officer1")
        desk.fill("input[name=password]", PASSWORD)
        desk.locator("button[type=submit]").click()
        desk.wait_for_url("**/desk/1/")
        expect(desk.locator("#ticket-number")).not_to_have_text("—")
        desk.screenshot(path=out / "desk.png")
        desk.close()
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=BASE_DIR / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="counter-screens-") as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "counter.settings",
            "DATABASE_URL": f"sqlite:///{tmp}/screens.sqlite3",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
        }
        manage(env, "migrate", "-v0")
        manage(env, "seed_demo", "--password", PASSWORD)
        tokens = build_hall(env)
        port = free_port()
        daphne = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "counter.asgi:application"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(port, daphne)
            photograph(f"http://127.0.0.1:{port}", tokens, args.out)
        finally:
            daphne.kill()
            daphne.wait()
    print(f"Screenshots written to {args.out}")


if __name__ == "__main__":
    main()
