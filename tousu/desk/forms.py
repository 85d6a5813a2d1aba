"""Forms of the complaint pages. They parse what people type into the arguments of a service;
the services validate the business rules, and `apply_domain_error` puts what they refuse back
on the form, next to the field it concerns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tousu.accounts.models import Department, Region
from tousu.classification.forms import category_choices, category_from_code
from tousu.classification.models import Category
from tousu.complaints.choices import Channel, Level, Status, TimeLeft
from tousu.complaints.selectors import ComplaintFilters
from tousu.core.api import parse_time_bound
from tousu.core.forms import DayField, blank
from tousu.core.templatetags.tousu_ui import local_name
from tousu.core.text import normalise_phone


def local_date_bound(day: dt.date | None, field: str, *, end: bool = False) -> dt.datetime | None:
    return parse_time_bound(day.isoformat(), field, end=end) if day else None


# ---- the complaint list ---------------------------------------------------------------------


class ComplaintFilterForm(forms.Form):
    """The list page's filters (GET); every field optional."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Words in the text")}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    received_from = DayField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = DayField(
        label=_("Received to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    customer_phone = forms.CharField(
        label=_("Customer phone"),
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    time_left = forms.ChoiceField(label=_("Time left"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    repeat = forms.BooleanField(label=_("Repeat complaints only"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        any_value = _("All")
        fields = self.fields
        fields["status"].choices = blank(any_value) + list(Status.choices)  # type: ignore[attr-defined]
        fields["category"].choices = category_choices(any_value)  # type: ignore[attr-defined]
        fields["channel"].choices = blank(any_value) + list(Channel.choices)  # type: ignore[attr-defined]
        fields["level"].choices = blank(any_value) + list(Level.choices)  # type: ignore[attr-defined]
        fields["time_left"].choices = blank(any_value) + list(TimeLeft.choices)  # type: ignore[attr-defined]
        fields["department"].choices = blank(any_value) + [  # type: ignore[attr-defined]
            (d.code, local_name(d)) for d in Department.objects.filter(active=True)
        ]
        fields["region"].choices = blank(any_value) + [  # type: ignore[attr-defined]
            (r.code, local_name(r)) for r in Region.objects.all()
        ]

    def clean_customer_phone(self) -> str:
        value = self.cleaned_data["customer_phone"].strip()
        if value and normalise_phone(value) is None:
            raise forms.ValidationError(_("Not a valid phone number."))
        return normalise_phone(value) or ""

    def filters(self) -> ComplaintFilters:
        """The filters from the fields that are valid; call after `is_valid()`."""
        data = self.cleaned_data
        return ComplaintFilters(
            status=data.get("status", ""),
            category=data.get("category", ""),
            channel=data.get("channel", ""),
            level=data.get("level", ""),
            department=data.get("department", ""),
            region=data.get("region", ""),
            overdue=data.get("overdue", False),
            time_left=data.get("time_left", ""),
            repeat=data.get("repeat", False),
            received_from=local_date_bound(data.get("received_from"), "received_from"),
            received_to=local_date_bound(data.get("received_to"), "received_to", end=True),
            customer_phone=data.get("customer_phone", ""),
            q=data.get("q", "").strip(),
        )


# ---- actions on the complaint page ----------------------------------------------------------


class TriageForm(forms.Form):
    """One row of the triage queue: which complaint, which category."""

    number = forms.CharField(max_length=32, widget=forms.HiddenInput)
    category = forms.ChoiceField(label=_("Category"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(_("Choose a category"))  # type: ignore[attr-defined]

    def clean_category(self) -> Category:
        return category_from_code(self.cleaned_data["category"])
