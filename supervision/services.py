"""Every write of supervision: ratings, follow-up cases and complaints.

Each runs in one transaction (`write_transaction`, as the queue's services) and
leaves its own record: a rating is itself the record of the citizen's act, a
case keeps append-only `CaseAction` rows, a complaint append-only replies.
None of them records a queue `Event`: `Event.Kind` has no kinds for them
(they belong to `queueing.models`), and an Event would bump the site's
`version` and make every lobby screen resync for something it never shows.
"""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth.models import User
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from queueing.errors import InvalidRequest, InvalidTransition
from queueing.models import Desk, Site, Ticket
from queueing.services import write_transaction
from supervision import calendar
from supervision.errors import AlreadyRated
from supervision.models import (
    COMMENT_MAX,
    COMPLAINT_MAX,
    BadReason,
    CaseAction,
    Complaint,
    ComplaintReply,
    FollowUpCase,
    Rating,
)

FOLLOW_UP_WORKING_DAYS = 15
# Loose on purpose: a mobile number (1xx xxxx xxxx, optionally +86), or a landline
# with or without its area code and extension. Spaces and dashes are dropped first.
_PHONE = re.compile(r"^(?:(?:\+?86)?1[3-9]\d{9}|0\d{2,3}\d{7,8}(?:\d{1,6})?|[2-9]\d{6,7})$")


def normalize_phone(raw: str) -> str:
    """The call-back number without spaces, dashes and brackets; InvalidRequest if it cannot be one."""
    cleaned = re.sub(r"[\s\-()（）]", "", raw or "")
    if not cleaned:
        return ""
    if not _PHONE.match(cleaned):
        raise InvalidRequest(
            _("“%(phone)s” is not a phone number we can call back; leave it empty or check it.") % {"phone": raw[:20]}
        )
    return cleaned


def _score(value: int | None, *, required: bool, label: str) -> int | None:
    if value is None:
        if required:
            raise InvalidRequest(_("Please choose how satisfied you are overall."))
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise InvalidRequest(_("%(criterion)s must be a level from 1 to 5.") % {"criterion": label})
    return value


# --- Ratings ------------------------------------------------------------------


def rate_ticket(
    *,
    ticket: Ticket,
    overall: int | None,
    channel: str,
    efficiency: int | None = None,
    skill: int | None = None,
    attitude: int | None = None,
    reason: str = "",
    comment: str = "",
    phone: str = "",
    address: str | None = None,
    now: dt.datetime | None = None,
) -> Rating:
    """Rate a completed visit, once; a bad overall rating (≤ 2) opens a follow-up case.

    Every field is checked before anything is written, so a refusal changes
    nothing. A reason is kept only with a bad rating (the form offers the list
    only then; a stale choice left in the form is dropped, not refused).
    """
    scores = {
        "overall": _score(overall, required=True, label=_("Overall satisfaction")),
        "efficiency": _score(efficiency, required=False, label=_("Efficiency")),
        "skill": _score(skill, required=False, label=_("Skill")),
        "attitude": _score(attitude, required=False, label=_("Attitude")),
    }
    if reason and reason not in BadReason.values:
        raise InvalidRequest(_("Choose a reason from the list."))
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise InvalidRequest(_("The comment is longer than %(max)s characters.") % {"max": COMMENT_MAX})
    if channel not in Rating.Channel.values:
        raise InvalidRequest()
    try:
        return _rate(
            ticket_id=ticket.pk,
            scores=scores,
            reason=reason,
            comment=comment,
            phone=normalize_phone(phone),
            channel=channel,
            address=address,
            now=now or timezone.now(),
        )
    except IntegrityError as exc:
        # Backstop: the ticket's row lock already keeps a second rating out.
        if Rating.objects.filter(ticket_id=ticket.pk).exists():
            raise AlreadyRated() from exc
        raise


@write_transaction
def _rate(
    *,
    ticket_id: int,
    scores: dict[str, int | None],
    reason: str,
    comment: str,
    phone: str,
    channel: str,
    address: str | None,
    now: dt.datetime,
) -> Rating:
    # The ticket's row lock makes a phone and a tablet submitting at once rate it once.
    # No site lock: a rating changes no queue state, and taking only this row keeps the lock order.
    ticket = Ticket.objects.select_for_update().select_related("site").get(pk=ticket_id)
    if ticket.status != Ticket.Status.DONE:
        raise InvalidTransition(
            _("Ticket %(number)s is %(status)s; only a completed visit can be rated.")
            % {"number": ticket.number, "status": ticket.get_status_display()}
        )
    if Rating.objects.filter(ticket=ticket).exists():
        raise AlreadyRated()
    overall = scores["overall"]
    assert overall is not None
    rating = Rating.objects.create(
        ticket=ticket,
        site=ticket.site,
        desk_id=ticket.desk_id,
        officer_id=ticket.officer_id,
        business_type_id=ticket.business_type_id,
        service_day=ticket.service_day,
        overall=overall,
        efficiency=scores["efficiency"],
        skill=scores["skill"],
        attitude=scores["attitude"],
        reason=reason if rating_is_bad(overall) else "",
        comment=comment,
        phone=phone,
        channel=channel,
        address=address,
        created_at=now,
    )
    if rating.is_bad:
        _open_case(rating, now=now)
    return rating


