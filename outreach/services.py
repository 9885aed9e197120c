"""Every write of outreach: requests, triage, visits, document cases, sessions and anonymisation.

Each runs in one transaction (the queue's `write_transaction`, so SQLite writers queue fairly),
locks the row it changes, and records an `OutreachEvent` with who did it. Tickets (a pickup, a
return after "come to the window") are issued through `queueing.services.issue_ticket`, which
records the queue's own events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments import notify
from notices import services as notice_services
from notices.models import ChecklistVersion, normalize_code
from outreach.models import (
    ANONYMISED,
    DocumentCase,
    OutreachEvent,
    Reason,
    ServiceSession,
    VisitRequest,
    local_today,
    new_code,
    site_settings,
)
from queueing import services as queue
from queueing.auth import works_at
from queueing.errors import Forbidden, InvalidRequest, InvalidTransition, NotFound
from queueing.models import BusinessType, Site, Ticket
from supervision.calendar import add_working_days

NAME_MAX, PHONE_MAX, ADDRESS_MAX, NOTE_MAX = 50, 30, 200, 500


@dataclass(frozen=True)
class Who:
    """The person behind a write: a signed-in user, or a citizen (no user), and where from."""

    user: User | None = None
    address: str | None = None


def _event(
    *,
    site: Site,
    kind: str,
    who: Who,
    request: VisitRequest | None = None,
    case: DocumentCase | None = None,
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> OutreachEvent:
    user = who.user if who.user is not None and who.user.is_authenticated else None
    return OutreachEvent.objects.create(
        site=site,
        request=request,
        case=case,
        kind=kind,
        user=user,
        address=who.address,
        data=data or {},
        created_at=at or timezone.now(),
    )


def _clean(text: str, limit: int, label: str, *, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        raise InvalidRequest(_("%(field)s is required.") % {"field": label})
    if len(text) > limit:
        raise InvalidRequest(_("%(field)s is too long.") % {"field": label})
    return text


# --- Home-visit requests ------------------------------------------------------------------


@queue.write_transaction
def submit_request(
    *,
    site: Site,
    business_type: str,
    reason: str,
    name: str,
    phone: str,
    address: str,
    village: str = "",
    reason_note: str = "",
    note: str = "",
    preferred_days: str = "",
    kind: str = VisitRequest.Kind.HOME_VISIT,
    channel: str = VisitRequest.Channel.ONLINE,
    who: Who,
    now: dt.datetime | None = None,
) -> VisitRequest:
    """A request for a home visit, from the public page or an officer's form."""
    now = now or timezone.now()
    bt = BusinessType.objects.filter(site=site, prefix=(business_type or "").upper(), active=True).first()
    if bt is None:
        raise NotFound(_("There is no business type %(prefix)s here.") % {"prefix": business_type})
    if reason not in Reason.values:
        raise InvalidRequest(_("Choose why the person cannot come to the hall."))
    if kind not in VisitRequest.Kind.values:
        raise InvalidRequest(_("Unknown kind of request."))
    if channel == VisitRequest.Channel.ONLINE and not site_settings(site).accepts_requests:
        raise Forbidden(_("This site takes home-visit requests by phone only."))
    request = VisitRequest.objects.create(
        site=site,
        kind=kind,
        channel=channel,
        business_type=bt,
        reason=reason,
        reason_note=_clean(reason_note, 200, _("The reason"), required=reason == Reason.OTHER),
        name=_clean(name, NAME_MAX, _("The name"), required=True),
        phone=_clean(phone, PHONE_MAX, _("The contact number"), required=True),
        village=_clean(village, ADDRESS_MAX, _("The village or community"), required=False),
        address=_clean(address, ADDRESS_MAX, _("The address"), required=True),
        note=_clean(note, NOTE_MAX, _("The note"), required=False),
        preferred_days=_clean(preferred_days, 100, _("The preferred days"), required=False),
        created_at=now,
        triage_due=add_working_days(site, local_today(site, now), site_settings(site).triage_working_days),
    )
    _event(
        site=site,
        kind=OutreachEvent.Kind.REQUESTED,
        who=who,
        request=request,
        data={"kind": kind, "channel": channel, "business_type": bt.prefix, "reason": reason},
        at=now,
    )
    return request


