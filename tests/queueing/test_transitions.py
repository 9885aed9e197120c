"""The ticket lifecycle: every allowed transition works, every other is refused and changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from queueing import services
from queueing.errors import InvalidTransition, QueueError
from queueing.models import Desk, Event, Site, Ticket

STATUSES = ["waiting", "called", "serving", "done", "no_show", "cancelled", "expired"]

# The SPEC's lifecycle, written out by hand: action -> statuses it may start from.
ALLOWED = {
    "call": {"waiting"},
    "recall": {"called"},
    "start": {"called"},
    "complete": {"serving"},
    "no_show": {"called"},
    "requeue": {"no_show"},
    "transfer": {"serving"},
    "cancel": {"waiting"},
    "prioritise": {"waiting"},
}
LEADS_TO = {
    "call": "called",
    "recall": "called",
    "start": "serving",
    "complete": "done",
    "no_show": "no_show",
    "requeue": "waiting",
    "transfer": "waiting",
    "cancel": "cancelled",
    "prioritise": "waiting",
}


@pytest.fixture
def ticket_in(
    site: Site, desk: Desk, reason: Any, issue: Callable[..., Ticket], by_officer: services.Actor
) -> Callable[[str], Ticket]:
    def make(status: str) -> Ticket:
        if status == "expired":
            ticket = issue("A")
            services.roll_over_day(site=site, now=timezone.now() + dt.timedelta(days=1))
            ticket.refresh_from_db()
            return ticket
        ticket = issue("A")
        if status == "cancelled":
            services.cancel(ticket=ticket, actor=services.Actor(kind="citizen"))
        if status in ("called", "serving", "done", "no_show"):
            services.call_next(desk=desk, actor=by_officer)
        if status in ("serving", "done"):
            services.start(desk=desk, actor=by_officer)
        if status == "done":
            services.complete(desk=desk, actor=by_officer)
        if status == "no_show":
            services.no_show(desk=desk, actor=by_officer)
        ticket.refresh_from_db()
        assert ticket.status == status
        return ticket

    return make


def perform(action: str, ticket: Ticket, desk: Desk, actor: services.Actor) -> None:
    by_number = {"desk": desk, "number": ticket.number, "reason_code": "returned", "actor": actor}
    match action:
        case "call":
            services.call_number(**by_number)
        case "requeue":
            services.requeue(**by_number)
        case "prioritise":
            services.set_priority(**by_number)
        case "transfer":
            services.transfer(desk=desk, prefix="B", reason_code="returned", actor=actor)
        case "cancel":
            services.cancel(ticket=ticket, actor=actor)
        case "recall":
            services.recall(desk=desk, actor=actor)
        case "start":
            services.start(desk=desk, actor=actor)
        case "complete":
            services.complete(desk=desk, actor=actor)
        case "no_show":
            services.no_show(desk=desk, actor=actor)


def state(ticket: Ticket) -> tuple[Any, ...]:
    ticket.refresh_from_db()
    return (ticket.status, ticket.desk_id, ticket.business_type_id, ticket.priority, ticket.recalls)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_transition_table(
    action: str, status: str, ticket_in: Callable[[str], Ticket], desk: Desk, site: Site, by_officer: services.Actor
) -> None:
    ticket = ticket_in(status)
    before = state(ticket)
    events_before = Event.objects.count()
    site.refresh_from_db()
    version_before = site.version

    if status in ALLOWED[action]:
        perform(action, ticket, desk, by_officer)
        ticket.refresh_from_db()
        assert ticket.status == LEADS_TO[action]
        assert Event.objects.count() > events_before
    else:
        with pytest.raises(QueueError) as refused:
            perform(action, ticket, desk, by_officer)
        assert refused.value.code == "invalid_transition"
        assert isinstance(refused.value, InvalidTransition)
        assert str(refused.value.message)
        assert state(ticket) == before
        assert Event.objects.count() == events_before
        site.refresh_from_db()
        assert site.version == version_before
