"""Reads shared by the API, the services and (later) the pages and sockets.

Estimated wait (SPEC "Domain"): the people ahead of a ticket in its own
business type's queue, times that type's learned average handling minutes,
divided by the open desks that handle the type. Desks handling several types
share their time, so this leans optimistic when one desk covers every type;
it is a guide for the citizen, not a promise, and the learned average keeps it
honest over the day.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from notices.models import ChecklistVersion
from queueing import opening, rules
from queueing.models import BusinessType, Desk, DeskBusinessType, DeskToken, Event, HelpRequest, Site, Ticket

RECENT_CALLS = 10
# Table names for the few reads written in SQL (they run on every write).
_TICKET = Ticket._meta.db_table
_DESK = Desk._meta.db_table
_DESK_TYPE = DeskBusinessType._meta.db_table
_BUSINESS_TYPE = BusinessType._meta.db_table


def appointment_due(now: dt.datetime) -> Q:
    """A checked-in appointment ticket whose booked slot has started (before that it waits like a walk-in)."""
    return Q(appointment_start__isnull=False, appointment_start__lte=now)


def queue_order(now: dt.datetime | None = None) -> list[Any]:
    """Call order: priority first, then appointments whose slot has started, then transferred tickets,
    then the oldest. The last item is always the tie-breaking pk."""
    # Among priority tickets an appointment has no extra rank: 绿色通道 and notice returns keep their order.
    due = Case(When(Q(priority=False) & appointment_due(now or timezone.now()), then=Value(1)), default=Value(0))
    return [F("priority").desc(), due.desc(), F("transferred").desc(), "queued_at", "pk"]


def call_rank(ticket: Ticket, now: dt.datetime) -> int:
    """queue_order()'s first two keys as one rank: 0 priority, 1 appointment due, 2 the rest."""
    if ticket.priority:
        return 0
    if ticket.appointment_start is not None and ticket.appointment_start <= now:
        return 1
    return 2


def waiting_tickets(*, site: Site, day: dt.date) -> QuerySet[Ticket]:
    return Ticket.objects.filter(site=site, service_day=day, status=Ticket.Status.WAITING)


def queue_heads(*, site: Site, day: dt.date, type_ids: list[int], now: dt.datetime | None = None) -> list[Ticket]:
    """The candidates for first waiting ticket of each of these business types, in one statement.

    Each type gives two probes: the head of `ticket_queue_idx` (every type's
    queue with priority first), and the head of `ticket_appointment_queue_idx`
    among the appointments whose slot has started. The first in queue_order()
    is one of them, so call-next picks among a desk's few heads instead of
    sorting all the waiting tickets of its types.
    """
    if not type_ids:
        return []
    # Raw SQL: the database's own datetime form (SQLite compares text).
    at = connection.ops.adapt_datetimefield_value(now or timezone.now())
    params: list[Any] = []
    for type_id in type_ids:
        params += [site.pk, day, Ticket.Status.WAITING, type_id, site.pk, day, Ticket.Status.WAITING, type_id, at]
    # Rows made into tickets by from_row(): a RawQuerySet's set-up cost more than the probes.
    with connection.cursor() as cursor:
        cursor.execute(_queue_heads_sql(len(type_ids)), params)
        rows = cursor.fetchall()
    heads = {ticket.pk: ticket for ticket in (from_row(Ticket, row) for row in rows)}
    return list(heads.values())


@functools.cache
def _queue_heads_sql(types: int) -> str:
    """queue_heads()' statement for this many business types: a head and a due appointment per type."""
    parts = []
    for n in range(types):
        head, due = f"t{2 * n}", f"t{2 * n + 1}"
        parts.append(
            f"SELECT {columns(Ticket, head)} FROM (SELECT * FROM {_TICKET} WHERE site_id = %s AND service_day = %s"
            " AND status = %s AND business_type_id = %s"
            f" ORDER BY priority DESC, transferred DESC, queued_at, id LIMIT 1) AS {head}"
        )
        parts.append(
            f"SELECT {columns(Ticket, due)} FROM (SELECT * FROM {_TICKET} WHERE site_id = %s AND service_day = %s"
            " AND status = %s AND business_type_id = %s AND appointment_start IS NOT NULL AND NOT priority"
            f" AND appointment_start <= %s ORDER BY transferred DESC, queued_at, id LIMIT 1) AS {due}"
        )
    return " UNION ALL ".join(parts)  # noqa: S608


