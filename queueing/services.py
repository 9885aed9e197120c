"""Every change of the queue goes through these functions.

Each runs in one transaction, locks what it reads, and records an Event with
who did it, from where, and the site's new version. Views, the API, commands
and the admin call them; nothing else writes a Ticket, a Desk or an Event.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import partial
from typing import Any, ParamSpec, TypeVar

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Field, Model, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from notices.models import ChecklistVersion, Notice, normalize_code
from queueing import broadcast, opening, rules, selectors
from queueing.errors import (
    BusinessTypeInactive,
    DeskBusy,
    DeskClosed,
    DeskPaused,
    Forbidden,
    InvalidRequest,
    InvalidTransition,
    NotFound,
    NoticeExpired,
    NoticeUsed,
    RateLimited,
    ReasonRequired,
    UnknownReason,
)
from queueing.models import (
    BusinessType,
    Desk,
    DeskToken,
    Event,
    HelpRequest,
    Reason,
    Site,
    SpecialDay,
    StaffProfile,
    Ticket,
    hash_token,
)
from queueing.schemas import NO_NOTICE_YET, DeskActionOut, desk_action_out

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Actor:
    """Who asks for a change, recorded in its Event."""

    kind: str  # Event.ActorKind
    user: User | None = None
    device: DeskToken | None = None
    address: str | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(kind=Event.ActorKind.SYSTEM)


class _SqliteWriter:
    """SQLite's writers, one at a time, in the order they came.

    SQLite has one writer at a time, and its busy-wait retry is unfair: under load
    a few requests starve for seconds, sleeping in steps of milliseconds. So this
    process's writers queue on a lock, and then the processes (several daphne
    workers, a management command, the tests beside their server) on an exclusive
    `flock` of a file beside the database, which the kernel hands on at once.
    Re-entrant: a write inside a write takes neither again. PostgreSQL relies on
    row locks alone.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._depth = 0  # only changed by the thread holding _lock
        self._files: dict[str, int] = {}  # lock file path -> descriptor, in this process
        self._pid = os.getpid()

    def _descriptor(self) -> int | None:
        name = str(connection.settings_dict["NAME"])
        if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
            return None  # an in-memory database lives in one process
        if self._pid != os.getpid():  # forked: the parent's descriptors share its lock
            self._files.clear()
            self._pid = os.getpid()
        fd = self._files.get(name)
        if fd is None:
            fd = self._files[name] = os.open(f"{name}.writer-lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return fd

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._lock:
            fd = self._descriptor() if self._depth == 0 else None
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)


_sqlite_writer = _SqliteWriter()


@contextmanager
def _writer_lock() -> Iterator[None]:
    with _sqlite_writer.held() if connection.vendor == "sqlite" else nullcontext():
        yield


