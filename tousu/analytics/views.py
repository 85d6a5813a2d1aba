"""The dashboard (R11.2): KPI cards, charts and the department league for a period and a slice,
every figure a link into the complaint list with the same filters.

Thin: the form parses the filters, one selector reads the figures (count tables and one
backlog query), and this module only turns them into chart data with drill-down URLs, so the
page's script draws and navigates and knows nothing of the filters.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from tousu.accounts import permissions
from tousu.accounts.choices import DataScope
from tousu.accounts.models import Department, Region, User
from tousu.accounts.views import staff
from tousu.analytics.extensions import dashboard_panels
from tousu.analytics.forms import DashboardForm
from tousu.analytics.selectors import (
    DRIVER_SOURCES,
    KpiFilters,
    dashboard_for_user,
    root_causes_for_user,
    satisfaction_drivers_for_user,
)
from tousu.complaints.choices import Status, TimeLeft
from tousu.core import clock

SLICE = ("department", "region", "channel", "category")


def _quarter_start(day: dt.date) -> dt.date:
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def quick_periods(today: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """The quick choices above the filters: the last 30 days, this month, last quarter."""
    this_quarter = _quarter_start(today)
    last_quarter = _quarter_start(this_quarter - dt.timedelta(days=1))
    return [
        (_("Last 30 days"), today - dt.timedelta(days=29), today),
        (_("This month"), today.replace(day=1), today),
        (_("Last quarter"), last_quarter, this_quarter - dt.timedelta(days=1)),
    ]


def _scope_codes(user: User) -> dict[str, str]:
    """The data scope as list filters, so that a drill-down shows what the figures counted
    (the list alone would add what the user handles or registered elsewhere)."""
    scope = user.effective_scope
    if scope == DataScope.DEPARTMENT and user.department_id:
        department = Department.objects.filter(pk=user.department_id)
        return {"department": department.values_list("code", flat=True).first() or ""}
    if scope == DataScope.REGION and user.region_id:
        region = Region.objects.filter(pk=user.region_id).values_list("code", flat=True)
        return {"region": region.first() or ""}
    return {}


class Drill:
    """URLs of the complaint list with the dashboard's filters plus the clicked value."""

    def __init__(self, params: dict[str, str], view: str = "desk:list") -> None:
        self.base = reverse(view)
        self.params = params

    def __call__(self, *, dated: bool = True, **extra: Any) -> str:
        return self.url(extra, dated=dated)

    def url(self, extra: dict[str, Any], *, dated: bool = True) -> str:
        params = {**self.params, **{k: str(v) for k, v in extra.items()}}
        if not dated:
            params.pop("received_from", None)
            params.pop("received_to", None)
        return f"{self.base}?{urlencode({k: v for k, v in params.items() if v})}"


def _mix(entries: list[dict[str, Any]], dim: str, names: dict[str, str], drill: Drill) -> list[Any]:
    return [
        {
            "key": e["key"],
            "name": names.get(e["key"] or "", e["name"] or _("None")),
            "value": e["volume"],
            "previous": e["previous_volume"],
            "share": e["share"],
            "per_10k": e.get("per_10k_customers"),
            "url": drill(**{dim: e["key"]}) if e["key"] else None,
        }
        for e in entries
    ]


def _codes(filters: KpiFilters) -> dict[str, str]:
    """The slice's chosen codes by field, "" where none is chosen (for drill-down URLs)."""
    return {name: getattr(filters, name) or "" for name in SLICE}


def _period_form(request: HttpRequest) -> DashboardForm:
    """The period and slice of the dashboard and its root-cause page, from the query."""
    today = clock.local_today()
    params = request.GET.copy()
    if not params.get("from") and not params.get("to"):
        # The default period shows in the date fields, ready to be changed.
        first, last = quick_periods(today)[0][1:]
        params.update({"from": first.isoformat(), "to": last.isoformat()})
    form = DashboardForm(params, today=today)
    form.is_valid()  # invalid fields show their error; the valid ones still filter
    return form


