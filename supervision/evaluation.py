"""A month's figures per window and per officer, and the one score of the monthly evaluation (评议).

Served, waits and satisfaction come from `supervision.reports` (the
supervisor's report, so the two can never disagree). On top of them:

- bad ratings: ratings of the month with overall ≤ 2; their follow-up cases
  as closed, or overdue (open after their due day, as the case list says);
- complaints received: complaints of the month, per the desk the citizen
  named (per officer only once a finding names the officer); upheld and
  partly upheld: complaints of the month whose finding says so, per the desk
  and officer the finding names;
- inspection findings: inspections of the month with a severity other than
  "nothing found", per desk and officer inspected.

The score (0–100, one decimal), with the site's weights (defaults in
`AccountabilitySettings`): a base of satisfaction and waiting,

    base = (w_s · satisfaction + w_w · wait score) / (w_s + w_w)

where satisfaction is the satisfaction rate in % (100 with no ratings) and
the wait score is 100 while the average wait is at most the wait the site
aims at (T), falling linearly to 0 at 2T (100 with nobody served); minus
points for each upheld (10) and partly upheld (5) complaint, each inspection
finding (minor 2, serious 5, grave 10) and each overdue bad-rating case (2);
never below 0. Rows are ranked by score, best first (ties share a rank).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from django.contrib.auth.models import User

from queueing.models import Desk, Site, StaffProfile
from supervision import profiles, reports
from supervision.models import (
    AccountabilitySettings,
    Complaint,
    ComplaintFinding,
    FollowUpCase,
    Inspection,
    MonthlyEvaluation,
)
from supervision.selectors import day_bounds, officer_name

SEVERITIES = ("minor", "serious", "grave")
WEIGHT_FIELDS = (
    "weight_satisfaction",
    "weight_wait",
    "target_wait_minutes",
    "upheld_points",
    "partly_points",
    "minor_points",
    "serious_points",
    "grave_points",
    "overdue_case_points",
)


def settings_for(site: Site) -> AccountabilitySettings:
    """The site's settings, or the documented defaults when the supervisor never saved any (not stored)."""
    return AccountabilitySettings.objects.filter(site=site).first() or AccountabilitySettings(site=site)


def weights_of(settings: AccountabilitySettings) -> dict[str, int]:
    return {name: int(getattr(settings, name)) for name in WEIGHT_FIELDS}


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return first, last


@dataclass
class Row:
    key: str  # "desk:<pk>" or "officer:<pk>"
    kind: str  # "desk" or "officer"
    label: str  # for supervisors (may hold the account name)
    public_label: str  # for the public page: "" when the officer has no public profile
    served: int = 0
    avg_wait: float | None = None  # minutes
    p90_wait: float | None = None
    ratings: int = 0
    satisfaction: float | None = None  # %
    bad: int = 0
    cases_closed: int = 0
    cases_overdue: int = 0
    complaints: int = 0
    upheld: int = 0
    partly: int = 0
    findings: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEVERITIES, 0))
    score: float = 0.0
    rank: int = 0

    @property
    def findings_total(self) -> int:
        return sum(self.findings.values())


def score(row: Row, weights: dict[str, int]) -> float:
    target = max(1, weights["target_wait_minutes"])
    satisfaction = 100.0 if row.satisfaction is None else row.satisfaction
    if row.avg_wait is None or row.avg_wait <= target:
        wait = 100.0
    else:
        wait = max(0.0, 100.0 * (2 * target - row.avg_wait) / target)
    total_weight = weights["weight_satisfaction"] + weights["weight_wait"]
    base = (
        (weights["weight_satisfaction"] * satisfaction + weights["weight_wait"] * wait) / total_weight
        if total_weight
        else 100.0
    )
    off = (
        row.upheld * weights["upheld_points"]
        + row.partly * weights["partly_points"]
        + sum(row.findings[s] * weights[f"{s}_points"] for s in SEVERITIES)
        + row.cases_overdue * weights["overdue_case_points"]
    )
    return round(max(0.0, base - off), 1)


