from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tousu.classification.models import Category
from tousu.complaints.forms import ActionForm, category_choices


def _category(code: str) -> Category:
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        raise forms.ValidationError(_("Choose a category."))
    return category


class CategoriseForm(ActionForm):
    """Set or correct the category of a complaint (complaint page)."""

    category = forms.ChoiceField(label=_("Category"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(_("Choose a category"))  # type: ignore[attr-defined]
        if self.complaint.category is not None:
            self.fields["category"].initial = self.complaint.category.code

    def clean_category(self) -> Category:
        return _category(self.cleaned_data["category"])


class TriageForm(forms.Form):
    """One row of the triage queue: which complaint, which category."""

    number = forms.CharField(max_length=32, widget=forms.HiddenInput)
    category = forms.ChoiceField(label=_("Category"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(_("Choose a category"))  # type: ignore[attr-defined]

    def clean_category(self) -> Category:
        return _category(self.cleaned_data["category"])