def waiting_counts(*, site: Site, day: dt.date) -> dict[int, int]:
    rows = waiting_tickets(site=site, day=day).values("business_type").annotate(n=Count("pk"))
    return {row["business_type"]: row["n"] for row in rows}


def open_desk_counts(*, site: Site) -> dict[int, int]:
    rows = DeskBusinessType.objects.filter(desk__site=site, desk__state=Desk.State.OPEN).values_list(
        "business_type_id", flat=True
    )
    return dict(Counter(rows))


def estimate_minutes(*, ahead: int, avg_minutes: float, open_desks: int) -> int:
    return int(math.ceil(ahead * avg_minutes / max(open_desks, 1)))


def ahead_of(ticket: Ticket, now: dt.datetime | None = None) -> int:
    """Waiting tickets of the same business type that a desk would call first."""
    if ticket.status != Ticket.Status.WAITING:
        return 0
    now = now or timezone.now()
    # Mirrors queue_order(): a higher rank, or the same rank and queued earlier.
    rank = call_rank(ticket, now)
    due = appointment_due(now)
    rank_q = {0: Q(priority=True), 1: Q(priority=False) & due, 2: Q(priority=False) & ~due}
    earlier = Q(queued_at__lt=ticket.queued_at) | Q(queued_at=ticket.queued_at, pk__lt=ticket.pk)
    before = rank_q[rank] & ((Q(transferred=ticket.transferred) & earlier) | Q(transferred=True))
    if ticket.transferred:
        before = rank_q[rank] & Q(transferred=True) & earlier
    for higher in range(rank):
        before |= rank_q[higher]
    return (
        waiting_tickets(site=ticket.site, day=ticket.service_day)
        .filter(business_type_id=ticket.business_type_id)
        .filter(before)
        .count()
    )


def ticket_estimate(ticket: Ticket, ahead: int) -> int | None:
    if ticket.status != Ticket.Status.WAITING:
        return None
    desks = open_desk_counts(site=ticket.site).get(ticket.business_type_id, 0)
    return estimate_minutes(ahead=ahead, avg_minutes=ticket.business_type.avg_handling_minutes, open_desks=desks)


def key_used(*, site: Site, key: str) -> bool:
    return Ticket.objects.filter(site=site, idempotency_key=key).exists()


def ticket_for_key(*, site: Site, key: str) -> Ticket | None:
    """The ticket an earlier request with this Idempotency-Key created."""
    return (
        Ticket.objects.select_related("business_type", "site", "checklist_version")
        .filter(site=site, idempotency_key=key)
        .first()
    )


@dataclass(frozen=True)
class BusinessTypeOverview:
    business_type: BusinessType
    waiting: int
    open_desks: int
    estimated_wait_minutes: int
    # Why the kiosk cannot issue for this type now (None: it can).
    refusal: str | None = None


