"""Forms of the supervision pages and the public complaint form (validation only; services write)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from queueing.models import Site
from supervision.models import COMMENT_MAX, COMPLAINT_MAX, Complaint

MAX_RANGE_DAYS = 366


class RangeForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        end = data.get("end") or self.today
        start = data.get("start") or end.replace(day=1)
        if start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        if (end - start).days >= MAX_RANGE_DAYS:
            raise forms.ValidationError(_("Choose at most a year."))
        data["start"], data["end"] = start, end
        return data


class AuditFilterForm(forms.Form):
    ticket = forms.CharField(label=_("Ticket"), required=False, max_length=12)
    desk = forms.IntegerField(label=_("Desk"), required=False, min_value=1, max_value=32767)
    officer = forms.CharField(label=_("Officer (user name)"), required=False, max_length=150)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ComplaintForm(forms.Form):
    text = forms.CharField(
        label=_("What happened?"),
        max_length=COMPLAINT_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": COMPLAINT_MAX}),
    )
    desk = forms.TypedChoiceField(label=_("Desk (optional)"), required=False, coerce=int, empty_value=None)
    visit_date = forms.DateField(
        label=_("Date of the visit (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    contact_name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=50)
    contact_phone = forms.CharField(
        label=_("Phone number for our reply (optional)"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args: Any, site: Site, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        desks = [(d.number, str(d)) for d in site.desks.order_by("number")]
        self.fields["desk"].choices = [("", _("I don't know / not at a desk")), *desks]  # type: ignore[attr-defined]


class CaseActionForm(forms.Form):
    ACTIONS = [("callback", _("Record the call-back")), ("fix", _("Record the fix")), ("close", _("Close the case"))]
    action = forms.ChoiceField(choices=ACTIONS)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply or what was done"), max_length=COMPLAINT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    status = forms.ChoiceField(
        label=_("Status afterwards"),
        choices=[(Complaint.Status.HANDLING, _("being handled")), (Complaint.Status.RESOLVED, _("resolved"))],
    )
