"""The supervisor's figures for a date range, computed in the database.

Definitions (the site's time zone throughout; a ticket belongs to its
service day, which is the site's local date of issue):

- tickets: issued in the range. Grouped by business type (the type the
  ticket ended under, after a transfer), by desk and officer (who last called
  it; tickets never called have neither, and a ticket worked from a desk
  device with nobody signed in has no officer, so it shows per desk only)
  and by the local hour of issue.
- wait: called_at − issued_at, over the tickets that were called. A
  transferred ticket counts from issue to its last call.
- handling: finished_at − started_at, over the tickets served to the end
  (status done with a start).
- no-show rate: tickets that ended as no-shows ÷ tickets that ended served
  or no-show (a requeued no-show that was then served counts as served).
- p90: the nearest-rank 90th percentile, the value at rank ⌈0.9·n⌉ of the
  sorted values, found with a window function per group (ROW_NUMBER and
  COUNT over the group), so no ticket is ever loaded into Python.
- satisfaction: ratings with overall ≥ 4 (满意, 非常满意) ÷ all ratings of
  the visits in the range; ratings belong to their ticket's service day.
- the fairness log: every out-of-order call, requeue, staff-set priority,
  transfer and pause in the range, by the officer who did it (a desk
  device's act shows under the device).

Every table is a `Table` of plain cells; the page and the CSV export render
the same cells, so they can never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import NotSupportedError, connection
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import Window
from django.db.models.functions import ExtractHour, RowNumber
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from notices import selectors as notices
from queueing.models import BusinessType, Desk, Event, HelpRequest, Site, Ticket
from supervision.models import SATISFIED_AT_LEAST, BadReason, Complaint, FollowUpCase, Rating
from supervision.selectors import day_bounds, officer_name

Cell = str | int | float | None


class Seconds(Func):
    """`end − start` in seconds, as a float, on SQLite and PostgreSQL."""

    output_field = FloatField()

    def __init__(self, end: str, start: str) -> None:
        super().__init__(F(end), F(start))

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        end_sql, end_params = compiler.compile(self.source_expressions[0])
        start_sql, start_params = compiler.compile(self.source_expressions[1])
        if connection.vendor == "sqlite":
            sql = f"((julianday({end_sql}) - julianday({start_sql})) * 86400.0)"
        elif connection.vendor == "postgresql":
            sql = f"(EXTRACT(EPOCH FROM ({end_sql} - {start_sql})))::double precision"
        else:  # pragma: no cover - the project runs on these two
            raise NotSupportedError(f"Seconds() is not written for {connection.vendor}")
        return sql, [*end_params, *start_params]


@dataclass(frozen=True)
class Period:
    site: Site
    first: dt.date
    last: dt.date

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return day_bounds(self.site, self.first, self.last)

    def tickets(self) -> QuerySet[Ticket]:
        return Ticket.objects.filter(site=self.site, service_day__gte=self.first, service_day__lte=self.last)

    def ratings(self) -> QuerySet[Rating]:
        return Rating.objects.filter(site=self.site, service_day__gte=self.first, service_day__lte=self.last)


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


def minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def percent(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 1)


# --- Tickets: counts, waits, handling -------------------------------------------------

WAIT = ("called_at", "issued_at")
HANDLING = ("finished_at", "started_at")
WAITED = Q(called_at__isnull=False)
HANDLED = Q(status=Ticket.Status.DONE, started_at__isnull=False)


class FixedOffsetHour(Func):
    """The local hour of a timestamp at a fixed UTC offset, natively on SQLite.

    Django's `ExtractHour(tzinfo=…)` runs a Python function per row on SQLite,
    which made the hour-of-day figures the slowest part of a month's report.
    """

    output_field = IntegerField()

    def __init__(self, field: str, minutes: int) -> None:
        super().__init__(F(field), Value(f"{minutes:+d} minutes"))

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%H', %(expressions)s) AS INTEGER)", **extra_context
        )


def _constant_offset(period: Period) -> int | None:
    """The site's UTC offset in minutes if it is the same all through the period (no DST change), else None."""
    tz = period.site.tz
    offsets = {
        tz.utcoffset(dt.datetime.combine(period.first + dt.timedelta(days=i), moment))
        for i in range((period.last - period.first).days + 1)
        for moment in (dt.time(0, 30), dt.time(12), dt.time(23, 30))
    }
    if len(offsets) != 1:
        return None
    offset = offsets.pop()
    return None if offset is None else int(offset.total_seconds() // 60)


def _group_expr(period: Period, group: str | None) -> Any:
    if group == "hour":
        offset = _constant_offset(period) if connection.vendor == "sqlite" else None
        if offset is not None:
            return FixedOffsetHour("issued_at", offset)
        return ExtractHour("issued_at", tzinfo=period.site.tz)  # PostgreSQL: AT TIME ZONE, natively
    return F(group) if group else None


def _grouped(period: Period, group: str | None) -> QuerySet[Ticket]:
    qs = period.tickets()
    if group in ("desk_id", "officer_id"):
        qs = qs.filter(**{f"{group}__isnull": False})
    return qs


def percentile_90(period: Period, group: str | None, span: tuple[str, str], only: Q) -> dict[Any, float]:
    """The nearest-rank p90 of `span` per group: one query, ROW_NUMBER and COUNT over each group."""
    value = Seconds(*span)
    partition = _group_expr(period, group)
    over = [F("g")] if partition is not None else None
    ranked = (
        _grouped(period, group)
        .filter(only)
        # Only the group and the value go into the window's subquery, not every ticket column.
        .annotate(g=partition if partition is not None else F("site_id"), v=value)
        .values("g", "v")
        .annotate(
            rn=Window(RowNumber(), partition_by=over, order_by=F("v").asc()),
            n=Window(Count("*"), partition_by=over),
        )
        # rank ⌈0.9·n⌉ in integer arithmetic: (9n + 9) div 10
        .filter(rn=(F("n") * 9 + 9) / 10)
        .order_by()  # not Ticket's default ordering: it joins the site and sorts every row
        .values_list("g", "v")
    )
    return {g if partition is not None else None: v for g, v in ranked}


@dataclass(frozen=True)
class Figures:
    key: Any
    tickets: int
    served: int
    no_shows: int
    avg_wait: float | None
    p90_wait: float | None
    avg_handling: float | None
    p90_handling: float | None

    @property
    def no_show_rate(self) -> float | None:
        return percent(self.no_shows, self.served + self.no_shows)


def ticket_figures(period: Period, group: str | None = None) -> list[Figures]:
    """Tickets, served, no-shows, average and p90 of wait and handling (seconds), per group."""
    partition = _group_expr(period, group)
    qs = _grouped(period, group)
    aggregates: dict[str, Any] = {
        "tickets": Count("pk"),
        "served": Count("pk", filter=Q(status=Ticket.Status.DONE)),
        "no_shows": Count("pk", filter=Q(status=Ticket.Status.NO_SHOW)),
        "avg_wait": Avg(Seconds(*WAIT), filter=WAITED),
        "avg_handling": Avg(Seconds(*HANDLING), filter=HANDLED),
    }
    if partition is None:
        rows = [{"g": None, **qs.aggregate(**aggregates)}]
    else:
        rows = [dict(row) for row in qs.annotate(g=partition).values("g").annotate(**aggregates).order_by("g")]
    p90_wait = percentile_90(period, group, WAIT, WAITED)
    p90_handling = percentile_90(period, group, HANDLING, HANDLED)
    return [
        Figures(
            key=row["g"],
            tickets=row["tickets"],
            served=row["served"],
            no_shows=row["no_shows"],
            avg_wait=row["avg_wait"],
            p90_wait=p90_wait.get(row["g"]),
            avg_handling=row["avg_handling"],
            p90_handling=p90_handling.get(row["g"]),
        )
        for row in rows
    ]


FIGURE_COLUMNS = [
    gettext_lazy("Tickets"),
    gettext_lazy("Served"),
    gettext_lazy("No-shows"),
    gettext_lazy("No-show rate (%)"),
    gettext_lazy("Average wait (min)"),
    gettext_lazy("90th percentile wait (min)"),
    gettext_lazy("Average handling (min)"),
    gettext_lazy("90th percentile handling (min)"),
]


def _figure_cells(f: Figures) -> list[Cell]:
    return [
        f.tickets,
        f.served,
        f.no_shows,
        f.no_show_rate,
        minutes(f.avg_wait),
        minutes(f.p90_wait),
        minutes(f.avg_handling),
        minutes(f.p90_handling),
    ]


def _figure_table(key: str, title: str, label: str, figures: list[Figures], name: Callable[[Any], str]) -> Table:
    return Table(
        key=key,
        title=title,
        columns=[label, *map(str, FIGURE_COLUMNS)],
        rows=[[name(f.key), *_figure_cells(f)] for f in figures],
    )


# --- Labels ----------------------------------------------------------------------


@dataclass
class Names:
    types: dict[int, str]
    desks: dict[int, str]
    officers: dict[int, str]

    @classmethod
    def of(cls, site: Site, officer_ids: set[int]) -> Names:
        return cls(
            types={bt.pk: f"{bt.prefix} {bt.name}" for bt in BusinessType.objects.filter(site=site)},
            desks={d.pk: str(d) for d in Desk.objects.filter(site=site)},
            officers={u.pk: officer_name(u) or "" for u in User.objects.filter(pk__in=officer_ids)},
        )

    def type(self, pk: Any) -> str:
        return self.types.get(pk, "—")

    def desk(self, pk: Any) -> str:
        return self.desks.get(pk, "—")

    def officer(self, pk: Any) -> str:
        return self.officers.get(pk, _("desk device or system") if pk is None else "—")


# --- Ratings ------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingFigures:
    key: Any
    ratings: int
    satisfied: int
    bad: int
    avg_overall: float | None
    avg_efficiency: float | None
    avg_skill: float | None
    avg_attitude: float | None

    @property
    def satisfaction(self) -> float | None:
        return percent(self.satisfied, self.ratings)


def rating_figures(period: Period, group: str | None = None) -> list[RatingFigures]:
    qs = period.ratings()
    aggregates: dict[str, Any] = {
        "ratings": Count("pk"),
        "satisfied": Count("pk", filter=Q(overall__gte=SATISFIED_AT_LEAST)),
        "bad": Count("pk", filter=Q(overall__lte=2)),
        "avg_overall": Avg("overall"),
        "avg_efficiency": Avg("efficiency"),
        "avg_skill": Avg("skill"),
        "avg_attitude": Avg("attitude"),
    }
    if group is None:
        rows = [{"g": None, **qs.aggregate(**aggregates)}]
    else:
        grouped = qs.filter(**{f"{group}__isnull": False}).values(g=F(group)).annotate(**aggregates).order_by("g")
        rows = [dict(row) for row in grouped]
    return [
        RatingFigures(
            key=row["g"],
            ratings=row["ratings"],
            satisfied=row["satisfied"],
            bad=row["bad"],
            avg_overall=_round(row["avg_overall"]),
            avg_efficiency=_round(row["avg_efficiency"]),
            avg_skill=_round(row["avg_skill"]),
            avg_attitude=_round(row["avg_attitude"]),
        )
        for row in rows
    ]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


RATING_COLUMNS = [
    gettext_lazy("Ratings"),
    gettext_lazy("Satisfied (overall ≥ 4)"),
    gettext_lazy("Satisfaction rate (%)"),
    gettext_lazy("Bad ratings"),
    gettext_lazy("Average overall"),
    gettext_lazy("Average efficiency"),
    gettext_lazy("Average skill"),
    gettext_lazy("Average attitude"),
]


def _rating_table(key: str, title: str, label: str, figures: list[RatingFigures], name: Callable[[Any], str]) -> Table:
    return Table(
        key=key,
        title=title,
        columns=[label, *map(str, RATING_COLUMNS)],
        rows=[
            [
                name(f.key),
                f.ratings,
                f.satisfied,
                f.satisfaction,
                f.bad,
                f.avg_overall,
                f.avg_efficiency,
                f.avg_skill,
                f.avg_attitude,
            ]
            for f in figures
        ],
    )


# --- Fairness log ----------------------------------------------------------------

FAIRNESS = Q(kind=Event.Kind.TICKET_CALLED, data__out_of_order=True) | Q(
    kind__in=[
        Event.Kind.TICKET_REQUEUED,
        Event.Kind.TICKET_PRIORITISED,
        Event.Kind.TICKET_TRANSFERRED,
        Event.Kind.DESK_PAUSED,
    ]
)
FAIRNESS_KINDS = [
    ("called", Q(kind=Event.Kind.TICKET_CALLED), gettext_lazy("Out-of-order calls")),
    ("requeued", Q(kind=Event.Kind.TICKET_REQUEUED), gettext_lazy("Requeues")),
    ("prioritised", Q(kind=Event.Kind.TICKET_PRIORITISED), gettext_lazy("Priorities set")),
    ("transferred", Q(kind=Event.Kind.TICKET_TRANSFERRED), gettext_lazy("Transfers")),
    ("paused", Q(kind=Event.Kind.DESK_PAUSED), gettext_lazy("Pauses")),
]
# Long tables (the fairness log, cases, complaints of a year) show this many rows; the CSV has them all.
ROWS_ON_PAGE = 200


def fairness_events(period: Period) -> QuerySet[Event]:
    start, end = period.bounds
    return Event.objects.filter(FAIRNESS, site=period.site, created_at__gte=start, created_at__lt=end)


# --- The whole report ---------------------------------------------------------------------


@dataclass
class Report:
    period: Period
    summary: Figures
    rating_summary: RatingFigures
    tables: dict[str, Table]
    charts: dict[str, list[tuple[str, float]]]
    cases: dict[str, int]
    complaints: dict[str, int]
    fairness_total: int

    def table(self, key: str) -> Table:
        return self.tables[key]


def build_report(period: Period, *, today: dt.date | None = None) -> Report:
    site = period.site
    start, end = period.bounds
    summary = ticket_figures(period)[0]
    by_type = ticket_figures(period, "business_type_id")
    by_desk = ticket_figures(period, "desk_id")
    by_officer = ticket_figures(period, "officer_id")
    by_hour = ticket_figures(period, "hour")
    ratings = rating_figures(period)[0]
    ratings_desk = rating_figures(period, "desk_id")
    ratings_officer = rating_figures(period, "officer_id")
    fairness_counts: list[dict[str, Any]] = [
        dict(row)
        for row in fairness_events(period)
        .values("user_id")
        .annotate(total=Count("pk"), **{key: Count("pk", filter=q) for key, q, _label in FAIRNESS_KINDS})
        .order_by("-total", "user_id")
    ]
    officer_ids = {f.key for f in by_officer} | {r.key for r in ratings_officer}
    officer_ids |= {row["user_id"] for row in fairness_counts if row["user_id"] is not None}
    names = Names.of(site, officer_ids)
    hour_name: Callable[[Any], str] = lambda h: f"{h:02d}:00" if h is not None else "—"  # noqa: E731

    tables: dict[str, Table] = {}

    def add(table: Table) -> None:
        tables[table.key] = table

    add(_figure_table("summary", _("All tickets"), _("Period"), [summary], lambda _k: _period_label(period)))
    add(_figure_table("by_type", _("Per business type"), _("Business type"), by_type, names.type))
    add(_figure_table("by_desk", _("Per desk"), _("Desk"), by_desk, names.desk))
    add(_figure_table("by_officer", _("Per officer"), _("Officer"), by_officer, names.officer))
    add(_figure_table("by_hour", _("Per hour of day (time of issue)"), _("Hour"), by_hour, hour_name))
    add(_rating_table("ratings_by_desk", _("Ratings per desk"), _("Desk"), ratings_desk, names.desk))
    add(_rating_table("ratings_by_officer", _("Ratings per officer"), _("Officer"), ratings_officer, names.officer))
    add(
        Table(
            key="fairness_by_officer",
            title=_("Fairness log per officer"),
            columns=[_("Officer"), _("All"), *(str(label) for _k, _q, label in FAIRNESS_KINDS)],
            rows=[
                [names.officer(row["user_id"]), row["total"], *(row[key] for key, _q, _l in FAIRNESS_KINDS)]
                for row in fairness_counts
            ],
        )
    )
    add(_fairness_log(period, names))
    add(_cases_table(period, today or site.service_day(dt.datetime.now(tz=site.tz)), names))
    add(
        Table(
            key="notices",
            title=_("Missing-documents notices issued"),
            columns=[_("Business type"), _("Issued"), _("Redeemed on the return visit")],
            rows=[[f"{n.prefix} {n.name}", n.issued, n.redeemed] for n in notices.notice_counts(site, start, end)],
        )
    )
    add(
        Table(
            key="missing_items",
            title=_("Documents most often missing"),
            columns=[_("Business type"), _("Document"), _("Times missing")],
            rows=[[m.prefix, m.name, m.count] for m in notices.most_missing(site, start, end)],
        )
    )
    add(_complaints_table(period))
    add(_help_table(period))
    return Report(
        period=period,
        summary=summary,
        rating_summary=ratings,
        tables=tables,
        charts={
            "hour_tickets": [(str(f.key), float(f.tickets)) for f in by_hour],
            "hour_wait": [(str(f.key), minutes(f.avg_wait) or 0.0) for f in by_hour],
            "desk_satisfaction": [(names.desk(r.key), r.satisfaction or 0.0) for r in ratings_desk],
            "type_wait": [(names.type(f.key), minutes(f.avg_wait) or 0.0) for f in by_type],
        },
        cases=_count_by(FollowUpCase.objects.filter(site=site, opened_at__gte=start, opened_at__lt=end), "status"),
        complaints=_count_by(Complaint.objects.filter(site=site, created_at__gte=start, created_at__lt=end), "status"),
        fairness_total=sum(row["total"] for row in fairness_counts),
    )


def _help_table(period: Period) -> Table:
    """Help at the kiosks: how often citizens asked for staff, and how long they waited for someone."""
    start, end = period.bounds
    answer = ExpressionWrapper(F("taken_at") - F("raised_at"), output_field=DurationField())
    rows = (
        HelpRequest.objects.filter(site=period.site, raised_at__gte=start, raised_at__lt=end)
        .values("kiosk")
        .annotate(
            requests=Count("pk"),
            taken=Count("taken_at"),
            average=Avg(answer),
            longest=Max(answer),
        )
        .order_by("-requests", "kiosk")
    )

    def seconds(value: dt.timedelta | None) -> int | None:
        return None if value is None else round(value.total_seconds())

    return Table(
        key="help",
        title=_("Help requested at the kiosks"),
        columns=[_("Kiosk"), _("Requests"), _("Answered"), _("Average answer (s)"), _("Longest answer (s)")],
        rows=[
            [row["kiosk"], row["requests"], row["taken"], seconds(row["average"]), seconds(row["longest"])]
            for row in rows
        ],
    )


def _period_label(period: Period) -> str:
    return f"{period.first:%Y-%m-%d} – {period.last:%Y-%m-%d}"


def _count_by(qs: QuerySet[Any], column: str) -> dict[str, int]:
    return {row[column]: row["n"] for row in qs.values(column).annotate(n=Count("pk")).order_by(column)}


def _local(site: Site, moment: dt.datetime | None) -> str:
    return "" if moment is None else f"{site.local(moment):%Y-%m-%d %H:%M}"


def _fairness_log(period: Period, names: Names) -> Table:
    site = period.site
    events = fairness_events(period).select_related("ticket", "desk").order_by("user_id", "created_at", "pk")
    return Table(
        key="fairness_log",
        title=_("Fairness log"),
        columns=[_("Officer"), _("Time"), _("Action"), _("Ticket"), _("Desk"), _("Reason"), _("Note")],
        rows=[
            [
                names.officer(e.user_id),
                _local(site, e.created_at),
                str(e.get_kind_display()),
                e.ticket.number if e.ticket else "",
                str(e.desk) if e.desk else "",
                e.reason_text,
                e.note,
            ]
            for e in events
        ],
    )


def _cases_table(period: Period, today: dt.date, names: Names) -> Table:
    site = period.site
    start, end = period.bounds
    cases = (
        FollowUpCase.objects.filter(site=site, opened_at__gte=start, opened_at__lt=end)
        .select_related("rating__ticket")
        .order_by("due_on", "pk")
    )
    reasons = dict(BadReason.choices)
    return Table(
        key="cases",
        title=_("Bad ratings and their follow-up"),
        columns=[
            _("Case"),
            _("Ticket"),
            _("Desk"),
            _("Officer"),
            _("Overall"),
            _("Reason"),
            _("Opened"),
            _("Due"),
            _("Called back"),
            _("Fix recorded"),
            _("Status"),
        ],
        rows=[
            [
                c.pk,
                c.rating.ticket.number,
                names.desk(c.rating.desk_id),
                names.officer(c.rating.officer_id) if c.rating.officer_id else "—",
                c.rating.overall,
                str(reasons.get(c.rating.reason, "")),
                _local(site, c.opened_at),
                f"{c.due_on:%Y-%m-%d}",
                _local(site, c.called_back_at),
                _local(site, c.fixed_at),
                pgettext("follow-up case", "overdue") if c.is_overdue(today) else str(c.get_status_display()),
            ]
            for c in cases
        ],
    )


def _complaints_table(period: Period) -> Table:
    site = period.site
    start, end = period.bounds
    rows = Complaint.objects.filter(site=site, created_at__gte=start, created_at__lt=end).select_related("desk")
    return Table(
        key="complaints",
        title=_("Complaints"),
        columns=[_("Complaint"), _("Received"), _("Desk"), _("Date of the visit"), _("Status"), _("Text")],
        rows=[
            [
                c.pk,
                _local(site, c.created_at),
                str(c.desk) if c.desk else "",
                f"{c.visit_date:%Y-%m-%d}" if c.visit_date else "",
                str(c.get_status_display()),
                c.text,
            ]
            for c in rows.order_by("created_at", "pk")
        ],
    )


TABLE_KEYS: Sequence[str] = (
    "summary",
    "by_type",
    "by_desk",
    "by_officer",
    "by_hour",
    "ratings_by_desk",
    "ratings_by_officer",
    "cases",
    "fairness_by_officer",
    "fairness_log",
    "notices",
    "missing_items",
    "complaints",
)
