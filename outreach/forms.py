"""Forms of the public request page and the officers' outreach page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from outreach.models import DocumentCase, Reason
from queueing.models import BusinessType, Site
from queueing.roles import OFFICER, SUPERVISOR


class RequestForm(forms.Form):
    business_type = forms.ChoiceField(label=_("Business"))
    reason = forms.ChoiceField(label=_("Why can the person not come to the hall?"), choices=Reason.choices,
                               widget=forms.RadioSelect)  # fmt: skip
    reason_note = forms.CharField(label=_("If other: please explain"), max_length=200, required=False)
    name = forms.CharField(label=_("Name of the person"), max_length=50)
    phone = forms.CharField(label=_("Contact number"), max_length=30,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))  # fmt: skip
    village = forms.CharField(label=_("Village or community"), max_length=200)
    address = forms.CharField(label=_("Address (building, door number)"), max_length=200)
    preferred_days = forms.CharField(label=_("Preferred days (optional)"), max_length=100, required=False)
    note = forms.CharField(
        label=_("Note (optional)"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, site: Site, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        types = BusinessType.objects.filter(site=site, active=True)
        field = self.fields["business_type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(bt.prefix, bt.name) for bt in types]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == Reason.OTHER and not data.get("reason_note"):
            self.add_error("reason_note", _("Please say why the person cannot come."))
        return data


def site_staff(site: Site) -> forms.ModelChoiceField:  # type: ignore[type-arg]
    return forms.ModelChoiceField(
        queryset=User.objects.filter(staff__site=site, is_active=True, groups__name__in=(OFFICER, SUPERVISOR))
        .distinct()
        .order_by("username"),
        required=False,
    )


class ScheduleForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}))
    officer1 = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Officer"))
    officer2 = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Second officer"), required=False)

    def __init__(self, *args: Any, site: Site, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("officer1", "officer2"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = site_staff(site).queryset


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the citizen"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            ("done", _("Done: documents collected, business accepted")),
            ("not_home", _("Not at home")),
            ("revisit", _("Needs another visit")),
            ("window", _("Come to the window (missing documents)")),
        ],
        widget=forms.RadioSelect,
    )
    items = forms.TypedMultipleChoiceField(label=_("Missing documents"), coerce=int, required=False,
                                           widget=forms.CheckboxSelectMultiple)  # fmt: skip
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, items: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["items"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = items


class CaseForm(forms.Form):
    number = forms.CharField(label=_("Ticket number (today)"), max_length=12)
    document = forms.ChoiceField(label=_("Document to make"), choices=DocumentCase.Document.choices)
    expected_date = forms.DateField(label=_("Expected ready"), widget=forms.DateInput(attrs={"type": "date"}))


class DeliveryForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why can the person not come to the hall?"), choices=Reason.choices)
    name = forms.CharField(label=_("Name of the person"), max_length=50)
    phone = forms.CharField(label=_("Contact number"), max_length=30)
    village = forms.CharField(label=_("Village or community"), max_length=200)
    address = forms.CharField(label=_("Address (building, door number)"), max_length=200)
