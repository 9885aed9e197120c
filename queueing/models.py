"""The queue's domain: sites, business types, desks, tickets and their audit events.

Rows change only through `queueing.services`; the methods here are rules about
one row that the services (and the admin's read-only views) share.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from queueing.errors import InvalidTransition


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value}) from exc


class Site(models.Model):
    """A service hall (派出所). One deployment serves many."""

    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    always_open = models.BooleanField(
        _("open around the clock"),
        default=False,
        help_text=_("Ignore opening hours and closed days (demo and test sites)."),
    )
    recall_limit = models.PositiveSmallIntegerField(
        _("recall limit"),
        default=3,
        help_text=_("Recalls allowed for one call; the next recall marks the ticket a no-show."),
    )
    notice_validity_days = models.PositiveSmallIntegerField(
        _("notice validity (days)"),
        default=90,
        help_text=_("How long a missing-documents notice gives a priority ticket on the return visit."),
    )
    display_message = models.CharField(
        _("display notice line"),
        max_length=500,
        blank=True,
        help_text=_("Scrolls along the bottom of the lobby display."),
    )
    display_message_en = models.CharField(_("display notice line in English"), max_length=500, blank=True)
    officer_names_public = models.BooleanField(
        _("officers' names are public"),
        default=False,
        help_text=_("Show officers' display names on public screens and pages; otherwise only their police numbers."),
    )
    # Grows by one with every committed change of the site's queue; live screens
    # use it to notice a missed message (see SPEC "WebSockets").
    version = models.BigIntegerField(_("version"), default=0, editable=False)
    # The last service day whose predecessors have been expired.
    current_day = models.DateField(_("current service day"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.tz)

    def service_day(self, moment: dt.datetime) -> dt.date:
        """The site's local date: numbering restarts at the site's own midnight."""
        return self.local(moment).date()


class OpeningPeriod(models.Model):
    """One opening period of a weekday; a lunch break is the gap between two periods."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="opening_periods")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["site", "weekday", "opens"]
        verbose_name = _("opening period")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(condition=Q(opens__lt=models.F("closes")), name="period_opens_before_closing")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class SpecialDay(models.Model):
    """A holiday the hall is closed, or a weekend working day (调休)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="special_days")
    date = models.DateField(_("date"))
    closed = models.BooleanField(_("closed"), default=True)
    hours_like = models.PositiveSmallIntegerField(
        _("opening hours of"),
        choices=OpeningPeriod.Weekday.choices,
        default=OpeningPeriod.Weekday.MONDAY,
        help_text=_("For a working day: whose weekday's opening hours apply."),
    )
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        ordering = ["site", "date"]
        verbose_name = _("closed day or extra working day")
        verbose_name_plural = _("closed days and extra working days")
        constraints = [models.UniqueConstraint(fields=["site", "date"], name="one_special_day_per_date")]

    def __str__(self) -> str:
        kind = _("closed") if self.closed else _("working day")  # outside the f-string, for makemessages
        return f"{self.date} {kind}"


class BusinessType(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="business_types")
    prefix = models.CharField(
        _("prefix"),
        max_length=1,
        validators=[RegexValidator(r"^[A-Z]$", _("One capital letter, A to Z."))],
    )
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    daily_cap = models.PositiveIntegerField(_("daily cap"), null=True, blank=True)
    avg_handling_minutes = models.FloatField(
        _("average handling minutes"),
        default=10.0,
        help_text=_("Seeded by hand, then learned from finished tickets."),
    )

    class Meta:
        ordering = ["site", "position", "prefix"]
        verbose_name = _("business type")
        verbose_name_plural = _("business types")
        constraints = [
            models.UniqueConstraint(fields=["site", "prefix"], name="one_prefix_per_site"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.name}"

    def format_number(self, sequence: int) -> str:
        return f"{self.prefix}{sequence:03d}"

    def learn_handling_time(self, minutes: float) -> None:
        """Exponential moving average; outliers (a ticket left open over lunch) are clipped."""
        minutes = min(max(minutes, 0.5), 4 * max(self.avg_handling_minutes, 5.0))
        self.avg_handling_minutes = round(0.9 * self.avg_handling_minutes + 0.1 * minutes, 2)


class Reason(models.Model):
    """A reason an officer gives for an out-of-order action; the site edits the list."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="reasons")
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=100)
    label_en = models.CharField(_("English label"), max_length=100, blank=True)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["site", "position", "code"]
        verbose_name = _("reason")
        verbose_name_plural = _("reasons")
        constraints = [models.UniqueConstraint(fields=["site", "code"], name="one_reason_code_per_site")]

    def __str__(self) -> str:
        return self.label