def business_type_overview(*, site: Site, day: dt.date, include_inactive: bool = False) -> list[BusinessTypeOverview]:
    """Every business type of the site with its waiting count and open desks: one query.

    It runs after every write of a site (the live update's counts), so it is
    one statement of plain SQL with two counting subqueries (each an index
    probe: `ticket_queue_idx`, and the desk's types), not three ORM queries,
    and its rows become models without a RawQuerySet (from_row()).
    Its figures equal `waiting_counts` and `open_desk_counts` (tested).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _overview_sql(include_inactive=include_inactive), [day, Ticket.Status.WAITING, Desk.State.OPEN, site.pk]
        )
        rows = cursor.fetchall()
    result = []
    for row in rows:
        bt: BusinessType = from_row(BusinessType, row[:-2])
        waiting, desks = row[-2:]
        result.append(
            BusinessTypeOverview(
                business_type=bt,
                waiting=waiting,
                open_desks=desks,
                estimated_wait_minutes=estimate_minutes(
                    ahead=waiting, avg_minutes=bt.avg_handling_minutes, open_desks=desks
                ),
            )
        )
    return result


@functools.cache
def _overview_sql(*, include_inactive: bool) -> str:
    return f"""
        SELECT {columns(BusinessType, "bt")},
            (SELECT COUNT(*) FROM {_TICKET} t
              WHERE t.site_id = bt.site_id AND t.service_day = %s AND t.status = %s
                AND t.business_type_id = bt.id),
            (SELECT COUNT(*) FROM {_DESK_TYPE} dbt INNER JOIN {_DESK} d ON d.id = dbt.desk_id
              WHERE dbt.business_type_id = bt.id AND d.state = %s)
        FROM {_BUSINESS_TYPE} bt
        WHERE bt.site_id = %s {"" if include_inactive else "AND bt.active"}
        ORDER BY bt.position, bt.prefix
    """  # noqa: S608


@dataclass(frozen=True)
class IssueFigures:
    """What issuing a ticket of a type reads under the site's lock, in one query."""

    last_sequence: int  # today's highest number of the type (0: none yet)
    ahead: int  # waiting tickets a new one would queue behind
    open_desks: int  # open desks that handle the type
    key_ticket: int | None = None  # the ticket an earlier request with the same Idempotency-Key created


def issue_figures(*, business_type: BusinessType, day: dt.date, priority: bool, key: str | None = None) -> IssueFigures:
    # A priority ticket queues behind the other priority tickets only (queue_order()).
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT
                (SELECT MAX(t.sequence) FROM {_TICKET} t
                  WHERE t.issued_business_type_id = %s AND t.service_day = %s),
                (SELECT COUNT(*) FROM {_TICKET} t
                  WHERE t.site_id = %s AND t.service_day = %s AND t.status = %s
                    AND t.business_type_id = %s {"AND t.priority" if priority else ""}),
                (SELECT COUNT(*) FROM {_DESK_TYPE} dbt INNER JOIN {_DESK} d ON d.id = dbt.desk_id
                  WHERE dbt.business_type_id = %s AND d.state = %s),
                (SELECT t.id FROM {_TICKET} t WHERE t.site_id = %s AND t.idempotency_key = %s)
            """,
            [
                business_type.pk,
                day,
                business_type.site_id,
                day,
                Ticket.Status.WAITING,
                business_type.pk,
                business_type.pk,
                Desk.State.OPEN,
                business_type.site_id,
                key,  # NULL when there is none: it matches no row
            ],
        )
        last, ahead, desks, key_ticket = cursor.fetchone()
    return IssueFigures(last_sequence=last or 0, ahead=ahead, open_desks=desks, key_ticket=key_ticket)


@dataclass(frozen=True)
class IssueContext:
    """What the API's issue reads before the site's lock, in one statement."""

    site: Site
    business_type: BusinessType | None  # None: the site has no such type
    checklist: ChecklistVersion | None  # the version shown: the one asked for, or the one published now
    key_ticket: int | None  # the ticket an earlier request with the same Idempotency-Key created


def issue_context(*, slug: str, prefix: str, key: str | None, checklist_number: int | None) -> IssueContext | None:
    """The site by its slug with its business type, that type's checklist and the key's ticket (None: no such site).

    Plain SQL in one statement: a kiosk's every ticket read these in four ORM queries, whose
    compilation cost more than the reads. The checklist carries its id and number only.
    """
    sql = _issue_context_sql(by_number=checklist_number is not None)
    params: list[Any] = [key, prefix, ChecklistVersion.Status.PUBLISHED]
    if checklist_number is not None:
        params.append(checklist_number)
    params.append(slug)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    n_site, n_type = len(Site._meta.concrete_fields), len(BusinessType._meta.concrete_fields)
    site = from_row(Site, row[:n_site])
    bt_row = row[n_site : n_site + n_type]
    business_type = from_row(BusinessType, bt_row) if bt_row[0] is not None else None
    if business_type is not None:
        business_type.site = site
    cv_id, cv_number, key_ticket = row[n_site + n_type :]
    checklist = None
    if cv_id is not None:
        checklist = ChecklistVersion.from_db(connection.alias, ["id", "number"], [cv_id, cv_number])
    return IssueContext(site=site, business_type=business_type, checklist=checklist, key_ticket=key_ticket)


@functools.cache
def _issue_context_sql(*, by_number: bool) -> str:
    """issue_context()'s statement: the checklist asked for by its number, or the one published now."""
    return f"""
        SELECT {columns(Site, "s")}, {columns(BusinessType, "bt")}, cv.id, cv.number,
            (SELECT t.id FROM {_TICKET} t WHERE t.site_id = s.id AND t.idempotency_key = %s)
        FROM {Site._meta.db_table} s
        LEFT JOIN {_BUSINESS_TYPE} bt ON bt.site_id = s.id AND bt.prefix = %s
        LEFT JOIN {ChecklistVersion._meta.db_table} cv ON cv.id = (
            SELECT c.id FROM {ChecklistVersion._meta.db_table} c
            WHERE c.business_type_id = bt.id AND c.status = %s {"AND c.number = %s" if by_number else ""}
            ORDER BY c.number DESC LIMIT 1)
        WHERE s.slug = %s
    """  # noqa: S608