def rating_is_bad(overall: int) -> bool:
    return overall <= 2


def _open_case(rating: Rating, *, now: dt.datetime) -> FollowUpCase:
    site = rating.site
    case = FollowUpCase.objects.create(
        rating=rating,
        site=site,
        opened_at=now,
        due_on=calendar.add_working_days(site, site.service_day(now), FOLLOW_UP_WORKING_DAYS),
    )
    CaseAction.objects.create(case=case, kind=CaseAction.Kind.OPENED, created_at=now)
    return case


# --- Follow-up cases -------------------------------------------------------------


def _locked_case(case: FollowUpCase) -> FollowUpCase:
    locked = FollowUpCase.objects.select_for_update().select_related("rating").get(pk=case.pk)
    if locked.status == FollowUpCase.Status.CLOSED:
        raise InvalidTransition(_("This case is closed."))
    return locked


def _note(note: str, *, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise InvalidRequest(_("Please write what was done."))
    if len(note) > COMMENT_MAX:
        raise InvalidRequest(_("The note is longer than %(max)s characters.") % {"max": COMMENT_MAX})
    return note


@write_transaction
def record_callback(*, case: FollowUpCase, user: User, note: str, now: dt.datetime | None = None) -> FollowUpCase:
    """The supervisor called the citizen back (only possible when a number was left)."""
    now = now or timezone.now()
    note = _note(note, required=True)
    case = _locked_case(case)
    if not case.rating.phone:
        raise InvalidTransition(_("The citizen left no number to call back."))
    case.called_back_at, case.callback_note = now, note
    case.save(update_fields=["called_back_at", "callback_note"])
    CaseAction.objects.create(case=case, kind=CaseAction.Kind.CALLED_BACK, user=user, note=note, created_at=now)
    return case


@write_transaction
def record_fix(*, case: FollowUpCase, user: User, note: str, now: dt.datetime | None = None) -> FollowUpCase:
    """What was put right (整改措施). Recording it again adds to the history and replaces the summary."""
    now = now or timezone.now()
    note = _note(note, required=True)
    case = _locked_case(case)
    case.fixed_at, case.fix_note = now, note
    case.save(update_fields=["fixed_at", "fix_note"])
    CaseAction.objects.create(case=case, kind=CaseAction.Kind.FIXED, user=user, note=note, created_at=now)
    return case


@write_transaction
def close_case(*, case: FollowUpCase, user: User, note: str = "", now: dt.datetime | None = None) -> FollowUpCase:
    """Close a case once its fix is recorded, and its call-back when the citizen left a number."""
    now = now or timezone.now()
    note = _note(note, required=False)
    case = _locked_case(case)
    if case.fixed_at is None:
        raise InvalidTransition(_("Record the fix before closing the case."))
    if case.rating.phone and case.called_back_at is None:
        raise InvalidTransition(_("The citizen left a number: record the call-back before closing the case."))
    case.status, case.closed_at = FollowUpCase.Status.CLOSED, now
    case.save(update_fields=["status", "closed_at"])
    CaseAction.objects.create(case=case, kind=CaseAction.Kind.CLOSED, user=user, note=note, created_at=now)
    return case


# --- Complaints ---------------------------------------------------------------------


@write_transaction
def submit_complaint(
    *,
    site: Site,
    text: str,
    desk: Desk | None = None,
    visit_date: dt.date | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    address: str | None = None,
    now: dt.datetime | None = None,
) -> Complaint:
    """A citizen's complaint from the public form; contact details are optional."""
    now = now or timezone.now()
    text = (text or "").strip()
    if not text:
        raise InvalidRequest(_("Please describe what happened."))
    if len(text) > COMPLAINT_MAX:
        raise InvalidRequest(_("The complaint is longer than %(max)s characters.") % {"max": COMPLAINT_MAX})
    if desk is not None and desk.site_id != site.pk:
        raise InvalidRequest(_("There is no such desk here."))
    if visit_date is not None and visit_date > site.service_day(now):
        raise InvalidRequest(_("The date of the visit cannot be in the future."))
    return Complaint.objects.create(
        site=site,
        desk=desk,
        visit_date=visit_date,
        text=text,
        contact_name=(contact_name or "").strip()[:50],
        contact_phone=normalize_phone(contact_phone),
        address=address,
        created_at=now,
    )


@write_transaction
def reply_to_complaint(
    *, complaint: Complaint, user: User, text: str, status: str, now: dt.datetime | None = None
) -> ComplaintReply:
    """Record how a complaint was handled and set its status (never back to "new")."""
    now = now or timezone.now()
    text = (text or "").strip()
    if not text:
        raise InvalidRequest(_("Please write the reply or what was done."))
    if len(text) > COMPLAINT_MAX:
        raise InvalidRequest(_("The reply is longer than %(max)s characters.") % {"max": COMPLAINT_MAX})
    if status not in (Complaint.Status.HANDLING, Complaint.Status.RESOLVED):
        raise InvalidRequest(_("Choose “being handled” or “resolved”."))
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    locked.status = status
    locked.save(update_fields=["status"])
    return ComplaintReply.objects.create(complaint=locked, user=user, text=text, status=status, created_at=now)
