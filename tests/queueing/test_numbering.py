"""Ticket numbers: prefix + at least three digits, per business type and service day, restarting at local midnight."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest

from queueing.models import BusinessType, Site, Ticket

Issue = Callable[..., Ticket]
UTC = dt.UTC


def test_numbers_are_prefix_and_three_digits_per_business_type(issue: Issue) -> None:
    numbers = [issue(prefix).number for prefix in "AABAC"]
    assert numbers == ["A001", "A002", "B001", "A003", "C001"]
    assert all(re.fullmatch(r"[A-Z]\d{3,}", n) for n in numbers)


def test_numbers_grow_past_three_digits(types: dict[str, BusinessType]) -> None:
    assert types["A"].format_number(7) == "A007"
    assert types["A"].format_number(1000) == "A1000"


def test_sequence_restarts_at_the_sites_local_midnight(site: Site, issue: Issue) -> None:
    # Asia/Shanghai is UTC+8: local midnight of 27 November is 16:00 UTC on the 26th.
    before_midnight = dt.datetime(2026, 11, 26, 15, 59, 59, tzinfo=UTC)
    after_midnight = dt.datetime(2026, 11, 26, 16, 0, 0, tzinfo=UTC)
    late = [issue("A", now=before_midnight) for _ in range(2)]
    early = issue("A", now=after_midnight)
    assert [t.number for t in late] == ["A001", "A002"]
    assert [t.service_day for t in late] == [dt.date(2026, 11, 26)] * 2
    assert (early.number, early.service_day) == ("A001", dt.date(2026, 11, 27))
    assert Ticket.objects.get(pk=late[1].pk).status == Ticket.Status.EXPIRED


def test_midnight_follows_each_sites_own_time_zone(issue: Issue, site: Site) -> None:
    site.time_zone = "Europe/Berlin"  # UTC+1 in November
    site.save()
    at_2330_utc = dt.datetime(2026, 11, 26, 22, 59, tzinfo=UTC)
    at_0000_local = dt.datetime(2026, 11, 26, 23, 0, tzinfo=UTC)
    assert issue("A", now=at_2330_utc).service_day == dt.date(2026, 11, 26)
    assert issue("A", now=at_0000_local).number == "A001"


def test_numbers_are_unique_per_site_and_day(site: Site, types: dict[str, BusinessType], issue: Issue) -> None:
    from django.db import IntegrityError, transaction

    first = issue("A")
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.create(
            site=site,
            business_type=types["A"],
            issued_business_type=types["A"],
            service_day=first.service_day,
            sequence=99,
            number=first.number,
            issued_at=first.issued_at,
            queued_at=first.queued_at,
        )


def test_tokens_are_unguessable_and_distinct(issue: Issue) -> None:
    tokens = {issue("A").token for _ in range(20)}
    assert len(tokens) == 20
    assert all(len(t) >= 22 for t in tokens)
