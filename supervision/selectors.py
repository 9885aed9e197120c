"""Reads of supervision: who may supervise, today at a glance, cases, complaints, the audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q, QuerySet

from queueing import selectors as queue
from queueing.models import Desk, Event, Site, Ticket
from queueing.roles import SUPERVISOR
from supervision.models import Complaint, FollowUpCase


def can_supervise(user: User | AnonymousUser, site: Site) -> bool:
    """A supervisor of this very site, or a superuser. Officers and administrators are not supervisors."""
    if not isinstance(user, User) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    profile = getattr(user, "staff", None)
    return profile is not None and profile.site_id == site.pk and user.groups.filter(name=SUPERVISOR).exists()


def day_bounds(site: Site, first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From the site's local midnight starting `first` to the one ending `last`."""
    start = dt.datetime.combine(first, dt.time.min, tzinfo=site.tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=site.tz)
    return start, end


# --- Today at a glance ---------------------------------------------------------------


@dataclass(frozen=True)
class WaitingRow:
    prefix: str
    name: str
    waiting: int
    open_desks: int


@dataclass(frozen=True)
class DeskRow:
    number: int
    name: str
    state: str
    state_label: str
    officer: str | None
    ticket: str | None


@dataclass
class Glance:
    day: dt.date
    waiting: list[WaitingRow]
    waiting_total: int
    longest_wait_minutes: int | None
    longest_wait_number: str | None
    desks: list[DeskRow]
    desks_open: int
    desks_paused: int
    issued: int
    served: int
    no_shows: int


def officer_name(user: User | None) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.username


def today_glance(*, site: Site, now: dt.datetime) -> Glance:
    """The hall right now, in a handful of queries (the page polls it)."""
    day = site.service_day(now)
    overview = queue.business_type_overview(site=site, day=day)
    waiting = [
        WaitingRow(prefix=o.business_type.prefix, name=o.business_type.name, waiting=o.waiting, open_desks=o.open_desks)
        for o in overview
    ]
    oldest = queue.waiting_tickets(site=site, day=day).order_by("issued_at", "pk").values("number", "issued_at").first()
    counts = Ticket.objects.filter(site=site, service_day=day).aggregate(
        issued=Count("pk"),
        served=Count("pk", filter=Q(status=Ticket.Status.DONE)),
        no_shows=Count("pk", filter=Q(status=Ticket.Status.NO_SHOW)),
    )
    desks = [
        DeskRow(
            number=desk.number,
            name=str(desk),
            state=desk.state,
            state_label=str(desk.get_state_display()),
            officer=officer_name(desk.officer),
            ticket=ticket.number if ticket is not None else None,
        )
        for desk, ticket in queue.desks_with_tickets(site=site)
    ]
    return Glance(
        day=day,
        waiting=waiting,
        waiting_total=sum(row.waiting for row in waiting),
        longest_wait_minutes=int((now - oldest["issued_at"]).total_seconds() // 60) if oldest else None,
        longest_wait_number=oldest["number"] if oldest else None,
        desks=desks,
        desks_open=sum(1 for d in desks if d.state == Desk.State.OPEN),
        desks_paused=sum(1 for d in desks if d.state == Desk.State.PAUSED),
        issued=counts["issued"],
        served=counts["served"],
        no_shows=counts["no_shows"],
    )


# --- Cases and complaints --------------------------------------------------------------


def cases(*, site: Site, status: str | None = None) -> QuerySet[FollowUpCase]:
    qs = FollowUpCase.objects.filter(site=site).select_related(
        "rating__ticket", "rating__desk", "rating__officer", "rating__business_type"
    )
    if status == "overdue":
        return qs.filter(status=FollowUpCase.Status.OPEN, due_on__lt=site.service_day(dt.datetime.now(tz=site.tz)))
    if status:
        qs = qs.filter(status=status)
    return qs


def open_case_counts(*, site: Site, today: dt.date) -> dict[str, int]:
    return FollowUpCase.objects.filter(site=site, status=FollowUpCase.Status.OPEN).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today))
    )


def complaints(*, site: Site, status: str | None = None) -> QuerySet[Complaint]:
    qs = Complaint.objects.filter(site=site).select_related("desk").annotate(replies_count=Count("replies"))
    if status:
        qs = qs.filter(status=status)
    return qs


# --- The audit trail -----------------------------------------------------------------------


def audit_events(
    *,
    site: Site,
    ticket: str = "",
    desk: int | None = None,
    officer: str = "",
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> QuerySet[Event]:
    """Every event of the site, newest first, narrowed by ticket number, desk, officer and dates."""
    qs = Event.objects.filter(site=site).select_related("ticket", "desk", "user", "device__desk")
    if ticket:
        qs = qs.filter(ticket__number=ticket.strip().upper())
    if desk is not None:
        qs = qs.filter(desk__number=desk)
    if officer:
        qs = qs.filter(user__username=officer.strip())
    if first is not None or last is not None:
        start, end = day_bounds(site, first or dt.date.min.replace(year=2000), last or dt.date(2999, 12, 31))
        qs = qs.filter(created_at__gte=start, created_at__lt=end)
    return qs.order_by("-created_at", "-id")
