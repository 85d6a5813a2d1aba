"""The alerts page (R10.1): ongoing spikes first, then the period's, each with its terms, sample
complaints and a link to the slice's complaints in the alert's window."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.accounts.views import staff
from tousu.core import clock
from tousu.core.errors import DomainError
from tousu.early_warning import selectors
from tousu.early_warning.models import Alert
from tousu.early_warning.services import alert_acknowledge

PERIOD_DAYS = 30


def _viewer(request: HttpRequest) -> User:
    user = staff(request)
    if not permissions.can_view_dashboard(user):
        raise PermissionDenied
    return user


def _list_url(row: dict[str, Any], **extra: str) -> str:
    """The complaint list, filtered to the alert's slice and the days of its window."""
    alert: Alert = row["alert"]
    query = {
        **row["slice"],
        "received_from": clock.local(alert.window_start).date().isoformat(),
        "received_to": clock.local(alert.last_seen_at).date().isoformat(),
        **extra,
    }
    return f"{reverse('desk:list')}?{urlencode(query)}"


def with_links(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        row["list_url"] = _list_url(row)
        row["term_links"] = [(t, _list_url(row, q=t)) for t in row["terms"]]
    return rows


@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    _viewer(request)
    since = clock.now() - dt.timedelta(days=PERIOD_DAYS)
    ongoing = with_links(selectors.alert_rows(selectors.alerts().filter(ended_at__isnull=True)))
    ended = with_links(
        selectors.alert_rows(selectors.alerts(start=since).filter(ended_at__isnull=False)[:200])
    )
    return render(
        request,
        "early_warning/alerts.html",
        {"ongoing": ongoing, "ended": ended, "days": PERIOD_DAYS},
    )


@require_POST
def alert_ack(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request)
    alert = get_object_or_404(Alert, pk=pk)
    try:
        alert_acknowledge(alert=alert, actor=user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Alert acknowledged"))
    return redirect("early_warning:alerts")
