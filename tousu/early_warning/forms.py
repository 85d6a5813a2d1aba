"""The early-warning pages' forms: the care pages (the faults' filters, a care list's filter,
the outcome of a call) and the incident pages (R10.4: open one, add complaints, a statement
version, a media entry, the common remedy, the after-action review)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tousu.accounts.models import Department, Region, User
from tousu.accounts.permissions import INCIDENT_OPEN_ROLES
from tousu.complaints.choices import Cause, Finding
from tousu.core import clock
from tousu.core.errors import date_range_message
from tousu.core.forms import LocalNameChoiceField
from tousu.early_warning.choices import (
    CARE_OUTCOMES,
    CareStatus,
    FaultKind,
    IncidentLevel,
    MediaTone,
)
from tousu.early_warning.selectors import FaultFilters
from tousu.resolution.choices import RemedyType

_ANY = [("", _("Any"))]


class FaultFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_ANY + FaultKind.choices)
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[*_ANY, ("ongoing", _("Ongoing")), ("ended", _("Ended"))],
    )
    region = forms.ChoiceField(label=_("Region"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        regions = Region.objects.order_by("code").values_list("code", "name")
        self.fields["region"].choices = _ANY + list(regions)  # type: ignore[attr-defined]

    def filters(self) -> FaultFilters:
        self.is_valid()  # invalid fields are left out; the valid ones still filter
        data = getattr(self, "cleaned_data", {})
        return FaultFilters(
            kind=data.get("kind", ""), state=data.get("state", ""), region=data.get("region", "")
        )


class CareFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_ANY + CareStatus.choices)

    def status_value(self) -> str:
        return self.cleaned_data.get("status", "") if self.is_valid() else ""


class CareRecordForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(s.value, s.label) for s in CARE_OUTCOMES],
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        # One line: the list shows a form per customer, and a call's note is a sentence.
        widget=forms.TextInput(
            attrs={"placeholder": _("What the customer was told, how they took it")}
        ),
    )


NUMBERS_HELP = _("Complaint numbers, separated by spaces, commas or new lines.")


def numbers_of(text: str) -> list[str]:
    return [n for n in re.split(r"[\s,，、;；]+", text or "") if n]


class IncidentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    level = forms.ChoiceField(label=_("Level"), choices=IncidentLevel.choices)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    terms = forms.CharField(
        label=_("Terms"),
        required=False,
        help_text=_(
            "Words its complaints use. New complaints of its slice that use one are proposed "
            "as children."
        ),
    )
    numbers = forms.CharField(
        label=_("Complaints"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=NUMBERS_HELP,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            is_active=True, role__in=INCIDENT_OPEN_ROLES
        ).order_by("username")


class NumbersForm(forms.Form):
    numbers = forms.CharField(
        label=_("Complaints"), widget=forms.Textarea(attrs={"rows": 2}), help_text=NUMBERS_HELP
    )


class StatementForm(forms.Form):
    text = forms.CharField(
        label=_("Statement"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class MediaForm(forms.Form):
    outlet = forms.CharField(label=_("Outlet or platform"), max_length=100)
    at = forms.DateTimeField(
        label=_("Published at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    tone = forms.ChoiceField(label=_("Tone"), choices=MediaTone.choices)
    reach = forms.IntegerField(
        label=_("Reach"), required=False, min_value=0, max_value=2_000_000_000
    )
    link = forms.URLField(label=_("Link"), required=False, max_length=500, assume_scheme="https")
    summary = forms.CharField(
        label=_("Summary"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def clean_at(self) -> dt.datetime:
        moment: dt.datetime = self.cleaned_data["at"]
        if not clock.moment_in_range(moment):
            raise forms.ValidationError(date_range_message(clock.earliest_day(), clock.LATEST_DAY))
        return moment


class ResolveForm(forms.Form):
    finding = forms.ChoiceField(label=_("Finding"), choices=Finding.choices)
    cause = forms.ChoiceField(label=_("Cause"), choices=Cause.choices)
    responsible_department = LocalNameChoiceField(
        label=_("Responsible department"), queryset=Department.objects.all(), to_field_name="code"
    )
    remedy_type = forms.ChoiceField(
        label=_("Common remedy"), required=False, choices=[("", "—"), *RemedyType.choices]
    )
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), required=False, min_value=0, max_digits=9, decimal_places=2
    )
    note = forms.CharField(label=_("Remedy note"), required=False, max_length=200)


class ReviewForm(forms.Form):
    cause = forms.CharField(
        label=_("Root cause"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    went_well = forms.CharField(
        label=_("What went well"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    to_improve = forms.CharField(
        label=_("What to improve"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    follow_up = forms.CharField(
        label=_("Follow-up actions"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
