"""The repair pages' forms: the list's filters, a step or contact, the close form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tousu.accounts.models import User
from tousu.repair.choices import ContactOutcome, RepairSource, RepairStatus, RepairType
from tousu.repair.models import RepairCase
from tousu.repair.selectors import CaseFilters, case_owners

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
    unassigned = forms.BooleanField(label=_("Unassigned"), required=False)
    # The owner department (a code), from the link to a department's unassigned cases.
    department = forms.SlugField(required=False, widget=forms.HiddenInput)

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
            unassigned=bool(data.get("unassigned")),
            department=data.get("department", ""),
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


class OwnerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj} ({obj.get_role_display()})"


class AssignForm(forms.Form):
    """The owner of a case, among the back office of its owner department."""

    owner = OwnerChoice(
        label=_("Owner"),
        queryset=User.objects.none(),
        empty_label=_("Choose…"),
        error_messages={
            "required": _("Choose who owns the case"),
            "invalid_choice": _("The owner must be of the case's department"),
        },
    )

    def __init__(self, case: RepairCase, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["owner"]
        assert isinstance(field, OwnerChoice)
        field.queryset = case_owners(case)
