"""The alerts page (R10.1): ongoing spikes first, then the period's, each with its terms, sample
complaints and a link to the slice's complaints in the alert's window."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.accounts.views import render_with_pii, staff
from tousu.core import clock
from tousu.core.errors import DomainError, NotFound
from tousu.core.web import page_of
from tousu.early_warning import selectors
from tousu.early_warning.choices import CARE_RECORDABLE
from tousu.early_warning.forms import CareFilterForm, CareRecordForm, FaultFilterForm
from tousu.early_warning.models import Alert, Fault
from tousu.early_warning.services import alert_acknowledge, care_item_record

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


# ---- known faults and their care lists (issue 15 item 3) -----------------------------------------
# The customers stay masked; a role that may see personal data shows the page's numbers to
# call with one logged reveal of the page (`fault_reveal`), as the customer page does.

CARE_REVEALED_FIELDS = "phone,name"


def _care_viewer(request: HttpRequest) -> User:
    user = staff(request)
    if not permissions.can_view_care(user):
        raise PermissionDenied
    return user


@require_GET
def care_list(request: HttpRequest) -> HttpResponse:
    user = _care_viewer(request)
    form = FaultFilterForm(request.GET)
    page = page_of(request, selectors.fault_list(user, form.filters()))
    return render(request, "early_warning/care_list.html", {"form": form, "page": page})


def _fault(pk: int) -> Fault:
    try:
        return selectors.get_fault(pk)
    except NotFound:
        raise Http404(str(pk)) from None


def _fault_page(
    request: HttpRequest,
    user: User,
    fault: Fault,
    *,
    revealed: bool = False,
    failed: tuple[int, CareRecordForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    filters = CareFilterForm(request.GET)
    page = page_of(request, selectors.care_items(user, fault, filters.status_value()))
    items = list(page.object_list)
    # A care list reaches customers of other departments' complaints: the 360° page is
    # linked only for those the user may open.
    seen = selectors.customers_seen(user, {item.customer_id for item in items})
    rows = [
        {
            "item": item,
            "linked": item.customer_id in seen,
            "may_record": item.status in CARE_RECORDABLE and permissions.can_act_care(user, item),
            "form": failed[1] if failed and failed[0] == item.pk else CareRecordForm(),
        }
        for item in items
    ]
    context = {
        "fault": fault,
        "page": page,
        "rows": rows,
        "filters": filters,
        "revealed": revealed,
        "can_reveal": permissions.can_view_pii(user) and bool(rows),
        "next_url": reverse("early_warning:fault", args=[fault.pk]),
    }
    return render_with_pii(
        request,
        "early_warning/fault_detail.html",
        context,
        subject=f"fault:{fault.pk}",
        fields=CARE_REVEALED_FIELDS if revealed else "",
        count=len(rows) if revealed else 1,
        status=status,
    )


@require_GET
def fault_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _care_viewer(request)
    return _fault_page(request, user, _fault(pk))


@require_POST
def fault_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The fault's care list with the customers' numbers and names, to call them: for roles
    that may see personal data, logged with the number of customers shown."""
    user = _care_viewer(request)
    if not permissions.can_view_pii(user):
        raise PermissionDenied
    return _fault_page(request, user, _fault(pk), revealed=True)


@require_POST
def care_record(request: HttpRequest, pk: int) -> HttpResponse:
    user = _care_viewer(request)
    try:
        item = selectors.get_care_item_for_user(user, pk)
    except NotFound:
        raise Http404(str(pk)) from None
    form = CareRecordForm(request.POST)
    if form.is_valid():
        try:
            care_item_record(item=item, actor=user, **form.cleaned_data)
        except DomainError as exc:
            for name, errors in exc.fields.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            messages.success(request, _("Recorded."))
            url = reverse("early_warning:fault", args=[item.fault_id])
            return redirect(f"{url}#care-{item.pk}")
    return _fault_page(request, user, item.fault, failed=(item.pk, form), status=422)
