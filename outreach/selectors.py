"""Reads of outreach used by several pages, the API and the supervision figures."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Avg, Count, Q, QuerySet

from outreach.models import DocumentCase, OutreachEvent, OutreachOfficer, Reason, ServiceSession, VisitRequest
from queueing.auth import works_at
from queueing.models import Site, StaffProfile, Ticket
from queueing.roles import SUPERVISOR

SESSION_DAYS_AHEAD = 14


def can_see_details(user: User | AnonymousUser, site: Site) -> bool:
    """Officers and supervisors of this very site (and superusers): the only readers of personal data."""
    return works_at(user, site)


def can_triage(user: User | AnonymousUser, site: Site) -> bool:
    if not isinstance(user, User) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    profile = getattr(user, "staff", None)
    return profile is not None and profile.site_id == site.pk and user.groups.filter(name=SUPERVISOR).exists()


def staff_site(user: User | AnonymousUser) -> Site | None:
    profile = getattr(user, "staff", None) if isinstance(user, User) else None
    return profile.site if profile is not None else None


def is_overdue(request: VisitRequest, today: dt.date) -> bool:
    return request.status == VisitRequest.Status.REQUESTED and today > request.triage_due


def overdue(site: Site, today: dt.date) -> QuerySet[VisitRequest]:
    return VisitRequest.objects.filter(site=site, status=VisitRequest.Status.REQUESTED, triage_due__lt=today)


def to_triage(site: Site) -> QuerySet[VisitRequest]:
    return (
        VisitRequest.objects.filter(site=site, status__in=VisitRequest.SCHEDULABLE)
        .select_related("business_type")
        .order_by("triage_due", "created_at")
    )


@dataclass
class Stop:
    request: VisitRequest
    officers: list[str] = field(default_factory=list)


@dataclass
class RouteDay:
    day: dt.date
    villages: list[tuple[str, list[VisitRequest]]]

    @property
    def visits(self) -> list[VisitRequest]:
        return [v for _village, visits in self.villages for v in visits]


def route(site: Site, first: dt.date, days: int = 7) -> list[RouteDay]:
    """Scheduled visits of `days` days from `first`, by day, then by village in route order."""
    visits = list(
        VisitRequest.objects.filter(
            site=site,
            status=VisitRequest.Status.SCHEDULED,
            visit_date__gte=first,
            visit_date__lt=first + dt.timedelta(days=days),
        )
        .select_related("business_type")
        .prefetch_related("officers__outreach")
        .order_by("visit_date", "route_position", "window_start", "pk")
    )
    out = []
    for day, group in groupby(visits, key=lambda v: v.visit_date):
        # The village is encrypted, so grouping happens here; villages keep the order of their first stop.
        villages: dict[str, list[VisitRequest]] = {}
        for visit in group:
            villages.setdefault(visit.village or "", []).append(visit)
        assert day is not None
        out.append(RouteDay(day=day, villages=list(villages.items())))
    return out


def public_police_numbers(user_ids: Iterable[int]) -> dict[int, str]:
    """Each officer's police number as citizens may read it, by user id.

    The officer's public profile (警务公开, `StaffProfile`) is the one source the station keeps up to
    date; outreach's own `OutreachOfficer` record fills in for an officer whose profile gives none
    or is not public. Officers with neither are left out.
    """
    ids = set(user_ids)
    numbers: dict[int, str] = {}
    for profile in StaffProfile.objects.filter(user_id__in=ids):
        card = profile.public_card(names_public=False)
        if card and card["police_number"]:
            numbers[profile.user_id] = str(card["police_number"])
    for officer in OutreachOfficer.objects.filter(user_id__in=ids - numbers.keys()).exclude(police_number=""):
        numbers[officer.user_id] = officer.police_number
    return numbers


def police_numbers(request: VisitRequest) -> list[str]:
    users = list(request.officers.order_by("pk").values_list("pk", flat=True))
    numbers = public_police_numbers(users)
    return [numbers[pk] for pk in users if pk in numbers]


def case_for_ticket(ticket: Ticket) -> DocumentCase | None:
    return DocumentCase.objects.select_related("delivery").filter(Q(ticket=ticket) | Q(pickup_ticket=ticket)).first()


def upcoming_sessions(site: Site, today: dt.date, days: int = SESSION_DAYS_AHEAD) -> QuerySet[ServiceSession]:
    return (
        ServiceSession.objects.filter(
            site=site, published=True, date__gte=today, date__lte=today + dt.timedelta(days=days)
        )
        .prefetch_related("business_types")
        .order_by("date", "start")
    )


def resident_officers(site: Site) -> list[OutreachOfficer]:
    """The site's resident officers (驻村), each with `public_number`: their police number as the public reads it."""
    residents = list(OutreachOfficer.objects.filter(site=site).exclude(villages="").order_by("police_number"))
    numbers = public_police_numbers(r.user_id for r in residents)
    for resident in residents:
        resident.public_number = numbers.get(resident.user_id, "")  # type: ignore[attr-defined]
    return residents


