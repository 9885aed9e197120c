"""Appointments (预约): a site's booking settings, closed slots and the bookings themselves.

Rows change only through `appointments.services`. A booking keeps no name and, unless the
site has a notifier that must reach the citizen, no mobile number: only a keyed hash of it
(to apply the per-number limits) and its last four digits (to show "尾号 1234").
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from counter.crypto import EncryptedTextField
from notices.models import CODE_ALPHABET, CODE_LENGTH, ChecklistVersion, format_code
from queueing.models import BusinessType, Site, Ticket


def new_booking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class BookingSettings(models.Model):
    """How a site takes appointments; a site without a row takes them with the defaults."""

    class Notifier(models.TextChoices):
        LOG = "log", _("log only (nothing is sent)")
        WEBHOOK = "webhook", _("webhook (e.g. the station's SMS gateway)")

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="booking_settings")
    enabled = models.BooleanField(_("takes appointments"), default=True)
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"), default=30, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    share_percent = models.PositiveSmallIntegerField(
        _("share of capacity for appointments (%)"),
        default=50,
        validators=[MaxValueValidator(100)],
        help_text=_("The rest stays for walk-ins."),
    )
    min_places = models.PositiveSmallIntegerField(
        _("minimum places per slot"), default=0, help_text=_("A floor under the computed capacity.")
    )
    lead_minutes = models.PositiveIntegerField(
        _("booking lead time (minutes)"),
        default=60,
        help_text=_("A slot can be booked when it starts at least this long from now."),
    )
    window_days = models.PositiveSmallIntegerField(_("booking window (days)"), default=7)
    check_in_before_minutes = models.PositiveSmallIntegerField(
        _("check-in opens before the slot (minutes)"), default=30
    )
    check_in_after_minutes = models.PositiveSmallIntegerField(
        _("check-in closes after the slot's start (minutes)"), default=15
    )
    notifier = models.CharField(_("notifier"), max_length=10, choices=Notifier.choices, default=Notifier.LOG)
    webhook_url = models.URLField(_("webhook URL"), blank=True)
    webhook_secret = models.CharField(
        _("webhook secret"), max_length=200, blank=True, help_text=_("Signs each message (HMAC-SHA256).")
    )

    class Meta:
        verbose_name = _("appointment settings")
        verbose_name_plural = _("appointment settings")

    def __str__(self) -> str:
        return str(self.site)

    @property
    def keeps_phone(self) -> bool:
        """Only a notifier that sends messages needs the number itself."""
        return self.notifier == self.Notifier.WEBHOOK and bool(self.webhook_url)


class ClosedSlot(models.Model):
    """A slot a clerk closed (a meeting, training): nobody can book it."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="closed_slots")
    business_type = models.ForeignKey(
        BusinessType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: closed for every business type."),
    )
    start = models.DateTimeField(_("slot starts"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["site", "start"]
        verbose_name = _("closed slot")
        verbose_name_plural = _("closed slots")

    def __str__(self) -> str:
        return f"{self.site} {timezone.localtime(self.start):%Y-%m-%d %H:%M}"


class Booking(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        CHECKED_IN = "checked_in", _("checked in")
        CANCELLED = "cancelled", _("cancelled")
        MISSED = "missed", _("missed")

    # A place is held by these: a missed or cancelled booking frees it.
    HOLDING = (Status.BOOKED, Status.CHECKED_IN)

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="bookings")
    business_type = models.ForeignKey(BusinessType, on_delete=models.PROTECT, related_name="bookings")
    code = models.CharField(_("code"), max_length=CODE_LENGTH, unique=True, default=new_booking_code, editable=False)
    start = models.DateTimeField(_("slot starts"))
    end = models.DateTimeField(_("slot ends"))
    day = models.DateField(_("day"))  # the site's local date of `start`
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.BOOKED)
    # What the citizen was shown before confirming, like a ticket records it.
    checklist_version = models.ForeignKey(
        ChecklistVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings"
    )
    phone_hash = models.CharField(_("mobile number (keyed hash)"), max_length=64, blank=True, editable=False)
    phone_last4 = models.CharField(_("mobile number's last four digits"), max_length=4, blank=True, editable=False)
    # Only with a notifier that sends (BookingSettings.keeps_phone); purged 30 days after the visit.
    phone = EncryptedTextField(_("mobile number (encrypted)"), null=True, blank=True, editable=False)
    ticket = models.OneToOneField(
        Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="booking", editable=False
    )
    created_at = models.DateTimeField(_("booked at"), default=timezone.now, editable=False)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    missed_at = models.DateTimeField(_("missed at"), null=True, blank=True, editable=False)
    reminded_day_before = models.BooleanField(default=False, editable=False)
    reminded_hour_before = models.BooleanField(default=False, editable=False)
    alerted_near = models.BooleanField(default=False, editable=False)  # "3 people ahead of you" sent

    class Meta:
        ordering = ["site", "start", "pk"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            # A slot's places taken (every slot listing and booking).
            models.Index(fields=["business_type", "start", "status"], name="booking_slot_idx"),
            # The per-number limits.
            models.Index(fields=["site", "phone_hash", "day"], name="booking_phone_idx", condition=~Q(phone_hash="")),
            models.Index(fields=["status", "start"], name="booking_status_start_idx"),
        ]

    def __str__(self) -> str:
        return self.display_code

    @property
    def display_code(self) -> str:
        return format_code(self.code)

    @property
    def public_status(self) -> str:
        """The SPEC's status: a checked-in booking whose ticket was served is `done`."""
        if self.status == self.Status.CHECKED_IN and self.ticket is not None and self.ticket.status == "done":
            return "done"
        return str(self.status)

    def check_in_opens(self, settings: BookingSettings) -> dt.datetime:
        return self.start - dt.timedelta(minutes=settings.check_in_before_minutes)

    def check_in_closes(self, settings: BookingSettings) -> dt.datetime:
        return self.start + dt.timedelta(minutes=settings.check_in_after_minutes)


class TicketAlert(models.Model):
    """A mobile number left on a ticket's phone page: texts when 3 people are ahead, when called, when ready.

    Kept only at a site whose notifier sends (`BookingSettings.keeps_phone`), encrypted, shown on
    no page, and purged with the bookings' numbers 30 days after the visit. Each `*_sent_at` is
    claimed by a conditional update, so a message goes once however many workers see the write.
    """

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, related_name="alert")
    phone = EncryptedTextField(_("mobile number (encrypted)"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("left at"), default=timezone.now, editable=False)
    near_sent_at = models.DateTimeField(_('"3 ahead" sent at'), null=True, blank=True, editable=False)
    called_sent_at = models.DateTimeField(_('"called" sent at'), null=True, blank=True, editable=False)
    ready_sent_at = models.DateTimeField(_('"ready" sent at'), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("text message alert")
        verbose_name_plural = _("text message alerts")
        indexes = [
            # The one check each committed queue write makes: has this site any alert still to send?
            models.Index(
                fields=["site", "ticket"],
                name="alert_pending_idx",
                condition=Q(phone__isnull=False, called_sent_at__isnull=True),
            ),
            models.Index(fields=["created_at"], name="alert_created_idx", condition=Q(phone__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.ticket_id}"


class AlertEvent(models.Model):
    """The alerts' audit trail: a number left, each message claimed for sending, a number purged. Append-only."""

    class Kind(models.TextChoices):
        SUBSCRIBED = "alert.subscribed", _("mobile number left for alerts")
        NEAR = "alert.near", _('"3 people ahead" text sent')
        CALLED = "alert.called", _('"called" text sent')
        READY = "alert.ready", _('"document ready" text sent')

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    alert = models.ForeignKey(TicketAlert, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("alert event")
        verbose_name_plural = _("alert events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Alert events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("Alert events are append-only.")
