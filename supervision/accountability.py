"""The writes of accountability: the site's settings, inspections (明察暗访), complaint findings, closing a month.

Like the rest of supervision, each runs in one transaction (`write_transaction`)
and keeps its own record instead of a queue `Event`: an inspection carries
who recorded, acknowledged and confirmed it and when; a finding who decided
it; a closed month is a frozen row that only append-only corrections add to.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _

from queueing import officers
from queueing.errors import Forbidden, InvalidRequest, InvalidTransition
from queueing.models import Desk, Site
from queueing.services import write_transaction
from supervision import calendar, evaluation
from supervision.models import (
    COMMENT_MAX,
    COMPLAINT_MAX,
    AccountabilitySettings,
    Behaviour,
    Complaint,
    ComplaintFinding,
    ComplaintReply,
    EvaluationCorrection,
    Inspection,
    InspectionItem,
    MonthlyEvaluation,
)

# A finding's rectification is due this many working days after the inspection, unless the supervisor sets a date.
RECTIFY_WORKING_DAYS = 10
CORRECTABLE = ("served", "avg_wait", "p90_wait", "satisfaction", "complaints", "upheld", "partly", "score")


def _text(value: str, *, limit: int, required: str | None = None) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidRequest(required)
    if len(value) > limit:
        raise InvalidRequest(_("The text is longer than %(max)s characters.") % {"max": limit})
    return value


@write_transaction
def save_settings(*, site: Site, names_public: bool, **fields: Any) -> AccountabilitySettings:
    """The supervisor's settings of the public page and the monthly score."""
    unknown = set(fields) - {*evaluation.WEIGHT_FIELDS, "rank_publicly", "complaint_phone"}
    if unknown:
        raise InvalidRequest()
    if fields.get("weight_satisfaction", 1) + fields.get("weight_wait", 1) == 0:
        raise InvalidRequest(_("At least one of the two weights must be above zero."))
    row, _created = AccountabilitySettings.objects.update_or_create(site=site, defaults=fields)
    officers.set_names_public(site=site, public=names_public)
    return row


def _site_user(site: Site, user: User | None) -> User | None:
    if user is not None and not (hasattr(user, "staff") and user.staff.site_id == site.pk):
        raise InvalidRequest(_("That officer does not work at this site."))
    return user


@write_transaction
def record_inspection(
    *,
    site: Site,
    user: User,
    kind: str,
    inspected_at: dt.datetime,
    desk: Desk | None,
    officer: User | None,
    items: list[InspectionItem],
    findings: str = "",
    severity: str = Inspection.Severity.NONE,
    behaviour: str = "",
    action: str = "",
    deadline: dt.date | None = None,
) -> Inspection:
    """Record an inspection; a finding gets a rectification deadline on the site's working-day calendar."""
    if kind not in Inspection.Kind.values or severity not in Inspection.Severity.values:
        raise InvalidRequest()
    if behaviour not in Behaviour.values:
        raise InvalidRequest()
    if desk is None and officer is None:
        raise InvalidRequest(_("Name the desk or the officer inspected."))
    if desk is not None and desk.site_id != site.pk:
        raise InvalidRequest(_("There is no such desk here."))
    if any(item.site_id != site.pk for item in items):
        raise InvalidRequest()
    if inspected_at > timezone.now() + dt.timedelta(minutes=5):
        raise InvalidRequest(_("The inspection cannot be in the future."))
    _site_user(site, officer)
    findings = _text(findings, limit=COMPLAINT_MAX)
    action = _text(action, limit=COMMENT_MAX)
    has_finding = severity != Inspection.Severity.NONE
    if has_finding and not findings:
        raise InvalidRequest(_("Describe what was found."))
    day = site.service_day(inspected_at)
    if has_finding and deadline is None:
        deadline = calendar.add_working_days(site, day, RECTIFY_WORKING_DAYS)
    if deadline is not None and deadline < day:
        raise InvalidRequest(_("The deadline is before the inspection."))
    inspection = Inspection.objects.create(
        site=site,
        kind=kind,
        inspected_at=inspected_at,
        desk=desk,
        officer=officer,
        findings=findings,
        severity=severity,
        behaviour=behaviour if has_finding else "",
        action=action,
        deadline=deadline if has_finding else None,
        # Nothing found: nothing to rectify, but the officer still acknowledges the inspection.
        recorded_by=user,
    )
    inspection.items.set(items)
    return inspection


@write_transaction
def acknowledge_inspection(*, inspection: Inspection, user: User, note: str = "") -> Inspection:
    """The inspected officer acknowledges the inspection (on the desk page); nobody else can."""
    locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if locked.officer_id != user.pk:
        raise Forbidden(_("Only the officer inspected can acknowledge this inspection."))
    if locked.status != Inspection.Status.RECORDED:
        raise InvalidTransition(_("This inspection has been acknowledged already."))
    locked.status = Inspection.Status.ACKNOWLEDGED
    locked.acknowledged_at = timezone.now()
    locked.acknowledgement = _text(note, limit=COMMENT_MAX)
    locked.save(update_fields=["status", "acknowledged_at", "acknowledgement"])
    return locked


