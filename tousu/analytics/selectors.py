"""KPIs. For now volumes only, counted from the complaints within the user's scope; the count
tables of D11 replace the scan in the analytics issue without changing the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F

from tousu.accounts.models import User
from tousu.accounts.permissions import scope_q
from tousu.complaints.models import Complaint

GROUPS = {
    "category": ("category__code", "category__name"),
    "channel": ("channel", "channel"),
    "region": ("region__code", "region__name"),
    "department": ("department__code", "department__name"),
}

NOT_YET = (
    "on_time_rate",
    "avg_handling_hours",
    "satisfaction_rate",
    "repeat_rate",
    "escalation_rate",
    "compensation_total",
    "per_10k_customers",
)


def _figures(volume: int) -> dict[str, Any]:
    return {"volume": volume, **dict.fromkeys(NOT_YET)}


def kpis(user: User, start: dt.datetime, end: dt.datetime, group_by: str | None) -> dict[str, Any]:
    length = end - start
    prev_start = start - length
    base = Complaint.objects.filter(scope_q(user))
    current = base.filter(received_at__gte=start, received_at__lt=end)
    previous = base.filter(received_at__gte=prev_start, received_at__lt=start)
    body: dict[str, Any] = {
        "current": _figures(current.count()),
        "previous": _figures(previous.count()),
    }
    cur, prev = body["current"]["volume"], body["previous"]["volume"]
    body["change"] = {"volume": round((cur - prev) / prev, 4) if prev else None}
    if group_by:
        key, name = GROUPS[group_by]
        rows: dict[str, dict[str, Any]] = {}
        for qs, slot in ((current, "current"), (previous, "previous")):
            for row in qs.values(k=F(key), n=F(name)).annotate(c=Count("pk")).order_by():
                entry = rows.setdefault(
                    str(row["k"]),
                    {
                        "key": row["k"],
                        "name": row["n"],
                        "current": _figures(0),
                        "previous": _figures(0),
                    },
                )
                entry[slot]["volume"] = row["c"]
        body["groups"] = sorted(rows.values(), key=lambda r: -r["current"]["volume"])
    return body
