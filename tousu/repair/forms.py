"""The repair pages' forms: the list's filters, a step or contact, the close form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tousu.repair.choices import ContactOutcome, RepairSource, RepairStatus, RepairType
from tousu.repair.selectors import CaseFilters

_ANY = [("", _("Any"))]


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("active", _("Open or in progress")), *RepairStatus.choices, ("", _("Any"))],
    )
    type = forms.ChoiceField(label=_("Type"), required=False, choices=_ANY + RepairType.choices)
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=_ANY + RepairSource.choices
    )
    mine = forms.BooleanField(label=_("Mine"), required=False)

    def filters(self) -> CaseFilters:
        self.is_valid()  # invalid fields are left out; the valid ones still filter
        data = getattr(self, "cleaned_data", {})
        # Without a status asked, the cases still to repair.
        status = data.get("status", "") if "status" in self.data else "active"
        return CaseFilters(
            status=status,
            type=data.get("type", ""),
            source=data.get("source", ""),
            mine=bool(data.get("mine")),
        )


class ActionForm(forms.Form):
    step = forms.CharField(required=False, widget=forms.HiddenInput)
    contact_outcome = forms.ChoiceField(
        label=_("Contact result"),
        required=False,
        choices=[("", _("No contact")), *ContactOutcome.choices],
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CloseForm(forms.Form):
    satisfaction_after = forms.TypedChoiceField(
        label=_("Customer's satisfaction now"),
        coerce=int,
        choices=[(str(i), str(i)) for i in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    outcome = forms.CharField(
        label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