class Desk(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("open")
        PAUSED = "paused", _("paused")
        CLOSED = "closed", _("closed")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="desks")
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=50, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.CLOSED)
    business_types = models.ManyToManyField(
        BusinessType, through="DeskBusinessType", related_name="desks", verbose_name=_("business types")
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("officer signed in"),
    )

    class Meta:
        ordering = ["site", "number"]
        verbose_name = _("desk")
        verbose_name_plural = _("desks")
        constraints = [models.UniqueConstraint(fields=["site", "number"], name="one_desk_number_per_site")]

    def __str__(self) -> str:
        return self.name or _("Desk %(number)s") % {"number": self.number}


class DeskBusinessType(models.Model):
    """The business types a desk handles, in the order that breaks ties between them."""

    desk = models.ForeignKey(Desk, on_delete=models.CASCADE)
    business_type = models.ForeignKey(BusinessType, on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["desk", "position"]
        verbose_name = _("business type handled")
        verbose_name_plural = _("business types handled")
        constraints = [models.UniqueConstraint(fields=["desk", "business_type"], name="desk_handles_type_once")]

    def __str__(self) -> str:
        return str(self.business_type)

    def clean(self) -> None:
        if self.business_type.site_id != self.desk.site_id:
            raise ValidationError(_("The business type belongs to another site."))


class StaffProfile(models.Model):
    """Binds an officer or supervisor account to a site (and optionally a desk)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="staff")
    desk = models.ForeignKey(Desk, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The public profile (警务公开): what screens and public pages may say about the officer on duty.
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    police_number = models.CharField(_("police number"), max_length=20, blank=True)
    public = models.BooleanField(
        _("public profile"), default=True, help_text=_("Show this officer on the displays and public pages.")
    )
    business_types = models.ManyToManyField(
        BusinessType, blank=True, related_name="+", verbose_name=_("business types handled")
    )
    # Grows with each new photo: part of the photo's URL, so screens never show a cached old one.
    photo_version = models.PositiveIntegerField(_("photo version"), default=0, editable=False)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return f"{self.user} @ {self.site}"

    def public_card(self, *, names_public: bool) -> dict[str, str | None] | None:
        """What the public sees of this officer: never the account name; the name only where the site allows."""
        if not self.public:
            return None
        name = self.display_name if names_public else ""
        if not name and not self.police_number:
            return None
        photo = f"/officers/{self.pk}/photo-{self.photo_version}.jpg" if self.photo_version else None
        return {"name": name or None, "police_number": self.police_number or None, "photo": photo}


class OfficerPhoto(models.Model):
    """An officer's public photo: re-encoded on upload, so it carries no metadata (EXIF, GPS)."""

    profile = models.OneToOneField(StaffProfile, on_delete=models.CASCADE, related_name="photo")
    jpeg = models.BinaryField(_("JPEG"))
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("officer photo")
        verbose_name_plural = _("officer photos")

    def __str__(self) -> str:
        return str(self.profile)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DeskToken(models.Model):
    """A device credential for a keypad or desk display; only its hash is stored."""

    desk = models.ForeignKey(Desk, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("first characters"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["desk", "-created_at"]
        verbose_name = _("desk device token")
        verbose_name_plural = _("desk device tokens")

    def __str__(self) -> str:
        return f"{self.desk} · {self.hint}…"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


def new_ticket_token() -> str:
    return secrets.token_urlsafe(16)


class Ticket(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        CALLED = "called", _("called")
        SERVING = "serving", _("being served")
        DONE = "done", _("done")
        NO_SHOW = "no_show", _("no-show")
        CANCELLED = "cancelled", _("cancelled")
        EXPIRED = "expired", _("expired")

    class PrioritySource(models.TextChoices):
        NONE = "", _("none")
        SELF_DECLARED = "self_declared", _("declared by the citizen")
        STAFF = "staff", _("set by staff")
        NOTICE = "notice", _("returning with a missing-documents notice")

    class PriorityKind(models.TextChoices):
        NONE = "", _("none")
        ELDERLY = "elderly", _("elderly")
        DISABLED = "disabled", _("disabled")
        PREGNANT = "pregnant", _("pregnant")
        OTHER = "other", _("other")

    # site, issued_business_type and desk have no index of their own: the composite indexes
    # below begin with each (number per site and day, sequence per type and day, a desk's
    # day), and every index more is maintained on each write and weighed by each plan.
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="tickets", db_index=False)
    business_type = models.ForeignKey(BusinessType, on_delete=models.PROTECT, related_name="tickets")
    # The type the number was drawn from; a transfer changes business_type only.
    issued_business_type = models.ForeignKey(BusinessType, on_delete=models.PROTECT, related_name="+", db_index=False)
    service_day = models.DateField(_("service day"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=12)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    priority = models.BooleanField(_("priority"), default=False)
    priority_source = models.CharField(
        _("priority given by"), max_length=16, choices=PrioritySource.choices, blank=True, default=""
    )
    priority_kind = models.CharField(
        _("priority kind"), max_length=16, choices=PriorityKind.choices, blank=True, default=""
    )
    transferred = models.BooleanField(_("transferred"), default=False)
    # Set for a booked citizen's ticket (the start of the booked slot): once it has
    # started, the ticket is called before the plain tickets of its type (queue_order()).
    appointment_start = models.DateTimeField(_("booked slot starts"), null=True, blank=True)
    # What the kiosk showed the citizen before printing, so the station can prove it.
    checklist_version = models.ForeignKey(
        "notices.ChecklistVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    desk = models.ForeignKey(
        Desk, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets", db_index=False
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recalls = models.PositiveSmallIntegerField(_("recalls"), default=0)
    token = models.CharField(max_length=32, unique=True, default=new_ticket_token, editable=False)
    # NULL when the kiosk sent no key: NULLs never collide in the unique index,
    # and a plain (not partial) index is one SQLite's planner uses for `= key`.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, editable=False)  # noqa: DJ001
    issued_at = models.DateTimeField(_("issued"))
    # Position in the queue: issue time, or the time of a transfer.
    queued_at = models.DateTimeField(_("queued"))
    called_at = models.DateTimeField(_("called"), null=True, blank=True)
    started_at = models.DateTimeField(_("service started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["site", "-service_day", "queued_at"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.UniqueConstraint(fields=["site", "service_day", "number"], name="one_number_per_site_day"),
            models.UniqueConstraint(
                fields=["issued_business_type", "service_day", "sequence"], name="one_sequence_per_type_day"
            ),
            models.UniqueConstraint(fields=["site", "idempotency_key"], name="one_ticket_per_idempotency_key"),
            # Backstop for the desk lock: a desk has at most one ticket in hand.
            models.UniqueConstraint(
                fields=["desk"],
                condition=Q(status__in=["called", "serving"]),
                name="one_active_ticket_per_desk",
            ),
        ]
        indexes = [
            # The waiting queue of one site, day and business type, in call order (queue_order()):
            # call-next reads each type's head from it, "people ahead" and the counts its prefix.
            models.Index(
                fields=[
                    "site",
                    "service_day",
                    "status",
                    "business_type",
                    "-priority",
                    "-transferred",
                    "queued_at",
                    "id",
                ],
                name="ticket_queue_idx",
            ),
            # The checked-in appointments of a type in call order: call-next's second probe per type.
            models.Index(
                fields=["site", "service_day", "status", "business_type", "-transferred", "queued_at", "id"],
                name="ticket_appointment_queue_idx",
                condition=Q(appointment_start__isnull=False, priority=False),
            ),
            models.Index(fields=["status", "service_day"], name="ticket_status_day_idx"),
            # A desk's served count of the day (every desk message): bounded by the desk, not its whole history.
            models.Index(fields=["desk", "service_day", "status"], name="ticket_desk_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.service_day})"

    # Which statuses each action starts from, and where it leads (SPEC "Ticket lifecycle").
    TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
        "call": (frozenset({Status.WAITING}), Status.CALLED),
        "recall": (frozenset({Status.CALLED}), Status.CALLED),
        "start": (frozenset({Status.CALLED}), Status.SERVING),
        "complete": (frozenset({Status.SERVING}), Status.DONE),
        "no_show": (frozenset({Status.CALLED}), Status.NO_SHOW),
        "requeue": (frozenset({Status.NO_SHOW}), Status.WAITING),
        "transfer": (frozenset({Status.SERVING}), Status.WAITING),
        "cancel": (frozenset({Status.WAITING}), Status.CANCELLED),
        "expire": (frozenset({Status.WAITING, Status.CALLED}), Status.EXPIRED),
        "prioritise": (frozenset({Status.WAITING}), Status.WAITING),
    }

    def can(self, action: str) -> bool:
        sources, _target = self.TRANSITIONS[action]
        return self.status in sources

    def transition(self, action: str) -> str:
        """Check that `action` is allowed now and return the status it leads to."""
        if not self.can(action):
            raise InvalidTransition(
                _("Ticket %(number)s is %(status)s; it cannot be %(action)s.")
                % {"number": self.number, "status": self.get_status_display(), "action": ACTION_LABELS[action]}
            )
        return self.TRANSITIONS[action][1]

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.CALLED, self.Status.SERVING)

    @property
    def waited_minutes(self) -> float | None:
        if self.called_at is None:
            return None
        return (self.called_at - self.issued_at).total_seconds() / 60


ACTION_LABELS = {
    "call": pgettext_lazy("ticket action", "called"),
    "recall": pgettext_lazy("ticket action", "recalled"),
    "start": pgettext_lazy("ticket action", "started"),
    "complete": pgettext_lazy("ticket action", "completed"),
    "no_show": pgettext_lazy("ticket action", "marked as a no-show"),
    "requeue": pgettext_lazy("ticket action", "put back in the queue"),
    "transfer": pgettext_lazy("ticket action", "transferred"),
    "cancel": pgettext_lazy("ticket action", "cancelled"),
    "expire": pgettext_lazy("ticket action", "expired"),
    "prioritise": pgettext_lazy("ticket action", "given priority"),
}


class Event(models.Model):
    """The audit trail: one row per change of a ticket or a desk. Append-only."""

    class Kind(models.TextChoices):
        TICKET_ISSUED = "ticket.issued", _("ticket issued")
        TICKET_CALLED = "ticket.called", _("ticket called")
        TICKET_RECALLED = "ticket.recalled", _("ticket recalled")
        TICKET_STARTED = "ticket.started", _("service started")
        TICKET_COMPLETED = "ticket.completed", _("service completed")
        TICKET_NO_SHOW = "ticket.no_show", _("no-show")
        TICKET_REQUEUED = "ticket.requeued", _("requeued")
        TICKET_TRANSFERRED = "ticket.transferred", _("transferred")
        TICKET_CANCELLED = "ticket.cancelled", _("cancelled by the citizen")
        TICKET_EXPIRED = "ticket.expired", _("expired at the day change")
        TICKET_PRIORITISED = "ticket.prioritised", _("priority set by staff")
        DESK_OPENED = "desk.opened", _("desk opened")
        DESK_PAUSED = "desk.paused", _("desk paused")
        DESK_RESUMED = "desk.resumed", _("desk resumed")
        DESK_CLOSED = "desk.closed", _("desk closed")
        NOTICE_ISSUED = "notice.issued", _("missing-documents notice issued")
        NOTICE_REDEEMED = "notice.redeemed", _("missing-documents notice redeemed")
        CHECKLIST_PUBLISHED = "checklist.published", _("checklist published")
        # The opening calendar
        CALENDAR_IMPORTED = "calendar.imported", _("public holidays imported")
        # Appointments (预约)
        APPOINTMENT_BOOKED = "appointment.booked", _("appointment booked")
        APPOINTMENT_CANCELLED = "appointment.cancelled", _("appointment cancelled")
        APPOINTMENT_CHECKED_IN = "appointment.checked_in", _("appointment checked in")
        APPOINTMENT_MISSED = "appointment.missed", _("appointment missed")
        # Help at the kiosk (长辈模式 and help requests)
        HELP_REQUESTED = "help.requested", _("help requested at a kiosk")
        HELP_TAKEN = "help.taken", _("help request taken by an officer")

    class ActorKind(models.TextChoices):
        SYSTEM = "system", _("system")
        KIOSK = "kiosk", _("kiosk")
        CITIZEN = "citizen", _("citizen")
        OFFICER = "officer", _("officer")
        DEVICE = "device", _("desk device")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="events")
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    desk = models.ForeignKey(Desk, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    actor_kind = models.CharField(_("by"), max_length=10, choices=ActorKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    device = models.ForeignKey(DeskToken, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.ForeignKey(Reason, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The reason's label at the time, so renaming a reason does not rewrite history.
    reason_text = models.CharField(_("reason"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    version = models.BigIntegerField(_("site version"))
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["site", "-created_at"], name="event_site_time_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("Events are append-only.")


class CallLatency(models.Model):
    """How long one screen took to show one call, from the broadcast to its acknowledgement.

    Telemetry, not queue state: written in batches by `queueing.screens`, with
    no Event and no version bump.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("service day"))
    call = models.PositiveBigIntegerField(_("call event"))
    screen = models.CharField(_("screen"), max_length=40, blank=True)
    milliseconds = models.PositiveIntegerField(_("milliseconds"))
    acked_at = models.DateTimeField(_("acknowledged at"))

    class Meta:
        verbose_name = _("call latency")
        verbose_name_plural = _("call latencies")
        # The day's percentiles are read in order of the latency.
        indexes = [models.Index(fields=["site", "day", "milliseconds"], name="latency_site_day_ms_idx")]

    def __str__(self) -> str:
        return f"{self.call} on {self.screen}: {self.milliseconds} ms"


def new_help_token() -> str:
    return secrets.token_urlsafe(16)


class HelpRequest(models.Model):
    """A citizen at a kiosk asked for a member of staff ("请工作人员协助").

    Raised by the kiosk, shown on every desk page of the site until the first
    officer takes it; how long it waited is what the supervisor sees.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("waiting for staff")
        TAKEN = "taken", _("taken by an officer")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="help_requests")
    # The kiosk's screen name (`?screen=2号取号机`, as in the desks' screens list).
    kiosk = models.CharField(_("kiosk"), max_length=40)
    # The kiosk follows its request by this token; the id alone is guessable.
    token = models.CharField(max_length=32, unique=True, default=new_help_token, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    raised_at = models.DateTimeField(_("raised"))
    taken_at = models.DateTimeField(_("taken"), null=True, blank=True)
    desk = models.ForeignKey(Desk, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["site", "raised_at"]
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        indexes = [models.Index(fields=["site", "status", "raised_at"], name="help_site_status_idx")]

    def __str__(self) -> str:
        return f"{self.kiosk} {self.raised_at:%Y-%m-%d %H:%M}"

    @property
    def answer_seconds(self) -> int | None:
        if self.taken_at is None:
            return None
        return int((self.taken_at - self.raised_at).total_seconds())
