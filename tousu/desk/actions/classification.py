"""Setting or correcting a complaint's category."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.classification.forms import category_choices, category_from_code
from tousu.classification.models import Category
from tousu.complaints.models import Complaint
from tousu.desk.actions.base import Action, ActionForm
from tousu.routing.services import (
    complaint_categorise,
)


class CategoriseForm(ActionForm):
    """Set or correct the category of a complaint (complaint page)."""

    category = forms.ChoiceField(label=_("Category"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(_("Choose a category"))  # type: ignore[attr-defined]
        if self.complaint.category is not None:
            self.fields["category"].initial = self.complaint.category.code

    def clean_category(self) -> Category:
        return category_from_code(self.cleaned_data["category"])


def _categorise(c: Complaint, u: User, f: CategoriseForm) -> str:
    category = f.cleaned_data["category"]
    complaint_categorise(complaint=c, actor=u, category=category)
    return gettext("Category set to %(category)s.") % {"category": category.path_name}


ACTIONS: dict[str, Action] = {
    "categorise": Action(CategoriseForm, permissions.can_categorise, None, _categorise),
}
