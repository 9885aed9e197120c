"""Outreach (上门服务, 送证上门, 流动服务): home-visit requests, document cases and mobile service sessions.

The one part of Counter that holds a citizen's name, number and address. Those
fields are encrypted at rest (`counter.crypto`), read only by the site's staff
(each read is an `OutreachEvent`), and blanked by `anonymise_outreach` once a
closed request is older than the site's retention period. Rows change only
through `outreach.services`; every change is an append-only `OutreachEvent`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from counter.crypto import EncryptedTextField
from notices.models import CODE_ALPHABET, CODE_LENGTH, ChecklistItem, Notice, format_code
from queueing.models import BusinessType, Site, Ticket

DEFAULT_TRIAGE_WORKING_DAYS = 3
DEFAULT_RETENTION_DAYS = 180
ANONYMISED = "—"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class OutreachSettings(models.Model):
    """A site's outreach rules; a site without a row uses the defaults."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="outreach_settings")
    accepts_requests = models.BooleanField(_("accepts home-visit requests online"), default=True)
    triage_working_days = models.PositiveSmallIntegerField(
        _("triage within (working days)"),
        default=DEFAULT_TRIAGE_WORKING_DAYS,
        help_text=_("A request not accepted or declined by then is flagged overdue."),
    )
    retention_days = models.PositiveSmallIntegerField(
        _("keep personal data (days)"),
        default=DEFAULT_RETENTION_DAYS,
        help_text=_("Name, number and address are removed this long after a request closes."),
    )

    class Meta:
        verbose_name = _("outreach settings")
        verbose_name_plural = _("outreach settings")

    def __str__(self) -> str:
        return str(self.site)


