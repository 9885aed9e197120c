"""Every write of checklists and notices.

They share the queue's transaction discipline (`queueing.services`): the
site's row is locked first, and each change is recorded as an Event, so the
audit trail shows when a checklist was published and who gave which notice.
The redeeming of a notice happens where its ticket is issued, in
`queueing.services.issue_ticket`.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from notices.models import CODE_ALPHABET, CODE_LENGTH, ChecklistItem, ChecklistVersion, Notice
from queueing import services as queue
from queueing.errors import InvalidRequest, InvalidTransition, NoticeExists
from queueing.models import BusinessType, Desk, Event, Site, Ticket

ITEM_FIELDS = [
    "position",
    "group",
    "group_en",
    "name",
    "name_en",
    "form",
    "copies",
    "notes",
    "notes_en",
    "where",
    "where_en",
]
TEXT_FIELDS = [
    "conditions",
    "conditions_en",
    "steps",
    "steps_en",
    "fees",
    "fees_en",
    "time_limit",
    "time_limit_en",
    "legal_basis",
    "legal_basis_en",
    "notes",
    "notes_en",
]


# --- Checklists -------------------------------------------------------------


@transaction.atomic
def start_draft(*, business_type: BusinessType, source: ChecklistVersion | None = None) -> ChecklistVersion:
    """The business type's draft: the existing one, or a copy of `source` (default: the published version)."""
    draft = (
        ChecklistVersion.objects.select_for_update()
        .filter(business_type=business_type, status=ChecklistVersion.Status.DRAFT)
        .first()
    )
    if draft is not None:
        return draft
    if source is None:
        source = (
            ChecklistVersion.objects.filter(business_type=business_type, status=ChecklistVersion.Status.PUBLISHED)
            .order_by("-number")
            .first()
        )
    draft = ChecklistVersion.objects.create(
        business_type=business_type, **{f: getattr(source, f) for f in TEXT_FIELDS} if source else {}
    )
    if source is not None:
        ChecklistItem.objects.bulk_create(
            ChecklistItem(version=draft, **{f: getattr(item, f) for f in ITEM_FIELDS}) for item in source.items.all()
        )
    return draft


@queue.write_transaction
def publish(*, version: ChecklistVersion, user: User | None, now: dt.datetime | None = None) -> ChecklistVersion:
    """Publish a draft as the next version. Published versions never change again."""
    now = now or timezone.now()
    site = queue.lock_site(version.business_type.site_id, now)
    draft = ChecklistVersion.objects.select_for_update().get(pk=version.pk)
    if draft.status != ChecklistVersion.Status.DRAFT:
        raise InvalidTransition(_("Version %(number)s is already published.") % {"number": draft.number})
    if not draft.items.exists():
        raise InvalidRequest(_("A checklist needs at least one document before it is published."))
    last = ChecklistVersion.objects.filter(business_type_id=draft.business_type_id).aggregate(m=Max("number"))["m"]
    draft.number = (last or 0) + 1
    draft.status = ChecklistVersion.Status.PUBLISHED
    draft.published_at = now
    draft.published_by = user if user is not None and user.is_authenticated else None
    draft.save(update_fields=["number", "status", "published_at", "published_by"])
    queue.record_event(
        site=site,
        kind=Event.Kind.CHECKLIST_PUBLISHED,
        actor=queue.Actor(kind=Event.ActorKind.OFFICER if draft.published_by else Event.ActorKind.SYSTEM, user=user),
        data={"business_type": draft.business_type.prefix, "version": draft.number, "checklist": draft.pk},
        at=now,
    )
    version.number, version.status, version.published_at = draft.number, draft.status, draft.published_at
    return draft


# --- Missing-documents notices -----------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def version_for(ticket: Ticket) -> ChecklistVersion | None:
    """The checklist a notice for `ticket` is written against.

    The version the citizen was shown at the kiosk when the ticket still has
    that business (they are held to what they were told); after a transfer,
    the new business's published version.
    """
    shown = ticket.checklist_version
    if shown is not None and shown.business_type_id == ticket.business_type_id:
        return shown
    return (
        ChecklistVersion.objects.filter(business_type_id=ticket.business_type_id, status="published")
        .order_by("-number")
        .first()
    )