# --- Figures for supervision: counts only, never a person ---------------------------------


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(share * len(ordered)) - 1, 0)  # nearest-rank
    return ordered[rank]


@dataclass
class Figures:
    requests: int
    by_reason: list[tuple[str, int]]
    accepted: int
    declined: int
    overdue: int
    outcomes: list[tuple[str, int]]
    days_to_visit_mean: float | None
    days_to_visit_p90: float | None
    deliveries: int
    delivered: int
    cases: int
    picked_up: int
    sessions: list[tuple[ServiceSession, int, float | None]]

    def rows(self) -> list[tuple[str, str]]:
        def fmt(value: float | None) -> str:
            return "" if value is None else f"{value:.1f}"

        rows = [("requests", str(self.requests))]
        rows += [(f"reason.{code}", str(n)) for code, n in self.by_reason]
        rows += [
            ("accepted", str(self.accepted)),
            ("declined", str(self.declined)),
            ("overdue", str(self.overdue)),
        ]
        rows += [(f"outcome.{code}", str(n)) for code, n in self.outcomes]
        rows += [
            ("days_to_visit_mean", fmt(self.days_to_visit_mean)),
            ("days_to_visit_p90", fmt(self.days_to_visit_p90)),
            ("deliveries", str(self.deliveries)),
            ("delivered", str(self.delivered)),
            ("document_cases", str(self.cases)),
            ("picked_up", str(self.picked_up)),
        ]
        for session, served, rating in self.sessions:
            rows.append((f"session.{session.date}.{session.pk}.served", str(served)))
            rows.append((f"session.{session.date}.{session.pk}.rating", fmt(rating)))
        return rows


def figures(site: Site, first: dt.date, last: dt.date, today: dt.date) -> Figures:
    start = dt.datetime.combine(first, dt.time.min, tzinfo=site.tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=site.tz)
    requests = VisitRequest.objects.filter(site=site, created_at__gte=start, created_at__lt=end)
    reasons = Counter(requests.values_list("reason", flat=True))
    visited = [
        (r.visited_at - r.created_at).total_seconds() / 86400
        for r in requests.filter(visited_at__isnull=False).only("visited_at", "created_at")
        if r.visited_at is not None
    ]
    # Every visit's outcome, from the audit trail: a request not at home and visited again counts twice.
    outcomes = Counter(
        OutreachEvent.objects.filter(request__in=requests, kind=OutreachEvent.Kind.VISITED).values_list(
            "data__outcome", flat=True
        )
    )
    cases = DocumentCase.objects.filter(site=site, created_at__gte=start, created_at__lt=end)
    sessions = []
    for session in ServiceSession.objects.filter(site=site, date__gte=first, date__lte=last).order_by("date", "start"):
        served, rating = 0, None
        if session.queue_site_id is not None:
            tickets = Ticket.objects.filter(site_id=session.queue_site_id, service_day=session.date)
            served = tickets.filter(status=Ticket.Status.DONE).count()
            rating = tickets.filter(rating__isnull=False).aggregate(a=Avg("rating__overall"))["a"]
        sessions.append((session, served, rating))
    return Figures(
        requests=requests.count(),
        by_reason=[(code, reasons.get(code, 0)) for code in Reason.values],
        accepted=requests.filter(triaged_at__isnull=False).exclude(status=VisitRequest.Status.DECLINED).count(),
        declined=requests.filter(status=VisitRequest.Status.DECLINED).count(),
        overdue=overdue(site, today).count(),  # outstanding now, whenever they came
        outcomes=[(s, outcomes.get(s, 0)) for s in ("done", "not_home", "revisit", "window")],
        days_to_visit_mean=(sum(visited) / len(visited)) if visited else None,
        days_to_visit_p90=percentile(visited, 0.9),
        deliveries=requests.filter(kind=VisitRequest.Kind.DELIVERY).count(),
        delivered=cases.filter(status=DocumentCase.Status.DELIVERED).count(),
        cases=cases.count(),
        picked_up=cases.filter(status=DocumentCase.Status.PICKED_UP).count(),
        sessions=sessions,
    )


def counts_by_status(site: Site) -> dict[str, int]:
    return dict(VisitRequest.objects.filter(site=site).values_list("status").annotate(n=Count("pk")))
