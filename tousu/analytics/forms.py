"""The dashboard's filters (GET): a period of Asia/Shanghai days and a slice by codes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tousu.accounts.models import Department, Region
from tousu.analytics.selectors import KpiFilters
from tousu.classification.forms import category_choices
from tousu.complaints.choices import Channel
from tousu.core.forms import DayField, blank
from tousu.core.templatetags.tousu_ui import local_name

# The default period: the last 30 days, today included.
DEFAULT_DAYS = 30
# The longest period the dashboard draws day by day.
MAX_DAYS = 731


class DashboardForm(forms.Form):
    """Every field optional; `period()` and `filters()` answer from the valid ones."""

    department = forms.ChoiceField(label=_("Department"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        # `from` and `to` (as on the other report pages) are not Python names: added here.
        self.fields = {
            "from": DayField(
                label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
            ),
            "to": DayField(
                label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
            ),
            **self.fields,
        }
        any_value = _("All")
        fields = self.fields
        fields["department"].choices = blank(any_value) + [  # type: ignore[attr-defined]
            (d.code, local_name(d)) for d in Department.objects.filter(active=True)
        ]
        fields["region"].choices = blank(any_value) + [  # type: ignore[attr-defined]
            (r.code, local_name(r)) for r in Region.objects.all()
        ]
        fields["channel"].choices = blank(any_value) + list(Channel.choices)  # type: ignore[attr-defined]
        fields["category"].choices = category_choices(any_value)  # type: ignore[attr-defined]

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
        """The first and last day: as given (a missing end is today, a missing start 30 days
        before the end); the last 30 days when none is given or the dates are not valid."""
        data = getattr(self, "cleaned_data", {})
        start, end = data.get("from"), data.get("to")
        valid = not self.errors.get("from") and not self.errors.get("to")
        if valid and (start or end):
            end = end or self.today
            start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
            if start <= end and (end - start).days + 1 <= MAX_DAYS:
                return start, end
        return self.today - dt.timedelta(days=DEFAULT_DAYS - 1), self.today

    def filters(self) -> KpiFilters:
        data = getattr(self, "cleaned_data", {})
        return KpiFilters(
            **{
                name: data.get(name) or None
                for name in ("department", "region", "channel", "category")
            }
        )

    def names(self, field: str) -> dict[str, str]:
        """Code → name in the reader's language, from the field's choices (no query)."""
        choices = self.fields[field].choices  # type: ignore[attr-defined]
        return {str(code): str(label).strip("\u3000") for code, label in choices if code}
