"""Police numbers on outreach's pages come from the officers' public profiles (警务公开), else outreach's record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from outreach import selectors, services
from outreach.models import OutreachOfficer, VisitRequest
from queueing.models import StaffProfile

pytestmark = pytest.mark.django_db


def _scheduled(submit: Callable[..., VisitRequest], supervisor: User, *officers: User) -> VisitRequest:
    request = submit()
    services.schedule_visit(
        request=request, day=timezone.localdate(), start=dt.time(9), end=dt.time(11), officers=list(officers),
        who=services.Who(user=supervisor),
    )  # fmt: skip
    return request


def _profile(user: User, number: str, *, public: bool = True) -> None:
    StaffProfile.objects.filter(user=user).update(police_number=number, public=public)


def test_the_public_profile_number_wins_over_outreachs_record(
    client: Client, submit: Callable[..., VisitRequest], supervisor: User, officer: User, police: OutreachOfficer
) -> None:
    _profile(officer, "088001")
    request = _scheduled(submit, supervisor, officer)
    assert selectors.police_numbers(request) == ["088001"]
    body = client.get(f"/api/v1/outreach/{request.code}/").json()
    assert body["schedule"]["officers"] == ["088001"]
    page = client.get(f"/o/{request.code}/").content.decode()
    assert "088001" in page and "031245" not in page


def test_outreachs_record_fills_in_without_a_public_number(
    submit: Callable[..., VisitRequest], supervisor: User, officer: User, police: OutreachOfficer
) -> None:
    request = _scheduled(submit, supervisor, officer)
    assert selectors.police_numbers(request) == ["031245"]  # the profile has no number
    _profile(officer, "088001", public=False)
    assert selectors.police_numbers(request) == ["031245"]  # a hidden profile is not read out


def test_an_officer_with_neither_is_left_out(
    submit: Callable[..., VisitRequest], supervisor: User, officer: User, other_officer: User, police: OutreachOfficer
) -> None:
    request = _scheduled(submit, supervisor, officer, other_officer)
    assert selectors.police_numbers(request) == ["031245"]
    _profile(other_officer, "088002")
    assert selectors.police_numbers(request) == ["031245", "088002"]


def test_the_route_sheet_names_the_officers_by_their_public_number(
    client: Client, submit: Callable[..., VisitRequest], supervisor: User, officer: User, police: OutreachOfficer
) -> None:
    _profile(officer, "088001")
    _scheduled(submit, supervisor, officer)
    client.force_login(officer)
    sheet = client.get(f"/outreach/route/{timezone.localdate():%Y-%m-%d}/").content.decode()
    assert 'data-field="officers"' in sheet and "088001" in sheet
    assert "031245" not in sheet


def test_resident_officers_show_the_public_number(client: Client, officer: User, police: OutreachOfficer) -> None:
    assert "031245" in client.get("/outreach/hall/").content.decode()
    _profile(officer, "088001")
    page = client.get("/outreach/hall/").content.decode()
    assert "088001" in page and "北坡村" in page and "031245" not in page
