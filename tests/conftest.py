"""Shared fixtures: one site with three business types, two desks, an officer, a reason."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection

from notices import services as notice_services
from notices.models import ChecklistItem, ChecklistVersion
from queueing import services
from queueing.models import BusinessType, Desk, DeskBusinessType, Reason, Site, StaffProfile, Ticket
from queueing.roles import OFFICER, SUPERVISOR, ensure_roles

# CI sets COUNTER_REQUIRE_SERVICES=postgres,redis on the run against those
# engines: a test that would skip for want of one of them fails instead.
REQUIRED = {s.strip() for s in os.environ.get("COUNTER_REQUIRE_SERVICES", "").split(",") if s.strip()}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    outcome = yield
    report = outcome.get_result()
    if report.skipped and REQUIRED:
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        missing = [s for s in REQUIRED if f"needs {s}" in reason]
        if missing:
            report.outcome = "failed"
            report.longrepr = f"{', '.join(missing)} is required in this run, but the test skipped: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    # Before any fixture is torn down: let the broadcasts of the test's writes finish. A
    # broadcast still reading the database as the test database is flushed can deadlock
    # with the flush's TRUNCATE (PostgreSQL), and the next tests then find its rows.
    from queueing import broadcast

    with contextlib.suppress(Exception):
        broadcast.drain(timeout=10)
    yield


@pytest.fixture(scope="session", autouse=True)
def _required_services(django_db_setup: Any, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        if "postgres" in REQUIRED and connection.vendor != "postgresql":
            pytest.exit("COUNTER_REQUIRE_SERVICES asks for postgres but DATABASE_URL is not PostgreSQL", 3)
    if "redis" in REQUIRED:
        from django.conf import settings

        if not settings.REDIS_URL:
            pytest.exit("COUNTER_REQUIRE_SERVICES asks for redis but REDIS_URL is not set", 3)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Every test starts with an empty cache.

    With Redis the cache outlives the test run: screens' presence (12 h) and
    phone counts of an earlier run would otherwise belong to this run's sites,
    as every run's new test database numbers its sites from 1 again.
    """
    from django.core.cache import cache

    from queueing import readcache

    with contextlib.suppress(Exception):  # a test about a cache that is down says so itself
        cache.clear()
    # Kept answers are keyed by site id and version, which a new test's database repeats.
    readcache.answers.clear()
    readcache.replays.clear()


FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = [FAST_HASHER]


@pytest.fixture
def site(db: Any) -> Site:
    ensure_roles()
    return Site.objects.create(slug="hall", name="城关派出所", name_en="Chengguan", always_open=True)


@pytest.fixture
def types(site: Site) -> dict[str, BusinessType]:
    specs = [("A", "户口迁移", 15.0), ("B", "居民身份证", 8.0), ("C", "出生登记", 12.0)]
    return {
        prefix: BusinessType.objects.create(site=site, prefix=prefix, name=name, position=i, avg_handling_minutes=avg)
        for i, (prefix, name, avg) in enumerate(specs)
    }


def make_desk(site: Site, number: int, prefixes: str, *, open_it: bool = True) -> Desk:
    desk = Desk.objects.create(site=site, number=number, name=f"{number}号窗口")
    for position, prefix in enumerate(prefixes):
        DeskBusinessType.objects.create(
            desk=desk, business_type=BusinessType.objects.get(site=site, prefix=prefix), position=position
        )
    if open_it:
        services.open_desk(desk=desk, actor=services.Actor.system())
        desk.refresh_from_db()
    return desk


@pytest.fixture
def desk(types: dict[str, BusinessType], site: Site) -> Desk:
    return make_desk(site, 1, "ABC")


@pytest.fixture
def desk2(types: dict[str, BusinessType], site: Site) -> Desk:
    return make_desk(site, 2, "BA")


@pytest.fixture
def reason(site: Site) -> Reason:
    Reason.objects.create(site=site, code="break", label="工间休息", label_en="Short break", position=1)
    return Reason.objects.create(site=site, code="returned", label="过号后返回", label_en="Came back", position=0)


def make_staff(username: str, site: Site, role: str = OFFICER, password: str = "pw-Counter-123") -> User:
    user = User.objects.create_user(username=username, password=password)
    user.groups.add(Group.objects.get(name=role))
    StaffProfile.objects.create(user=user, site=site)
    return user


@pytest.fixture
def officer(site: Site) -> User:
    return make_staff("officer1", site)


@pytest.fixture
def supervisor(site: Site) -> User:
    return make_staff("supervisor", site, SUPERVISOR)


@pytest.fixture
def kiosk() -> services.Actor:
    return services.Actor(kind="kiosk", address="10.0.0.9")


@pytest.fixture
def by_officer(officer: User) -> services.Actor:
    return services.Actor(kind="officer", user=officer, address="10.0.0.21")


@pytest.fixture
def issue(site: Site, types: dict[str, BusinessType], kiosk: services.Actor) -> Callable[..., Ticket]:
    def _issue(prefix: str = "A", **kwargs: Any) -> Ticket:
        return services.issue_ticket(site=site, prefix=prefix, actor=kiosk, **kwargs).ticket

    return _issue


def publish_checklist(business_type: BusinessType, names: list[str], **fields: Any) -> ChecklistVersion:
    """Publish a checklist of documents `names` (a new version when one exists)."""
    draft = notice_services.start_draft(business_type=business_type)
    ChecklistVersion.objects.filter(pk=draft.pk).update(conditions="年满十六周岁\n本人到场", **fields)
    draft.items.all().delete()
    for position, name in enumerate(names):
        ChecklistItem.objects.create(version=draft, position=position, name=name, name_en=f"{name} (en)")
    return notice_services.publish(version=draft, user=None)


@pytest.fixture
def checklist(types: dict[str, BusinessType]) -> ChecklistVersion:
    return publish_checklist(types["A"], ["居民身份证", "居民户口簿", "准予迁入证明"])
