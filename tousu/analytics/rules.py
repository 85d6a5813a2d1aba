"""Pure rules of the count tables (D11) and the KPIs (R11.1): what one complaint adds to the
counts, and how figures are read from summed counts. No database here.

A complaint contributes to up to three kinds of hourly slot, each at the time its measures
happened, all under the complaint's *current* dimensions (category, channel, region,
department, level) and its product (the customer's plan when it was registered, a snapshot):

- registration, at `received_at`: registered; repeats (`repeat_of` set); escalated (the
  timeline holds an `escalated` event); first response settled (accepted, or alerted as
  overdue while unaccepted) and of those accepted within `first_response_due`;
- closing, at `closed_at` (closed complaints only): closed; closed on time (resolved — or
  closed — no later than `resolution_due`); handling seconds (received → closed) and their
  histogram; first-contact resolution (the outcome it closed with was recorded by the person
  who registered it, at first contact, within their authority: `Complaint.first_contact`);
  the remedies granted, by type, and their money sum (compensation);
- callback, at each done callback's `done_at`: its result and the 1–5 scores it recorded.

A reopened complaint is no longer closed: its closing slot goes away until it closes again.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from tousu.analytics import drivers
from tousu.analytics.constants import HANDLING_EDGES_HOURS
from tousu.callbacks.choices import SCORE_FACTORS, CallbackResult
from tousu.core.clock import SHANGHAI
from tousu.resolution.choices import RemedyType

HISTOGRAM = tuple(f"h{i:02d}" for i in range(len(HANDLING_EDGES_HOURS) + 1))
REMEDY_MEASURES = {t: f"remedy_{t}" for t in RemedyType.values}
RESULT_MEASURES = {r: f"cb_{r}" for r in CallbackResult.values}
SCORE_MEASURES = {f: (f"{f}_n", f"{f}_sum") for f in SCORE_FACTORS}

REGISTRATION_MEASURES = ("registered", "repeats", "escalated", "fr_settled", "fr_on_time")
CLOSING_MEASURES = (
    "closed",
    "closed_on_time",
    "handling_seconds",
    "fcr",
    "compensation_fen",
    *HISTOGRAM,
    *REMEDY_MEASURES.values(),
)
CALLBACK_MEASURES = (
    "callbacks",
    *RESULT_MEASURES.values(),
    *(name for pair in SCORE_MEASURES.values() for name in pair),
)
# Every column of the count tables that is summed, in a fixed order.
MEASURES: tuple[str, ...] = REGISTRATION_MEASURES + CLOSING_MEASURES + CALLBACK_MEASURES

# (category id, channel, region id, department id, level, product); 0 (or "" for the product)
# stands for "none" so that the unique key of a count row has no NULL in it (NULLs are never
# equal in a unique index).
Dims = tuple[int, str, int, int, str, str]
# An hour as whole hours since the epoch (UTC); Asia/Shanghai is UTC+8 all year, so UTC hours
# and local hours have the same boundaries.
Hour = int
Contributions = dict[Hour, dict[str, int]]

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# The product is in the cube only (no roll-up of its own): early warning reads it there, per
# hour, to find spikes of one plan's complaints (R10.1); no dashboard slices by it yet.
DIMENSIONS = ("category", "channel", "region", "department", "level", "product")
# Roll-ups kept beside the full cube (rollup 0), so that the common questions read a few rows
# per period instead of every combination in use: totals; one dimension's mix or filter; and
# a mix within one department or region — what a department supervisor's or a region
# manager's dashboard asks, their scope being a filter on top of every mix.
# rollup → the dimensions it keeps; the others hold 0 / "*" ("all").
ROLLUPS: dict[int, tuple[str, ...]] = {
    0: DIMENSIONS,
    1: (),
    2: ("category",),
    3: ("channel",),
    4: ("region",),
    5: ("department",),
    6: ("category", "department"),
    7: ("channel", "department"),
    8: ("region", "department"),
    9: ("category", "region"),
    10: ("channel", "region"),
}
# The hourly table keeps the cube and the roll-ups of at most one dimension: hours are read
# only at the edges of a period (a few dozen rows), and within an hour the pairs of dimensions
# rarely repeat, so pair roll-ups there would double the largest table for little.
HOURLY_ROLLUPS: tuple[int, ...] = tuple(r for r, kept in ROLLUPS.items() if len(kept) != 2)


def rollups_kept(*, hourly: bool) -> tuple[int, ...]:
    """The roll-ups the hourly table, or the daily and monthly tables, keep."""
    return HOURLY_ROLLUPS if hourly else tuple(ROLLUPS)


ALL = {"category": 0, "channel": "*", "region": 0, "department": 0, "level": "*", "product": "*"}


# Measures whose meaning changed since they were first counted, with the release's reason: a
# new meaning under the same column changes the layout too, so that nothing is kept that was
# counted the old way. Issue 13: "fcr" was "never transferred, returned or reopened".
REDEFINED = {"fcr": "resolved by its registering agent at first contact (issue 13)"}


# The measures counted by responsible department and staff (R6.4, issue 13), per Asia/Shanghai
# day of closing. In the layout too: a release that adds this table counts everything again,
# which is what fills it for the complaints closed before.
RESPONSIBLE_MEASURES = ("closed", "fcr", "compensation_fen")
# The grain of those counts, in the layout: they were kept by month, which made the dashboard's
# table count whole months beside cards that count the period's days; a day fills it again.
RESPONSIBLE_GRAIN = "day"


# The satisfaction observations (R8.3, drivers.py) are counted per day, source and slice, with
# the roll-ups a dashboard or report asks for most (as ROLLUPS, without the level: a callback's
# scores are about the handling, not the complaint's level). Sources: callbacks, and the
# operator's own surveys (a survey has only its customer's region; its other dimensions hold
# 0 / "", so slicing by department, category or channel leaves surveys out).
SATISFACTION_SOURCES = ("callback", "survey")
SATISFACTION_DIMENSIONS = ("department", "region", "category", "channel")
SATISFACTION_ROLLUPS: dict[int, tuple[str, ...]] = {
    0: SATISFACTION_DIMENSIONS,
    1: (),
    2: ("department",),
    3: ("region",),
    4: ("category",),
    5: ("channel",),
    6: ("category", "department"),
    7: ("channel", "department"),
    8: ("region", "department"),
    9: ("category", "region"),
    10: ("channel", "region"),
}
SATISFACTION_ALL: dict[str, int | str] = {
    "department": 0,
    "region": 0,
    "category": 0,
    "channel": "*",
}


def _layout() -> str:
    """A fingerprint of what the count tables hold: a release that changes the dimensions,
    roll-ups, measures or a measure's meaning changes it, and the fill job then counts
    everything again."""
    described = repr(
        (
            DIMENSIONS,
            sorted(ROLLUPS.items()),
            HOURLY_ROLLUPS,
            MEASURES,
            sorted(REDEFINED.items()),
            RESPONSIBLE_MEASURES,
            RESPONSIBLE_GRAIN,
            drivers.FACTORS,
            drivers.MOMENT_COLUMNS,
            sorted(SATISFACTION_ROLLUPS.items()),
            "callback overall",
        )
    ).encode()
    return hashlib.sha256(described).hexdigest()[:12]


LAYOUT = _layout()


def rolled_up(dims: Dims, rollup: int) -> Dims:
    kept = ROLLUPS[rollup]
    return cast(
        "Dims",
        tuple(v if name in kept else ALL[name] for name, v in zip(DIMENSIONS, dims, strict=True)),
    )


def rollup_for(used: set[str], *, hourly: bool = False) -> int:
    """The smallest roll-up (of the hourly table's, or the daily and monthly tables') that
    keeps every dimension in `used`; 0, the cube, when none smaller does."""
    kept_by = sorted(
        ((r, ROLLUPS[r]) for r in rollups_kept(hourly=hourly)), key=lambda rk: len(rk[1])
    )
    for rollup, kept in kept_by:
        if used <= set(kept):
            return rollup
    return 0  # pragma: no cover - rollup 0 keeps every dimension


def hour_of(moment: dt.datetime) -> Hour:
    return int((moment - EPOCH).total_seconds() // 3600)


def hour_start(hour: Hour) -> dt.datetime:
    return EPOCH + dt.timedelta(hours=hour)


def local_day(hour: Hour) -> dt.date:
    """The Asia/Shanghai date of an hour."""
    return hour_start(hour).astimezone(SHANGHAI).date()


@dataclass(frozen=True)
class CallbackFacts:
    done_at: dt.datetime
    result: str
    scores: Mapping[str, int | None] = field(default_factory=dict)
    overall: int | None = None  # 1–5, what the factor scores drive (R8.3)


@dataclass(frozen=True)
class ComplaintFacts:
    """What the count tables need to know about one complaint, read from its row, timeline,
    remedies and callbacks."""

    dims: Dims
    received_at: dt.datetime
    first_response_due: dt.datetime
    resolution_due: dt.datetime
    accepted_at: dt.datetime | None = None
    first_response_alerted: bool = False
    resolved_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    repeat: bool = False
    escalated: bool = False
    first_contact: bool = False  # resolved by its registering agent at first contact
    remedies: tuple[tuple[str, Decimal], ...] = ()
    callbacks: tuple[CallbackFacts, ...] = ()
    responsible_department: int = 0  # 0 = none confirmed
    responsible_staff: int = 0  # 0 = none named


def handling_bucket(seconds: int) -> str:
    return HISTOGRAM[bisect.bisect_right(HANDLING_EDGES_HOURS, seconds / 3600)]


def contributions(facts: ComplaintFacts) -> Contributions:
    """The counts one complaint adds, by hour; only non-zero measures are listed."""
    out: Contributions = {}

    def add(hour: Hour, name: str, value: int = 1) -> None:
        if value:
            slot = out.setdefault(hour, {})
            slot[name] = slot.get(name, 0) + value

    at = hour_of(facts.received_at)
    add(at, "registered")
    add(at, "repeats", int(facts.repeat))
    add(at, "escalated", int(facts.escalated))
    if facts.accepted_at is not None or facts.first_response_alerted:
        add(at, "fr_settled")
        on_time = facts.accepted_at is not None and facts.accepted_at <= facts.first_response_due
        add(at, "fr_on_time", int(on_time))
    if facts.closed_at is not None:
        at = hour_of(facts.closed_at)
        add(at, "closed")
        settled = facts.resolved_at or facts.closed_at
        add(at, "closed_on_time", int(settled <= facts.resolution_due))
        seconds = max(0, int((facts.closed_at - facts.received_at).total_seconds()))
        add(at, "handling_seconds", seconds)
        add(at, handling_bucket(seconds))
        add(at, "fcr", int(facts.first_contact))
        for kind, amount in facts.remedies:
            add(at, REMEDY_MEASURES[kind])
            add(at, "compensation_fen", int((amount * 100).to_integral_value()))
    for callback in facts.callbacks:
        at = hour_of(callback.done_at)
        add(at, "callbacks")
        add(at, RESULT_MEASURES[callback.result])
        for factor, (n, total) in SCORE_MEASURES.items():
            score = callback.scores.get(factor)
            if score is not None:
                add(at, n)
                add(at, total, score)
    return out


def responsible_contribution(facts: ComplaintFacts) -> tuple[dt.date, dict[str, int]] | None:
    """What a closed complaint adds to the counts by responsible department: the Asia/Shanghai
    day it closed on and the closing measures of RESPONSIBLE_MEASURES, counted exactly as in
    `contributions` (so on the same day as the cards count it). None while it is not
    closed."""
    if facts.closed_at is None:
        return None
    at = hour_of(facts.closed_at)
    closing = contributions(facts).get(at, {})
    return local_day(at), {m: closing.get(m, 0) for m in RESPONSIBLE_MEASURES}


# Satisfaction observations -------------------------------------------------------------------

# One observation as kept in SatisfactionFact.data: [day (YYYY-MM-DD), department, region,
# category, channel, factor mask, moments (drivers.MOMENT_COLUMNS)].
Observation = list[Any]
SatisfactionDims = tuple[int, int, int, str]  # department, region, category, channel
# source, day label, dims, mask
SatisfactionCube = tuple[str, str, int, int, int, str, int]


def callback_observations(facts: ComplaintFacts) -> list[Observation]:
    """The satisfaction observations of a complaint's scored callbacks, each on the
    Asia/Shanghai day it was done, under the complaint's current dimensions."""
    category, channel, region, department, _level, _product = facts.dims
    out: list[Observation] = []
    for callback in facts.callbacks:
        found = drivers.observation(callback.scores, callback.overall)
        if found is not None:
            day = local_day(hour_of(callback.done_at)).isoformat()
            out.append([day, department, region, category, channel, found[0], found[1]])
    return out


