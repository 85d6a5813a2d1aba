"""Quality scores on the dashboard (issue 16 item 1): the mean inspection score, the number
scored and the fatal failures per department in the dashboard's period, registered into
analytics.extensions by QualityConfig.ready."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.analytics.extensions import DashboardPanel
from tousu.quality import selectors


def _panel_context(user: User, first: dt.date, last: dt.date) -> dict[str, Any] | None:
    if not permissions.can_view_quality_scores(user):
        return None
    return {
        "overall": selectors.scores_overall(user, first, last),
        "departments": selectors.scores_by_department(user, first, last),
        "first": first,
        "last": last,
    }


inspection_panel = DashboardPanel("quality/_scores_panel.html", _panel_context)