def _lock(request: VisitRequest) -> VisitRequest:
    # Two supervisors triaging one request at once: the second sees the first's result.
    return VisitRequest.objects.select_for_update().select_related("site", "business_type").get(pk=request.pk)


@queue.write_transaction
def schedule_visit(
    *,
    request: VisitRequest,
    day: dt.date,
    start: dt.time,
    end: dt.time,
    officers: Iterable[User],
    who: Who,
    now: dt.datetime | None = None,
) -> VisitRequest:
    """Accept a request (or a not-at-home one again) and give it a day, a time window and one or two officers."""
    now = now or timezone.now()
    locked = _lock(request)
    if locked.status not in (*VisitRequest.SCHEDULABLE, VisitRequest.Status.SCHEDULED):
        raise InvalidTransition(_("This request is %(status)s.") % {"status": locked.get_status_display()})
    team = list(officers)
    if not 1 <= len(team) <= 2:
        raise InvalidRequest(_("Choose one or two officers for the visit."))
    if any(not works_at(user, locked.site) for user in team):
        raise Forbidden(_("Every officer of the visit must work at this site."))
    if start >= end:
        raise InvalidRequest(_("The time window must end after it starts."))
    if day < local_today(locked.site, now):
        raise InvalidRequest(_("The visit day cannot be in the past."))
    first = locked.status == VisitRequest.Status.REQUESTED
    locked.status = VisitRequest.Status.SCHEDULED
    locked.visit_date, locked.window_start, locked.window_end = day, start, end
    locked.triaged_at = locked.triaged_at or now
    locked.save(update_fields=["status", "visit_date", "window_start", "window_end", "triaged_at"])
    locked.officers.set(team)
    _event(
        site=locked.site,
        kind=OutreachEvent.Kind.SCHEDULED,
        who=who,
        request=locked,
        data={
            "day": day.isoformat(),
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
            "officers": [u.pk for u in team],
            "first": first,
        },
        at=now,
    )
    return locked


@queue.write_transaction
def decline_request(*, request: VisitRequest, reason: str, who: Who, now: dt.datetime | None = None) -> VisitRequest:
    """Decline with a reason the citizen reads on the status page (e.g. 可由亲属代办, and what to bring)."""
    now = now or timezone.now()
    locked = _lock(request)
    if locked.status not in VisitRequest.SCHEDULABLE:
        raise InvalidTransition(_("This request is %(status)s.") % {"status": locked.get_status_display()})
    locked.decline_reason = _clean(reason, 500, _("The reason"), required=True)
    locked.status = VisitRequest.Status.DECLINED
    locked.triaged_at = locked.triaged_at or now
    locked.closed_at = now
    locked.save(update_fields=["decline_reason", "status", "triaged_at", "closed_at"])
    _event(site=locked.site, kind=OutreachEvent.Kind.DECLINED, who=who, request=locked, at=now)
    return locked


@queue.write_transaction
def set_route(*, site: Site, day: dt.date, order: list[int], who: Who) -> None:
    """The officer's route of a day: the visits in the order they will drive them."""
    visits = {
        v.pk: v
        for v in VisitRequest.objects.select_for_update()
        .filter(site=site, visit_date=day, status=VisitRequest.Status.SCHEDULED)
        .order_by("pk")
    }
    if set(order) - visits.keys():
        raise InvalidRequest(_("The route names a visit that is not scheduled that day."))
    for position, pk in enumerate(order, start=1):
        VisitRequest.objects.filter(pk=pk).update(route_position=position)
    _event(site=site, kind=OutreachEvent.Kind.ROUTE, who=who, data={"day": day.isoformat(), "order": order})


OUTCOMES = {
    "done": VisitRequest.Status.DONE,
    "not_home": VisitRequest.Status.NOT_HOME,
    "revisit": VisitRequest.Status.REVISIT,
    "window": VisitRequest.Status.WINDOW,
}