def _rank(rows: list[Row]) -> None:
    ordered = sorted(rows, key=lambda r: -r.score)
    for index, row in enumerate(ordered):
        row.rank = ordered[index - 1].rank if index and ordered[index - 1].score == row.score else index + 1


def compute(site: Site, month: dt.date, *, today: dt.date, weights: dict[str, int] | None = None) -> list[Row]:
    """Every window's and officer's row of the month, scored and ranked within their kind."""
    first, last = month_bounds(month)
    period = reports.Period(site, first, last)
    start, end = day_bounds(site, first, last)
    weights = weights or weights_of(settings_for(site))
    rows: dict[str, Row] = {}

    desks = {d.pk: d for d in Desk.objects.filter(site=site)}
    by_desk = {f.key: f for f in reports.ticket_figures(period, "desk_id")}
    by_officer = {f.key: f for f in reports.ticket_figures(period, "officer_id")}
    ratings_desk = {r.key: r for r in reports.rating_figures(period, "desk_id")}
    ratings_officer = {r.key: r for r in reports.rating_figures(period, "officer_id")}
    cases = list(
        FollowUpCase.objects.filter(site=site, rating__service_day__gte=first, rating__service_day__lte=last).values(
            "status", "due_on", "rating__desk_id", "rating__officer_id"
        )
    )
    complaints = list(
        Complaint.objects.filter(site=site, created_at__gte=start, created_at__lt=end).values(
            "desk_id", "finding__outcome", "finding__desk_id", "finding__officer_id"
        )
    )
    inspections = list(
        Inspection.objects.filter(site=site, inspected_at__gte=start, inspected_at__lt=end)
        .exclude(severity=Inspection.Severity.NONE)
        .values("desk_id", "officer_id", "severity")
    )
    officer_ids = {k for k in by_officer if k is not None} | {k for k in ratings_officer if k is not None}
    officer_ids |= {c["rating__officer_id"] for c in cases} | {k["finding__officer_id"] for k in complaints}
    officer_ids |= {i["officer_id"] for i in inspections}
    officer_ids.discard(None)
    desk_ids = {k for k in by_desk if k is not None} | {k for k in ratings_desk if k is not None}
    desk_ids |= {k["desk_id"] for k in complaints} | {k["finding__desk_id"] for k in complaints}
    desk_ids |= {i["desk_id"] for i in inspections}
    desk_ids.discard(None)

    public = profiles.public_labels(site, officer_ids)
    users = {u.pk: u for u in User.objects.filter(pk__in=officer_ids)}
    staff = {p.user_id: p for p in StaffProfile.objects.filter(user_id__in=officer_ids)}
    for pk in sorted(desk_ids, key=lambda pk: desks[pk].number if pk in desks else 0):
        name = str(desks[pk]) if pk in desks else "—"
        rows[f"desk:{pk}"] = Row(key=f"desk:{pk}", kind="desk", label=name, public_label=name)
    for pk in sorted(officer_ids):
        profile = staff.get(pk)
        label = (profile.display_name if profile else "") or officer_name(users.get(pk)) or "—"
        if profile and profile.police_number:
            label = f"{label} ({profile.police_number})"
        rows[f"officer:{pk}"] = Row(key=f"officer:{pk}", kind="officer", label=label, public_label=public.get(pk, ""))

    for kind, tickets, ratings in (("desk", by_desk, ratings_desk), ("officer", by_officer, ratings_officer)):
        for pk, f in tickets.items():
            if f"{kind}:{pk}" in rows:
                row = rows[f"{kind}:{pk}"]
                row.served = f.served
                row.avg_wait, row.p90_wait = reports.minutes(f.avg_wait), reports.minutes(f.p90_wait)
        for pk, r in ratings.items():
            if f"{kind}:{pk}" in rows:
                row = rows[f"{kind}:{pk}"]
                row.ratings, row.satisfaction, row.bad = r.ratings, r.satisfaction, r.bad

    def each(desk_id: Any, officer_id: Any) -> list[Row]:
        keys = [f"desk:{desk_id}" if desk_id else None, f"officer:{officer_id}" if officer_id else None]
        return [rows[k] for k in keys if k in rows]

    for c in cases:
        for row in each(c["rating__desk_id"], c["rating__officer_id"]):
            if c["status"] == FollowUpCase.Status.CLOSED:
                row.cases_closed += 1
            elif today > c["due_on"]:
                row.cases_overdue += 1
    for k in complaints:
        if k["desk_id"] and f"desk:{k['desk_id']}" in rows:
            rows[f"desk:{k['desk_id']}"].complaints += 1
        if k["finding__officer_id"] and f"officer:{k['finding__officer_id']}" in rows:
            rows[f"officer:{k['finding__officer_id']}"].complaints += 1
        outcome = k["finding__outcome"]
        if outcome in (ComplaintFinding.Outcome.UPHELD, ComplaintFinding.Outcome.PARTLY):
            for row in each(k["finding__desk_id"] or k["desk_id"], k["finding__officer_id"]):
                if outcome == ComplaintFinding.Outcome.UPHELD:
                    row.upheld += 1
                else:
                    row.partly += 1
    for i in inspections:
        for row in each(i["desk_id"], i["officer_id"]):
            row.findings[i["severity"]] += 1

    for row in rows.values():
        row.score = score(row, weights)
    result = list(rows.values())
    _rank([r for r in result if r.kind == "desk"])
    _rank([r for r in result if r.kind == "officer"])
    return result


