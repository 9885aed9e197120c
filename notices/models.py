"""Checklists (一次性告知) and missing-documents notices (补正材料一次性告知书).

A checklist is a series of versions per business type. A clerk edits a draft,
previews it and publishes it; a published version never changes again, so a
ticket (which records the version shown at the kiosk) and a notice (which
records the version its items come from) prove what the citizen was told.
Rows change only through `notices.services`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from queueing.models import BusinessType, Desk, Site, Ticket


def localized(obj: Any, field: str) -> str:
    """The English text of `field` when the page speaks English and one exists, else the Chinese."""
    if translation.get_language() == "en":
        english = getattr(obj, f"{field}_en", "")
        if english:
            return str(english)
    return str(getattr(obj, field))


class ChecklistVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    business_type = models.ForeignKey(BusinessType, on_delete=models.PROTECT, related_name="checklist_versions")
    # 1, 2, 3 … per business type, given at publishing; a draft has none yet.
    number = models.PositiveIntegerField(_("version"), null=True, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False)
    conditions = models.TextField(_("conditions (受理条件)"), blank=True, help_text=_("One per line."))
    conditions_en = models.TextField(_("conditions in English"), blank=True)
    steps = models.TextField(_("steps (办理流程)"), blank=True, help_text=_("One per line."))
    steps_en = models.TextField(_("steps in English"), blank=True)
    fees = models.CharField(_("fees"), max_length=300, blank=True)
    fees_en = models.CharField(_("fees in English"), max_length=300, blank=True)
    time_limit = models.CharField(_("time limit (办理时限)"), max_length=300, blank=True)
    time_limit_en = models.CharField(_("time limit in English"), max_length=300, blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    legal_basis_en = models.TextField(_("legal basis in English"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    notes_en = models.TextField(_("notes in English"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )

    class Meta:
        ordering = ["business_type", "-number"]
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklists")
        constraints = [
            models.UniqueConstraint(fields=["business_type", "number"], name="one_number_per_checklist"),
            models.UniqueConstraint(
                fields=["business_type"], condition=Q(status="draft"), name="one_draft_per_checklist"
            ),
            models.CheckConstraint(
                condition=Q(status="draft", number__isnull=True) | Q(status="published", number__isnull=False),
                name="published_checklists_have_a_number",
            ),
        ]
        indexes = [models.Index(fields=["business_type", "status", "-number"], name="checklist_current_idx")]

    def __str__(self) -> str:
        if self.number is None:
            return f"{self.business_type} — {_('draft')}"
        return f"{self.business_type} — v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def lines(self, field: str) -> list[str]:
        return [line.strip() for line in localized(self, field).splitlines() if line.strip()]

    def groups(self) -> list[tuple[str, list[ChecklistItem]]]:
        """The items by the citizen's situation, in order; "" is the group that applies to everyone."""
        grouped: dict[str, list[ChecklistItem]] = {}
        for item in self.items.all():
            grouped.setdefault(item.group_label, []).append(item)
        return list(grouped.items())


class ChecklistItem(models.Model):
    """One document to bring."""

    class Form(models.TextChoices):
        ORIGINAL = "original", _("original")
        COPY = "copy", _("copy")
        BOTH = "original_and_copy", _("original and copy")

    version = models.ForeignKey(ChecklistVersion, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    group = models.CharField(
        _("situation"), max_length=60, blank=True, help_text=_("e.g. 外省迁入; empty when it applies to everyone.")
    )
    group_en = models.CharField(_("situation in English"), max_length=60, blank=True)
    name = models.CharField(_("document"), max_length=200)
    name_en = models.CharField(_("document in English"), max_length=200, blank=True)
    form = models.CharField(_("original or copy"), max_length=20, choices=Form.choices, default=Form.ORIGINAL)
    copies = models.PositiveSmallIntegerField(_("how many"), default=1)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    notes_en = models.CharField(_("notes in English"), max_length=300, blank=True)
    where = models.CharField(_("where to get it"), max_length=300, blank=True)
    where_en = models.CharField(_("where to get it, in English"), max_length=300, blank=True)

    class Meta:
        ordering = ["version", "position", "pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents to bring")

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return localized(self, "name")

    @property
    def group_label(self) -> str:
        return localized(self, "group")

    @property
    def notes_label(self) -> str:
        return localized(self, "notes")

    @property
    def where_label(self) -> str:
        return localized(self, "where")


# Codes are typed by elderly citizens at a kiosk: no 0/O, 1/I/L or U/V look-alikes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_LENGTH = 8  # 29**8 ≈ 5 × 10^11: not guessable at the kiosk's rate limit


def normalize_code(raw: str) -> str:
    """Accept what people type or a scanner sends: any case, spaces, dashes, or the notice's URL."""
    text = raw.strip().upper().rstrip("/")
    text = text.rsplit("/", 1)[-1]
    return re.sub(r"[\s\-]", "", text)


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


class Notice(models.Model):
    """A personal missing-documents notice, given at the desk for the ticket in hand, or at a home visit.

    A home visit's notice (outreach's "come to the window") has no ticket and no desk: the officer
    wrote it at the citizen's home.
    """

    class Source(models.TextChoices):
        DESK = "desk", _("at the desk")
        HOME_VISIT = "home_visit", _("at a home visit")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="notices")
    code = models.CharField(_("code"), max_length=CODE_LENGTH, unique=True, editable=False)
    source = models.CharField(_("given"), max_length=12, choices=Source.choices, default=Source.DESK, editable=False)
    ticket = models.OneToOneField(
        Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="notice", editable=False
    )
    business_type = models.ForeignKey(BusinessType, on_delete=models.PROTECT, related_name="+", editable=False)
    checklist_version = models.ForeignKey(
        ChecklistVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="notices", editable=False
    )
    items = models.ManyToManyField(ChecklistItem, related_name="notices", blank=True, editable=False)
    note = models.CharField(_("other missing items"), max_length=500, blank=True, editable=False)
    desk = models.ForeignKey(Desk, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    issued_at = models.DateTimeField(_("issued"), editable=False)
    expires_at = models.DateTimeField(_("valid until"), editable=False)
    redeemed_at = models.DateTimeField(_("redeemed"), null=True, blank=True, editable=False)
    redeemed_ticket = models.OneToOneField(
        Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="redeemed_notice", editable=False
    )

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("missing-documents notice")
        verbose_name_plural = _("missing-documents notices")
        indexes = [models.Index(fields=["site", "issued_at"], name="notice_site_time_idx")]

    def __str__(self) -> str:
        return self.display_code

    @property
    def display_code(self) -> str:
        return format_code(self.code)

    def state(self, now: dt.datetime | None = None) -> str:
        if self.redeemed_at is not None:
            return "used"
        if (now or timezone.now()) >= self.expires_at:
            return "expired"
        return "valid"
