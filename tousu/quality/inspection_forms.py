"""The forms of the inspection pages: the scoring sheet (built from the sheet's items), the
appeal and its decision, a calibration round, the list's filters and the scores' period."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tousu.accounts.choices import Role
from tousu.accounts.models import User
from tousu.core.forms import DayField, blank
from tousu.quality.choices import InspectionStatus, SampleReason
from tousu.quality.forms import day_input
from tousu.quality.models import ScoringItem
from tousu.quality.selectors import InspectionFilters

# The longest period of the scores page, in days, and the default (the last 30 days).
MAX_DAYS = 731
DEFAULT_DAYS = 30


def _item_label(item: ScoringItem, english: bool) -> str:
    return item.title_en if english and item.title_en else item.title


class SheetForm(forms.Form):
    """Points for every item of a sheet, as radio buttons 0…max, and a comment per item.
    `required`: every item must be scored (scoring, an upheld appeal)."""

    def __init__(
        self,
        *args: Any,
        items: Sequence[ScoringItem],
        required: bool = True,
        english: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"points_{item.code}"] = forms.TypedChoiceField(
                label=_item_label(item, english),
                choices=[(n, str(n)) for n in range(item.max_points + 1)],
                coerce=int,
                required=required,
                widget=forms.RadioSelect(attrs={"class": "points"}),
            )
            self.fields[f"note_{item.code}"] = forms.CharField(
                label=_("Comment"), required=False, max_length=500
            )

    def rows(self) -> list[tuple[ScoringItem, forms.BoundField, forms.BoundField]]:
        return [(i, self[f"points_{i.code}"], self[f"note_{i.code}"]) for i in self.items]

    def points(self) -> dict[str, int]:
        data = self.cleaned_data
        return {
            i.code: data[f"points_{i.code}"]
            for i in self.items
            if data.get(f"points_{i.code}") not in (None, "")
        }

    def notes(self) -> dict[str, str]:
        data = self.cleaned_data
        return {i.code: data[f"note_{i.code}"] for i in self.items if data.get(f"note_{i.code}")}


class ScoreForm(SheetForm):
    comment = forms.CharField(
        label=_("Overall comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the score is wrong"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecideForm(SheetForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("rejected", _("Reject: the score stands")), ("upheld", _("Uphold: revise"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The points are needed only when upheld: the service says so when they are missing.
        super().__init__(*args, required=False, **kwargs)


class InspectionFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    reason = forms.ChoiceField(label=_("Why sampled"), required=False)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        any_value = _("All")
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            *blank(any_value),
            *InspectionStatus.choices,
            ("appeal", _("Appeal pending")),
        ]
        self.fields["reason"].choices = blank(any_value) + [  # type: ignore[attr-defined]
            c for c in SampleReason.choices if c[0] != SampleReason.CALIBRATION
        ]

    def filters(self) -> InspectionFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return InspectionFilters(
            status=data.get("status", ""),
            reason=data.get("reason", ""),
            mine=bool(data.get("mine")),
        )


class CalibrationForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        required=False,
        help_text=_("Empty: named after its month, in each reader's language"),
    )
    complaints = forms.CharField(
        label=_("Complaint numbers"),
        help_text=_("Resolved or closed complaints, separated by spaces or new lines"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    inspectors = forms.ModelMultipleChoiceField(
        label=_("Inspectors"),
        queryset=User.objects.filter(is_active=True, role=Role.QUALITY).order_by("username"),
        widget=forms.CheckboxSelectMultiple,
    )

    def numbers(self) -> list[str]:
        return [n for n in re.split(r"[\s,，、]+", self.cleaned_data["complaints"]) if n]


class PeriodForm(forms.Form):
    """A period of Asia/Shanghai days (`from`, `to`), the last 30 days by default."""

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields = {
            # ISO dates (day_input): a bare DateInput renders the locale's 2026/11/09, which a
            # date input cannot read — it showed empty and the browser warned.
            "from": DayField(label=_("From date"), required=False, widget=day_input()),
            "to": DayField(label=_("To date"), required=False, widget=day_input()),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from"), data.get("to")
        if start and end:
            if start > end:
                self.add_error("to", _("The end is before the start."))
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("to", _("At most %(days)s days.") % {"days": MAX_DAYS})
        return data

    def period(self) -> tuple[dt.date, dt.date]:
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("to") or self.today
        start = data.get("from") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        if start > end or (end - start).days + 1 > MAX_DAYS:
            return self.today - dt.timedelta(days=DEFAULT_DAYS - 1), self.today
        return start, end
