"""Ratings once per completed visit, follow-up cases on the site's calendar, complaints."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User

from queueing import services
from queueing.errors import InvalidRequest, InvalidTransition
from queueing.models import Desk, OpeningPeriod, Site, SpecialDay, Ticket
from supervision import calendar
from supervision import services as supervision
from supervision.errors import AlreadyRated
from supervision.models import CaseAction, Complaint, FollowUpCase, Rating
from tests.supervision.conftest import TZ

pytestmark = pytest.mark.django_db
Issue = Callable[..., Ticket]


def served(issue: Issue, desk: Desk, actor: services.Actor) -> Ticket:
    ticket = issue("A")
    services.call_next(desk=desk, actor=actor)
    services.start(desk=desk, actor=actor)
    services.complete(desk=desk, actor=actor)
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def done(issue: Issue, desk: Desk, by_officer: services.Actor) -> Ticket:
    return served(issue, desk, by_officer)


def test_a_completed_visit_is_rated_once_with_its_desk_and_officer(done: Ticket, officer: User, desk: Desk) -> None:
    rating = supervision.rate_ticket(ticket=done, overall=5, efficiency=4, skill=5, attitude=5, channel="phone")
    assert (rating.desk_id, rating.officer_id, rating.service_day) == (desk.pk, officer.pk, done.service_day)
    assert not FollowUpCase.objects.exists()
    with pytest.raises(AlreadyRated):
        supervision.rate_ticket(ticket=done, overall=1, channel="tablet")
    assert Rating.objects.get().overall == 5
    assert not FollowUpCase.objects.exists()


def test_a_ticket_not_yet_done_cannot_be_rated(issue: Issue, desk: Desk, by_officer: services.Actor) -> None:
    ticket = issue("A")
    with pytest.raises(InvalidTransition):
        supervision.rate_ticket(ticket=ticket, overall=5, channel="phone")
    services.call_next(desk=desk, actor=by_officer)
    services.no_show(desk=desk, actor=by_officer)
    with pytest.raises(InvalidTransition):
        supervision.rate_ticket(ticket=ticket, overall=1, channel="phone")
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"overall": None},
        {"overall": 0},
        {"overall": 6},
        {"overall": True},
        {"overall": 5, "skill": 9},
        {"overall": 2, "reason": "bribes"},
        {"overall": 3, "comment": "长" * 501},
        {"overall": 1, "phone": "12345"},
        {"overall": 1, "phone": "call me"},
    ],
)
def test_bad_input_is_refused_and_changes_nothing(done: Ticket, fields: dict[str, object]) -> None:
    with pytest.raises(InvalidRequest):
        supervision.rate_ticket(ticket=done, channel="phone", **fields)  # type: ignore[arg-type]
    assert not Rating.objects.exists()
    assert not FollowUpCase.objects.exists()


@pytest.mark.parametrize(
    "raw", ["13800138000", "138 0013 8000", "+86 138-0013-8000", "010-12345678", "0755 8888 6666", "87654321"]
)
def test_a_phone_number_is_read_loosely(raw: str) -> None:
    assert supervision.normalize_phone(raw).isdigit() or supervision.normalize_phone(raw).startswith("+")


def test_a_good_rating_drops_a_stale_reason(done: Ticket) -> None:
    rating = supervision.rate_ticket(ticket=done, overall=4, reason="long_wait", channel="phone")
    assert rating.reason == ""


def test_a_bad_rating_opens_a_case_due_in_15_working_days(site: Site, done: Ticket) -> None:
    # An office calendar: Monday to Friday, 国庆 closed 1–7 October, Saturday 10 October worked (调休).
    site.always_open = False
    site.save()
    for weekday in range(5):
        OpeningPeriod.objects.create(site=site, weekday=weekday, opens=dt.time(9), closes=dt.time(17))
    for day in range(1, 8):
        SpecialDay.objects.create(site=site, date=dt.date(2026, 10, day), closed=True)
    SpecialDay.objects.create(site=site, date=dt.date(2026, 10, 10), closed=False, hours_like=0)
    rated_at = dt.datetime(2026, 9, 28, 16, 0, tzinfo=TZ)  # a Monday
    rating = supervision.rate_ticket(
        ticket=done, overall=1, reason="attitude", phone="13800138000", channel="tablet", now=rated_at
    )
    case = FollowUpCase.objects.get(rating=rating)
    # 29, 30 Sep; 8, 9, 10 (调休), 12–16, 19–23 Oct: the 15th working day is Friday 23 October.
    assert case.due_on == dt.date(2026, 10, 23)
    assert case.status == "open"
    assert not case.is_overdue(dt.date(2026, 10, 23))
    assert case.is_overdue(dt.date(2026, 10, 24))
    assert list(case.actions.values_list("kind", flat=True)) == ["opened"]


def test_without_the_closed_days_the_deadline_is_a_week_earlier(site: Site) -> None:
    assert calendar.add_working_days(site, dt.date(2026, 9, 28), 15) == dt.date(2026, 10, 19)


def test_a_case_closes_only_after_the_call_back_and_the_fix(done: Ticket, officer: User) -> None:
    rating = supervision.rate_ticket(ticket=done, overall=2, phone="13800138000", channel="phone")
    case = FollowUpCase.objects.get(rating=rating)
    with pytest.raises(InvalidTransition):
        supervision.close_case(case=case, user=officer)
    supervision.record_fix(case=case, user=officer, note="窗口增设引导")
    with pytest.raises(InvalidTransition):
        supervision.close_case(case=case, user=officer)  # a number was left: call back first
    with pytest.raises(InvalidRequest):
        supervision.record_callback(case=case, user=officer, note="  ")
    supervision.record_callback(case=case, user=officer, note="已回访，群众表示理解")
    supervision.close_case(case=case, user=officer)
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_at is not None
    assert list(case.actions.values_list("kind", flat=True)) == ["opened", "fixed", "called_back", "closed"]
    with pytest.raises(InvalidTransition):
        supervision.record_fix(case=case, user=officer, note="again")


def test_a_case_without_a_number_has_no_call_back(done: Ticket, officer: User) -> None:
    case = FollowUpCase.objects.get(rating=supervision.rate_ticket(ticket=done, overall=1, channel="phone"))
    with pytest.raises(InvalidTransition):
        supervision.record_callback(case=case, user=officer, note="x")
    supervision.record_fix(case=case, user=officer, note="培训")
    supervision.close_case(case=case, user=officer)
    assert FollowUpCase.objects.get().status == "closed"


def test_case_actions_are_append_only(done: Ticket) -> None:
    supervision.rate_ticket(ticket=done, overall=1, channel="phone")
    action = CaseAction.objects.get()
    with pytest.raises(ValueError):
        action.save()
    with pytest.raises(ValueError):
        action.delete()


def test_a_complaint_is_received_then_handled_and_resolved(site: Site, desk: Desk, supervisor: User) -> None:
    complaint = supervision.submit_complaint(
        site=site, text="窗口人员态度差", desk=desk, visit_date=dt.date(2026, 11, 1), contact_phone="13912345678"
    )
    assert complaint.status == "new"
    supervision.reply_to_complaint(complaint=complaint, user=supervisor, text="已联系", status="handling")
    supervision.reply_to_complaint(complaint=complaint, user=supervisor, text="已整改", status="resolved")
    complaint.refresh_from_db()
    assert complaint.status == "resolved"
    assert list(complaint.replies.values_list("status", flat=True)) == ["handling", "resolved"]
    with pytest.raises(InvalidRequest):
        supervision.reply_to_complaint(complaint=complaint, user=supervisor, text="x", status="new")


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
def test_an_empty_or_overlong_complaint_is_refused(site: Site, text: str) -> None:
    with pytest.raises(InvalidRequest):
        supervision.submit_complaint(site=site, text=text)
    assert not Complaint.objects.exists()
