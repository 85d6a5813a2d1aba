"""Fixtures of the quality tests: the count tables planted day by day (what the fill job
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
from tousu.quality import services
from tousu.quality.models import CorrectiveAction

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