@queue.write_transaction
def issue_notice(
    *,
    desk: Desk,
    actor: queue.Actor,
    item_ids: list[int],
    note: str = "",
    now: dt.datetime | None = None,
) -> Notice:
    """Give the citizen at `desk` a notice of everything missing, with a code for a priority return."""
    now = now or timezone.now()
    desk = queue.lock_desk(desk, now)
    ticket = queue.lock_active(desk)
    if ticket is None:
        raise InvalidTransition(_("The desk has no ticket in hand."))
    existing = Notice.objects.filter(ticket=ticket).first()
    if existing is not None:
        raise NoticeExists(
            _("Ticket %(number)s already has notice %(code)s.")
            % {"number": ticket.number, "code": existing.display_code}
        )
    note = note.strip()
    version = version_for(ticket)
    wanted = set(item_ids)
    items = list(version.items.filter(pk__in=wanted)) if version is not None else []
    unknown = wanted - {item.pk for item in items}
    if unknown:
        raise InvalidRequest(
            _("Items %(ids)s are not on this business's checklist.")
            % {"ids": ", ".join(str(i) for i in sorted(unknown))}
        )
    if not items and not note:
        raise InvalidRequest(_("Tick at least one missing document, or describe what is missing."))
    code = new_code()
    while Notice.objects.filter(code=code).exists():  # ~5 × 10^11 codes: practically never loops
        code = new_code()
    notice = Notice.objects.create(
        site=desk.site,
        code=code,
        ticket=ticket,
        business_type_id=ticket.business_type_id,
        checklist_version=version,
        note=note,
        desk=desk,
        officer=actor.user if actor.user is not None else desk.officer,
        issued_at=now,
        expires_at=now + dt.timedelta(days=desk.site.notice_validity_days),
    )
    notice.items.set(items)
    queue.record_event(
        site=desk.site,
        kind=Event.Kind.NOTICE_ISSUED,
        actor=actor,
        ticket=ticket,
        desk=desk,
        note=note,
        data={
            "notice": notice.pk,
            "items": sorted(item.pk for item in items),
            "checklist_version": version.number if version else None,
        },
        at=now,
    )
    return notice


@queue.write_transaction
def issue_visit_notice(
    *,
    site: Site,
    business_type: BusinessType,
    officer: User | None,
    item_ids: list[int],
    note: str = "",
    now: dt.datetime | None = None,
) -> Notice:
    """A notice written at a home visit (outreach's "come to the window"): no ticket, no desk.

    Its items come from the business's published checklist; its code gives one priority ticket at
    the kiosk, exactly as a desk's notice does (`queueing.services.issue_ticket`).
    """
    now = now or timezone.now()
    site = queue.lock_site(site.pk, now)
    note = note.strip()
    version = (
        ChecklistVersion.objects.filter(business_type=business_type, status=ChecklistVersion.Status.PUBLISHED)
        .order_by("-number")
        .first()
    )
    wanted = set(item_ids)
    items = list(version.items.filter(pk__in=wanted)) if version is not None else []
    if wanted - {item.pk for item in items}:
        raise InvalidRequest(_("Some items are not on this business's checklist."))
    if not items and not note:
        raise InvalidRequest(_("Tick at least one missing document, or describe what is missing."))
    code = new_code()
    while Notice.objects.filter(code=code).exists():
        code = new_code()
    notice = Notice.objects.create(
        site=site,
        code=code,
        source=Notice.Source.HOME_VISIT,
        business_type=business_type,
        checklist_version=version,
        note=note,
        officer=officer if officer is not None and officer.is_authenticated else None,
        issued_at=now,
        expires_at=now + dt.timedelta(days=site.notice_validity_days),
    )
    notice.items.set(items)
    queue.record_event(
        site=site,
        kind=Event.Kind.NOTICE_ISSUED,
        actor=queue.Actor(kind=Event.ActorKind.OFFICER if notice.officer else Event.ActorKind.SYSTEM, user=officer),
        note=note,
        data={
            "notice": notice.pk,
            "source": Notice.Source.HOME_VISIT,
            "items": sorted(item.pk for item in items),
            "checklist_version": version.number if version else None,
        },
        at=now,
    )
    return notice