def write_transaction(func: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with _writer_lock(), transaction.atomic():
            return func(*args, **kwargs)

    return wrapper


def _bump_version(site: Site) -> list[Event]:
    """Count this transaction as one change of the site; return its events' list.

    The first event of a transaction bumps the version (`site` is the row
    _lock_site() holds, so its in-memory value is current) and arranges one
    broadcast for after the commit; later events share both.
    """
    pending: list[Event] | None = getattr(site, "_pending_events", None)
    if pending is None:
        site.version += 1
        Site.objects.filter(pk=site.pk).update(version=site.version)
        pending = _pending_broadcast(site)
    return pending


def _pending_broadcast(site: Site) -> list[Event]:
    """The list the transaction's events go into, broadcast with the site's (new) version after the commit."""
    pending: list[Event] = []
    site._pending_events = pending  # type: ignore[attr-defined]
    # The desk states the write built already (desk id → language, message), so the broadcast need not.
    site._pending_desk_states = {}  # type: ignore[attr-defined]
    transaction.on_commit(
        partial(
            broadcast.publish,
            site_id=site.pk,
            version=site.version,
            events=pending,
            desk_states=site._pending_desk_states,  # type: ignore[attr-defined]
        ),
        robust=True,
    )
    return pending


def _record(
    *,
    site: Site,
    kind: str,
    actor: Actor,
    ticket: Ticket | None = None,
    desk: Desk | None = None,
    reason: Reason | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> Event:
    pending = _bump_version(site)
    event = Event(
        site=site,
        ticket=ticket,
        desk=desk,
        kind=kind,
        actor_kind=actor.kind,
        user=actor.user if actor.user is not None and actor.user.is_authenticated else None,
        device=actor.device,
        reason=reason,
        reason_text=reason.label if reason else "",
        note=note,
        data=data or {},
        address=actor.address,
        version=site.version,
        created_at=at or timezone.now(),
    )
    _insert(event)
    pending.append(event)
    return event


# Per model: its INSERT … RETURNING statement and the fields it writes (see _insert).
_inserts: dict[type[Model], tuple[str, list[Field[Any, Any]]]] = {}


def _insert(obj: Model) -> None:
    """Save a new row with one INSERT in plain SQL: what create() does, for the rows every write adds.

    Every issue adds a ticket and an event, every call-next an event or two: the ORM's insert
    compiler cost more than the statement. Values go through each field as the ORM's would.
    """
    model = type(obj)
    prepared = _inserts.get(model)
    if prepared is None:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        names = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({names}) VALUES ({placeholders})"  # noqa: S608
        if connection.features.can_return_columns_from_insert:
            sql += f" RETURNING {connection.ops.quote_name(str(model._meta.pk.column))}"
        prepared = _inserts[model] = (sql, fields)
    sql, fields = prepared
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        obj.pk = cursor.fetchone()[0] if connection.features.can_return_columns_from_insert else cursor.lastrowid
    obj._state.adding = False
    obj._state.db = connection.alias


def _save_fields(obj: Model, fields: list[str]) -> None:
    """save(update_fields=…) in one plain-SQL UPDATE, for the ticket changes of call-next (its hot path)."""
    meta = obj._meta
    columns = [f for f in meta.concrete_fields if f.name in fields]
    assignments = ", ".join(f"{connection.ops.quote_name(str(f.column))} = %s" for f in columns)
    values = [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {assignments} WHERE id = %s",  # noqa: S608
            [*values, obj.pk],
        )


# --- Day change -------------------------------------------------------------


_SITE_COLUMNS = ", ".join(connection.ops.quote_name(str(f.column)) for f in Site._meta.concrete_fields)
_LOCK_AND_BUMP = f"UPDATE {Site._meta.db_table} SET version = version + 1 WHERE id = %s RETURNING {_SITE_COLUMNS}"  # noqa: S608


def _lock_site(site_id: int, now: dt.datetime, *, bump: bool = False) -> Site:
    """Every write starts by locking its site's row.

    One lock order for everything (site, then desk, then tickets) means no
    deadlocks between actions of a site, and the site's `version` then grows in
    commit order. It serialises the writes of one hall, which at a few
    milliseconds each is far more than a hall needs; other halls don't wait.

    `bump`: the caller will record an event (or roll back), so the lock and the
    version's increment are one statement (an UPDATE locks the row as FOR UPDATE does).
    """
    if bump:
        with connection.cursor() as cursor:  # a cursor, not raw(): this runs in every write
            cursor.execute(_LOCK_AND_BUMP, [site_id])
            row = cursor.fetchone()
        if row is None:
            raise Site.DoesNotExist(f"No site {site_id}.")
        site: Site = selectors.from_row(Site, row)
        _pending_broadcast(site)
    else:
        site = Site.objects.select_for_update().get(pk=site_id)
    _expire_earlier_days(site, now)
    return site


def _nothing_written(answer: R) -> R:
    """A write that locked with `bump` and then changed nothing: its version goes back with it.

    Called last: the transaction takes no statement once it is marked for rollback.
    """
    transaction.set_rollback(True)
    return answer


def _expire_earlier_days(site: Site, now: dt.datetime) -> int:
    """The day change: earlier days' tickets still waiting or called become expired.

    It runs inside the first write of a new local day (an issue or a desk
    action); `manage.py expire_tickets`, run by a timer after midnight, does it
    before anyone asks. Later writes find `current_day` up to date.
    """
    today = site.service_day(now)
    if site.current_day is not None and site.current_day >= today:
        return 0
    stale = list(
        Ticket.objects.select_for_update()
        .filter(site=site, service_day__lt=today, status__in=[Ticket.Status.WAITING, Ticket.Status.CALLED])
        .order_by("pk")
    )
    system = Actor.system()
    for ticket in stale:
        ticket.status = ticket.transition("expire")
        ticket.finished_at = now
        ticket.save(update_fields=["status", "finished_at"])
        _record(site=site, kind=Event.Kind.TICKET_EXPIRED, actor=system, ticket=ticket, desk=ticket.desk, at=now)
    site.current_day = today
    Site.objects.filter(pk=site.pk).update(current_day=today)
    for hook in DAY_CHANGE_HOOKS:
        hook(site, now)
    return len(stale)


# What the apps built on the queue do at a site's day change and at each `expire_tickets` run
# (appointments: bookings never checked in become missed); called with the site's row locked.
DAY_CHANGE_HOOKS: list[Callable[[Site, dt.datetime], Any]] = []
PERIODIC_HOOKS: list[Callable[[Site, dt.datetime], Any]] = []


@write_transaction
def roll_over_day(*, site: Site, now: dt.datetime | None = None) -> int:
    """Expire the unfinished tickets of earlier service days; return how many."""
    now = now or timezone.now()
    locked = Site.objects.select_for_update().get(pk=site.pk)
    count = _expire_earlier_days(locked, now)
    for hook in PERIODIC_HOOKS:
        hook(locked, now)
    site.current_day, site.version = locked.current_day, locked.version
    return count


# --- Issuing ----------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    ticket: Ticket
    ahead: int
    estimated_wait_minutes: int
    created: bool


def issue_ticket(
    *,
    site: Site,
    prefix: str,
    actor: Actor,
    priority: bool = False,
    priority_kind: str = "",
    idempotency_key: str | None = None,
    notice_code: str | None = None,
    checklist_version: int | None = None,
    appointment_start: dt.datetime | None = None,
    now: dt.datetime | None = None,
    context: selectors.IssueContext | None = None,
) -> Issued:
    """Draw the next number of a business type for today.

    With an idempotency key, a repeated request (a double tap, a retry after a
    timeout or a restart) returns the ticket the first one created. With a
    missing-documents notice's code, the ticket is the return visit's priority
    ticket and the code is used up. `checklist_version` is the version the
    kiosk showed; without it the ticket records the one published now.
    `appointment_start` makes it a booked citizen's ticket (the app that keeps
    the bookings checks the booking first, in the same transaction).
    `context`: the business type and checklist as the API read them already (selectors.issue_context()).
    """
    # The business type and its checklist are the hall's settings, read before
    # the site's lock: the lock is held only for what must be serialised.
    bt = context.business_type if context is not None else BusinessType.objects.filter(site=site, prefix=prefix).first()
    if bt is None:
        raise NotFound(_("There is no business type %(prefix)s here.") % {"prefix": prefix})
    if context is not None:
        shown = context.checklist
        if shown is None and checklist_version is not None:
            raise _unknown_checklist(bt, checklist_version)
    else:
        shown = _checklist_shown(business_type=bt, number=checklist_version)
    try:
        return _issue(
            site=site,
            bt=bt,
            shown=shown,
            actor=actor,
            priority=priority,
            priority_kind=priority_kind,
            idempotency_key=idempotency_key,
            notice_code=notice_code,
            appointment_start=appointment_start,
            now=now or timezone.now(),
        )
    except IntegrityError:
        # Backstop: the site lock already serialises requests with one key, but
        # if the unique constraint ever catches a second ticket, answer with the first.
        existing = selectors.ticket_for_key(site=site, key=idempotency_key) if idempotency_key else None
        if existing is None:
            raise
        return _issued(existing, created=False)


def _issued(ticket: Ticket, *, created: bool) -> Issued:
    ahead = selectors.ahead_of(ticket)
    return Issued(
        ticket=ticket,
        ahead=ahead,
        estimated_wait_minutes=selectors.ticket_estimate(ticket, ahead) or 0,
        created=created,
    )


@write_transaction
def _issue(
    *,
    site: Site,
    bt: BusinessType,
    shown: ChecklistVersion | None,
    actor: Actor,
    priority: bool,
    priority_kind: str,
    idempotency_key: str | None,
    notice_code: str | None,
    now: dt.datetime,
    appointment_start: dt.datetime | None = None,
) -> Issued:
    # With the site locked (SQLite: the IMMEDIATE transaction), the max() below
    # cannot hand out one number twice.
    site = _lock_site(site.pk, now, bump=True)
    bt.site = site
    if notice_code and idempotency_key:
        # A retry's notice was used by the first request: the key is looked at before the notice.
        existing = selectors.ticket_for_key(site=site, key=idempotency_key)
        if existing is not None:
            return _nothing_written(_issued(existing, created=False))
    notice = _redeemable_notice(site=site, business_type=bt, code=notice_code, now=now) if notice_code else None
    if notice is not None:
        priority, priority_kind = True, ""  # the return visit's ticket is a priority one, whatever was asked
    today = site.service_day(now)
    # One statement reads the number, the queue, the desks and whether the key was used already.
    figures = selectors.issue_figures(business_type=bt, day=today, priority=priority, key=idempotency_key)
    if figures.key_ticket is not None:
        existing = selectors.ticket_for_key(site=site, key=idempotency_key or "")
        if existing is not None:
            return _nothing_written(_issued(existing, created=False))
    sequence = figures.last_sequence + 1
    ahead = figures.ahead
    estimate = selectors.estimate_minutes(
        ahead=ahead, avg_minutes=bt.avg_handling_minutes, open_desks=figures.open_desks
    )
    refusal = rules.issuance_refusal(
        site=site,
        business_type=bt,
        hours=opening.opening_at(site, now),
        issued_today=sequence - 1,  # sequences are gap-free and never deleted
        estimate_minutes=estimate,
        now=now,
        # A booked citizen holds a place: neither the cap nor the estimate turns them away.
        returning=notice is not None or appointment_start is not None,
    )
    if refusal is not None:
        raise refusal
    if notice is not None:
        source = Ticket.PrioritySource.NOTICE
    else:
        source = Ticket.PrioritySource.SELF_DECLARED if priority else Ticket.PrioritySource.NONE
    ticket = Ticket(
        site=site,
        business_type=bt,
        issued_business_type=bt,
        service_day=today,
        sequence=sequence,
        number=bt.format_number(sequence),
        priority=priority,
        priority_source=source,
        priority_kind=priority_kind if priority else "",
        idempotency_key=idempotency_key or None,
        checklist_version=shown,
        appointment_start=appointment_start,
        issued_at=now,
        queued_at=now,
    )
    _insert(ticket)
    data: dict[str, Any] = {"priority": priority, "priority_kind": ticket.priority_kind}
    if appointment_start is not None:
        data["appointment_start"] = appointment_start.isoformat()
        ahead = selectors.ahead_of(ticket, now)  # not simply the queue's length: it may go in front
    if shown is not None:
        data["checklist_version"] = shown.number
    if notice is not None:
        data["notice"] = notice.pk
    _record(site=site, kind=Event.Kind.TICKET_ISSUED, actor=actor, ticket=ticket, data=data, at=now)
    if notice is not None:
        notice.redeemed_at = now
        notice.redeemed_ticket = ticket
        notice.save(update_fields=["redeemed_at", "redeemed_ticket"])
        _record(
            site=site,
            kind=Event.Kind.NOTICE_REDEEMED,
            actor=actor,
            ticket=notice.ticket,
            data={"notice": notice.pk, "new_ticket": ticket.number},
            at=now,
        )
    return Issued(ticket=ticket, ahead=ahead, estimated_wait_minutes=estimate, created=True)


def _redeemable_notice(*, site: Site, business_type: BusinessType, code: str, now: dt.datetime) -> Notice:
    """The notice behind a code typed at the kiosk, locked; each refusal says what to do instead."""
    notice = (
        Notice.objects.select_for_update()  # a code redeems once, even when two kiosks race with it
        .select_related("site", "business_type")
        .filter(code=normalize_code(code))
        .first()
    )
    if notice is None:
        raise NotFound(_("This notice code is not known. Please check it, or ask at the information desk."))
    if notice.site_id != site.pk:
        raise Forbidden(
            _("This notice was issued by %(site)s; please take your number there.") % {"site": notice.site.name}
        )
    if notice.business_type_id != business_type.pk:
        raise InvalidRequest(
            _("This notice is for %(name)s; choose that business.") % {"name": str(notice.business_type)}
        )
    if notice.redeemed_at is not None:
        raise NoticeUsed(
            _("This notice was already used on %(when)s; a code gives one priority ticket.")
            % {"when": rules.when(site, notice.redeemed_at)}
        )
    if now >= notice.expires_at:
        raise NoticeExpired(
            _("This notice expired on %(when)s; please take an ordinary ticket.")
            % {"when": rules.when(site, notice.expires_at)}
        )
    return notice


def _checklist_shown(*, business_type: BusinessType, number: int | None) -> ChecklistVersion | None:
    versions = ChecklistVersion.objects.filter(business_type=business_type, status=ChecklistVersion.Status.PUBLISHED)
    if number is None:
        return versions.order_by("-number").first()
    shown = versions.filter(number=number).first()
    if shown is None:
        raise _unknown_checklist(business_type, number)
    return shown


def _unknown_checklist(business_type: BusinessType, number: int) -> NotFound:
    return NotFound(
        _("Checklist version %(number)s of %(prefix)s does not exist.")
        % {"number": number, "prefix": business_type.prefix}
    )


# --- Desk actions -----------------------------------------------------------


def _lock_desk(desk: Desk, now: dt.datetime, *, bump: bool = False, with_officer: bool = False) -> Desk:
    """`with_officer`: read the signed-in officer and their public profile too (the desk's state shows them)."""
    site = _lock_site(desk.site_id, now, bump=bump)
    locked = _lock_desk_with_officer(desk.pk) if with_officer else Desk.objects.select_for_update().get(pk=desk.pk)
    locked.site = site
    return locked


_DESK_WITH_OFFICER = (
    f"SELECT {selectors.columns(Desk, 'd')}, {selectors.columns(User, 'u')}, {selectors.columns(StaffProfile, 'p')}"
    f" FROM {Desk._meta.db_table} d LEFT JOIN {User._meta.db_table} u ON u.id = d.officer_id"
    f" LEFT JOIN {StaffProfile._meta.db_table} p ON p.user_id = u.id WHERE d.id = %s"
)


def _lock_desk_with_officer(desk_id: int) -> Desk:
    """The desk locked, with its officer and their profile: plain SQL, as call-next does it on every call.

    (The ORM's select_related() of the two outer joins cost more to compile than to run.)
    """
    sql = _DESK_WITH_OFFICER
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE OF d"  # the desk's row only: the officer's side is an outer join
    with connection.cursor() as cursor:
        cursor.execute(sql, [desk_id])
        row = cursor.fetchone()
    if row is None:
        raise Desk.DoesNotExist(f"No desk {desk_id}.")
    n_desk, n_user = len(Desk._meta.concrete_fields), len(User._meta.concrete_fields)
    desk: Desk = selectors.from_row(Desk, row[:n_desk])
    if desk.officer_id is None:
        desk.officer = None
        return desk
    officer: User = selectors.from_row(User, row[n_desk : n_desk + n_user])
    has_profile = row[n_desk + n_user] is not None
    profile = selectors.from_row(StaffProfile, row[n_desk + n_user :]) if has_profile else None
    # As select_related() leaves it: `officer.staff` is the profile, or raises when there is none.
    StaffProfile._meta.get_field("user").remote_field.set_cached_value(officer, profile)
    desk.officer = officer
    return desk


def _require_open(desk: Desk) -> None:
    if desk.state == Desk.State.PAUSED:
        raise DeskPaused()
    if desk.state == Desk.State.CLOSED:
        raise DeskClosed()


# A ticket locked for a desk action, with what its live message shows (the row lock on the ticket only).
def _lock_tickets(*, skip_locked: bool = False) -> QuerySet[Ticket]:
    return Ticket.objects.select_for_update(skip_locked=skip_locked, of=("self",)).select_related(
        "business_type", "site", "checklist_version"
    )


def _lock_active(desk: Desk, types: dict[int, BusinessType] | None = None) -> Ticket | None:
    """The desk's ticket in hand, locked. `types`: the business types call-next read already (its fast path)."""
    if types is None:
        return _lock_tickets().filter(desk=desk, status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING]).first()
    return _lock_ticket_sql(
        f"{_ticket_with_checklist()} WHERE t.desk_id = %s AND t.status IN (%s, %s)"
        " ORDER BY t.site_id, t.service_day DESC, t.queued_at LIMIT 1",
        [desk.pk, Ticket.Status.CALLED, Ticket.Status.SERVING],
        site=desk.site,
        types=types,
    )


@functools.cache
def _ticket_with_checklist() -> str:
    return (
        f"SELECT {selectors.columns(Ticket, 't')}, cv.number FROM {Ticket._meta.db_table} t"  # noqa: S608
        f" LEFT JOIN {ChecklistVersion._meta.db_table} cv ON cv.id = t.checklist_version_id"
    )


def _lock_ticket_sql(
    sql: str, params: list[Any], *, site: Site, types: dict[int, BusinessType], skip_locked: bool = False
) -> Ticket | None:
    """One ticket read and locked in plain SQL, as _lock_tickets() has it, on call-next's path.

    The ORM's compilation of that joined, locking query cost more than the read itself; the
    site (locked already) and the business type (read by the caller) are the objects in hand.
    """
    if connection.features.has_select_for_update:  # SQLite has no row locks: its write lock serialises
        sql += " FOR UPDATE OF t" + (" SKIP LOCKED" if skip_locked else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    ticket: Ticket = selectors.from_row(Ticket, row[:-1])
    number = row[-1]
    ticket.site = site
    known = types.get(ticket.business_type_id)
    ticket.business_type = known if known is not None else BusinessType.objects.get(pk=ticket.business_type_id)
    if ticket.checklist_version_id is not None:
        # The version's number is what the ticket's link shows; its other fields load if ever asked for.
        ticket.checklist_version = ChecklistVersion.from_db(
            connection.alias, ["id", "number"], [ticket.checklist_version_id, number]
        )
    return ticket


def _active_for(desk: Desk, action: str) -> Ticket:
    """The desk's ticket in hand, checked for `action` (the model words a refusal)."""
    ticket = _lock_active(desk)
    if ticket is None:
        raise InvalidTransition(_("The desk has no ticket in hand."))
    ticket.transition(action)
    return ticket


def _officer(desk: Desk, actor: Actor) -> Any:
    return actor.user if actor.user is not None else desk.officer


def _reason(site: Site, code: str | None) -> Reason:
    if not code:
        raise ReasonRequired()
    reason = Reason.objects.filter(site=site, code=code, active=True).first()
    if reason is None:
        raise UnknownReason(
            _("“%(code)s” is not one of this site's reasons; choose one from the list.") % {"code": code}
        )
    return reason


def _finish(ticket: Ticket, *, desk: Desk, actor: Actor, now: dt.datetime) -> None:
    """Close the desk's ticket in hand: served → done, called but never came → no-show."""
    if ticket.status == Ticket.Status.SERVING:
        _complete(ticket, desk=desk, actor=actor, now=now)
    else:
        ticket.status = ticket.transition("no_show")
        ticket.finished_at = now
        _save_fields(ticket, ["status", "finished_at"])
        _record(site=desk.site, kind=Event.Kind.TICKET_NO_SHOW, actor=actor, ticket=ticket, desk=desk, at=now)


def _complete(ticket: Ticket, *, desk: Desk, actor: Actor, now: dt.datetime) -> None:
    ticket.status = ticket.transition("complete")
    ticket.finished_at = now
    ticket.save(update_fields=["status", "finished_at"])
    if ticket.started_at is not None:
        bt = BusinessType.objects.get(pk=ticket.business_type_id)
        bt.learn_handling_time((now - ticket.started_at).total_seconds() / 60)
        bt.save(update_fields=["avg_handling_minutes"])
    _record(site=desk.site, kind=Event.Kind.TICKET_COMPLETED, actor=actor, ticket=ticket, desk=desk, at=now)


def _call(
    ticket: Ticket, *, desk: Desk, actor: Actor, now: dt.datetime, reason: Reason | None = None, note: str = ""
) -> Ticket:
    if ticket.called_at is None and not ticket.transferred:
        # Never at a desk before (a transfer clears called_at): it cannot have a notice, none is read.
        vars(ticket)[NO_NOTICE_YET] = True
    ticket.status = ticket.transition("call")
    ticket.desk = desk
    ticket.officer = _officer(desk, actor)
    ticket.called_at = now
    ticket.recalls = 0
    _save_fields(ticket, ["status", "desk", "officer", "called_at", "recalls"])
    _record(
        site=desk.site,
        kind=Event.Kind.TICKET_CALLED,
        actor=actor,
        ticket=ticket,
        desk=desk,
        reason=reason,
        note=note,
        data={"out_of_order": reason is not None},
        at=now,
    )
    return ticket


@dataclass(frozen=True)
class DeskResult:
    """A desk action's outcome: the ticket it took (None: none) and the desk's whole state after it."""

    ticket: Ticket | None
    state: DeskActionOut


def call_next(*, desk: Desk, actor: Actor, now: dt.datetime | None = None) -> Ticket | None:
    """Finish the desk's ticket in hand and call the next one (None: the queue is empty)."""
    return call_next_with_state(desk=desk, actor=actor, now=now).ticket


@write_transaction
def call_next_with_state(*, desk: Desk, actor: Actor, now: dt.datetime | None = None) -> DeskResult:
    """call_next(), with the desk's state after it: the desk's answer, and its live message as well."""
    now = now or timezone.now()
    desk = _lock_desk(desk, now, bump=True, with_officer=True)
    _require_open(desk)
    types = selectors.desk_business_types(desk)
    by_id = {bt.pk: bt for bt in types}
    current = _lock_active(desk, by_id)
    if current is not None:
        _finish(current, desk=desk, actor=actor, now=now)
    handled = [bt.pk for bt in sorted(types, key=lambda bt: vars(bt)["desk_position"])]
    candidate = _next_for(desk, handled, now, by_id) if handled else None
    if candidate is not None:
        _call(candidate, desk=desk, actor=actor, now=now)
    state = _desk_state(desk, candidate, prefixes=[bt.prefix for bt in types])
    if candidate is None and current is None:
        # Nothing changed: the version goes back, and the answer says so.
        return _nothing_written(DeskResult(None, state.model_copy(update={"site_version": desk.site.version - 1})))
    return DeskResult(candidate, state)


def _desk_state(desk: Desk, in_hand: Ticket | None, *, prefixes: list[str]) -> DeskActionOut:
    """The desk's state as the write leaves it, built once for the answer and the desk's live message."""
    state = desk_action_out(desk, in_hand, prefixes=prefixes)
    pending: dict[int, Any] | None = getattr(desk.site, "_pending_desk_states", None)
    if pending is not None:
        # Its labels are in this request's language: the broadcast uses it only where its own is the same.
        pending[desk.pk] = (get_language(), {"type": "desk", **state.model_dump()})
    return state


def _next_for(desk: Desk, handled: list[int], now: dt.datetime, types: dict[int, BusinessType]) -> Ticket | None:
    """The ticket a desk calls next, locked: queue_order(), then the desk's own order of its types.

    The first ticket over all the desk's types is the first of its own type,
    so it is found among the types' heads (one index probe each) rather than
    by sorting every waiting ticket of those types.
    """
    day = desk.site.service_day(now)
    position = {type_id: i for i, type_id in enumerate(handled)}
    heads = selectors.queue_heads(site=desk.site, day=day, type_ids=handled, now=now)
    if not heads:
        return None
    first = min(
        heads,
        key=lambda t: (
            selectors.call_rank(t, now),
            not t.transferred,
            t.queued_at,
            position[t.business_type_id],
            t.pk,
        ),
    )
    # The site lock already serialises the desks; the row lock (skipping rows
    # someone else holds) keeps two desks from ever taking one ticket even so.
    locked = _lock_ticket_sql(
        f"{_ticket_with_checklist()} WHERE t.id = %s AND t.status = %s",
        [first.pk, Ticket.Status.WAITING],
        site=desk.site,
        types=types,
        skip_locked=True,
    )
    if locked is not None:
        return locked
    # The first was held by someone else (not possible under the site lock): the whole queue, sorted.
    type_order = Case(*(When(business_type_id=pk, then=Value(i)) for i, pk in enumerate(handled)))
    return (
        selectors.waiting_tickets(site=desk.site, day=day)
        .filter(business_type_id__in=handled)
        .select_for_update(skip_locked=True)
        .order_by(*selectors.queue_order(now)[:-1], type_order, "pk")
        .select_related("business_type")
        .first()
    )


def _today_ticket(site: Site, number: str, now: dt.datetime) -> Ticket:
    ticket = (
        Ticket.objects.select_for_update()
        .select_related("business_type")
        .filter(site=site, service_day=site.service_day(now), number=number.strip().upper())
        .first()
    )
    if ticket is None:
        raise NotFound(_("There is no ticket %(number)s today.") % {"number": number})
    return ticket


@write_transaction
def call_number(
    *, desk: Desk, number: str, reason_code: str | None, actor: Actor, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    """Call one waiting ticket out of turn (with a reason, for the fairness log)."""
    now = now or timezone.now()
    desk = _lock_desk(desk, now)
    _require_open(desk)
    reason = _reason(desk.site, reason_code)
    ticket = _today_ticket(desk.site, number, now)
    ticket.transition("call")
    current = _lock_active(desk)
    if current is not None:
        _finish(current, desk=desk, actor=actor, now=now)
    return _call(ticket, desk=desk, actor=actor, now=now, reason=reason, note=note)


@write_transaction
def recall(*, desk: Desk, actor: Actor, now: dt.datetime | None = None) -> Ticket | None:
    """Announce the called ticket again; past the site's limit it becomes a no-show."""
    now = now or timezone.now()
    desk = _lock_desk(desk, now)
    ticket = _active_for(desk, "recall")
    if ticket.recalls >= desk.site.recall_limit:
        _finish(ticket, desk=desk, actor=actor, now=now)
        return None
    ticket.recalls += 1
    ticket.save(update_fields=["recalls"])
    _record(
        site=desk.site,
        kind=Event.Kind.TICKET_RECALLED,
        actor=actor,
        ticket=ticket,
        desk=desk,
        data={"recalls": ticket.recalls},
        at=now,
    )
    return ticket


@write_transaction
def start(*, desk: Desk, actor: Actor, now: dt.datetime | None = None) -> Ticket:
    now = now or timezone.now()
    desk = _lock_desk(desk, now)
    ticket = _active_for(desk, "start")
    ticket.status = ticket.transition("start")
    ticket.started_at = now
    ticket.officer = _officer(desk, actor)
    ticket.save(update_fields=["status", "started_at", "officer"])
    _record(site=desk.site, kind=Event.Kind.TICKET_STARTED, actor=actor, ticket=ticket, desk=desk, at=now)
    return ticket


@write_transaction
def complete(*, desk: Desk, actor: Actor, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    desk = _lock_desk(desk, now)
    ticket = _active_for(desk, "complete")
    _complete(ticket, desk=desk, actor=actor, now=now)


@write_transaction
def no_show(*, desk: Desk, actor: Actor, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    desk = _lock_desk(desk, now)
    ticket = _active_for(desk, "no_show")
    _finish(ticket, desk=desk, actor=actor, now=now)


@write_transaction
def requeue(
    *, desk: Desk, number: str, reason_code: str | None, actor: Actor, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    """Put a no-show back in the queue at its original place (the citizen came back)."""
    now = now or timezone.now()
    desk = _lock_desk(desk, now)
    reason = _reason(desk.site, reason_code)
    ticket = _today_ticket(desk.site, number, now)
    ticket.status = ticket.transition("requeue")
    ticket.desk = None
    ticket.finished_at = None
    ticket.save(update_fields=["status", "desk", "finished_at"])
    _record(
        site=desk.site,
        kind=Event.Kind.TICKET_REQUEUED,
        actor=actor,
        ticket=ticket,
        desk=desk,
        reason=reason,
        note=note,
        at=now,
    )
    return ticket


@write_transaction
def transfer(
    *, desk: Desk, prefix: str, reason_code: str | None, actor: Actor, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    """Send the ticket being served to another business type's queue, same number,
    ahead of that queue's plain tickets and behind its priority ones."""
    now = now or timezone.now()
    desk = _lock_desk(desk, now)
    reason = _reason(desk.site, reason_code)
    target = BusinessType.objects.filter(site=desk.site, prefix=prefix.strip().upper()).first()
    if target is None:
        raise NotFound(_("There is no business type %(prefix)s here.") % {"prefix": prefix})
    if not target.active:
        raise BusinessTypeInactive()
    ticket = _active_for(desk, "transfer")
    if target.pk == ticket.business_type_id:
        raise InvalidRequest(_("The ticket is already in the queue for %(name)s.") % {"name": target.name})
    source = ticket.business_type
    ticket.status = ticket.transition("transfer")
    ticket.business_type = target
    ticket.transferred = True
    ticket.queued_at = now
    ticket.desk = None
    ticket.called_at = ticket.started_at = None
    ticket.save(
        update_fields=["status", "business_type", "transferred", "queued_at", "desk", "called_at", "started_at"]
    )
    _record(
        site=desk.site,
        kind=Event.Kind.TICKET_TRANSFERRED,
        actor=actor,
        ticket=ticket,
        desk=desk,
        reason=reason,
        note=note,
        data={"from": source.prefix, "to": target.prefix},
        at=now,
    )
    return ticket


@write_transaction
def set_priority(
    *, desk: Desk, number: str, reason_code: str | None, actor: Actor, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    """Staff give a waiting ticket priority (recorded with its reason)."""
    now = now or timezone.now()
    desk = _lock_desk(desk, now)
    reason = _reason(desk.site, reason_code)
    ticket = _today_ticket(desk.site, number, now)
    ticket.transition("prioritise")
    if ticket.priority:
        raise InvalidTransition(_("Ticket %(number)s already has priority.") % {"number": ticket.number})
    ticket.priority = True
    ticket.priority_source = Ticket.PrioritySource.STAFF
    ticket.save(update_fields=["priority", "priority_source"])
    _record(
        site=desk.site,
        kind=Event.Kind.TICKET_PRIORITISED,
        actor=actor,
        ticket=ticket,
        desk=desk,
        reason=reason,
        note=note,
        at=now,
    )
    return ticket


@write_transaction
def cancel(*, ticket: Ticket, actor: Actor, now: dt.datetime | None = None) -> Ticket:
    """The citizen gives up their place."""
    now = now or timezone.now()
    site = _lock_site(ticket.site_id, now)
    ticket = Ticket.objects.select_for_update().select_related("business_type").get(pk=ticket.pk)
    ticket.site = site
    ticket.status = ticket.transition("cancel")
    ticket.finished_at = now
    ticket.save(update_fields=["status", "finished_at"])
    _record(site=ticket.site, kind=Event.Kind.TICKET_CANCELLED, actor=actor, ticket=ticket, at=now)
    return ticket


# --- Desk state ---------------------------------------------------------------


def _desk_transition(desk: Desk, allowed_from: set[str], action: str) -> None:
    if desk.state not in allowed_from:
        raise InvalidTransition(
            _("%(desk)s is %(state)s; it cannot be %(action)s.")
            % {"desk": desk, "state": desk.get_state_display(), "action": action}
        )


def _set_desk_state(desk: Desk, state: str, *, kind: str, actor: Actor, now: dt.datetime, **event: Any) -> Desk:
    desk.state = state
    fields = ["state"]
    if actor.user is not None and state == Desk.State.OPEN:
        desk.officer = actor.user
        fields.append("officer")
    elif state == Desk.State.CLOSED:
        desk.officer = None
        fields.append("officer")
    desk.save(update_fields=fields)
    _record(site=desk.site, kind=kind, actor=actor, desk=desk, at=now, **event)
    return desk


@write_transaction
def pause_desk(
    *, desk: Desk, reason_code: str | None, actor: Actor, note: str = "", now: dt.datetime | None = None
) -> Desk:
    now = now or timezone.now()
    desk = _lock_desk(desk, now)
    _desk_transition(desk, {Desk.State.OPEN}, pgettext("desk action", "paused"))
    reason = _reason(desk.site, reason_code)
    if _lock_active(desk) is not None:
        raise DeskBusy()
    return _set_desk_state(
        desk, Desk.State.PAUSED, kind=Event.Kind.DESK_PAUSED, actor=actor, now=now, reason=reason, note=note
    )


@write_transaction
def resume_desk(*, desk: Desk, actor: Actor, now: dt.datetime | None = None) -> Desk:
    now = now or timezone.now()
    desk = _lock_desk(desk, now)
    _desk_transition(desk, {Desk.State.PAUSED}, pgettext("desk action", "resumed"))
    return _set_desk_state(desk, Desk.State.OPEN, kind=Event.Kind.DESK_RESUMED, actor=actor, now=now)


@write_transaction
def open_desk(*, desk: Desk, actor: Actor, now: dt.datetime | None = None) -> Desk:
    now = now or timezone.now()
    desk = _lock_desk(desk, now)
    _desk_transition(desk, {Desk.State.CLOSED}, pgettext("desk action", "opened"))
    return _set_desk_state(desk, Desk.State.OPEN, kind=Event.Kind.DESK_OPENED, actor=actor, now=now)


@write_transaction
def close_desk(*, desk: Desk, actor: Actor, now: dt.datetime | None = None) -> Desk:
    now = now or timezone.now()
    desk = _lock_desk(desk, now)
    _desk_transition(desk, {Desk.State.OPEN, Desk.State.PAUSED}, pgettext("desk action", "closed"))
    if _lock_active(desk) is not None:
        raise DeskBusy()
    return _set_desk_state(desk, Desk.State.CLOSED, kind=Event.Kind.DESK_CLOSED, actor=actor, now=now)


# --- Help at the kiosk ----------------------------------------------------------

# Open requests a site can have at once: a hall has a handful of kiosks; more is a script.
MAX_OPEN_HELP = 20


@write_transaction
def raise_help(*, site: Site, kiosk: str, actor: Actor, now: dt.datetime | None = None) -> HelpRequest:
    """A citizen at a kiosk asks for staff. Asking again while one is open returns that one."""
    now = now or timezone.now()
    site = _lock_site(site.pk, now)
    # Under the site's lock: two taps, or two kiosks' requests, never make a duplicate alert.
    still_open = selectors.open_help(site=site, now=now)
    existing = still_open.filter(kiosk=kiosk).first()
    if existing is not None:
        return existing
    if still_open.count() >= MAX_OPEN_HELP:
        raise RateLimited(retry_after=60)
    request = HelpRequest.objects.create(site=site, kiosk=kiosk, raised_at=now)
    _record(
        site=site,
        kind=Event.Kind.HELP_REQUESTED,
        actor=actor,
        data={"help": request.pk, "kiosk": kiosk},
        at=now,
    )
    return request


@write_transaction
def take_help(*, desk: Desk, help_id: int, actor: Actor, now: dt.datetime | None = None) -> HelpRequest:
    """An officer goes to the kiosk: the alert leaves every desk. The first officer to take it wins."""
    now = now or timezone.now()
    desk = _lock_desk(desk, now)
    request = (
        # Two officers pressing at once: one takes it, one is told (the row only: the desk is an outer join).
        HelpRequest.objects.select_for_update(of=("self",))
        .select_related("desk")
        .filter(pk=help_id, site=desk.site)
        .first()
    )
    if request is None:
        raise NotFound(_("There is no such help request here."))
    if request.status != HelpRequest.Status.OPEN:
        raise InvalidTransition(
            _("%(desk)s is already on the way to %(kiosk)s.") % {"desk": request.desk, "kiosk": request.kiosk}
        )
    request.status = HelpRequest.Status.TAKEN
    request.taken_at = now
    request.desk = desk
    request.officer = _officer(desk, actor)
    request.save(update_fields=["status", "taken_at", "desk", "officer"])
    _record(
        site=desk.site,
        kind=Event.Kind.HELP_TAKEN,
        actor=actor,
        desk=desk,
        data={"help": request.pk, "kiosk": request.kiosk, "answer_seconds": request.answer_seconds},
        at=now,
    )
    return request


# --- Device tokens ----------------------------------------------------------


@transaction.atomic
def create_desk_token(*, desk: Desk) -> str:
    """A new device token for the desk; only its hash is kept, so show it once."""
    token = secrets.token_urlsafe(32)
    DeskToken.objects.create(desk=desk, token_hash=hash_token(token), hint=token[:6])
    return token


@transaction.atomic
def revoke_desk_tokens(*, tokens: Iterable[DeskToken], now: dt.datetime | None = None) -> int:
    ids = [t.pk for t in tokens]
    return DeskToken.objects.filter(pk__in=ids, revoked_at__isnull=True).update(revoked_at=now or timezone.now())


# --- For the other apps' services (notices) ----------------------------------
# They follow the same discipline: the site's lock first, then the desk and its
# ticket, and an Event for every change.
lock_site = _lock_site
lock_desk = _lock_desk
lock_active = _lock_active
record_event = _record


# --- Opening calendar -----------------------------------------------------------


@dataclass(frozen=True)
class HolidayImport:
    closed: list[dt.date]
    working: list[dt.date]
    kept: list[dt.date]  # dates the site had entered itself, left as they are


@write_transaction
def import_public_holidays(*, site: Site, years: Iterable[int], actor: Actor) -> HolidayImport:
    """Add the State Council's holidays (closed) and 调休 weekend working days of `years` to the site's calendar.

    From the `holidays` package's calendar for China. A date the site has an entry for already
    is the site's own decision and stays as it is; running it again adds nothing twice.
    """
    import holidays

    years = sorted(set(years))
    calendar = holidays.country_holidays("CN", years=years, language="zh_CN")
    site = _lock_site(site.pk, timezone.now())
    taken = set(SpecialDay.objects.filter(site=site, date__year__in=years).values_list("date", flat=True))
    closed = sorted(day for day in calendar if day.year in years and day not in taken)
    # A weekend day worked in exchange for a day off keeps a weekday's hours (Monday's: a hall's
    # weekdays share their hours; the admin can change it for a hall where they differ).
    working = sorted(day for day in calendar.weekend_workdays if day.year in years and day not in taken)
    kept = sorted(taken & ({*calendar} | set(calendar.weekend_workdays)))
    SpecialDay.objects.bulk_create(
        [SpecialDay(site=site, date=day, closed=True, note=str(calendar[day])[:100]) for day in closed]
        + [SpecialDay(site=site, date=day, closed=False, hours_like=0, note=_("Working day (调休)")) for day in working]
    )
    _record(
        site=site,
        kind=Event.Kind.CALENDAR_IMPORTED,
        actor=actor,
        data={
            "years": years,
            "closed": [d.isoformat() for d in closed],
            "working": [d.isoformat() for d in working],
            "kept": [d.isoformat() for d in kept],
        },
    )
    return HolidayImport(closed=closed, working=working, kept=kept)