# --- Frozen months ---------------------------------------------------------------------


def row_to_dict(row: Row) -> dict[str, Any]:
    return asdict(row)


def row_from_dict(data: dict[str, Any]) -> Row:
    return Row(**data)


@dataclass
class MonthView:
    """A month as supervisors and the public see it: live while open, the frozen record once closed."""

    site: Site
    month: dt.date
    rows: list[Row]
    weights: dict[str, int]
    closed: MonthlyEvaluation | None
    corrected: set[tuple[str, str]] = field(default_factory=set)

    @property
    def desks(self) -> list[Row]:
        return [r for r in self.rows if r.kind == "desk"]

    @property
    def officers(self) -> list[Row]:
        return [r for r in self.rows if r.kind == "officer"]


def month_view(site: Site, month: dt.date, *, today: dt.date) -> MonthView:
    """The closed month's record with its corrections applied (and marked), or the open month computed now."""
    first = month.replace(day=1)
    closed = MonthlyEvaluation.objects.filter(site=site, month=first).first()
    if closed is None:
        weights = weights_of(settings_for(site))
        return MonthView(site, first, compute(site, first, today=today, weights=weights), weights, None)
    rows = {r["key"]: row_from_dict(dict(r)) for r in closed.rows}
    corrected: set[tuple[str, str]] = set()
    for correction in closed.corrections.all():
        row = rows.get(correction.row)
        if row is not None and hasattr(row, correction.column):
            setattr(row, correction.column, correction.new_value)
            corrected.add((correction.row, correction.column))
    # Names are not figures: a closed month shows officers as the site's choice and their profiles stand now.
    ids = {int(key.split(":")[1]) for key in rows if key.startswith("officer:")}
    public = profiles.public_labels(site, ids)
    for key, row in rows.items():
        if row.kind == "officer":
            row.public_label = public.get(int(key.split(":")[1]), "")
    return MonthView(site, first, list(rows.values()), dict(closed.weights), closed, corrected)


def counts(rows: list[Row]) -> Counter[str]:
    total: Counter[str] = Counter()
    for row in rows:
        total.update({"served": row.served, "complaints": row.complaints, "upheld": row.upheld})
    return total
