"""The care pages' forms: the faults' filters, a care list's filter, the outcome of a call."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tousu.accounts.models import Region
from tousu.early_warning.choices import CARE_OUTCOMES, CareStatus, FaultKind
from tousu.early_warning.selectors import FaultFilters

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
