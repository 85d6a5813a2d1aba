"""The backlog forecast's model (R10.3), on a history where major complaints breach their
limit far more often than ordinary ones."""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

from tousu.early_warning import forecast

START = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
BREACH_RATE = {"ordinary": 0.1, "major": 0.6}


def history(n: int = 3000, seed: int = 7) -> list[forecast.Closed]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        level = "major" if i % 3 == 0 else "ordinary"
        registered = START + dt.timedelta(hours=i)
        due = registered + dt.timedelta(hours=48)
        breached = rng.random() < BREACH_RATE[level]
        settled = (
            due + dt.timedelta(hours=rng.uniform(1, 24))
            if breached
            else (registered + dt.timedelta(hours=rng.uniform(1, 47)))
        )
        rows.append(
            forecast.Closed(
                registered_at=registered,
                resolution_due=due,
                settled_at=settled,
                accepted_at=registered + dt.timedelta(hours=1),
                level=level,
                category="billing",
                handler_id=i % 5,
            )
        )
    return rows


def test_snapshots_stop_once_the_complaint_is_settled() -> None:
    registered = START
    due = START + dt.timedelta(hours=100)
    quick = forecast.Closed(
        registered_at=registered,
        resolution_due=due,
        settled_at=registered + dt.timedelta(hours=40),  # settled between 30 % and 50 %
        accepted_at=None,
        level="ordinary",
        category="",
        handler_id=None,
    )
    rows = forecast.snapshots([quick], forecast.HandlerLoads([]))
    assert [r[1][0] for r in rows] == ["elapsed=0.0-0.2", "elapsed=0.2-0.4"]
    assert all(r[2] == 0 for r in rows)
    assert rows[0][1][1] == "hours_left=>=72"


def test_handler_load_counts_the_complaints_open_at_the_moment() -> None:
    loads = forecast.HandlerLoads(
        [
            (1, START, START + dt.timedelta(hours=2)),
            (1, START + dt.timedelta(hours=1), None),
            (2, START, None),
        ]
    )
    assert loads.at(1, START + dt.timedelta(minutes=90)) == 2
    assert loads.at(1, START + dt.timedelta(hours=3)) == 1
    assert loads.at(1, START - dt.timedelta(hours=1)) == 0
    assert loads.at(None, START) == 0


def test_the_model_ranks_major_complaints_higher_and_is_calibrated() -> None:
    rows = forecast.snapshots(history(), forecast.HandlerLoads([]))
    fit = forecast.train(rows)
    assert fit is not None

    def chance(level: str) -> float:
        return fit.model.probability(
            forecast.features(
                elapsed_fraction=0.5,
                hours_left=24.0,
                level=level,
                category="billing",
                accepted=True,
                load=0,
            )
        )

    major, ordinary = chance("major"), chance("ordinary")
    assert major > ordinary + 0.3
    assert fit.brier < fit.base_brier
    for row in fit.calibration:
        if row["n"] >= 100:
            assert abs(row["predicted"] - row["observed"]) < 0.1, row
    assert sum(row["n"] for row in fit.calibration) == len(rows) - int(len(rows) * 0.8)


def test_nothing_is_learnt_when_every_complaint_was_on_time() -> None:
    on_time = [c for c in history(300) if c.settled_at <= c.resolution_due]
    assert forecast.train(forecast.snapshots(on_time, forecast.HandlerLoads([]))) is None


def drifting_history(n: int = 4000, seed: int = 11) -> list[forecast.Closed]:
    """A desk falling behind: every level breaches more often month after month (ordinary
    from 5 % to 45 %, major from 30 % to 85 %), as the demo's history does."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        level = "major" if i % 4 == 0 else "ordinary"
        progress = i / n
        rate = {"ordinary": 0.05 + 0.4 * progress, "major": 0.3 + 0.55 * progress}[level]
        registered = START + dt.timedelta(hours=i)
        due = registered + dt.timedelta(hours=48)
        breached = rng.random() < rate
        settled = due + dt.timedelta(hours=5) if breached else registered + dt.timedelta(hours=47)
        rows.append(
            forecast.Closed(
                registered_at=registered,
                resolution_due=due,
                settled_at=settled,
                accepted_at=registered + dt.timedelta(hours=1),
                level=level,
                category="billing",
                handler_id=None,
            )
        )
    return rows


def test_the_calibration_step_brings_predictions_to_the_recent_breach_rate() -> None:
    fit = forecast.train(forecast.snapshots(drifting_history(), forecast.HandlerLoads([])))
    assert fit is not None
    # Fitted on the older months alone, the model says too little about the newest ones.
    raw_gap = forecast.calibration_error(fit.raw_calibration)
    gap = forecast.calibration_error(fit.calibration)
    assert raw_gap > 0.1
    assert gap < raw_gap / 2
    assert fit.brier <= fit.raw_brier

    # Decile by decile (those with enough rows), expected is nearer observed than before.
    def worst(table: list[dict[str, Any]]) -> float:
        return max(abs(row["predicted"] - row["observed"]) for row in table if row["n"] >= 200)

    assert worst(fit.calibration) < worst(fit.raw_calibration) - 0.05
    # The stored model carries its step, and predicts with it after a round trip.
    stored = forecast.Model.from_json(fit.model.as_json())
    feats = forecast.features(
        elapsed_fraction=0.5, hours_left=24.0, level="ordinary", category="billing",
        accepted=True, load=0,
    )  # fmt: skip
    assert stored.probability(feats) == fit.model.probability(feats)
    assert stored.calibration


def test_a_model_stored_before_the_calibration_step_predicts_as_it_did() -> None:
    stored = forecast.Model.from_json({"intercept": -1.0, "coefficients": {"level=major": 2.0}})
    assert stored.probability(["level=major"]) == 1 / (1 + math.exp(-1.0))
