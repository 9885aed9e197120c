"""Management commands: seed_demo, desk_token, expire_tickets."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from queueing import services
from queueing.models import BusinessType, Desk, Event, Site, SpecialDay, Ticket
from tests.servers import child_env, database_url


def run(*args: Any) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_seed_demo_creates_the_demo_site_once(db: Any) -> None:
    output = run("seed_demo", "--password", "Demo-pass-42")
    site = Site.objects.get(slug="demo")
    assert site.always_open
    assert list(BusinessType.objects.filter(site=site).values_list("prefix", "name")) == [
        ("A", "户口迁移"),
        ("B", "居民身份证"),
        ("C", "出生登记"),
        ("D", "居住证"),
        ("E", "户籍证明"),
    ]
    desks = Desk.objects.filter(site=site)
    assert [d.number for d in desks] == [1, 2, 3, 4]
    assert all(d.state == Desk.State.OPEN for d in desks)
    assert [bt.prefix for bt in desks[0].business_types.all()] == list("ABCDE")
    for n in range(1, 5):
        user = authenticate(username=f"officer{n}", password="Demo-pass-42")
        assert user is not None and user.groups.filter(name="officer").exists()
        assert user.staff.desk.number == n
    assert authenticate(username="supervisor", password="Demo-pass-42").groups.filter(name="supervisor").exists()
    assert "Demo-pass-42" in output
    counts = (Site.objects.count(), Desk.objects.count(), Event.objects.count(), BusinessType.objects.count())
    again = run("seed_demo")
    assert "nothing new" in again
    assert (Site.objects.count(), Desk.objects.count(), Event.objects.count(), BusinessType.objects.count()) == counts


def test_seed_demo_prints_a_random_password_when_none_is_given(db: Any) -> None:
    output = run("seed_demo")
    password = output.strip().rsplit("password: ", 1)[1]
    assert len(password) >= 10
    assert authenticate(username="officer2", password=password) is not None


def test_desk_token_prints_a_working_token_on_its_last_line(client: Client, db: Any) -> None:
    run("seed_demo", "--password", "Demo-pass-42")
    token = run("desk_token", "demo", "3").strip().splitlines()[-1]
    other = run("desk_token", "demo", "3").strip().splitlines()[-1]
    assert token != other
    for t in (token, other):  # earlier tokens stay valid
        response = client.get("/api/v1/sites/demo/desks/3/", HTTP_AUTHORIZATION=f"Bearer {t}")
        assert response.status_code == 200
    assert not Desk.objects.get(number=3).tokens.filter(token_hash=token).exists()  # stored hashed
    with pytest.raises(CommandError):
        run("desk_token", "demo", "99")


def test_expire_tickets_runs_the_day_change(site: Site, types: Any) -> None:
    ticket = services.issue_ticket(site=site, prefix="A", actor=services.Actor(kind="kiosk")).ticket
    Ticket.objects.filter(pk=ticket.pk).update(service_day=timezone.localdate() - dt.timedelta(days=2))
    Site.objects.filter(pk=site.pk).update(current_day=timezone.localdate() - dt.timedelta(days=2))
    assert "hall: 1 ticket(s) expired." in run("expire_tickets")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.EXPIRED
    assert "hall: 0 ticket(s) expired." in run("expire_tickets")


EXITING_SCRIPT = """
import os, sys, time
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "counter.settings"
django.setup()
from queueing import broadcast, services
from queueing.models import Site
sent = open(sys.argv[1], "a")
def slow_publish(writes):  # a broadcast that takes its time, as over a busy Redis
    time.sleep(0.1)
    sent.write("%d\\n" % len(writes)); sent.flush()
broadcast._publish = slow_publish
broadcast.MAX_BATCH = 2
site = Site.objects.get(slug="hall")
for _ in range(30):
    services.issue_ticket(site=site, prefix="A", actor=services.Actor.system())
# The script ends at once, with most broadcasts still queued.
"""


@pytest.mark.django_db(transaction=True)
def test_a_command_that_exits_with_broadcasts_queued_sends_them_all_without_an_error(
    site: Site, types: dict[str, Any], tmp_path: Path
) -> None:
    sent = tmp_path / "sent"
    env = child_env(DATABASE_URL=database_url())
    result = subprocess.run(
        [sys.executable, "-c", EXITING_SCRIPT, str(sent)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "cannot schedule" not in result.stderr, result.stderr
    assert sum(int(line) for line in sent.read_text().split()) == 30  # every write's broadcast went out


@pytest.mark.django_db
def test_import_holidays_adds_holidays_and_tiaoxiu_days_and_keeps_the_sites_own(site: Site) -> None:
    own = SpecialDay.objects.create(site=site, date=dt.date(2026, 10, 7), closed=False, note="窗口照常")
    out = io.StringIO()
    call_command("import_holidays", "hall", "--year", "2026", stdout=out)
    days = {d.date: d for d in SpecialDay.objects.filter(site=site)}
    assert days[dt.date(2026, 10, 1)].closed and "国庆" in days[dt.date(2026, 10, 1)].note
    assert days[dt.date(2026, 2, 17)].closed  # 春节
    assert not days[dt.date(2026, 2, 14)].closed  # a Saturday worked (调休)
    assert dt.date(2026, 2, 14).weekday() == 5
    assert days[dt.date(2026, 10, 7)] == own and not days[dt.date(2026, 10, 7)].closed  # the site's own stays
    event = Event.objects.get(kind=Event.Kind.CALENDAR_IMPORTED)
    assert "2026-10-07" in event.data["kept"] and "2026-10-01" in event.data["closed"]
    assert "hall: " in out.getvalue() and "1 of the site's own entries kept" in out.getvalue()
    # The kiosk's calendar follows: closed on National Day, open on the 调休 Saturday.
    from queueing import opening

    site.always_open = False
    site.save(update_fields=["always_open"])
    assert opening.periods_on(site, dt.date(2026, 10, 1)) == []
    count = SpecialDay.objects.count()
    call_command("import_holidays", "hall", "--year", "2026", stdout=io.StringIO())
    assert SpecialDay.objects.count() == count  # nothing twice


@pytest.mark.django_db
def test_import_holidays_refuses_an_unknown_site(site: Site) -> None:
    with pytest.raises(CommandError, match="No site nowhere"):
        call_command("import_holidays", "nowhere", stdout=io.StringIO())
