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


# --- Accountability: 警务公开, 明察暗访, complaint findings and the monthly 评议 ----------------


class Behaviour(models.TextChoices):
    """The behaviour a finding names: the four the station promised to root out, or another."""

    NONE = "", _("none named")
    COLD = "cold", _("冷 cold (indifferent)")
    HARD = "hard", _("硬 hard (rigid)")
    HARSH = "harsh", _("横 harsh (overbearing)")
    SHIRK = "shirk", _("推 shirking (passing the citizen on)")
    OTHER = "other", _("other")


class AccountabilitySettings(models.Model):
    """What a site's supervisor decides about the public page and the monthly score (defaults documented)."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="+")
    rank_publicly = models.BooleanField(_("rank officers publicly"), default=False)
    target_wait_minutes = models.PositiveSmallIntegerField(_("the wait we aim at (minutes)"), default=20)
    complaint_phone = models.CharField(_("supervision phone (监督电话)"), max_length=30, blank=True)
    weight_satisfaction = models.PositiveSmallIntegerField(_("weight of satisfaction"), default=60)
    weight_wait = models.PositiveSmallIntegerField(_("weight of waiting time"), default=40)
    upheld_points = models.PositiveSmallIntegerField(_("points off per upheld complaint"), default=10)
    partly_points = models.PositiveSmallIntegerField(_("points off per partly upheld complaint"), default=5)
    minor_points = models.PositiveSmallIntegerField(_("points off per minor inspection finding"), default=2)
    serious_points = models.PositiveSmallIntegerField(_("points off per serious inspection finding"), default=5)
    grave_points = models.PositiveSmallIntegerField(_("points off per grave inspection finding"), default=10)
    overdue_case_points = models.PositiveSmallIntegerField(_("points off per overdue bad-rating case"), default=2)

    class Meta:
        verbose_name = _("accountability settings")
        verbose_name_plural = _("accountability settings")

    def __str__(self) -> str:
        return str(self.site)


class InspectionItem(models.Model):
    """What an inspection checks (着装警容, 文明用语 …): the site's own list."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=50, blank=True)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["site", "position", "pk"]
        verbose_name = _("inspection item")
        verbose_name_plural = _("inspection items")

    def __str__(self) -> str:
        return self.name


class Inspection(models.Model):
    """An inspection (明察暗访) of a desk and its officer, its findings and their rectification."""

    class Kind(models.TextChoices):
        OPEN = "open", _("open inspection (明察)")
        COVERT = "covert", _("covert inspection (暗访)")

    class Severity(models.TextChoices):
        NONE = "none", _("nothing found")
        MINOR = "minor", _("minor")
        SERIOUS = "serious", _("serious")
        GRAVE = "grave", _("grave")

    class Status(models.TextChoices):
        RECORDED = "recorded", _("awaiting acknowledgement")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        RECTIFIED = "rectified", _("rectified")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    inspected_at = models.DateTimeField(_("date and time"))
    desk = models.ForeignKey(Desk, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    items = models.ManyToManyField(InspectionItem, blank=True, related_name="+", verbose_name=_("checked"))
    findings = models.TextField(_("findings"), max_length=COMPLAINT_MAX, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.NONE)
    behaviour = models.CharField(_("behaviour"), max_length=10, choices=Behaviour.choices, blank=True, default="")
    action = models.CharField(_("action taken"), max_length=COMMENT_MAX, blank=True)
    deadline = models.DateField(_("rectify by"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.RECORDED)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledgement = models.CharField(_("officer's note"), max_length=COMMENT_MAX, blank=True)
    rectified_at = models.DateTimeField(_("rectification confirmed"), null=True, blank=True)
    rectification = models.CharField(_("rectification"), max_length=COMMENT_MAX, blank=True)

    class Meta:
        ordering = ["-inspected_at", "-pk"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        indexes = [models.Index(fields=["site", "inspected_at"], name="inspection_site_time_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def has_finding(self) -> bool:
        return self.severity != self.Severity.NONE

    def is_overdue(self, today: Any) -> bool:
        """Not rectified after its deadline (the deadline day itself is in time), as a follow-up case."""
        return self.status != self.Status.RECTIFIED and self.deadline is not None and today > self.deadline


class ComplaintFinding(models.Model):
    """How a closed complaint was found (查实, partly, unfounded), and about whom. One per complaint."""

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("upheld (查实)")
        PARTLY = "partly", _("partly upheld")
        UNFOUNDED = "unfounded", _("unfounded")

    complaint = models.OneToOneField(Complaint, on_delete=models.PROTECT, related_name="finding")
    outcome = models.CharField(_("finding"), max_length=10, choices=Outcome.choices)
    reason = models.TextField(_("reason"), max_length=COMPLAINT_MAX)
    behaviour = models.CharField(_("behaviour"), max_length=10, choices=Behaviour.choices, blank=True, default="")
    desk = models.ForeignKey(Desk, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)

    class Meta:
        verbose_name = _("complaint finding")
        verbose_name_plural = _("complaint findings")

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.outcome}"


class MonthlyEvaluation(models.Model):
    """A month's 评议 of a site, frozen when closed: `rows` is the record, never recomputed afterwards."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))  # its first day
    rows = models.JSONField(_("figures"), default=list)
    weights = models.JSONField(_("weights"), default=dict)
    closed_at = models.DateTimeField(_("closed"), default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-month"]
        verbose_name = _("monthly evaluation")
        verbose_name_plural = _("monthly evaluations")
        constraints = [models.UniqueConstraint(fields=["site", "month"], name="one_evaluation_per_site_month")]

    def __str__(self) -> str:
        return f"{self.site} {self.month:%Y-%m}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("A closed month is a record: correct it with an EvaluationCorrection.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("A closed month is a record.")


class EvaluationCorrection(models.Model):
    """A later correction of a closed month's figure: recorded as such, next to the frozen value."""

    evaluation = models.ForeignKey(MonthlyEvaluation, on_delete=models.PROTECT, related_name="corrections")
    row = models.CharField(_("row"), max_length=40)  # "officer:<id>" or "desk:<id>"
    column = models.CharField(_("figure"), max_length=40)
    old_value = models.JSONField(_("frozen value"), null=True)
    new_value = models.JSONField(_("corrected value"), null=True)
    reason = models.CharField(_("reason"), max_length=COMMENT_MAX)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("evaluation correction")
        verbose_name_plural = _("evaluation corrections")

    def __str__(self) -> str:
        return f"{self.evaluation} {self.row} {self.column}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Corrections are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("Corrections are append-only.")
