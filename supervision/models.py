"""Supervision: the citizens' ratings (好差评), follow-up cases of bad ratings, and complaints.

Rows change only through `supervision.services`. A rating copies the desk,
officer, business type and service day of its ticket, so the report groups
ratings without joining tickets, and a later change of a desk's officer
never moves a rating to someone else. Case actions and complaint replies are
append-only records: what the supervisor did, when and by whom, is never
rewritten.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from queueing.models import BusinessType, Desk, Site, Ticket

COMMENT_MAX = 500
COMPLAINT_MAX = 2000
# 不满意 and 非常不满意 open a follow-up case; 满意 and 非常满意 count as satisfied.
BAD_AT_MOST = 2
SATISFIED_AT_LEAST = 4


class Score(models.IntegerChoices):
    """The five levels of the national 好差评 scale."""

    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    BASICALLY_SATISFIED = 3, _("Basically satisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


class BadReason(models.TextChoices):
    """The short list a citizen picks from when the rating is bad."""

    NONE = "", _("none")
    LONG_WAIT = "long_wait", _("Waited too long")
    ATTITUDE = "attitude", _("Unfriendly attitude")
    UNCLEAR = "unclear", _("Unclear about what to bring; must come again")
    SLOW = "slow", _("Slow handling")
    OTHER = "other", _("Other")


class Rating(models.Model):
    class Channel(models.TextChoices):
        PHONE = "phone", _("phone page")
        TABLET = "tablet", _("rating tablet at the desk")

    # One rating per ticket: the unique key is the backstop for the row lock in the service.
    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, related_name="rating")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    desk = models.ForeignKey(Desk, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    business_type = models.ForeignKey(BusinessType, on_delete=models.PROTECT, related_name="+")
    service_day = models.DateField(_("service day"))
    overall = models.PositiveSmallIntegerField(_("overall satisfaction"), choices=Score.choices)
    efficiency = models.PositiveSmallIntegerField(_("efficiency"), choices=Score.choices, null=True, blank=True)
    skill = models.PositiveSmallIntegerField(_("skill"), choices=Score.choices, null=True, blank=True)
    attitude = models.PositiveSmallIntegerField(_("attitude"), choices=Score.choices, null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=BadReason.choices, blank=True, default="")
    comment = models.CharField(_("comment"), max_length=COMMENT_MAX, blank=True)
    # For the supervisor's call-back only: never on a public page or in a public answer.
    phone = models.CharField(_("call-back number"), max_length=20, blank=True)
    channel = models.CharField(_("given on"), max_length=10, choices=Channel.choices)
    address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    created_at = models.DateTimeField(_("rated at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(condition=Q(overall__gte=1, overall__lte=5), name="rating_overall_1_to_5"),
        ]
        indexes = [models.Index(fields=["site", "service_day"], name="rating_site_day_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.overall}"

    @property
    def is_bad(self) -> bool:
        return self.overall <= BAD_AT_MOST


class FollowUpCase(models.Model):
    """A bad rating's follow-up (差评整改): call-back, fix, closed, due in 15 working days."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("follow-up case", "open")
        CLOSED = "closed", pgettext_lazy("follow-up case", "closed")

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="case")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("opened"))
    due_on = models.DateField(_("due on"))
    called_back_at = models.DateTimeField(_("called back"), null=True, blank=True)
    callback_note = models.CharField(_("call-back note"), max_length=COMMENT_MAX, blank=True)
    fixed_at = models.DateTimeField(_("fix recorded"), null=True, blank=True)
    fix_note = models.CharField(_("fix"), max_length=COMMENT_MAX, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("follow-up case")
        verbose_name_plural = _("follow-up cases")
        indexes = [models.Index(fields=["site", "status", "due_on"], name="case_site_status_due_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

    def is_overdue(self, today: Any) -> bool:
        """Still open after its due day (the due day itself is in time)."""
        return self.status == self.Status.OPEN and today > self.due_on


class CaseAction(models.Model):
    """One step of a case, append-only: the case's own audit trail."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("opened")
        CALLED_BACK = "called_back", _("call-back recorded")
        FIXED = "fixed", _("fix recorded")
        CLOSED = "closed", _("closed")

    case = models.ForeignKey(FollowUpCase, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=COMMENT_MAX, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("case action")
        verbose_name_plural = _("case actions")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Case actions are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("Case actions are append-only.")


class Complaint(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("new")
        HANDLING = "handling", _("being handled")
        RESOLVED = "resolved", _("resolved")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    desk = models.ForeignKey(Desk, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    visit_date = models.DateField(_("date of the visit"), null=True, blank=True)
    text = models.TextField(_("complaint"), max_length=COMPLAINT_MAX)
    contact_name = models.CharField(_("name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [models.Index(fields=["site", "created_at"], name="complaint_site_time_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"


class ComplaintReply(models.Model):
    """The supervisor's record of handling a complaint (reply, status change). Append-only."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="replies")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("reply"), max_length=COMPLAINT_MAX)
    status = models.CharField(_("status afterwards"), max_length=10, choices=Complaint.Status.choices)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("complaint reply")
        verbose_name_plural = _("complaint replies")

    def __str__(self) -> str:
        return f"{self.complaint_id} → {self.status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Complaint replies are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("Complaint replies are append-only.")
