"""The pure rules: what one complaint contributes, and reading figures from sums."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tousu.analytics import rules
from tousu.analytics.constants import HANDLING_EDGES_HOURS
from tousu.core.clock import SHANGHAI

T0 = dt.datetime(2026, 11, 11, 0, 30, tzinfo=SHANGHAI)
DIMS: rules.Dims = (3, "hotline", 1, 2, "ordinary", "5G畅享套餐129元")


def facts(**kw: object) -> rules.ComplaintFacts:
    base: dict[str, object] = {
        "dims": DIMS,
        "received_at": T0,
        "first_response_due": T0 + dt.timedelta(hours=1),
        "resolution_due": T0 + dt.timedelta(days=2),
    }
    base.update(kw)
    return rules.ComplaintFacts(**base)  # type: ignore[arg-type]


def test_an_open_complaint_counts_once_at_its_local_hour() -> None:
    parts = rules.contributions(facts())
    assert parts == {rules.hour_of(T0): {"registered": 1}}
    (hour,) = parts
    # 00:30 in Shanghai is 16:30 UTC the day before; the count row belongs to the local day.
    assert rules.local_day(hour) == dt.date(2026, 11, 11)
    assert rules.hour_start(hour) == dt.datetime(2026, 11, 11, tzinfo=SHANGHAI)


def test_a_closed_complaint_counts_at_registration_closing_and_callback() -> None:
    closed = T0 + dt.timedelta(hours=30)
    callback = rules.CallbackFacts(
        T0 + dt.timedelta(days=3), "satisfied", {"timeliness": 5, "attitude": None}
    )
    parts = rules.contributions(
        facts(
            accepted_at=T0 + dt.timedelta(minutes=10),
            resolved_at=closed,
            closed_at=closed,
            repeat=True,
            escalated=True,
            first_contact=True,
            remedies=(("refund", Decimal("58.50")), ("apology", Decimal(0))),
            callbacks=(callback,),
        )
    )
    assert parts == {
        rules.hour_of(T0): {
            "registered": 1,
            "repeats": 1,
            "escalated": 1,
            "fr_settled": 1,
            "fr_on_time": 1,
        },
        rules.hour_of(closed): {
            "closed": 1,
            "closed_on_time": 1,
            "handling_seconds": 30 * 3600,
            "h05": 1,  # [24, 48) hours
            "fcr": 1,
            "remedy_refund": 1,
            "remedy_apology": 1,
            "compensation_fen": 5850,
        },
        rules.hour_of(callback.done_at): {
            "callbacks": 1,
            "cb_satisfied": 1,
            "timeliness_n": 1,
            "timeliness_sum": 5,
        },
    }


def test_late_alerted_and_not_resolved_at_first_contact() -> None:
    closed = T0 + dt.timedelta(days=3)
    parts = rules.contributions(facts(first_response_alerted=True, closed_at=closed))
    assert parts[rules.hour_of(T0)] == {"registered": 1, "fr_settled": 1}
    assert "closed_on_time" not in parts[rules.hour_of(closed)]
    assert "fcr" not in parts[rules.hour_of(closed)]


def test_a_new_meaning_of_a_measure_changes_the_layout() -> None:
    # Counts kept under the old meaning of "fcr" (never transferred, returned or reopened) must
    # be recounted, not carried on by deltas: the fill job rebuilds when the layout changes.
    assert "fcr" in rules.REDEFINED
    assert rules._layout() == rules.LAYOUT
    saved = dict(rules.REDEFINED)
    try:
        rules.REDEFINED.clear()
        assert rules._layout() != rules.LAYOUT
    finally:
        rules.REDEFINED.update(saved)


def test_encode_decode_and_deltas() -> None:
    old = rules.encode(DIMS, rules.contributions(facts()))
    moved = (3, "web", 1, 2, "ordinary", "5G畅享套餐129元")
    new = rules.encode(moved, rules.contributions(facts(dims=moved)))
    assert rules.decode(old) == (DIMS, rules.contributions(facts()))
    hour = rules.hour_of(T0)
    assert rules.deltas([(old, new)]) == {
        (hour, *DIMS): {"registered": -1},
        (hour, *moved): {"registered": 1},
    }
    assert rules.deltas([(None, old), (old, None)]) == {(hour, *DIMS): {"registered": 0}}


@pytest.mark.parametrize(
    ("hours", "bucket"),
    [(0, "h00"), (1.99, "h00"), (2, "h01"), (23.9, "h04"), (24, "h05"), (720, "h13"), (9e9, "h13")],
)
def test_handling_buckets(hours: float, bucket: str) -> None:
    assert rules.handling_bucket(int(hours * 3600)) == bucket
    assert len(rules.HISTOGRAM) == len(HANDLING_EDGES_HOURS) + 1


def test_percentile_interpolates_inside_the_bucket() -> None:
    assert rules.percentile_hours({}) is None
    # 10 closed in [8, 12): the 9th of 10 sits 90 % into the bucket.
    assert rules.percentile_hours({"h03": 10}) == 11.6
    # 1 each in [2,4), [24,48), [120,168): 90 % of 3 = 2.7 → 0.7 into [120, 168).
    assert rules.percentile_hours({"h01": 1, "h05": 1, "h09": 1}) == 153.6
    assert rules.percentile_hours({"h13": 3}) == 720.0


def test_ratio_and_change() -> None:
    assert rules.ratio(1, 3) == 0.3333
    assert rules.ratio(0, 0) is None
    assert rules.change(4, 2) == 1.0
    assert rules.change(4, 0) is None
    assert rules.change(None, 2) is None


@pytest.mark.parametrize(
    ("used", "daily", "hourly"),
    [
        (set(), (), ()),
        ({"region"}, ("region",), ("region",)),
        # A department supervisor's category mix: a pair by day, the cube by hour.
        ({"department", "category"}, ("category", "department"), rules.DIMENSIONS),
        ({"region", "channel"}, ("channel", "region"), rules.DIMENSIONS),
        ({"category", "channel"}, rules.DIMENSIONS, rules.DIMENSIONS),  # no such pair kept
        ({"department", "region", "channel"}, rules.DIMENSIONS, rules.DIMENSIONS),
    ],
)
def test_the_smallest_roll_up_each_table_keeps(
    used: set[str], daily: tuple[str, ...], hourly: tuple[str, ...]
) -> None:
    assert rules.ROLLUPS[rules.rollup_for(used)] == daily
    assert rules.ROLLUPS[rules.rollup_for(used, hourly=True)] == hourly


def test_the_layout_fingerprint_follows_the_roll_ups(monkeypatch: pytest.MonkeyPatch) -> None:
    assert rules._layout() == rules.LAYOUT
    monkeypatch.setitem(rules.ROLLUPS, 11, ("level",))
    assert rules._layout() != rules.LAYOUT
