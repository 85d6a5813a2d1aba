"""The effectiveness rule on fixtures with and without a planted effect (no database)."""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest

from tousu.quality import rules


def poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: small means only.
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def days(rng: random.Random, per_day: float, n: int = 30) -> int:
    return sum(poisson(rng, per_day) for _ in range(n))


def test_a_planted_halving_is_found_effective_in_most_draws() -> None:
    rng = random.Random(16)
    found = 0
    for _ in range(200):
        before, after = days(rng, 2.0), days(rng, 1.0)
        found += rules.effect(
            before=before, after=after, exposure_before=30, exposure_after=30
        ).effective
    assert found >= 180  # power about 0.93 at 60 against 30 complaints (materiality too)


def test_without_an_effect_it_is_rarely_called_effective() -> None:
    rng = random.Random(17)
    false = 0
    for _ in range(400):
        before, after = days(rng, 2.0), days(rng, 2.0)
        false += rules.effect(
            before=before, after=after, exposure_before=30, exposure_after=30
        ).effective
    assert false / 400 <= rules.ALPHA  # a one-sided 5% test, and materiality on top


def test_the_figures_of_a_clear_fall() -> None:
    result = rules.effect(before=40, after=15, exposure_before=30, exposure_after=30)
    assert result.verdict == "effective"
    assert result.ratio == pytest.approx(0.375)
    assert result.rate_before == pytest.approx(40 / 30, abs=1e-6)
    # P(X ≤ 15 | 55, ½), computed independently.
    exact = sum(math.comb(55, k) for k in range(16)) / 2**55
    assert result.p_value == pytest.approx(exact, abs=1e-6)
    assert result.interval is not None
    low, high = result.interval
    assert result.ratio is not None
    assert low < result.ratio < high < 1


def test_a_small_sample_is_not_significant_and_a_small_fall_not_material() -> None:
    small = rules.effect(before=4, after=1, exposure_before=30, exposure_after=30)
    assert (small.effective, small.verdict) == (False, "not_significant")
    # 10% fewer over huge counts: significant, but not worth calling an effect.
    slight = rules.effect(before=10_000, after=9_000, exposure_before=30, exposure_after=30)
    assert slight.p_value is not None
    assert slight.p_value < 0.001
    assert (slight.effective, slight.verdict) == (False, "not_material")
    rise = rules.effect(before=10, after=14, exposure_before=30, exposure_after=30)
    assert rise.verdict == "no_fall"
    assert rules.effect(before=0, after=0, exposure_before=30, exposure_after=30).verdict == (
        "no_data"
    )


def test_exposures_weigh_a_flag_rate() -> None:
    # 12 flags in 100 closed before, 6 in 200 after: the rate fell to a quarter.
    result = rules.effect(before=12, after=6, exposure_before=100, exposure_after=200)
    assert result.ratio == pytest.approx(0.25)
    assert result.effective
    # The same counts over the same exposures would not be.
    assert not rules.effect(before=12, after=6, exposure_before=100, exposure_after=50).effective


def test_clopper_pearson_matches_known_values() -> None:
    low, high = rules.clopper_pearson(3, 10)
    assert low == pytest.approx(0.0667, abs=1e-4)
    assert high == pytest.approx(0.6525, abs=1e-4)
    assert rules.clopper_pearson(0, 10)[0] == 0.0
    assert rules.clopper_pearson(10, 10)[1] == 1.0


def test_periods_and_overdue_stages() -> None:
    p = rules.periods(dt.date(2026, 9, 1), dt.date(2026, 9, 20), 30)
    assert (p.before_first, p.before_last) == (dt.date(2026, 8, 2), dt.date(2026, 8, 31))
    assert (p.after_first, p.after_last) == (dt.date(2026, 9, 21), dt.date(2026, 10, 20))
    assert p.verifiable_on == dt.date(2026, 10, 21)
    due = dt.date(2026, 9, 10)
    assert rules.overdue_stage(due, due) == 0
    assert rules.overdue_stage(due, due + dt.timedelta(days=1)) == 1
    assert rules.overdue_stage(due, due + dt.timedelta(days=rules.ESCALATE_AFTER_DAYS)) == 2
