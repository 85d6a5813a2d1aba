"""The "open corrective action" buttons on pages of the apps below or beside quality — the
root-cause page (analytics) and the alerts page (early warning) — which may not import quality
(ARCHITECTURE layers): their templates load this library by name. Also the nav's links."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.core import clock

register = template.Library()


def _url(params: dict[str, Any]) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{reverse('quality:capa_new')}?{urlencode(clean)}"


@register.inclusion_tag("quality/_capa_button.html")
def capa_term_button(
    user: User, term: str, first: dt.date, last: dt.date, form: Any
) -> dict[str, Any]:
    """A rising word of the root-cause page: its complaints of the period and slice."""
    if not permissions.can_manage_capa(user):
        return {"shown": False}
    filters = form.filters()
    return {
        "shown": True,
        "url": _url(
            {
                "source": "term",
                "term": term,
                "from": first.isoformat(),
                "to": last.isoformat(),
                "category": filters.category,
                "region": filters.region,
                "channel": filters.channel,
            }
        ),
    }


@register.inclusion_tag("quality/_capa_button.html")
def capa_alert_button(user: User, row: dict[str, Any]) -> dict[str, Any]:
    """An alert's row: its slice and the days of its window."""
    if not permissions.can_manage_capa(user):
        return {"shown": False}
    alert = row["alert"]
    codes: dict[str, str] = row["slice"]
    return {
        "shown": True,
        "url": _url(
            {
                "source": "alert",
                "ref": row["id"],
                "title": row["label"],
                "from": clock.local(alert.window_start).date().isoformat(),
                "to": clock.local(alert.last_seen_at).date().isoformat(),
                **{k: codes.get(k) for k in ("category", "region", "channel")},
            }
        ),
    }


@register.filter
def may_view_capa(user: User) -> bool:
    return permissions.can_view_dashboard(user) or permissions.can_manage_capa(user)
