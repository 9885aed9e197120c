"""Opening hours, breaks, closed days, extra working days, daily caps and "past closing" refusals."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable

import pytest

from queueing import selectors, services
from queueing.errors import ClosedNow, DailyCapReached, PastClosing
from queueing.models import BusinessType, Desk, OpeningPeriod, Site, SpecialDay, Ticket

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
Issue = Callable[..., Ticket]


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def office_hours(site: Site, desk: Desk) -> Site:
    """Monday to Friday 08:30–12:00 and 14:00–17:30 (2026-11-26 is a Thursday)."""
    site.always_open = False
    site.save()
    for weekday in range(5):
        OpeningPeriod.objects.create(site=site, weekday=weekday, opens=dt.time(8, 30), closes=dt.time(12))
        OpeningPeriod.objects.create(site=site, weekday=weekday, opens=dt.time(14), closes=dt.time(17, 30))
    return site


def test_issues_during_opening_hours(office_hours: Site, issue: Issue) -> None:
    assert issue("A", now=local(26, 9)).number == "A001"


@pytest.mark.parametrize(
    ("now", "come_back"),
    [
        (local(26, 7), local(26, 8, 30)),  # before opening
        (local(26, 12, 30), local(26, 14)),  # lunch break
        (local(26, 18), local(27, 8, 30)),  # after closing
        (local(28, 10), local(30, 8, 30)),  # Saturday
    ],
)
def test_closed_now_says_when_to_come_back(
    office_hours: Site, issue: Issue, now: dt.datetime, come_back: dt.datetime
) -> None:
    with pytest.raises(ClosedNow) as refused:
        issue("A", now=now)
    assert refused.value.extra["retry_at"] == come_back
    assert come_back.strftime("%m-%d %H:%M") in str(refused.value.message)
    assert not Ticket.objects.exists()


def test_closed_day_and_extra_working_day(office_hours: Site, issue: Issue) -> None:
    SpecialDay.objects.create(site=office_hours, date=dt.date(2026, 11, 27), closed=True, note="holiday")
    SpecialDay.objects.create(site=office_hours, date=dt.date(2026, 11, 28), closed=False, hours_like=4)
    with pytest.raises(ClosedNow) as refused:
        issue("A", now=local(27, 10))
    assert refused.value.extra["retry_at"] == local(28, 8, 30)  # the Saturday working day (调休)
    assert issue("A", now=local(28, 10)).service_day == dt.date(2026, 11, 28)


def test_daily_cap_refuses_and_points_to_the_next_opening_day(
    office_hours: Site, types: dict[str, BusinessType], issue: Issue
) -> None:
    BusinessType.objects.filter(pk=types["B"].pk).update(daily_cap=2)
    issue("B", now=local(26, 9))
    issue("B", now=local(26, 9, 1))
    with pytest.raises(DailyCapReached) as refused:
        issue("B", now=local(26, 9, 2))
    assert refused.value.code == "daily_cap_reached"
    assert refused.value.extra["retry_at"] == local(27, 8, 30)
    assert issue("A", now=local(26, 9, 3)).number == "A001"  # other types are not capped
    assert Ticket.objects.filter(business_type=types["B"]).count() == 2


def test_stops_issuing_when_the_wait_runs_past_closing(
    office_hours: Site, types: dict[str, BusinessType], issue: Issue
) -> None:
    # 17:00: 30 open minutes left; A takes 15 minutes at the one open desk.
    issue("A", now=local(26, 17))
    issue("A", now=local(26, 17))
    with pytest.raises(PastClosing) as refused:
        issue("A", now=local(26, 17, 1))
    assert refused.value.extra["retry_at"] == local(27, 8, 30)
    # The kiosk sees the same refusal before anyone taps.
    overview = {o.business_type.prefix: o for o in selectors.kiosk_overview(site=office_hours, now=local(26, 17, 1))}
    assert overview["A"].refusal == str(refused.value.message)
    assert overview["B"].refusal is None


def test_kiosk_overview_shows_the_hall_closed(office_hours: Site, types: dict[str, BusinessType]) -> None:
    overview = selectors.kiosk_overview(site=office_hours, now=local(26, 12, 30))
    assert all(o.refusal and "11-26 14:00" in o.refusal for o in overview)


def test_inactive_business_type_is_refused_and_hidden(
    site: Site, types: dict[str, BusinessType], kiosk: services.Actor
) -> None:
    BusinessType.objects.filter(pk=types["C"].pk).update(active=False)
    with pytest.raises(services.BusinessTypeInactive):
        services.issue_ticket(site=site, prefix="C", actor=kiosk)
    assert "C" not in [o.business_type.prefix for o in selectors.kiosk_overview(site=site, now=local(26, 9))]
