"""The public checklist index lists the coming mobile service sessions (流动服务), as the kiosk does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from notices.models import ChecklistVersion
from outreach.models import ServiceSession
from queueing.models import BusinessType, Site

pytestmark = pytest.mark.django_db


def _session(site: Site, days: int, place: str, *types: BusinessType, published: bool = True) -> ServiceSession:
    session = ServiceSession.objects.create(
        site=site, place=place, place_kind="village", date=timezone.localdate() + dt.timedelta(days=days),
        start=dt.time(9), end=dt.time(11, 30), published=published,
    )  # fmt: skip
    session.business_types.set(types)
    return session


def test_the_index_lists_the_coming_sessions_with_place_day_hours_and_types(
    client: Client, site: Site, types: dict[str, BusinessType], checklist: ChecklistVersion
) -> None:
    _session(site, 2, "东岭村村委会", types["A"], types["B"])
    html = client.get("/notices/hall/").content.decode()
    assert 'id="mobile-sessions"' in html
    assert "东岭村村委会" in html and "09:00–11:30" in html
    assert (timezone.localdate() + dt.timedelta(days=2)).isoformat() in html
    assert 'href="/notices/hall/A/" data-prefix="A"' in html and 'href="/notices/hall/B/" data-prefix="B"' in html


def test_past_unpublished_and_far_sessions_are_left_out(
    client: Client, site: Site, types: dict[str, BusinessType], checklist: ChecklistVersion
) -> None:
    _session(site, -1, "昨天的警务室", types["A"])
    _session(site, 3, "草稿村", types["A"], published=False)
    _session(site, 60, "很远的日子", types["A"])
    html = client.get("/notices/hall/").content.decode()
    assert "昨天的警务室" not in html and "草稿村" not in html and "很远的日子" not in html
    assert 'id="mobile-sessions"' not in html  # no empty section


def test_another_sites_sessions_are_not_shown(
    client: Client, site: Site, types: dict[str, BusinessType], checklist: ChecklistVersion
) -> None:
    other = Site.objects.create(slug="other", name="别处")
    bt = BusinessType.objects.create(site=other, prefix="A", name="户口迁移")
    _session(other, 1, "别处的村", bt)
    assert "别处的村" not in client.get("/notices/hall/").content.decode()