def device_token(token_hash: str) -> DeskToken | None:
    """The unrevoked desk token with this hash, with its desk and the desk's site (`desk.site`).

    Plain SQL: a keypad's every press looks its token up, and the ORM's select_related()
    of the two joins cost more to compile than to run (a fifth of a call-next's CPU).
    """
    with connection.cursor() as cursor:
        cursor.execute(_device_token_sql(), [token_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    n_token, n_desk = len(DeskToken._meta.concrete_fields), len(Desk._meta.concrete_fields)
    token: DeskToken = from_row(DeskToken, row[:n_token])
    desk: Desk = from_row(Desk, row[n_token : n_token + n_desk])
    desk.site = from_row(Site, row[n_token + n_desk :])
    token.desk = desk
    return token


@functools.cache
def _device_token_sql() -> str:
    return f"""
        SELECT {columns(DeskToken, "k")}, {columns(Desk, "d")}, {columns(Site, "s")}
        FROM {DeskToken._meta.db_table} k
        JOIN {_DESK} d ON d.id = k.desk_id
        JOIN {Site._meta.db_table} s ON s.id = d.site_id
        WHERE k.token_hash = %s AND k.revoked_at IS NULL
    """  # noqa: S608


@functools.cache
def columns(model: type[models.Model], alias: str) -> str:
    """A model's columns for a plain-SQL read that joins it as `alias` (from_row() makes the instance)."""
    return ", ".join(f"{alias}.{connection.ops.quote_name(str(f.column))}" for f in model._meta.concrete_fields)


# Per model: its fields' names, and the converters the ORM applies to a row it reads (by column index,
# only the columns that have any).
_readers: dict[type[models.Model], tuple[list[str], list[tuple[int, Any, list[Any]]]]] = {}


def from_row(model: type[models.Model], values: Any) -> Any:
    """A model instance from its columns in a row read with plain SQL (in columns() order)."""
    reader = _readers.get(model)
    if reader is None:
        fields = model._meta.concrete_fields
        converters = []
        for i, field in enumerate(fields):
            col = field.get_col(model._meta.db_table)
            funcs = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
            if funcs:
                converters.append((i, col, funcs))
        reader = _readers[model] = ([field.attname for field in fields], converters)
    names, converters = reader
    if len(values) != len(names):
        raise ValueError(f"{model.__name__} has {len(names)} columns, the row {len(values)}.")
    values = list(values)
    if converters:
        real = connections[DEFAULT_DB_ALIAS]  # the thread's connection, not the proxy at every access
        for i, col, funcs in converters:
            value = values[i]
            for func in funcs:
                value = func(value, col, real)
            values[i] = value
    return model.from_db(DEFAULT_DB_ALIAS, names, values)


def active_ticket(desk: Desk) -> Ticket | None:
    return (
        Ticket.objects.select_related("business_type", "site", "checklist_version")
        .filter(desk=desk, status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING])
        .first()
    )


def desk_business_types(desk: Desk) -> list[BusinessType]:
    """The business types a desk handles, in the site's order, each with its `desk_position` (the desk's order).

    Plain SQL: every call-next reads them.
    """
    return list(
        BusinessType.objects.raw(
            f"SELECT bt.*, dbt.position AS desk_position FROM {_BUSINESS_TYPE} bt"
            f" INNER JOIN {_DESK_TYPE} dbt ON dbt.business_type_id = bt.id"
            " WHERE dbt.desk_id = %s ORDER BY bt.site_id, bt.position, bt.prefix",
            [desk.pk],
        )
    )


def served_today(*, desk: Desk, day: dt.date) -> int:
    # Plain SQL: it is part of every desk's state, built after each of its actions.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {_TICKET} WHERE desk_id = %s AND service_day = %s AND status = %s",
            [desk.pk, day, Ticket.Status.DONE],
        )
        return int(cursor.fetchone()[0])