@queue.write_transaction
def record_visit(
    *,
    request: VisitRequest,
    outcome: str,
    who: Who,
    note: str = "",
    missing_items: Iterable[int] = (),
    now: dt.datetime | None = None,
) -> VisitRequest:
    """The visit's outcome: done; not at home; needs another visit; or come to the window.

    "Come to the window" leaves the citizen a notice of what is missing with a code that gives a
    priority ticket at the kiosk, as a missing-documents notice does for a desk visit.
    """
    now = now or timezone.now()
    locked = _lock(request)
    if outcome not in OUTCOMES:
        raise InvalidRequest(_("Unknown outcome."))
    if locked.status != VisitRequest.Status.SCHEDULED:
        raise InvalidTransition(_("This request is %(status)s.") % {"status": locked.get_status_display()})
    locked.status = OUTCOMES[outcome]
    locked.visited_at = now
    locked.outcome_note = _clean(note, 500, _("The note"), required=False)
    fields = ["status", "visited_at", "outcome_note"]
    items: list[int] = []
    if outcome == "window":
        version = (
            ChecklistVersion.objects.filter(business_type=locked.business_type, status="published")
            .order_by("-number")
            .first()
        )
        wanted = set(missing_items)
        found = list(version.items.filter(pk__in=wanted)) if version is not None else []
        if wanted - {i.pk for i in found}:
            raise InvalidRequest(_("Some items are not on this business's checklist."))
        if not found and not locked.outcome_note:
            raise InvalidRequest(_("Tick at least one missing document, or describe what is missing."))
        locked.missing_items.set(found)
        items = sorted(i.pk for i in found)
        # The citizen's missing-documents notice (补正材料一次性告知书), as a desk gives one: its code
        # gives a priority ticket at the kiosk, and is the visit's return code too.
        notice = notice_services.issue_visit_notice(
            site=locked.site,
            business_type=locked.business_type,
            officer=who.user,
            item_ids=items,
            note=locked.outcome_note,
            now=now,
        )
        locked.notice = notice
        locked.return_code = notice.code
        fields += ["notice", "return_code"]
    if locked.status in VisitRequest.CLOSED:
        locked.closed_at = now
        fields.append("closed_at")
    locked.save(update_fields=fields)
    case = DocumentCase.objects.filter(delivery=locked).first()
    _event(
        site=locked.site,
        kind=OutreachEvent.Kind.VISITED,
        who=who,
        request=locked,
        data={"outcome": outcome, "items": items, **({"notice": locked.notice_id} if locked.notice_id else {})},
        at=now,
    )
    if case is not None and outcome == "done":
        _set_case_status(case, DocumentCase.Status.DELIVERED, who=who, now=now)
    return locked


def _unused_code() -> str:
    code = new_code()
    while VisitRequest.objects.filter(return_code=code).exists() or DocumentCase.objects.filter(code=code).exists():
        code = new_code()
    return code


def log_details_viewed(*, requests: Iterable[VisitRequest], who: Who, page: str) -> None:
    """Every display of a person's details to staff: who looked at whose request, when."""
    now = timezone.now()
    OutreachEvent.objects.bulk_create(
        OutreachEvent(
            site_id=r.site_id,
            request=r,
            kind=OutreachEvent.Kind.VIEWED,
            user=who.user,
            address=who.address,
            data={"page": page},
            created_at=now,
        )
        for r in requests
    )


# --- Anonymisation --------------------------------------------------------------------------


def anonymise_due(*, now: dt.datetime | None = None) -> int:
    """Blank the personal data of requests closed longer ago than their site's retention period."""
    now = now or timezone.now()
    count = 0
    for site in Site.objects.filter(visit_requests__closed_at__isnull=False).distinct().order_by("pk"):
        cutoff = now - dt.timedelta(days=site_settings(site).retention_days)
        due = VisitRequest.objects.filter(site=site, closed_at__lte=cutoff, anonymised_at__isnull=True)
        for pk in due.order_by("pk").values_list("pk", flat=True):
            count += _anonymise_one(pk, now)
    return count