def survey_observations(
    surveyed_at: dt.datetime, region: int, scores: Mapping[str, Any], overall: int | None
) -> list[Observation]:
    """The observation of one survey answer: its day and its customer's region. Scores of
    factors the code does not know, or not 1–5, are left out."""
    clean = {
        name: int(v)
        for name, v in scores.items()
        if name in drivers.FACTORS
        and isinstance(v, int)
        and not isinstance(v, bool)
        and 1 <= v <= 5
    }
    found = drivers.observation(clean, overall)
    if found is None:
        return []
    day = local_day(hour_of(surveyed_at)).isoformat()
    return [[day, 0, region, 0, "", found[0], found[1]]]


def satisfaction_deltas(
    source: str, changes: Iterable[tuple[list[Observation] | None, list[Observation] | None]]
) -> dict[SatisfactionCube, list[int]]:
    """Sum of (new − old) moments per cube row over (old, new) observation lists."""
    out: dict[SatisfactionCube, list[int]] = {}
    width = len(drivers.MOMENT_COLUMNS)
    for old, new in changes:
        for data, sign in ((old, -1), (new, 1)):
            for day, department, region, category, channel, mask, vector in data or ():
                key = (source, day, department, region, category, channel, mask)
                row = out.setdefault(key, [0] * width)
                for i, value in enumerate(vector):
                    row[i] += sign * value
    return out