def desks_with_tickets(*, site: Site) -> list[tuple[Desk, Ticket | None]]:
    desks = list(site.desks.prefetch_related("business_types").select_related("officer__staff"))
    active = {
        t.desk_id: t
        for t in Ticket.objects.select_related("business_type").filter(
            site=site, desk__in=desks, status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING]
        )
    }
    return [(desk, active.get(desk.pk)) for desk in desks]


def recent_calls(*, site: Site, day_start: dt.datetime, limit: int = RECENT_CALLS) -> list[Event]:
    return list(
        Event.objects.filter(
            site=site,
            kind__in=[Event.Kind.TICKET_CALLED, Event.Kind.TICKET_RECALLED],
            created_at__gte=day_start,
        )
        .select_related("ticket__business_type", "desk")
        .order_by("-created_at", "-id")[:limit]
    )


def issued_counts(*, site: Site, day: dt.date) -> dict[int, int]:
    rows = Ticket.objects.filter(site=site, service_day=day).values("issued_business_type").annotate(n=Count("pk"))
    return {row["issued_business_type"]: row["n"] for row in rows}


def kiosk_overview(*, site: Site, now: dt.datetime) -> list[BusinessTypeOverview]:
    """The business-type overview with, for each type, why a ticket cannot be had now."""
    day = site.service_day(now)
    hours = opening.opening_at(site, now)
    issued = issued_counts(site=site, day=day)
    result = []
    for o in business_type_overview(site=site, day=day):
        refusal = rules.issuance_refusal(
            site=site,
            business_type=o.business_type,
            hours=hours,
            issued_today=issued.get(o.business_type.pk, 0),
            estimate_minutes=o.estimated_wait_minutes,
            now=now,
        )
        result.append(replace(o, refusal=str(refusal.message) if refusal else None))
    return result


def open_help(*, site: Site, now: dt.datetime) -> QuerySet[HelpRequest]:
    """Today's help requests still waiting for staff, oldest first.

    One left open at closing time is not carried into the next day's desks
    (the citizen has long gone); it stays in the records, unanswered.
    """
    day_start = dt.datetime.combine(site.service_day(now), dt.time.min, tzinfo=site.tz)
    return HelpRequest.objects.filter(site=site, status=HelpRequest.Status.OPEN, raised_at__gte=day_start).order_by(
        "raised_at", "pk"
    )