@write_transaction
def confirm_rectification(*, inspection: Inspection, user: User, note: str) -> Inspection:
    """The supervisor confirms the finding was put right (整改), after the officer's acknowledgement."""
    note = _text(note, limit=COMMENT_MAX, required=_("Please write what was put right."))
    locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if locked.status == Inspection.Status.RECORDED:
        raise InvalidTransition(_("The officer has not acknowledged this inspection yet."))
    if locked.status == Inspection.Status.RECTIFIED:
        raise InvalidTransition(_("The rectification is confirmed already."))
    locked.status = Inspection.Status.RECTIFIED
    locked.rectified_at = timezone.now()
    locked.rectification = note
    locked.save(update_fields=["status", "rectified_at", "rectification"])
    return locked


@write_transaction
def record_finding(
    *,
    complaint: Complaint,
    user: User,
    outcome: str,
    reason: str,
    behaviour: str = "",
    desk: Desk | None = None,
    officer: User | None = None,
) -> ComplaintFinding:
    """Close a complaint with its finding (查实, partly, unfounded) and the reason, recorded as its last reply."""
    if outcome not in ComplaintFinding.Outcome.values or behaviour not in Behaviour.values:
        raise InvalidRequest()
    reason = _text(reason, limit=COMPLAINT_MAX, required=_("Please give the reason for the finding."))
    upheld = outcome != ComplaintFinding.Outcome.UNFOUNDED
    if upheld and not behaviour:
        raise InvalidRequest(_("Name the behaviour found (冷、硬、横、推 or other)."))
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if ComplaintFinding.objects.filter(complaint=locked).exists():
        raise InvalidTransition(_("This complaint has its finding already."))
    if desk is not None and desk.site_id != locked.site_id:
        raise InvalidRequest(_("There is no such desk here."))
    _site_user(locked.site, officer)
    finding = ComplaintFinding.objects.create(
        complaint=locked,
        outcome=outcome,
        reason=reason,
        behaviour=behaviour if upheld else "",
        desk=desk or locked.desk,
        officer=officer,
        decided_by=user,
    )
    locked.status = Complaint.Status.RESOLVED
    locked.save(update_fields=["status"])
    label = ComplaintFinding.Outcome(outcome).label
    ComplaintReply.objects.create(complaint=locked, user=user, text=f"{label}: {reason}", status=locked.status)
    return finding


@write_transaction
def close_month(*, site: Site, month: dt.date, user: User, today: dt.date | None = None) -> MonthlyEvaluation:
    """Freeze a finished month's evaluation: its figures become a record no later change recomputes."""
    today = today or site.service_day(timezone.now())
    first, last = evaluation.month_bounds(month)
    if last >= today:
        raise InvalidTransition(_("A month can be closed once it is over."))
    # The site row's lock makes two supervisors closing at once freeze it once (the unique key is the backstop).
    Site.objects.select_for_update().get(pk=site.pk)
    if MonthlyEvaluation.objects.filter(site=site, month=first).exists():
        raise InvalidTransition(_("This month is closed already."))
    weights = evaluation.weights_of(evaluation.settings_for(site))
    rows = evaluation.compute(site, first, today=today, weights=weights)
    return MonthlyEvaluation.objects.create(
        site=site,
        month=first,
        rows=[evaluation.row_to_dict(r) for r in rows],
        weights=weights,
        closed_by=user,
    )


@write_transaction
def correct_month(
    *, closed: MonthlyEvaluation, user: User, row: str, column: str, value: float, reason: str
) -> EvaluationCorrection:
    """A later correction of a closed month: recorded beside the frozen figure, which stays as it was."""
    reason = _text(reason, limit=COMMENT_MAX, required=_("Please give the reason for the correction."))
    if column not in CORRECTABLE:
        raise InvalidRequest(_("This figure cannot be corrected."))
    frozen = {r["key"]: r for r in closed.rows}
    if row not in frozen:
        raise InvalidRequest(_("There is no such row in this month."))
    current = evaluation.month_view(closed.site, closed.month, today=closed.month)
    before = next(getattr(r, column) for r in current.rows if r.key == row)
    return EvaluationCorrection.objects.create(
        evaluation=closed, row=row, column=column, old_value=before, new_value=value, reason=reason, user=user
    )


# What inspections check by default; the site edits the list in the admin.
DEFAULT_ITEMS = [
    ("着装警容", "Uniform and bearing"),
    ("文明用语", "Courteous language"),
    ("一次性告知", "Everything told at once"),
    ("办事效率", "Efficiency"),
    ("环境设施", "Hall and facilities"),
]


@write_transaction
def ensure_inspection_items(*, site: Site) -> None:
    """Give a site that has no inspection items yet the default list (once)."""
    if InspectionItem.objects.filter(site=site).exists():
        return
    InspectionItem.objects.bulk_create(
        InspectionItem(site=site, name=name, name_en=name_en, position=position)
        for position, (name, name_en) in enumerate(DEFAULT_ITEMS)
    )