def satisfaction_rolled_up(dims: SatisfactionDims, rollup: int) -> SatisfactionDims:
    kept = SATISFACTION_ROLLUPS[rollup]
    return cast(
        "SatisfactionDims",
        tuple(
            v if name in kept else SATISFACTION_ALL[name]
            for name, v in zip(SATISFACTION_DIMENSIONS, dims, strict=True)
        ),
    )


def satisfaction_key(day: str, source: str, rollup: int, dims: Iterable[Any], mask: int) -> str:
    """SatisfactionCount.key; the rebuild makes the same string in SQL."""
    return "|".join([day, source, str(rollup), *(str(d) for d in dims), str(mask)])


def satisfaction_rollup_for(used: set[str]) -> int:
    """The smallest satisfaction roll-up that keeps every dimension in `used`."""
    for rollup, kept in sorted(SATISFACTION_ROLLUPS.items(), key=lambda rk: len(rk[1])):
        if used <= set(kept):
            return rollup
    return 0  # pragma: no cover - rollup 0 keeps every dimension


def encode(dims: Dims, parts: Contributions) -> dict[str, object]:
    """The JSON form kept per complaint (ComplaintFact.data)."""
    return {"d": list(dims), "s": {str(h): m for h, m in sorted(parts.items())}}


def decode(data: Mapping[str, object]) -> tuple[Dims, Contributions]:
    d = cast("list[Any]", data["d"])
    s = cast("dict[str, dict[str, int]]", data["s"])
    # Kept before the product was counted: none. (A release that adds a dimension changes the
    # layout, and the rebuild replaces these; the fill job may still read one before that.)
    product = str(d[5]) if len(d) > 5 else ""
    dims: Dims = (int(d[0]), str(d[1]), int(d[2]), int(d[3]), str(d[4]), product)
    return dims, {int(h): dict(m) for h, m in s.items()}


