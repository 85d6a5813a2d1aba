"""Helpers of the analytics tests: change a complaint the way services do (the row and a
timeline event in one transaction), and recount the count tables independently."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction

from tousu.analytics import rules, services
from tousu.analytics.models import DIMENSIONS, DailyCount, HourlyCount, MonthlyCount
from tousu.complaints.choices import EventType
from tousu.complaints.models import Complaint
from tousu.complaints.services import complaint_lock, event_record


def change(pk: int, event: str = EventType.NOTE, **fields: Any) -> None:
    """Update complaint `pk` and write an event with it, as every service does (D8)."""
    with transaction.atomic():
        complaint = complaint_lock(Complaint.objects.get(pk=pk))
        if fields:
            Complaint.objects.filter(pk=pk).update(**fields)
        event_record(complaint=complaint, type=event, actor=None, data={})


def hourly_table() -> dict[str, dict[str, int]]:
    """The full cube (rollup 0) of the hourly table, by hour and dimensions."""
    return {
        row["key"].replace("|0|", "|", 1): {m: row[m] for m in rules.MEASURES if row[m]}
        for row in HourlyCount.objects.filter(rollup=0).values("key", *rules.MEASURES)
    }


def daily_table(model: Any = DailyCount, period: str = "day") -> dict[tuple[Any, ...], Any]:
    return {
        tuple(row[d] for d in (period, *DIMENSIONS)): {m: row[m] for m in rules.MEASURES if row[m]}
        for row in model.objects.filter(rollup=0).values(period, *DIMENSIONS, *rules.MEASURES)
    }


def assert_rollups_match() -> None:
    """Every roll-up row is the sum of the cube rows it stands for."""
    for model, period in ((HourlyCount, "hour"), (DailyCount, "day"), (MonthlyCount, "month")):
        cube = list(model.objects.filter(rollup=0).values(period, *DIMENSIONS, *rules.MEASURES))
        kept = rules.rollups_kept(hourly=model is HourlyCount)
        assert not model.objects.exclude(rollup__in=kept).exists(), model
        for rollup in kept:
            expected: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
            for row in cube:
                dims = rules.rolled_up(tuple(row[d] for d in DIMENSIONS), rollup)
                for m in rules.MEASURES:
                    if row[m]:
                        expected[(row[period], *dims)][m] += row[m]
            found = {
                tuple(row[d] for d in (period, *DIMENSIONS)): {
                    m: row[m] for m in rules.MEASURES if row[m]
                }
                for row in model.objects.filter(rollup=rollup).values(
                    period, *DIMENSIONS, *rules.MEASURES
                )
            }
            assert found == {k: dict(v) for k, v in expected.items()}, (model, rollup)


def monthly_from(daily: dict[tuple[Any, ...], dict[str, int]]) -> dict[tuple[Any, ...], Any]:
    monthly: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (day, *dims), measures in daily.items():
        for name, value in measures.items():
            monthly[(day.replace(day=1), *dims)][name] += value
    return {k: dict(v) for k, v in monthly.items()}


def recount() -> tuple[dict[str, dict[str, int]], dict[tuple[Any, ...], dict[str, int]]]:
    """The hourly and daily tables as they should be, from every complaint's facts alone
    (no deltas, no checkpoint): what the fill job must agree with."""
    ids = list(Complaint.objects.values_list("pk", flat=True))
    hourly: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    daily: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for facts in services.facts_read(ids).values():
        for hour, measures in rules.contributions(facts).items():
            key = "|".join(str(p) for p in (hour, *facts.dims))
            day: dt.date = rules.local_day(hour)
            for name, value in measures.items():
                hourly[key][name] += value
                daily[(day, *facts.dims)][name] += value
    clean = {k: {m: v for m, v in ms.items() if v} for k, ms in hourly.items()}
    clean_daily = {k: {m: v for m, v in ms.items() if v} for k, ms in daily.items()}
    return {k: v for k, v in clean.items() if v}, {k: v for k, v in clean_daily.items() if v}


def assert_counts_match() -> None:
    hourly, daily = recount()
    assert hourly_table() == hourly
    assert daily_table() == daily
    assert daily_table(MonthlyCount, "month") == monthly_from(daily)
    assert_rollups_match()


def satisfaction_plant(
    *,
    weights: tuple[float, ...] = (0.55, 0.25, 0.12, 0.04),
    first: dt.date,
    days: int = 30,
    per_day: int = 20,
    department: int = 0,
    region: int = 0,
    source: str = "callback",
    seed: int = 1,
) -> None:
    """Observations with planted weights (overall = Σ w_i x_i + noise, rounded into 1–5) put
    into the satisfaction counts by their writer, as the fill job would for that many scored
    callbacks (or survey answers) of one slice. The factors are the first len(weights) of
    drivers.FACTORS."""
    import random

    from tousu.analytics import drivers

    rng = random.Random(seed)
    observations = []
    for d in range(days):
        day = (first + dt.timedelta(days=d)).isoformat()
        for _ in range(per_day):
            x = [rng.randint(1, 5) for _ in weights]
            y = sum(w * v for w, v in zip(weights, x, strict=True)) + rng.gauss(0, 0.5)
            scores = dict(zip(drivers.FACTORS, x, strict=False))
            found = drivers.observation(scores, min(5, max(1, round(y))))
            assert found is not None
            category, channel = (0, "") if source == "survey" else (1, "hotline")
            observations.append([day, department, region, category, channel, *found])
    with transaction.atomic():
        services.satisfaction_apply(rules.satisfaction_deltas(source, [(None, observations)]))