@queue.write_transaction
def _anonymise_one(pk: int, now: dt.datetime) -> int:
    locked = VisitRequest.objects.select_for_update().select_related("site").get(pk=pk)
    if locked.anonymised_at is not None:
        return 0
    locked.name = locked.phone = locked.village = locked.address = ANONYMISED
    locked.note = ""
    locked.anonymised_at = now
    locked.save(update_fields=["name", "phone", "village", "address", "note", "anonymised_at"])
    _event(site=locked.site, kind=OutreachEvent.Kind.ANONYMISED, who=Who(), request=locked, at=now)
    return 1


# --- Document cases ---------------------------------------------------------------------------

CASE_NEXT: dict[str, set[str]] = {
    DocumentCase.Status.ACCEPTED: {DocumentCase.Status.IN_PRODUCTION, DocumentCase.Status.READY},
    DocumentCase.Status.IN_PRODUCTION: {DocumentCase.Status.READY},
    DocumentCase.Status.READY: {DocumentCase.Status.PICKED_UP, DocumentCase.Status.DELIVERED},
}


@queue.write_transaction
def open_case(
    *, ticket: Ticket, document: str, expected_date: dt.date, who: Who, now: dt.datetime | None = None
) -> DocumentCase:
    """A business finished at the desk whose document is made later: the ticket's page becomes the case's."""
    now = now or timezone.now()
    locked = Ticket.objects.select_for_update().select_related("site").get(pk=ticket.pk)
    if locked.status != Ticket.Status.DONE:
        raise InvalidTransition(_("Only a completed ticket can open a document case."))
    if who.user is None or not works_at(who.user, locked.site):
        raise Forbidden()
    if document not in DocumentCase.Document.values:
        raise InvalidRequest(_("Unknown document."))
    if DocumentCase.objects.filter(ticket=locked).exists():
        raise InvalidTransition(_("This ticket already has a document case."))
    case = DocumentCase.objects.create(
        site=locked.site,
        code=_unused_code(),
        ticket=locked,
        business_type_id=locked.business_type_id,
        document=document,
        expected_date=expected_date,
        created_at=now,
    )
    _event(
        site=locked.site,
        kind=OutreachEvent.Kind.CASE_OPENED,
        who=who,
        case=case,
        data={"ticket": locked.number, "document": document, "expected": expected_date.isoformat()},
        at=now,
    )
    return case


def _set_case_status(case: DocumentCase, status: str, *, who: Who, now: dt.datetime) -> DocumentCase:
    if status not in CASE_NEXT.get(case.status, set()):
        raise InvalidTransition(
            _("Case %(code)s is %(status)s.") % {"code": case.display_code, "status": case.get_status_display()}
        )
    case.status = status
    fields = ["status"]
    if status == DocumentCase.Status.READY:
        case.ready_at = now
        fields.append("ready_at")
        # "Ready" by text, after the commit, when the site's notifier sends and a number was left.
        transaction.on_commit(partial(notify.document_ready, case.ticket_id, case.code), robust=True)
    if status in DocumentCase.CLOSED:
        case.closed_at = now
        fields.append("closed_at")
    case.save(update_fields=fields)
    _event(site=case.site, kind=OutreachEvent.Kind.CASE_STATUS, who=who, case=case, data={"status": status}, at=now)
    return case


@queue.write_transaction
def set_case_status(
    *, cases: Iterable[DocumentCase], status: str, who: Who, now: dt.datetime | None = None
) -> list[DocumentCase]:
    """Move one case or a batch (all marked ready at once from a list) to `status`; all or none."""
    now = now or timezone.now()
    pks = sorted(c.pk for c in cases)
    locked = list(DocumentCase.objects.select_for_update().select_related("site").filter(pk__in=pks).order_by("pk"))
    for case in locked:
        if who.user is None or not works_at(who.user, case.site):
            raise Forbidden()
        if status == DocumentCase.Status.PICKED_UP and case.delivery_id is not None:
            raise InvalidTransition(_("This case is being delivered."))
        _set_case_status(case, status, who=who, now=now)
    return locked


