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


def give_notice() -> str:
    """Desk 3 serves the oldest A ticket and gives a missing-documents notice; returns its code."""
    from notices import selectors
    from notices import services as notice_services
    from queueing import services
    from queueing.models import Desk, Site

    site = Site.objects.get(slug="demo")
    desk3 = Desk.objects.get(site=site, number=3)
    ticket = services.call_next(desk=desk3, actor=services.Actor.system())
    assert ticket is not None
    services.start(desk=desk3, actor=services.Actor.system())
    version = selectors.published(ticket.business_type)
    assert version is not None
    wanted = {"准予迁入证明或户口迁移证", "合法稳定住所证明（房产证或购房合同）", "户口迁移申请表"}
    items = [item.pk for item in version.items.all() if item.name in wanted]
    notice = notice_services.issue_notice(
        desk=desk3, actor=services.Actor.system(), item_ids=items, note="户口迁移申请表须由迁入地户主签字"
    )
    return notice.code


def photograph_notices(url: str, code: str, out: Path) -> None:
    """The checklist page on a phone and on a desktop, and the notice as printed on A4."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        phone = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844}, device_scale_factor=2)
        phone.goto(f"{url}/notices/demo/A/")
        phone.screenshot(path=out / "checklist-phone.png")
        phone.close()

        desktop = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 1000})
        desktop.goto(f"{url}/notices/demo/A/")
        desktop.screenshot(path=out / "checklist.png")
        desktop.close()

        # The A4 sheet as the printer gets it: print media, 210 mm wide (794 CSS px).
        sheet = browser.new_page(locale="zh-CN", viewport={"width": 794, "height": 1123})
        sheet.emulate_media(media="print")
        sheet.goto(f"{url}/n/{code}/")
        sheet.add_style_tag(content="body { padding: 15mm 16mm; }")  # the @page margins a printer would leave
        sheet.screenshot(path=out / "notice.png", full_page=True)
        sheet.close()
        browser.close()


def main_notices() -> None:
    """The checklist and notice screenshots alone, on a hall of their own."""
    parser = argparse.ArgumentParser(description=photograph_notices.__doc__)
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
        build_hall(env)
        code = give_notice()
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
            photograph_notices(f"http://127.0.0.1:{port}", code, args.out)
        finally:
            daphne.kill()
            daphne.wait()
    print(f"Checklist and notice screenshots written to {args.out}")


# After main() above: the checklist and notice shots, on a hall with a notice given.
# Alone: python -c "import sys; sys.path[:0] = ['scripts']; import screenshots; screenshots.main_notices()"
if __name__ == "__main__":
    main_notices()


def build_supervised_hall(env: dict[str, str]) -> str:
    """A year of a hall's work (bench/report.py's generator, ~100 tickets a day), today's queue, a few
    complaints and a supervisor; returns the report's query string for last month."""
    import datetime as dt

    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.contrib.auth.models import Group, User

    from bench.report import SITE, TZ, generate
    from queueing import services
    from queueing.models import Desk, Site, StaffProfile
    from queueing.roles import SUPERVISOR
    from supervision import services as supervision

    _site_id, last = generate(30_000, 7)
    site = Site.objects.get(slug=SITE)
    kiosk = services.Actor(kind="kiosk")
    for prefix in "AABBBBCDEBA":
        services.issue_ticket(site=site, prefix=prefix, actor=kiosk)
    for number in (1, 2, 3):
        services.call_next(desk=Desk.objects.get(site=site, number=number), actor=services.Actor.system())
    services.pause_desk(
        desk=Desk.objects.get(site=site, number=6), reason_code="returned", actor=services.Actor.system()
    )
    end = last.replace(day=1) - dt.timedelta(days=1)
    start = end.replace(day=1)
    for day, text in [(3, "取号后等了一个多小时，窗口只开了两个。"), (12, "工作人员态度很好，但是材料清单没写清楚。")]:
        when = dt.datetime.combine(start + dt.timedelta(days=day), dt.time(15), tzinfo=TZ)
        supervision.submit_complaint(site=site, text=text, visit_date=when.date(), now=when)
    user = User.objects.create_user("supervisor", password=PASSWORD, first_name="王所长")
    user.groups.add(Group.objects.get(name=SUPERVISOR))
    StaffProfile.objects.create(user=user, site=site)
    return f"start={start}&end={end}"


def main_supervision() -> None:
    """The supervision report of last month on a hall with a year of data: docs/screenshots/supervision.png."""
    from playwright.sync_api import expect, sync_playwright

    out = BASE_DIR / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="counter-screens-") as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "counter.settings",
            "DATABASE_URL": f"sqlite:///{tmp}/screens.sqlite3",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
        }
        manage(env, "migrate", "-v0")
        query = build_supervised_hall(env)
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
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
                page = browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 2200})
                page.goto(f"http://127.0.0.1:{port}/accounts/login/")
                page.fill("input[name=username]", "supervisor")
                page.fill("input[name=password]", PASSWORD)
                page.locator("button[type=submit]").click()
                page.goto(f"http://127.0.0.1:{port}/supervision/bench/?{query}")
                expect(page.locator("svg.chart").first).to_be_visible()
                page.screenshot(path=out / "supervision.png")
                browser.close()
        finally:
            daphne.kill()
            daphne.wait()
    print(f"Supervision screenshot written to {out}")


# After the ones above: the supervision report, on a hall with a year of data.
# Alone: python -c "import sys; sys.path[:0] = ['scripts']; import screenshots; screenshots.main_supervision()"
if __name__ == "__main__":
    main_supervision()


def photograph_checklist_and_notice_panel(url: str, out: Path) -> None:
    """The kiosk's confirm screen with the checklist, and the desk's panel after giving a notice."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        kiosk = browser.new_page(locale="zh-CN", viewport={"width": 1080, "height": 1920})
        kiosk.goto(f"{url}/kiosk/demo/")
        kiosk.locator('button.type[data-prefix="A"]').click()
        expect(kiosk.locator('[data-screen="confirm"] .doc').first).to_be_visible()
        kiosk.screenshot(path=out / "kiosk-checklist.png")
        kiosk.close()

        desk = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 768})
        desk.goto(f"{url}/accounts/login/")
        desk.fill("input[name=username]", "officer1")
        desk.fill("input[name=password]", PASSWORD)
        desk.locator("button[type=submit]").click()
        desk.wait_for_url("**/desk/1/")
        boxes = desk.locator("#notice-items input[type=checkbox]")
        expect(boxes.first).to_be_visible()
        boxes.nth(0).check()
        boxes.nth(2).check()
        desk.fill("#notice-note", "申报表须由父母双方签字")
        desk.locator("#notice-issue").click()
        expect(desk.locator("#notice-code")).not_to_be_empty()
        desk.screenshot(path=out / "desk-notice.png", full_page=True)  # the panel sits under the actions
        desk.close()
        browser.close()


def main_checklist_and_notice_panel() -> None:
    """docs/screenshots/kiosk-checklist.png and desk-notice.png, on a demo hall of their own."""
    out = BASE_DIR / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
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
        build_hall(env)  # desk 1 has called the priority C ticket
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
            photograph_checklist_and_notice_panel(f"http://127.0.0.1:{port}", out)
        finally:
            daphne.kill()
            daphne.wait()
    print(f"Kiosk checklist and desk notice screenshots written to {out}")


# After the ones above: the kiosk's checklist and the desk's notice panel. Alone:
# python -c "import sys; sys.path[:0] = ['scripts']; import screenshots as s; s.main_checklist_and_notice_panel()"
if __name__ == "__main__":
    main_checklist_and_notice_panel()
