"""The satisfaction drivers analysis (R8.3, analytics.drivers), without a database: on
generated observations with planted weights it finds the planted order, its intervals hold the
truth, and it refuses what it cannot know."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

import numpy as np
import pytest

from tousu.analytics import drivers
from tousu.analytics.drivers import CALLBACK_MASK, FACTORS, PAIRS, K

DAY0 = dt.date(2026, 1, 1)


def vector(x: Sequence[float | None], y: float) -> list[float]:
    """The moment vector of one observation, written out independently of the module."""
    xs = [v or 0 for v in x] + [0] * (K - len(x))
    return [
        1,
        y,
        y * y,
        *xs,
        *(v * y for v in xs),
        *(xs[i] * xs[j] for i, j in PAIRS),
    ]


def generate(
    weights: Sequence[float],
    *,
    days: int = 60,
    per_day: int = 50,
    noise: float = 0.6,
    seed: int = 7,
    integer: bool = True,
    correlated: float = 0.0,
) -> list[drivers.Row]:
    """Callback-like observations: four factor scores 1–5 (sharing a common part when
    `correlated` > 0) and overall = Σ w_i x_i + noise, rounded into 1–5 when `integer`."""
    rng = random.Random(seed)
    rows: list[drivers.Row] = []
    k = len(weights)
    mask = (1 << k) - 1
    for d in range(days):
        total = np.zeros(len(drivers.MOMENT_COLUMNS))
        for _ in range(per_day):
            common = rng.gauss(0, 1)
            x = []
            for _ in range(k):
                raw = 3 + correlated * common + rng.gauss(0, 1)
                x.append(min(5, max(1, round(raw))))
            y: float = sum(w * v for w, v in zip(weights, x, strict=True)) + rng.gauss(0, noise)
            if integer:
                y = min(5, max(1, round(y)))
            total += np.array(vector(x, y))
        rows.append((DAY0 + dt.timedelta(days=d), mask, list(total)))
    return rows


def test_the_planted_order_is_found_with_correlated_factors() -> None:
    weights = (0.55, 0.25, 0.12, 0.04)  # timeliness > attitude > solution > simplicity
    result = drivers.analyse(generate(weights, correlated=0.8), [], CALLBACK_MASK)
    assert result.ranked
    assert [f.factor for f in result.factors] == list(FACTORS[:4])
    assert sum(f.importance or 0 for f in result.factors) == pytest.approx(1, abs=1e-3)
    assert result.n == 60 * 50
    assert result.days == 60
    assert all(f.n == result.n for f in result.factors)


def test_a_different_planting_gives_a_different_order() -> None:
    weights = (0.05, 0.15, 0.6, 0.3)
    result = drivers.analyse(generate(weights, seed=3), [], CALLBACK_MASK)
    assert [f.factor for f in result.factors] == [
        "solution",
        "simplicity",
        "attitude",
        "timeliness",
    ]


def test_the_interval_holds_the_true_share_in_a_clear_case() -> None:
    # Independent factors and an unrounded overall: the population relative weights are then
    # the squared correlations, w_j² var(x) / Σ, each factor's share w_j² / Σ w².
    weights = (0.8, 0.5, 0.3, 0.1)
    truth = np.array(weights) ** 2 / sum(w * w for w in weights)
    result = drivers.analyse(generate(weights, integer=False, noise=0.4), [], CALLBACK_MASK)
    by_factor = {f.factor: f for f in result.factors}
    for name, share in zip(FACTORS, truth, strict=False):
        found = by_factor[name]
        assert found.interval is not None
        low, high = found.interval
        assert low <= share <= high, (name, share, found)
        assert high - low < 0.15  # informative, not [0, 1]
        assert found.importance == pytest.approx(share, abs=0.05)


def test_raw_weights_add_up_to_the_regressions_r_squared() -> None:
    rows = generate((0.5, 0.3, 0.2, 0.1), correlated=1.0, integer=False)
    days, per_day = drivers.by_day(rows, CALLBACK_MASK)
    eps, r2 = drivers.relative_weights(per_day.sum(axis=0)[None, :], 4)
    # The same R² by ordinary least squares on the covariance matrix.
    n, sy, syy, sx, sxy, sxx = (a[0] for a in drivers._unpack(per_day.sum(axis=0)[None, :], 4))
    cov = sxx - np.outer(sx, sx) / n
    cxy = sxy - sx * sy / n
    vy = syy - sy * sy / n
    beta = np.linalg.solve(cov, cxy)
    assert r2[0] == pytest.approx(beta @ cxy / vy, rel=1e-9)
    assert eps[0].sum() == pytest.approx(r2[0], rel=1e-9)
    assert len(days) == 60


def test_too_few_observations_are_refused_with_the_means_shown() -> None:
    rows = generate((0.5, 0.3, 0.2, 0.1), days=2, per_day=10)
    result = drivers.analyse(rows, [], CALLBACK_MASK)
    assert not result.ranked
    assert result.reason == "too_few"
    assert result.n == 20 < drivers.MIN_N
    assert all(f.importance is None and f.quadrant is None for f in result.factors)
    assert all(f.mean is not None for f in result.factors)
    assert result.weights == "equal"


def test_an_overall_score_that_never_varies_explains_nothing() -> None:
    rows = [(DAY0, CALLBACK_MASK, vector([i % 5 + 1, 3, 4, 2], 5)) for i in range(40)]
    result = drivers.analyse(rows, [], CALLBACK_MASK)
    assert result.reason == "no_variation"
    assert not result.ranked


def test_no_data() -> None:
    result = drivers.analyse([], [], CALLBACK_MASK)
    assert result.reason == "no_data"
    assert result.factors == []
    assert result.index is None


def test_a_factor_everyone_scored_the_same_has_no_importance() -> None:
    rng = random.Random(1)
    rows = []
    for d in range(10):
        for _ in range(10):
            x = [rng.randint(1, 5), rng.randint(1, 5), 5, rng.randint(1, 5)]
            rows.append((DAY0 + dt.timedelta(days=d), CALLBACK_MASK, vector(x, min(5, x[0]))))
    result = drivers.analyse(rows, [], CALLBACK_MASK)
    assert result.ranked
    by_factor = {f.factor: f for f in result.factors}
    assert by_factor["solution"].importance == 0
    assert by_factor["timeliness"].importance == max(f.importance or 0 for f in result.factors)


def test_complete_cases_of_the_most_common_questionnaire() -> None:
    four = drivers.mask_of(FACTORS[:4])
    six = drivers.mask_of(FACTORS[:6])
    two = drivers.mask_of(FACTORS[:2])
    rows = [
        (DAY0, four, [v * 50 for v in vector([3, 3, 3, 3], 3)]),
        (DAY0, six, [v * 30 for v in vector([4, 4, 4, 4, 4, 4], 4)]),
        (DAY0, two, [v * 70 for v in vector([1, 1], 1)]),
    ]
    # Surveys: the four-factor questionnaire has the most complete answers (50 + 30 ≥ the
    # 70 of two factors? no: the mode is by exact questionnaire, 70 two-factor answers).
    assert drivers.factor_set(rows, drivers.ALL_MASK) == two
    # Restricted to the callback factors, the six-factor answers count as four-factor ones.
    rows[2] = (DAY0, two, [v * 20 for v in vector([1, 1], 1)])
    assert drivers.factor_set(rows, CALLBACK_MASK) == four
    assert drivers.factor_set(rows, drivers.ALL_MASK) == four
    _days, per_day = drivers.by_day(rows, four)
    # Every answer that scored at least the four factors, and only those.
    assert per_day[0][0] == 80
    assert per_day[0][1] == 50 * 3 + 30 * 4


def test_the_index_weights_the_means_and_compares_with_the_same_weights() -> None:
    assert drivers.to_index([5, 1], [0.5, 0.5]) == 50.0
    assert drivers.to_index([5, 1], [0.75, 0.25]) == 75.0
    assert drivers.to_index([None, 3], [0.5, 0.5]) == 50.0
    weights = (0.55, 0.25, 0.12, 0.04)
    before = generate(weights, seed=1, days=30)
    now = generate(weights, seed=2, days=30)
    shifted = [(d + dt.timedelta(days=30), m, v) for d, m, v in now]
    result = drivers.analyse(shifted, before, CALLBACK_MASK)
    assert result.index is not None
    assert result.previous_index is not None
    assert 0 <= result.index <= 100
    assert result.index_change == pytest.approx(result.index - result.previous_index, abs=0.11)
    assert result.previous_n == 30 * 50
    mean_overall = sum(v[1] for _, _, v in shifted) / result.n
    assert result.overall_index == pytest.approx((mean_overall - 1) / 4 * 100, abs=0.06)


def test_quadrants() -> None:
    assert drivers.quadrant(0.4, 4.5, 4, 4.0) == "strength"
    assert drivers.quadrant(0.4, 3.5, 4, 4.0) == "fix"
    assert drivers.quadrant(0.1, 3.5, 4, 4.0) == "opportunity"
    assert drivers.quadrant(0.1, 4.5, 4, 4.0) == "maintain"


def test_t_quantiles() -> None:
    assert drivers.t_quantile(0.975, 1_000_000) == pytest.approx(1.95996, abs=1e-4)
    assert drivers.t_quantile(0.975, 10) == pytest.approx(2.228, abs=0.01)
    assert drivers.t_quantile(0.975, 4) == pytest.approx(2.776, abs=0.03)


def test_an_observation_without_overall_or_factors_is_not_counted() -> None:
    assert drivers.observation({"timeliness": 4}, None) is None
    assert drivers.observation({}, 4) is None
    mask, moments = drivers.observation({"timeliness": 4, "solution": 2}, 3) or (0, [])
    assert mask == 0b101
    assert moments == vector([4, None, 2], 3)
