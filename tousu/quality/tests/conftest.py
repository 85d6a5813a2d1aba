"""Fixtures of the inspection tests: a second inspector, closed complaints in a past week,
the default sheet's full marks.

Fixtures of the quality tests: the count tables planted day by day (what the fill job
writes), corrective actions opened through the service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tousu.analytics import rules as count_rules
from tousu.analytics.models import DailyCount
from tousu.classification.models import Category
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.quality import rules, services
from tousu.quality.models import CorrectiveAction

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


# The day the tests' corrective actions open, Asia/Shanghai noon.
OPENED = dt.datetime(2026, 9, 1, 12, tzinfo=SHANGHAI)


@pytest.fixture
def plant_counts(reference: None) -> Callable[..., None]:
    """`plant_counts(category_code, first_day, days, per_day, measure="registered")`: daily
    count rows of the category's roll-up as the fill job keeps them."""

    def plant(
        code: str, first: dt.date, days: int, per_day: int, measure: str = "registered"
    ) -> None:
        category = Category.objects.get(code=code)
        rollup = count_rules.rollup_for({"category"})
        for i in range(days):
            day = first + dt.timedelta(days=i)
            key = f"test:{day}:{category.pk}:{measure}"
            DailyCount.objects.create(
                key=key, rollup=rollup, day=day, category=category.pk, channel="*",
                region=0, department=0, level="*", **{measure: per_day},
            )  # fmt: skip

    return plant


@pytest.fixture
def open_capa(quality: Any, handler: Any) -> Callable[..., CorrectiveAction]:
    """A corrective action on the billing category opened on OPENED by quality, owned by
    the handler, with one action of the handler due a week later."""

    def make(**fields: Any) -> CorrectiveAction:
        data: dict[str, Any] = {
            "actor": quality,
            "title": "不明扣费投诉",
            "source": "category",
            "category": Category.objects.get(code="billing"),
            "root_cause": "增值业务二次确认短信未下发",
            "owner": handler,
            "due_on": OPENED.date() + dt.timedelta(days=14),
            "actions": [
                services.ActionDraft(
                    "恢复二次确认短信", handler, OPENED.date() + dt.timedelta(days=7)
                )
            ],
        }
        data.update(fields)
        with clock.frozen(OPENED):
            return services.capa_open(**data)

    return make
