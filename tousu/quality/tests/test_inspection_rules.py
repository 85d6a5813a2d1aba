"""The pure rules of quality inspection: the weighted total and its fatal items, the
reproducible draw, assignment by load, the appeal deadline in working days, and the
calibration agreement on Krippendorff's own example."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tousu.core.clock import SHANGHAI
from tousu.quality import rules
from tousu.sla.rules import Calendar

ITEMS = [
    rules.ItemRule("timeliness", 20, 5),
    rules.ItemRule("attitude", 20, 5, fatal=True),
    rules.ItemRule("explanation", 20, 5),
    rules.ItemRule("standard", 20, 5, fatal=True),
    rules.ItemRule("records", 10, 5),
    rules.ItemRule("wording", 10, 5),
]
FULL = {"timeliness": 5, "attitude": 5, "explanation": 5, "standard": 5, "records": 5, "wording": 5}


def test_full_marks_are_100_and_each_item_counts_by_its_weight() -> None:
    assert rules.score_total(ITEMS, FULL) == rules.Total(Decimal("100.0"), False)
    # Timeliness 3/5 loses 2/5 of its 20 points; wording 0/5 loses its 10 (not fatal).
    points = {**FULL, "timeliness": 3, "wording": 0}
    assert rules.score_total(ITEMS, points) == rules.Total(Decimal("82.0"), False)


def test_weights_need_not_add_up_to_100_and_scales_may_differ() -> None:
    items = [rules.ItemRule("a", 1, 10), rules.ItemRule("b", 2, 3)]
    # (1·7/10 + 2·2/3) / 3 = 0.6778 → 67.8
    assert rules.score_total(items, {"a": 7, "b": 2}).total == Decimal("67.8")


def test_a_fatal_item_failed_zeroes_the_score() -> None:
    result = rules.score_total(ITEMS, {**FULL, "standard": 0})
    assert result == rules.Total(Decimal(0), True)
    # A fatal item scored low but not failed only costs its weight.
    assert rules.score_total(ITEMS, {**FULL, "attitude": 1}).total == Decimal("84.0")


def test_the_draw_is_reproducible_and_depends_on_the_seed() -> None:
    ids = list(range(1, 101))
    first = rules.sample_draw(ids, 5, "2026:2026-11-30:7")
    assert first == rules.sample_draw(list(reversed(ids)), 5, "2026:2026-11-30:7")
    assert len(first) == 5
    assert set(first) <= set(ids)
    # Another handler (or period, or plan seed) draws independently.
    assert rules.sample_draw(ids, 5, "2026:2026-11-30:8") != first
    assert rules.sample_draw([3, 1], 5, "x") == [1, 3]


@pytest.mark.parametrize(
    ("closed", "available", "share", "minimum", "size"),
    [
        (100, 100, Decimal("0.05"), 1, 5),
        (41, 41, Decimal("0.05"), 1, 3),  # 2.05 rounds up
        (10, 10, Decimal("0.05"), 2, 2),  # the minimum
        (10, 1, Decimal("0.05"), 2, 1),  # no more than are left
        (0, 0, Decimal("0.05"), 2, 0),
    ],
)
def test_sample_size(closed: int, available: int, share: Decimal, minimum: int, size: int) -> None:
    assert rules.sample_size(closed, available, share, minimum) == size


def test_tasks_go_to_the_least_loaded_inspector_in_turn() -> None:
    assert rules.assign_by_load({1: 3, 2: 0, 3: 1}, 5) == [2, 2, 3, 2, 3]
    assert rules.assign_by_load({}, 3) == []


def test_periods_are_weeks_from_monday() -> None:
    assert rules.period_of(dt.date(2026, 12, 6), 7) == (dt.date(2026, 11, 30), dt.date(2026, 12, 7))
    assert rules.period_of(dt.date(2026, 11, 30), 7)[0] == dt.date(2026, 11, 30)


def test_the_appeal_deadline_counts_working_days() -> None:
    cal = Calendar(holidays=frozenset({dt.date(2026, 12, 8)}))
    friday = dt.datetime(2026, 12, 4, 15, 0, tzinfo=SHANGHAI)
    # Mon 7, (Tue 8 a holiday), Wed 9, Thu 10: the close of business on Thursday.
    assert rules.appeal_deadline(friday, 3, cal) == dt.datetime(
        2026, 12, 10, 18, 0, tzinfo=SHANGHAI
    )


def test_krippendorffs_alpha_on_his_own_interval_example() -> None:
    """Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the 4 observers ×
    12 units example with missing values: interval alpha = 0.849."""
    n = None
    a = [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n]
    b = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3]
    c = [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n]
    d = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n]
    units = [[v for v in column if v is not None] for column in zip(a, b, c, d, strict=True)]
    assert rules.krippendorff_alpha_interval(units) == pytest.approx(0.849, abs=0.0005)


def test_perfect_agreement_and_none_without_variation() -> None:
    assert rules.krippendorff_alpha_interval([[1, 1], [3, 3], [5, 5]]) == 1.0
    assert rules.krippendorff_alpha_interval([[4, 4], [4, 4]]) is None
    assert rules.krippendorff_alpha_interval([[4]]) is None


def test_alpha_is_undefined_exactly_when_nothing_varies_and_one_only_without_disagreement() -> None:
    """One rule for "—" and 1.00: no variance in the data → undefined (even for decimals whose
    float sums do not cancel exactly); variance and no disagreement → 1; any disagreement
    shows below 1.00, however large the spread of the totals."""
    assert rules.krippendorff_alpha_interval([[82.3, 82.3], [82.3, 82.3], [82.3, 82.3]]) is None
    assert rules.krippendorff_alpha_interval([[0, 0], [5, 5], [5, 5]]) == 1.0
    totals = [[0.0, 0.0], [98.0, 96.0], [100.0, 98.0]]  # 1.33 points apart on average
    alpha = rules.krippendorff_alpha_interval(totals)
    assert alpha is not None
    assert round(alpha, 2) == 1.0  # what the report used to show
    assert rules.alpha_shown(alpha) == 0.99
    assert rules.alpha_shown(1.0) == 1.0
    assert rules.alpha_shown(0.29) == 0.29  # no float drift below the shown digit
    # One inspector a point stricter on every complaint: barely better than chance.
    wording = rules.krippendorff_alpha_interval([[5, 4], [4, 3], [5, 4]])
    assert wording is not None
    assert rules.alpha_shown(wording) == 0.11
    assert rules.mean_absolute_difference([[80, 90, 85], [70, 70]]) == pytest.approx(20 / 4)
    assert rules.mean_absolute_difference([[1]]) is None


# ---- whose handling is scored ------------------------------------------------------------------

ASSIGNED, AGENT, FIRST, SECOND, SUPERVISOR = 1, 2, 3, 4, 5


def test_the_one_who_resolved_is_scored_not_the_handler_dispatch_named() -> None:
    events = [("registered", AGENT), ("dispatched", None), ("resolved", AGENT), ("closed", AGENT)]
    assert rules.inspected_handler(events, ASSIGNED) == AGENT


def test_after_a_reopen_the_author_of_the_outcome_that_stands() -> None:
    events = [
        ("accepted", FIRST),
        ("resolved", FIRST),
        ("closed", FIRST),
        ("reopened", None),
        ("transferred", SUPERVISOR),  # passes it on: not handling it
        ("accepted", SECOND),
        ("resolved", SECOND),
        ("closed", SUPERVISOR),  # closing after the reply judges nothing of the outcome
    ]
    assert rules.inspected_handler(events, SECOND) == SECOND


def test_without_a_resolution_the_last_who_worked_it_then_the_assigned_handler() -> None:
    transferred = [("accepted", FIRST), ("transferred", FIRST), ("handling_step", SECOND)]
    assert rules.inspected_handler(transferred, ASSIGNED) == SECOND
    assert rules.inspected_handler([("registered", AGENT), ("note", AGENT)], ASSIGNED) == ASSIGNED
    assert rules.inspected_handler([], None) is None
