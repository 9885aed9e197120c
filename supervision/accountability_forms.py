"""Forms of the accountability pages (validation only; `supervision.accountability` writes)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from queueing.models import Desk, Site
from supervision.models import (
    COMMENT_MAX,
    COMPLAINT_MAX,
    AccountabilitySettings,
    Behaviour,
    ComplaintFinding,
    Inspection,
    InspectionItem,
)


def officer_choices(site: Site) -> list[tuple[Any, str]]:
    users = User.objects.filter(staff__site=site, is_active=True).select_related("staff").order_by("username")
    return [(u.pk, f"{u.get_full_name() or u.username} {u.staff.police_number}".strip()) for u in users]


class SettingsForm(forms.ModelForm):  # type: ignore[type-arg]
    names_public = forms.BooleanField(
        label=_("Officers' names are public (otherwise police numbers only)"), required=False
    )

    class Meta:
        model = AccountabilitySettings
        fields = [
            "rank_publicly",
            "target_wait_minutes",
            "complaint_phone",
            "weight_satisfaction",
            "weight_wait",
            "upheld_points",
            "partly_points",
            "minor_points",
            "serious_points",
            "grave_points",
            "overdue_case_points",
        ]


class InspectionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Inspection.Kind.choices, widget=forms.RadioSelect)
    inspected_at = forms.DateTimeField(
        label=_("Date and time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    desk = forms.TypedChoiceField(label=_("Desk"), coerce=int, required=False, empty_value=None)
    officer = forms.TypedChoiceField(label=_("Officer"), coerce=int, required=False, empty_value=None)
    items = forms.ModelMultipleChoiceField(
        label=_("What was checked"),
        queryset=InspectionItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=Inspection.Severity.choices)
    findings = forms.CharField(
        label=_("Findings"), required=False, max_length=COMPLAINT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    behaviour = forms.ChoiceField(label=_("Behaviour"), choices=Behaviour.choices, required=False)
    action = forms.CharField(label=_("Action taken"), required=False, max_length=COMMENT_MAX)
    deadline = forms.DateField(
        label=_("Rectify by (empty: 10 working days)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, site: Site, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        desks = [(d.number, str(d)) for d in Desk.objects.filter(site=site).order_by("number")]
        self.fields["desk"].choices = [("", "—"), *desks]  # type: ignore[attr-defined]
        self.fields["officer"].choices = [("", "—"), *officer_choices(site)]  # type: ignore[attr-defined]
        self.fields["items"].queryset = InspectionItem.objects.filter(site=site, active=True)  # type: ignore[attr-defined]


class RectificationForm(forms.Form):
    note = forms.CharField(
        label=_("What was put right"), max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class FindingForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Finding"), choices=ComplaintFinding.Outcome.choices)
    reason = forms.CharField(label=_("Reason"), max_length=COMPLAINT_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    behaviour = forms.ChoiceField(label=_("Behaviour"), choices=Behaviour.choices, required=False)
    officer = forms.TypedChoiceField(label=_("Officer concerned"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, site: Site, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].choices = [("", "—"), *officer_choices(site)]  # type: ignore[attr-defined]


class CorrectionForm(forms.Form):
    row = forms.CharField(max_length=40)
    column = forms.ChoiceField(label=_("Figure"), choices=[])
    value = forms.FloatField(label=_("Corrected value"))
    reason = forms.CharField(label=_("Reason"), max_length=COMMENT_MAX)

    def __init__(self, *args: Any, columns: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["column"].choices = columns  # type: ignore[attr-defined]
