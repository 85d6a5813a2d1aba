from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from tousu.accounts import permissions
from tousu.analytics.forms import MAX_DAYS
from tousu.analytics.selectors import (
    DRIVER_SOURCES,
    GROUPS,
    KpiFilters,
    kpis_for_user,
    responsible_for_user,
    satisfaction_drivers_for_user,
)
from tousu.core.api import TIME_BOUND_DESCRIPTION, OneOf, errors, parse_period
from tousu.core.clock import SHANGHAI
from tousu.core.errors import NotAllowed, ValidationFailed

router = Router(tags=["stats"])
# Mounted at /reports beside the other report routers.
reports_router = Router(tags=["reports"])


@router.get(
    "/kpis",
    operation_id="tousu_analytics_api_stats_kpis",
    response={200: dict[str, Any], **errors(403, 422)},
    summary="KPIs for a period and the previous period of the same length",
)
def stats_kpis(
    request: HttpRequest,
    # `from` is a Python keyword
    from_: str = Query("", alias="from", description=TIME_BOUND_DESCRIPTION),
    to: str = Query("", description=TIME_BOUND_DESCRIPTION),
    group_by: Annotated[str, OneOf(GROUPS)] | None = None,
    department: str | None = None,
    region: str | None = None,
    channel: str | None = None,
    category: str | None = None,
) -> dict[str, Any]:
    """API.md's figures for [from, to] (whole days, Asia/Shanghai) and the period of the same
    length before it, from the count tables; optional filters by department, region and
    category code (sub-categories included) and channel. Definitions: analytics.selectors."""
    user = request.auth  # type: ignore[attr-defined]
    # The same question as the dashboard page: these are its figures, in another form.
    if not permissions.can_view_dashboard(user):
        raise NotAllowed(_("Your role may not view the statistics."))
    raw_from = from_
    start, end = parse_period(raw_from, to)
    filters = KpiFilters(department=department, region=region, channel=channel, category=category)
    body = kpis_for_user(user, start, end, filters, group_by=group_by)
    return {"from": raw_from, "to": to, "group_by": group_by, **body}


@router.get(
    "/responsible",
    operation_id="tousu_analytics_api_stats_responsible",
    response={200: dict[str, Any], **errors(403, 422)},
    summary="Closed complaints by responsible department and staff member",
)
def stats_responsible(
    request: HttpRequest,
    from_: str = Query("", alias="from", description=TIME_BOUND_DESCRIPTION),
    to: str = Query("", description=TIME_BOUND_DESCRIPTION),
    department: str | None = None,
    region: str | None = None,
    channel: str | None = None,
    category: str | None = None,
) -> dict[str, Any]:
    """The dashboard's table by responsible department (R6.4, issue 13): complaints closed on
    the Asia/Shanghai days that [from, to] touches (`days`: the first and last; `months`: the
    months those fall in, kept for earlier clients), per responsible department
    (`department`, a code; null = not confirmed) and staff member (`staff`, a name; null = not
    named): `closed`, `fcr` (resolved at first contact), `fcr_rate`, `compensation_total` in
    yuan. The filters slice by handling department, region, channel and category, as
    `/stats/kpis` does."""
    user = request.auth  # type: ignore[attr-defined]
    if not permissions.can_view_dashboard(user):
        raise NotAllowed(_("Your role may not view the statistics."))
    start, end = parse_period(from_, to)
    filters = KpiFilters(department=department, region=region, channel=channel, category=category)
    body = responsible_for_user(user, start, end, filters)
    first, last = body["days"]
    return {
        "from": from_,
        "to": to,
        "days": [first.isoformat(), last.isoformat()],
        "months": [first.replace(day=1).isoformat(), last.replace(day=1).isoformat()],
        "rows": body["rows"],
    }


@reports_router.get(
    "/satisfaction-drivers",
    operation_id="tousu_analytics_api_satisfaction_drivers",
    response={200: dict[str, Any], **errors(403, 422)},
    summary="What drives overall satisfaction: per factor mean, importance and interval",
)
def satisfaction_drivers(
    request: HttpRequest,
    # `from` is a Python keyword
    from_: str = Query("", alias="from", description=TIME_BOUND_DESCRIPTION),
    to: str = Query("", description=TIME_BOUND_DESCRIPTION),
    source: Annotated[str, OneOf(tuple(DRIVER_SOURCES))] = "callback",
    department: str | None = None,
    region: str | None = None,
    channel: str | None = None,
    category: str | None = None,
) -> dict[str, Any]:
    """For the Asia/Shanghai days of [from, to] and the slice: per factor its mean score (1–5),
    its importance to overall satisfaction (relative weights, Johnson 2000: its share of the
    explained variance), a 95 % interval (grouped jackknife over days) and n; the quadrant of
    the importance × performance chart; a TCSI-style 0–100 index with the previous period's.
    No importance when n is below `min_n` (`reason` says why). `source`: callback, survey
    or both. Method: analytics.drivers."""
    user = request.auth  # type: ignore[attr-defined]
    if not permissions.can_view_dashboard(user):
        raise NotAllowed(_("Your role may not view the statistics."))
    start, end = parse_period(from_, to)
    first = start.astimezone(SHANGHAI).date()
    last = (end - dt.timedelta(microseconds=1)).astimezone(SHANGHAI).date()
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationFailed.for_field(
            "to",
            _("At most %(days)s days") % {"days": MAX_DAYS},
            message=_("The period is at most %(days)s days") % {"days": MAX_DAYS},
        )
    filters = KpiFilters(department=department, region=region, channel=channel, category=category)
    body = satisfaction_drivers_for_user(user, first, last, filters, source=source)
    return {"from": from_, "to": to, **body}