def dashboard(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    if not permissions.can_view_dashboard(user):
        raise PermissionDenied
    today = clock.local_today()
    form = _period_form(request)
    first, last = form.period()
    filters = form.filters()
    data = dashboard_for_user(user, first, last, filters, now=clock.now())
    drill = _list_drill(user, filters, first, last)
    names = {name: form.names(name) for name in SLICE}
    explicit = Drill(_codes(filters), "analytics:dashboard")
    charts = _charts(data, names, drill)
    source = request.GET.get("source", "")
    source = source if source in DRIVER_SOURCES else "callback"
    drivers = satisfaction_drivers_for_user(user, first, last, filters, source=source)
    charts["drivers"] = drivers_chart(drivers)
    for factor in drivers["factors"]:
        quadrant = factor["quadrant"]
        factor["quadrant_name"] = QUADRANTS[quadrant] if quadrant else "—"
    period = {"from": first.isoformat(), "to": last.isoformat()}
    quarter = _quarter_start(today) - dt.timedelta(days=1)
    return render(
        request,
        "analytics/dashboard.html",
        {
            "form": form,
            "first": first,
            "last": last,
            "quick": [
                (label, explicit.url({"from": a.isoformat(), "to": b.isoformat()}))
                for label, a, b in quick_periods(today)
            ],
            "kpis": data,
            "period_url": drill(),
            "causes_url": Drill(_codes(filters), "analytics:causes").url(
                {"from": first.isoformat(), "to": last.isoformat()}
            ),
            "league": _league(data, names["department"], drill),
            "responsible": _responsible(data["responsible"], names["department"], drill),
            "backlog": charts["backlog"],
            "regions": charts["region"],
            "charts": charts,
            "last_quarter": f"{quarter.year}Q{(quarter.month - 1) // 3 + 1}",
            "can_report": permissions.can_download_report(user),
            "drivers": drivers,
            "driver_sources": [
                (code, label, explicit.url({**period, "source": code}), code == source)
                for code, label in driver_source_choices()
            ],
            # The panels of the apps above analytics (the repair effect, …).
            "panels": dashboard_panels(user, first, last),
        },
    )


def driver_source_choices() -> list[tuple[str, str]]:
    return [
        ("callback", _("Callbacks")),
        ("survey", _("Surveys")),
        ("both", _("Both")),
    ]


QUADRANTS = {
    "strength": gettext_lazy("Strength (keep up)"),
    "fix": gettext_lazy("Fix first"),
    "opportunity": gettext_lazy("Opportunity"),
    "maintain": gettext_lazy("Maintain"),
}


def drivers_chart(drivers: dict[str, Any]) -> dict[str, Any] | None:
    """The importance × performance chart's points and quadrant lines; None (no chart) when
    the analysis did not rank the factors."""
    factors = drivers["factors"]
    if not drivers["ranked"] or not factors:
        return None
    means = [f["mean"] for f in factors]
    importance = [f["importance"] for f in factors]
    return {
        "points": [
            {"name": f["name"], "value": [f["importance"], f["mean"]], "quadrant": f["quadrant"]}
            for f in factors
        ],
        "x_mid": round(1 / len(factors), 4),
        "y_mid": round(sum(means) / len(means), 2),
        # Room for the largest point's label, on a whole tenth.
        "x_max": min(1.0, math.ceil((max(importance) * 1.1 + 0.02) * 10) / 10),
        "y_min": max(1.0, round(min(means) - 0.3, 1)),
        "y_max": min(5.0, round(max(means) + 0.3, 1)),
        "labels": {"importance": _("Importance"), "mean": _("Mean score (1–5)")},
        "quadrants": {code: str(label) for code, label in QUADRANTS.items()},
    }


def _list_drill(user: User, filters: KpiFilters, first: dt.date, last: dt.date) -> Drill:
    """The complaint list of the period and slice, within the user's data scope."""
    chosen = _codes(filters)
    for name, code in _scope_codes(user).items():
        chosen[name] = chosen[name] or code
    return Drill({**chosen, "received_from": first.isoformat(), "received_to": last.isoformat()})


def _league(data: dict[str, Any], names: dict[str, str], drill: Drill) -> list[dict[str, Any]]:
    """The departments' figures side by side, with their transfers out."""
    return [
        {
            "key": g["key"],
            "name": names.get(g["key"] or "", g["name"] or _("None")),
            "current": g["current"],
            "previous": g["previous"],
            "transfers": data["transfers"].get(g["key"], 0),
            "url": drill(department=g["key"]) if g["key"] else None,
        }
        for g in data["groups"]
    ]


def _responsible(data: dict[str, Any], names: dict[str, str], drill: Drill) -> dict[str, Any]:
    """The table by responsible department, names in the reader's language; a confirmed
    department opens the complaints its row counts: closed in the period, within the slice,
    that department confirmed responsible."""
    first, last = data["days"]
    closed = {
        "status": Status.CLOSED,
        "closed_from": first.isoformat(),
        "closed_to": last.isoformat(),
    }
    rows = [
        {
            **row,
            "department": names.get(row["department"] or "", row["department"])
            if row["department"]
            else _("Not confirmed"),
            "staff": row["staff"] or _("Not named"),
            "url": drill(dated=False, responsible_department=row["department"], **closed)
            if row["department"]
            else None,
        }
        for row in data["rows"]
    ]
    return {"days": data["days"], "rows": rows}


def _trend(trend: list[dict[str, Any]], drill: Drill) -> dict[str, Any]:
    """Volume per day, this period and the previous one, each day opening its complaints."""
    return {
        "days": [p["day"].strftime("%m-%d") for p in trend],
        "current": [
            {
                "value": p["volume"],
                "day": p["day"].isoformat(),
                "url": drill(received_from=p["day"], received_to=p["day"]),
            }
            for p in trend
        ],
        "previous": [
            {
                "value": p["previous_volume"],
                "day": p["previous_day"].isoformat(),
                "url": drill(received_from=p["previous_day"], received_to=p["previous_day"]),
            }
            for p in trend
        ],
    }


def _charts(data: dict[str, Any], names: dict[str, dict[str, str]], drill: Drill) -> dict[str, Any]:
    """What the dashboard's ECharts draw: the trend, the mixes and the open backlog."""
    return {
        "labels": {
            "current": _("This period"),
            "previous": _("Previous period"),
            "complaints": _("Volume"),
            "per_10k": _("Per 10,000 customers"),
        },
        "trend": _trend(data["trend"], drill),
        **{dim: _mix(data["mix"][dim], dim, names[dim], drill) for dim in SLICE},
        "backlog": [
            {
                "key": key,
                "name": TimeLeft(key).label,
                "value": count,
                "url": drill(dated=False, time_left=key),
            }
            for key, count in data["backlog"].items()
        ],
    }


def root_causes(request: HttpRequest) -> HttpResponse:
    """The words of the period's complaints (R11.4): most used, per top category, rising;
    each word opens the complaint list searched for it, each example its complaint."""
    user = staff(request)
    if not permissions.can_view_dashboard(user):
        raise PermissionDenied
    form = _period_form(request)
    first, last = form.period()
    filters = form.filters()
    terms = root_causes_for_user(user, first, last, filters)
    chosen = _codes(filters)
    period = {"received_from": first.isoformat(), "received_to": last.isoformat()}
    search = Drill({**chosen, **period})
    before = Drill(
        {
            **chosen,
            "received_from": terms["previous_first"].isoformat(),
            "received_to": terms["previous_last"].isoformat(),
        }
    )
    for entry in [*terms["top"], *terms["rising"], *terms["topics"]]:
        entry["url"] = search(q=entry["term"])
    for entry in terms["rising"]:
        entry["previous_url"] = before(q=entry["term"])
    for group in terms["by_category"]:
        for entry in group["terms"]:
            entry["url"] = search(q=entry["term"])
    explicit = Drill(_codes(filters), "analytics:dashboard")
    return render(
        request,
        "analytics/causes.html",
        {
            "form": form,
            "first": first,
            "last": last,
            "terms": terms,
            "dashboard_url": explicit.url({"from": first.isoformat(), "to": last.isoformat()}),
        },
    )


# ---- the quarterly report (R11.3) ---------------------------------------------------------------

REPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@require_GET
def quarterly_report_download(request: HttpRequest) -> HttpResponse:
    """`?quarter=2026Q3&format=xlsx|pdf`: the report file, made on request."""
    from tousu.analytics.report import ReportError, quarterly_report

    user = staff(request)
    if not permissions.can_download_report(user):
        raise PermissionDenied
    quarter = request.GET.get("quarter", "").upper()
    fmt = request.GET.get("format", "xlsx")
    if fmt not in REPORT_TYPES:
        return _bad_request(_("Unknown report format: choose xlsx or pdf."))
    try:
        body = quarterly_report(quarter, fmt)  # type: ignore[arg-type]
    except ReportError as exc:
        return _bad_request(str(exc))
    response = HttpResponse(body, content_type=REPORT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{quarter}.{fmt}"'
    return response


def _bad_request(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


# ---- the management-review pack (R12.3) --------------------------------------------------------


@require_GET
def review_report_download(request: HttpRequest) -> HttpResponse:
    """`?from=2026-07-01&to=2026-09-30&format=xlsx|pdf`: the management-review pack of the
    dashboard's period, in the reader's language. It holds counts, rates and department names
    only, no personal data: there is nothing to mask and no export to log."""
    from tousu.analytics.report import ReportError
    from tousu.analytics.report_review import parse_period, review_report

    user = staff(request)
    if not permissions.can_download_report(user):
        raise PermissionDenied
    fmt = request.GET.get("format", "xlsx")
    if fmt not in REPORT_TYPES:
        return _bad_request(_("Unknown report format: choose xlsx or pdf."))
    try:
        period = parse_period(request.GET.get("from", ""), request.GET.get("to", ""))
        # In the reader's language: an English reader gets an English pack.
        language = translation.get_language() or settings.LANGUAGE_CODE
        body = review_report(period.first, period.last, fmt, language)  # type: ignore[arg-type]
    except ReportError as exc:
        return _bad_request(str(exc))
    response = HttpResponse(body, content_type=REPORT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{period.stem}.{fmt}"'
    return response
