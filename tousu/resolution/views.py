"""Staff pages of resolution: the consistency report (R6.3)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.core.forms import DayField
from tousu.resolution.selectors import consistency_report

# The report covers the last 30 days unless asked otherwise.
DEFAULT_DAYS = 30


class PeriodForm(forms.Form):
    from_ = DayField(label=_("From date"), required=False)
    to = DayField(label=_("To date"), required=False)

    def __init__(self, data: dict[str, str]) -> None:
        # `from` is a Python keyword: the query string keeps the API's name.
        renamed = {("from_" if k == "from" else k): v for k, v in data.items()}
        super().__init__(renamed)

    def period(self) -> tuple[dt.date, dt.date]:
        today = clock.local_today()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("to") or today
        start = data.get("from_") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        return (start, end) if start <= end else (end, start)


def consistency(request: HttpRequest) -> HttpResponse:
    """Per clause, outcomes by channel and department, the flagged outliers and the trend."""
    user = request.user
    assert isinstance(user, User)
    if not permissions.can_view_consistency(user):
        raise PermissionDenied
    form = PeriodForm(request.GET.dict())
    start, end = form.period()
    report = consistency_report(
        user,
        dt.datetime.combine(start, dt.time(), tzinfo=SHANGHAI),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI),
    )
    return render(
        request,
        "resolution/consistency.html",
        {"form": form, "start": start, "end": end, "report": report},
    )
