"""The pure rules: typing (the table in rules.py), who is dissatisfied, and the statistics."""

from __future__ import annotations

import random

import pytest

from tousu.repair import rules


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"reasons": ["slow", "network"], "category": "billing.tariff_dispute"}, "network"),
        ({"reasons": ["tariff", "data_usage"]}, "data_usage"),
        ({"reasons": ["publicity"], "category": "network.coverage"}, "publicity"),
        ({"factor_scores": {"network": 4, "tariff": 2, "publicity": 1}}, "publicity"),
        ({"factor_scores": {"network": 2, "tariff": 2}}, "network"),
        ({"factor_scores": {"attitude": 1, "network": 3}}, "complaint"),
        ({"category": "network.coverage"}, "network"),
        ({"category": "billing.unexplained_charge", "content": "上月流量费多扣了"}, "data_usage"),
        ({"category": "billing.tariff_dispute", "content": "套餐月费太贵"}, "tariff"),
        ({"category": "marketing.false_advertising"}, "publicity"),
        ({"category": "service.attitude", "reasons": ["attitude"]}, "complaint"),
        ({}, "complaint"),
    ],
)
def test_the_type_follows_the_rule_table(kw: dict[str, object], expected: str) -> None:
    assert rules.repair_type(**kw) == expected  # type: ignore[arg-type]


def test_who_a_callback_finds() -> None:
    assert rules.callback_source("dissatisfied", None) == "callback"
    assert rules.callback_source("basically_satisfied", 2) == "callback"
    assert rules.callback_source("unreachable", None) == "unreachable"
    assert rules.callback_source("satisfied", 4) is None
    assert rules.callback_source("basically_satisfied", 3) is None


def test_who_a_survey_finds() -> None:
    assert rules.survey_finds(2, {})
    assert rules.survey_finds(3, {"network": 1})
    assert not rules.survey_finds(3, {"network": 2})
    assert not rules.survey_finds(4, {"network": 1})


def test_satisfaction_before_is_the_overall_else_the_mean_of_the_factors() -> None:
    assert rules.satisfaction_of(2, {"timeliness": 5}) == 2
    assert rules.satisfaction_of(None, {"timeliness": 2, "attitude": 3}) == 3
    assert rules.satisfaction_of(None, {"timeliness": None}) is None


def test_wilson_interval_holds_the_rate_and_stays_within_0_and_1() -> None:
    low, high = rules.wilson(0, 10) or (9.0, 9.0)
    assert low == 0
    assert 0.2 < high < 0.35
    low, high = rules.wilson(50, 100) or (9.0, 9.0)
    assert 0.39 < low < 0.5 < high < 0.61
    assert rules.wilson(1, 0) is None


def _group(rng: random.Random, n: int, before: float, lift: float, repeat: float) -> rules.Stratum:
    s = rules.Stratum(cases=n)
    for _ in range(n):
        b = max(1, min(5, round(rng.gauss(before, 0.7))))
        a = max(1, min(5, round(rng.gauss(before + lift, 0.7))))
        for m, v in ((s.before, b), (s.after, a), (s.change, a - b)):
            m.n += 1
            m.total += v
            m.squares += v * v
        s.repeat_known += 1
        s.repeats += rng.random() < repeat
    return s


def _world(seed: int, lift: float, repeat_repaired: float, scale: int = 1) -> rules.Effect:
    rng = random.Random(seed)
    repaired, others = {}, {}
    # Two strata with different baselines and different mixes in the two groups: an unweighted
    # comparison would be biased by the mix; the weighting removes it.
    for key, before, n_rep, n_cmp in ((("network", "五星", "1"), 1.6, 300, 100),
                                      (("tariff", "一星", "2"), 2.4, 100, 300)):  # fmt: skip
        repaired[key] = _group(rng, n_rep * scale, before, lift, repeat_repaired)
        others[key] = _group(rng, n_cmp * scale, before, 0.0, 0.30)
    return rules.effect(repaired, others)


def test_a_planted_effect_is_found_within_its_interval() -> None:
    effect = _world(9, lift=1.5, repeat_repaired=0.10)  # 95% intervals: 5% of seeds miss
    # The planted lift of 1.5 is shrunk by rounding and clipping to the 1–5 scale: its true
    # size on the scale, from the same world a hundred times larger.
    true = _world(8, lift=1.5, repeat_repaired=0.10, scale=100).difference["after"].value
    assert true is not None
    assert 1.0 < true < 1.5
    after = effect.difference["after"]
    assert after.interval is not None
    assert after.interval[0] < true < after.interval[1]
    assert after.interval[0] > 0  # beyond chance
    rate = effect.difference["repeat_rate_90d"]
    assert rate.interval is not None
    assert rate.interval[0] < -0.20 < rate.interval[1]
    assert rate.interval[1] < 0
    assert effect.strata == 2
    assert effect.repaired_cases == 400
    assert effect.comparison_cases == 400


def test_no_effect_is_reported_when_there_is_none() -> None:
    effect = _world(11, lift=0.0, repeat_repaired=0.30)
    for name in ("after", "change", "repeat_rate_90d"):
        d = effect.difference[name]
        assert d.interval is not None
        assert d.interval[0] < 0 < d.interval[1], name


def test_strata_without_both_groups_are_left_out_and_counted() -> None:
    rng = random.Random(3)
    repaired = {("network", "", "1"): _group(rng, 20, 2, 1, 0.1),
                ("tariff", "", "1"): _group(rng, 5, 2, 1, 0.1)}  # fmt: skip
    others = {("network", "", "1"): _group(rng, 20, 2, 0, 0.3)}
    effect = rules.effect(repaired, others)
    assert effect.repaired_cases == 20
    assert effect.unmatched_cases == 5
