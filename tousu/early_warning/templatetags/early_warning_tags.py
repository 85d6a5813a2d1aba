"""The dashboard's alerts panel. The dashboard (analytics) sits below early warning and may
not import it; its template loads this library by name instead."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.early_warning import selectors
from tousu.early_warning.views import examples_visible, with_links

register = template.Library()
PANEL_ALERTS = 5


@register.inclusion_tag("early_warning/_panel.html")
def alerts_panel(user: User) -> dict[str, Any]:
    """The ongoing spikes, most recent first (at most PANEL_ALERTS), for the dashboard."""
    if not permissions.can_view_dashboard(user):
        return {"shown": False}
    ongoing = list(selectors.alerts().filter(ended_at__isnull=True)[: PANEL_ALERTS + 1])
    rows = with_links(selectors.alert_rows(ongoing[:PANEL_ALERTS]))
    return {
        "shown": True,
        "rows": rows,
        "more": len(ongoing) > PANEL_ALERTS,
        **examples_visible(user, rows),
    }


@register.inclusion_tag("early_warning/_forecast_panel.html")
def backlog_forecast_panel(user: User) -> dict[str, Any]:
    """Per department: open, overdue, due in the next 24 hours and the breaches expected
    among those (R10.3), for the dashboard."""
    if not permissions.can_view_dashboard(user):
        return {"shown": False}
    return {"shown": True, **selectors.backlog_forecast(user)}


@register.filter
def may_view_alerts(user: User) -> bool:
    return permissions.can_view_dashboard(user)


@register.filter
def may_view_care(user: User) -> bool:
    return permissions.can_view_care(user)


@register.inclusion_tag("early_warning/_customer_risk.html")
def customer_risk_panel(risk: Any) -> dict[str, Any]:
    """The customer-level risk (issue 15) with its reasons, coloured as complaints' risks are:
    high from settings.TOUSU_RISK_HIGH, notable from the care list's threshold."""
    return {"customer_risk": risk, "risk_band": risk_band(risk.score) if risk else ""}


@register.filter
def risk_band(score: float) -> str:
    """The badge class of a customer-level risk score (see customer_risk_panel)."""
    if score >= settings.TOUSU_RISK_HIGH:
        return "level-major"
    return "level-important" if score >= settings.TOUSU_CARE_RISK_MIN else "level-ordinary"


@register.filter
def may_view_incidents(user: User) -> bool:
    return permissions.can_view_incidents(user)


@register.filter
def may_open_incident(user: User) -> bool:
    return permissions.can_open_incident(user)


@register.inclusion_tag("early_warning/_complaint_incident.html", takes_context=True)
def complaint_incident_panel(context: dict[str, Any], complaint: Any) -> dict[str, Any]:
    """The complaint page's panel: the incident it belongs to and the statement in force, or
    the open incidents it was proposed for, with accept and dismiss for who may decide."""
    user = context["user"]
    found = selectors.complaint_incident(complaint)
    return {
        "found": found,
        "complaint": complaint,
        "may_view": permissions.can_view_incidents(user),
        "may_decide": [
            p for p in found.proposals if permissions.can_act_incident(user, p.incident)
        ],
        "csrf_token": context.get("csrf_token"),
        "next_url": context.get("next_url", ""),
    }
