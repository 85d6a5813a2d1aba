"""`GET /api/v1/alerts` (issue 15): the spike alerts raised in a period."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from tousu.accounts import permissions
from tousu.core import clock
from tousu.core.api import TIME_BOUND_DESCRIPTION, OneOf, errors, parse_period
from tousu.core.errors import NotAllowed
from tousu.early_warning import selectors
from tousu.early_warning.choices import AlertKind

router = Router(tags=["alerts"])
MAX_ALERTS = 500


def _time(value: Any) -> str | None:
    return clock.local(value).isoformat() if value else None


@router.get(
    "",
    operation_id="tousu_early_warning_api_alerts",
    response={200: dict[str, Any], **errors(403, 422)},
    summary="Spike alerts raised in a period, newest first",
)
def alerts_list(
    request: HttpRequest,
    from_: str = Query("", alias="from", description=TIME_BOUND_DESCRIPTION),
    to: str = Query("", description=TIME_BOUND_DESCRIPTION),
    kind: Annotated[str, OneOf(AlertKind.values)] | None = None,
) -> dict[str, Any]:
    """The alerts detected in [from, to] (at most MAX_ALERTS, newest first): the slice by
    codes and by name, the window, observed and expected complaints, whether it goes on, its
    rising terms and sample complaint numbers. For those who may see the dashboard."""
    user = request.auth  # type: ignore[attr-defined]
    if not permissions.can_view_dashboard(user):
        raise NotAllowed(_("Your role may not view the alerts."))
    start, end = parse_period(from_, to)
    rows = selectors.alert_rows(
        selectors.alerts(start=start, end=end, kind=kind or "")[:MAX_ALERTS]
    )
    items = [
        {
            **{k: v for k, v in row.items() if k != "alert"},
            "detected_at": _time(row["detected_at"]),
            "ended_at": _time(row["ended_at"]),
        }
        for row in rows
    ]
    return {"from": from_, "to": to, "items": items, "count": len(items)}


forecast_router = Router(tags=["forecast"])


@forecast_router.get(
    "/backlog",
    operation_id="tousu_early_warning_api_backlog_forecast",
    response={200: dict[str, Any], **errors(403)},
    summary="Backlog forecast: expected resolution-limit breaches in the next 24 hours",
)
def backlog_forecast(request: HttpRequest) -> dict[str, Any]:
    """Per department, of the open complaints in your data scope: open, overdue now, due
    within 24 hours, and the expected breaches among those (the sum of each one's probability
    of being settled after its limit, by the newest model; null while no model has been
    trained). `model` says when the model was trained, on how many rows, and its Brier score
    on the newest 20 % of its history."""
    user = request.auth  # type: ignore[attr-defined]
    if not permissions.can_view_dashboard(user):
        raise NotAllowed(_("Your role may not view the backlog forecast."))
    result = selectors.backlog_forecast(user)
    stored = result["model"]
    model = (
        {
            "trained_at": _time(stored.trained_at),
            "rows": stored.rows,
            "base_rate": round(stored.base_rate, 4),
            "brier": round(stored.brier, 4),
            "calibration": stored.calibration,
        }
        if stored
        else None
    )
    departments = [
        {
            **row,
            "expected_breaches_24h": None
            if row["expected_breaches_24h"] is None
            else round(row["expected_breaches_24h"], 2),
        }
        for row in result["departments"]
    ]
    return {"as_of": _time(result["as_of"]), "model": model, "departments": departments}
