from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router

from tousu.analytics.selectors import kpis
from tousu.core.api import parse_time_bound
from tousu.core.errors import ValidationFailed

router = Router(tags=["stats"])


@router.get("/kpis", summary="KPIs for a period and the previous period of the same length")
def stats_kpis(
    request: HttpRequest,
    from_: str = Query("", alias="from"),  # `from` is a Python keyword
    to: str = "",
    group_by: Literal["category", "channel", "region", "department"] | None = None,
) -> dict[str, Any]:
    raw_from = from_
    if not raw_from or not to:
        raise ValidationFailed(
            "需要 from 和 to", fields={"from": ["YYYY-MM-DD"], "to": ["YYYY-MM-DD"]}
        )
    start = parse_time_bound(raw_from, "from")
    end = parse_time_bound(to, "to", end=True)
    if end <= start:
        raise ValidationFailed("结束日期早于开始日期", fields={"to": ["应不早于 from"]})
    body = kpis(request.auth, start, end, group_by)  # type: ignore[attr-defined]
    return {"from": raw_from, "to": to, "group_by": group_by, **body}