@queue.write_transaction
def request_delivery(
    *,
    case: DocumentCase,
    reason: str,
    name: str,
    phone: str,
    address: str,
    village: str = "",
    note: str = "",
    who: Who,
    now: dt.datetime | None = None,
) -> VisitRequest:
    """Turn a pickup into a delivery (送证上门) for a person who qualifies for home visits."""
    now = now or timezone.now()
    locked = DocumentCase.objects.select_for_update().select_related("site", "business_type").get(pk=case.pk)
    if locked.status in DocumentCase.CLOSED or locked.delivery_id is not None:
        raise InvalidTransition(_("This case is already handed over or on its way."))
    if locked.pickup_ticket_id is not None:
        raise InvalidTransition(_("A pickup ticket was already taken for this case."))
    delivery = submit_request(  # a savepoint inside this transaction; the writer lock is re-entrant
        site=locked.site,
        business_type=locked.business_type.prefix,
        reason=reason,
        name=name,
        phone=phone,
        address=address,
        village=village,
        note=note,
        kind=VisitRequest.Kind.DELIVERY,
        channel=VisitRequest.Channel.STAFF if who.user else VisitRequest.Channel.ONLINE,
        who=who,
        now=now,
    )
    locked.delivery = delivery
    locked.save(update_fields=["delivery"])
    _event(site=locked.site, kind=OutreachEvent.Kind.CASE_DELIVERY, who=who, case=locked, request=delivery, at=now)
    return delivery


# --- Tickets from a code at the kiosk -----------------------------------------------------


@dataclass(frozen=True)
class CodeTicket:
    issued: queue.Issued
    purpose: str  # "pickup" or "return"


def issue_for_code(*, site: Site, code: str, actor: queue.Actor, now: dt.datetime | None = None) -> CodeTicket:
    """A priority ticket from a case code (pickup) or a visit's return code (come to the window)."""
    now = now or timezone.now()
    with queue._writer_lock(), transaction.atomic():
        return _issue_for_code(site=site, code=normalize_code(code), actor=actor, now=now)


def _issue_for_code(*, site: Site, code: str, actor: queue.Actor, now: dt.datetime) -> CodeTicket:
    case = DocumentCase.objects.select_for_update().select_related("business_type").filter(code=code).first()
    visit = None
    if case is None:
        visit = (
            VisitRequest.objects.select_for_update().select_related("business_type").filter(return_code=code).first()
        )
    found = case or visit
    if found is None or found.site_id != site.pk:
        raise NotFound(_("This code is not known here. Please check it, or ask at the information desk."))
    who = Who(address=actor.address)
    if case is not None:
        if case.status != DocumentCase.Status.READY or case.delivery_id is not None:
            raise InvalidTransition(
                _("Your document is not ready for pickup: %(status)s.") % {"status": case.get_status_display()}
            )
        if case.pickup_ticket_id is not None:
            raise InvalidTransition(_("A pickup ticket was already taken with this code."))
        issued = queue.issue_ticket(site=site, prefix=case.business_type.prefix, actor=actor, priority=True, now=now)
        case.pickup_ticket = issued.ticket
        case.save(update_fields=["pickup_ticket"])
        _event(
            site=site, kind=OutreachEvent.Kind.CASE_PICKUP, who=who, case=case, data={"ticket": issued.ticket.number}
        )
        return CodeTicket(issued=issued, purpose="pickup")
    assert visit is not None
    if visit.return_ticket_id is not None:
        raise InvalidTransition(_("A ticket was already taken with this code."))
    # A visit's notice is redeemed like any notice (once, whichever kiosk box the code was typed in).
    issued = queue.issue_ticket(
        site=site,
        prefix=visit.business_type.prefix,
        actor=actor,
        priority=True,
        notice_code=visit.return_code if visit.notice_id is not None else None,
        now=now,
    )
    visit.return_ticket = issued.ticket
    visit.save(update_fields=["return_ticket"])
    _event(site=site, kind=OutreachEvent.Kind.RETURNED, who=who, request=visit, data={"ticket": issued.ticket.number})
    return CodeTicket(issued=issued, purpose="return")


# --- Mobile service sessions -------------------------------------------------------------------


def session_saved(*, session: ServiceSession, who: Who) -> None:
    """Record a session published or changed (the admin edits sessions)."""
    _event(
        site=session.site,
        kind=OutreachEvent.Kind.SESSION_SAVED,
        who=who,
        data={"session": session.pk, "place": session.place, "date": session.date.isoformat()},
    )