Key = tuple[Hour, int, str, int, int, str, str]


def deltas(
    changes: Iterable[tuple[Mapping[str, object] | None, Mapping[str, object] | None]],
) -> dict[Key, dict[str, int]]:
    """Sum of (new − old) per hourly row key over (old, new) encoded contributions."""
    out: dict[Key, dict[str, int]] = {}
    for old, new in changes:
        for data, sign in ((old, -1), (new, 1)):
            if data is None:
                continue
            dims, parts = decode(data)
            for hour, measures in parts.items():
                row = out.setdefault((hour, *dims), {})
                for name, value in measures.items():
                    row[name] = row.get(name, 0) + sign * value
    return out


# Reading figures from summed counts ---------------------------------------------------------


def ratio(part: int, whole: int, digits: int = 4) -> float | None:
    """part / whole, or None when there is nothing to divide by (not 0: "no data" ≠ "0 %")."""
    return round(part / whole, digits) if whole else None


def change(current: float | int | None, previous: float | int | None) -> float | None:
    """Relative change from previous to current; None when previous is 0 or unknown."""
    if current is None or not previous:
        return None
    return round((current - previous) / previous, 4)


def percentile_hours(histogram: Mapping[str, int], q: float = 0.9) -> float | None:
    """The q-quantile of handling hours from the histogram, interpolated linearly inside its
    bucket (exact to the bucket edges; the open-ended last bucket answers its lower edge).
    None without closed complaints."""
    counts = [int(histogram.get(name) or 0) for name in HISTOGRAM]
    total = sum(counts)
    if not total:
        return None
    target = q * total
    seen = 0
    for i, count in enumerate(counts):
        if count and seen + count >= target:
            low = HANDLING_EDGES_HOURS[i - 1] if i else 0
            if i == len(HANDLING_EDGES_HOURS):
                return float(low)
            high = HANDLING_EDGES_HOURS[i]
            return round(low + (high - low) * (target - seen) / count, 2)
        seen += count
    return float(HANDLING_EDGES_HOURS[-1])  # pragma: no cover - unreachable, total > 0
