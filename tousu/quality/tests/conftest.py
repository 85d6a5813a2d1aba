"""Fixtures of the inspection tests: a second inspector, closed complaints in a past week,
the default sheet's full marks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.quality import rules

FULL = {"timeliness": 5, "attitude": 5, "explanation": 5, "standard": 5, "records": 5, "wording": 5}


@pytest.fixture
def quality2(make_user: Callable[..., Any]) -> Any:
    return make_user("quality2", "quality", department="complaint_office")


@pytest.fixture
def last_week() -> tuple[dt.date, dt.datetime]:
    """The start of the last complete week and a moment in it (Wednesday noon)."""
    current, _end = rules.period_of(clock.local_today(), 7)
    start = current - dt.timedelta(days=7)
    return start, dt.datetime.combine(start + dt.timedelta(days=2), dt.time(12), tzinfo=SHANGHAI)


@pytest.fixture
def closed_last_week(
    complaint_in: Callable[..., Any], last_week: tuple[dt.date, dt.datetime]
) -> Callable[..., Any]:
    """`closed_last_week(**fields)`: a billing complaint closed in the last complete week."""

    def make(**fields: Any) -> Any:
        _start, moment = last_week
        return complaint_in(
            "closed",
            received_at=moment - dt.timedelta(days=1),
            closed_at=moment,
            **fields,
        )

    return make


@pytest.fixture
def task(closed_last_week: Callable[..., Any], quality: Any, handler: Any, admin_user: Any) -> Any:
    """An open inspection of a closed complaint handled by `handler`, assigned to `quality`."""
    from tousu.quality.services import inspection_create

    return inspection_create(actor=admin_user, complaint=closed_last_week(), inspector=quality)
