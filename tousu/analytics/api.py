from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router

from tousu.analytics.selectors import GROUPS, KpiFilters, kpis_for_user
from tousu.core.api import TIME_BOUND_DESCRIPTION, OneOf, parse_period

router = Router(tags=["stats"])


@router.get(
    "/kpis",
    operation_id="tousu_analytics_api_stats_kpis",
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
    raw_from = from_
    start, end = parse_period(raw_from, to)
    filters = KpiFilters(department=department, region=region, channel=channel, category=category)
    body = kpis_for_user(request.auth, start, end, filters, group_by=group_by)  # type: ignore[attr-defined]
    return {"from": raw_from, "to": to, "group_by": group_by, **body}