class OutreachOfficer(models.Model):
    """An officer as citizens know them on outreach: police number, and the villages of a resident officer."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outreach")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="outreach_officers")
    police_number = models.CharField(_("police number"), max_length=20)
    display_name = models.CharField(_("public name"), max_length=50, blank=True)
    villages = models.CharField(
        _("villages covered (驻村)"), max_length=300, blank=True, help_text=_("Empty unless a resident officer.")
    )
    contact_hours = models.CharField(_("contact hours"), max_length=200, blank=True)
    contact_phone = models.CharField(_("duty phone"), max_length=30, blank=True)

    class Meta:
        ordering = ["site", "police_number"]
        verbose_name = _("outreach officer")
        verbose_name_plural = _("outreach officers")

    def __str__(self) -> str:
        return f"{self.police_number} {self.display_name}".strip()


class Reason(models.TextChoices):
    ELDERLY = "elderly", _("Over 80 years old")
    ALONE = "alone", _("Elderly and living alone")
    DISABLED = "disabled", _("Person with a disability")
    BEDRIDDEN = "bedridden", _("Seriously ill or bedridden")
    OTHER = "other", _("Other")


class VisitRequest(models.Model):
    class Kind(models.TextChoices):
        HOME_VISIT = "home_visit", _("home visit")
        DELIVERY = "delivery", _("document delivery")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("waiting for review")
        SCHEDULED = "scheduled", _("visit scheduled")
        DECLINED = "declined", _("declined")
        DONE = "done", _("done")
        NOT_HOME = "not_home", _("not at home; to be scheduled again")
        REVISIT = "revisit", _("needs another visit")
        WINDOW = "window", _("please come to the window")

    class Channel(models.TextChoices):
        ONLINE = "online", _("online")
        STAFF = "staff", _("by phone or neighbourhood committee")

    OPEN = (Status.REQUESTED, Status.SCHEDULED, Status.NOT_HOME, Status.REVISIT)
    SCHEDULABLE = (Status.REQUESTED, Status.NOT_HOME, Status.REVISIT)
    CLOSED = (Status.DECLINED, Status.DONE, Status.WINDOW)

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="visit_requests")
    code = models.CharField(_("code"), max_length=CODE_LENGTH, unique=True, default=new_code, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.HOME_VISIT)
    channel = models.CharField(_("came"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    business_type = models.ForeignKey(BusinessType, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("why they cannot come"), max_length=12, choices=Reason.choices)
    reason_note = models.CharField(_("reason note"), max_length=200, blank=True)
    # Personal data: encrypted at rest, staff of the site only, anonymised after retention.
    name = EncryptedTextField(_("name"))
    phone = EncryptedTextField(_("contact number"))
    village = EncryptedTextField(_("village or community"))
    address = EncryptedTextField(_("address"))
    note = EncryptedTextField(_("note"), blank=True, default="")
    preferred_days = models.CharField(_("preferred days"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    triage_due = models.DateField(_("triage due"))
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)
    decline_reason = models.CharField(_("reason given to the citizen"), max_length=500, blank=True)
    visit_date = models.DateField(_("visit day"), null=True, blank=True)
    window_start = models.TimeField(_("from"), null=True, blank=True)
    window_end = models.TimeField(_("until"), null=True, blank=True)
    officers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    route_position = models.PositiveSmallIntegerField(_("route position"), default=0)
    visited_at = models.DateTimeField(_("visited at"), null=True, blank=True)
    outcome_note = models.CharField(_("outcome note"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    # "Come to the window": the documents still missing, and the code of the priority return ticket.
    missing_items = models.ManyToManyField(ChecklistItem, related_name="+", blank=True)
    return_code = models.CharField(max_length=CODE_LENGTH, unique=True, null=True, blank=True, editable=False)
    # The missing-documents notice written at the visit (its code is `return_code`): the kiosk redeems
    # it like a desk's notice. Visits recorded before notices were written here have none.
    notice = models.OneToOneField(
        Notice, on_delete=models.PROTECT, null=True, blank=True, related_name="visit_request", editable=False
    )
    return_ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("home-visit request")
        verbose_name_plural = _("home-visit requests")
        indexes = [
            models.Index(fields=["site", "status", "visit_date"], name="visit_site_status_day_idx"),
            models.Index(fields=["closed_at", "anonymised_at"], name="visit_closed_idx"),
        ]

    def __str__(self) -> str:
        return self.display_code

    @property
    def display_code(self) -> str:
        return format_code(self.code)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def open_return_code(self) -> str | None:
        """The code still to redeem at the kiosk for the return ticket; None once used (by either way in)."""
        if self.return_code is None or self.return_ticket_id is not None:
            return None
        if self.notice is not None and self.notice.redeemed_at is not None:
            return None
        return self.return_code


class DocumentCase(models.Model):
    """A document made after the desk finished (居民身份证, 户口簿), from acceptance to handover."""

    class Document(models.TextChoices):
        ID_CARD = "id_card", _("resident identity card (居民身份证)")
        HUKOU_BOOK = "hukou_book", _("household register (户口簿)")

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("accepted (已受理)")
        IN_PRODUCTION = "in_production", _("being made (制证中)")
        READY = "ready", _("ready for pickup (可领取)")
        PICKED_UP = "picked_up", _("picked up (已领取)")
        DELIVERED = "delivered", _("delivered (已送达)")

    STEPS = (Status.ACCEPTED, Status.IN_PRODUCTION, Status.READY)
    CLOSED = (Status.PICKED_UP, Status.DELIVERED)

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="document_cases")
    code = models.CharField(_("code"), max_length=CODE_LENGTH, unique=True, default=new_code, editable=False)
    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, related_name="document_case")
    business_type = models.ForeignKey(BusinessType, on_delete=models.PROTECT, related_name="+")
    document = models.CharField(_("document"), max_length=12, choices=Document.choices)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.ACCEPTED)
    expected_date = models.DateField(_("expected ready"))
    created_at = models.DateTimeField(_("accepted at"), default=timezone.now)
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    pickup_ticket = models.OneToOneField(
        Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="pickup_case"
    )
    delivery = models.OneToOneField(
        VisitRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="document_case"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("document case")
        verbose_name_plural = _("document cases")
        indexes = [models.Index(fields=["site", "status"], name="case_site_status_idx")]

    def __str__(self) -> str:
        return self.display_code

    @property
    def display_code(self) -> str:
        return format_code(self.code)

    def step_index(self) -> int:
        order = [*self.STEPS, "closed"]
        return order.index(self.status) if self.status in self.STEPS else len(self.STEPS)


class ServiceSession(models.Model):
    """A mobile service session (流动服务, 驻村): a place, a day and hours, businesses and officers.

    `queue_site` is the optional site of kind "mobile" whose kiosk and desk run on a tablet at the
    place: its tickets and ratings of that day count as this session's.
    """

    class Place(models.TextChoices):
        POLICE_POST = "police_post", _("police post (警务室)")
        VILLAGE = "village", _("village committee (村委会)")
        COMMUNITY = "community", _("community centre")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="service_sessions")
    place = models.CharField(_("place"), max_length=100)
    place_kind = models.CharField(_("kind of place"), max_length=12, choices=Place.choices)
    date = models.DateField(_("day"))
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))
    business_types = models.ManyToManyField(BusinessType, related_name="+", verbose_name=_("business types"))
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("officers on duty")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    queue_site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("queue on a tablet (mobile site)"),
    )
    published = models.BooleanField(_("published"), default=True)

    class Meta:
        ordering = ["date", "start"]
        verbose_name = _("mobile service session")
        verbose_name_plural = _("mobile service sessions")

    def __str__(self) -> str:
        return f"{self.date} {self.place}"


class OutreachEvent(models.Model):
    """Outreach's audit trail: every step, and every display of a person's details to staff. Append-only."""

    class Kind(models.TextChoices):
        REQUESTED = "request.created", _("request received")
        SCHEDULED = "request.scheduled", _("visit scheduled")
        DECLINED = "request.declined", _("request declined")
        ROUTE = "request.route", _("route order changed")
        VISITED = "request.visited", _("visit recorded")
        RETURNED = "request.returned", _("return ticket issued")
        VIEWED = "details.viewed", _("personal details viewed")
        ANONYMISED = "request.anonymised", _("personal data removed")
        CASE_OPENED = "case.opened", _("document case opened")
        CASE_STATUS = "case.status", _("document case status changed")
        CASE_PICKUP = "case.pickup", _("pickup ticket issued")
        CASE_DELIVERY = "case.delivery", _("pickup turned into a delivery")
        SESSION_SAVED = "session.saved", _("mobile session published")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey(VisitRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    case = models.ForeignKey(DocumentCase, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outreach event")
        verbose_name_plural = _("outreach events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Outreach events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("Outreach events are append-only.")


def site_settings(site: Site) -> OutreachSettings:
    found = OutreachSettings.objects.filter(site=site).first()
    return found or OutreachSettings(site=site)


def local_today(site: Site, now: dt.datetime | None = None) -> dt.date:
    return site.service_day(now or timezone.now())
