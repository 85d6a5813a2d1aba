"""Pure rules of the quality app: no database, unit-tested on their own."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tousu.sla.rules import Calendar

# Inspection

# Totals are out of this many points, with one decimal.
TOTAL_POINTS = Decimal(100)
ONE_DECIMAL = Decimal("0.1")
# Periods are counted from a Monday, so that a seven-day period is a calendar week.
PERIOD_EPOCH = dt.date(2024, 1, 1)


@dataclass(frozen=True)
class ItemRule:
    """What the total needs to know of a sheet's item."""

    code: str
    weight: int
    max_points: int
    fatal: bool = False


@dataclass(frozen=True)
class Total:
    total: Decimal
    fatal: bool  # a fatal item failed: the total is 0 whatever the others


def score_total(items: Sequence[ItemRule], points: Mapping[str, int]) -> Total:
    """The weighted total out of 100: each item counts its share of its scale times its
    weight, over the sum of the weights. A fatal item scored 0 zeroes the total (致命项).

    Precondition: `points` has a value within 0…max for every item (the service checks)."""
    if any(item.fatal and points[item.code] == 0 for item in items):
        return Total(Decimal(0), True)
    weights = sum(item.weight for item in items)
    if weights == 0:
        return Total(Decimal(0), False)
    earned = sum(
        Decimal(item.weight) * Decimal(points[item.code]) / Decimal(item.max_points)
        for item in items
    )
    total = (TOTAL_POINTS * earned / Decimal(weights)).quantize(ONE_DECIMAL, ROUND_HALF_UP)
    return Total(total, False)


def period_of(day: dt.date, period_days: int) -> tuple[dt.date, dt.date]:
    """The period holding `day`: [start, end) of `period_days` days counted from a Monday."""
    offset = (day - PERIOD_EPOCH).days // period_days * period_days
    start = PERIOD_EPOCH + dt.timedelta(days=offset)
    return start, start + dt.timedelta(days=period_days)


def sample_size(closed: int, available: int, share: Decimal, minimum: int) -> int:
    """How many of a handler's `closed` complaints of the period the random share draws: the
    share rounded up, at least `minimum`, at most the `available` ones (those not already
    inspected for a mandatory kind)."""
    wanted = max(minimum, math.ceil(Decimal(closed) * share)) if closed else 0
    return min(wanted, available)


def sample_draw(ids: Iterable[int], size: int, seed: str) -> list[int]:
    """`size` of `ids` at random, reproducibly: the same seed and the same ids (in whatever
    order) give the same sample. `seed` names the plan, the period and the handler, so that
    each handler's draw is independent of the others'. A string seed is hashed by `random`
    with SHA-512, the same in every process (unlike `hash()`)."""
    ordered = sorted(set(ids))
    if size >= len(ordered):
        return ordered
    return sorted(random.Random(seed).sample(ordered, size))  # noqa: S311 (reproducible, no secret)


def assign_by_load(loads: Mapping[int, int], n: int) -> list[int]:
    """Inspectors for `n` new tasks, each to whoever has the fewest open tasks at that moment
    (ties: in turn, by id). `loads`: inspector id → open tasks now."""
    if not loads:
        return []
    current = dict(loads)
    chosen = []
    for _ in range(n):
        pick = min(current, key=lambda pk: (current[pk], pk))
        chosen.append(pick)
        current[pick] += 1
    return chosen


def appeal_deadline(scored_at: dt.datetime, working_days: int, cal: Calendar) -> dt.datetime:
    """The end of the `working_days`-th working day after the day of scoring (a score given
    on Friday with 3 days may be appealed until Wednesday's close of business)."""
    day = scored_at.astimezone(cal.tz).date()
    left = working_days
    while left > 0:
        day += dt.timedelta(days=1)
        if cal.is_working_day(day):
            left -= 1
    hours = cal.hours(day)
    if hours is None:  # working_days == 0 on a day off: the end of that day
        return dt.datetime.combine(day, dt.time(23, 59), tzinfo=cal.tz)
    return hours[1].astimezone(cal.tz)


# ---- calibration: how far inspectors agree ------------------------------------------------------


def mean_absolute_difference(units: Iterable[Sequence[float]]) -> float | None:
    """The mean of |a − b| over every pair of scores given to the same unit (complaint or
    complaint × item) by two inspectors; None without a pair."""
    diffs = [abs(a - b) for values in units for a, b in itertools.combinations(values, 2)]
    return sum(diffs) / len(diffs) if diffs else None


def krippendorff_alpha_interval(units: Iterable[Sequence[float]]) -> float | None:
    """Krippendorff's alpha for interval data: 1 − observed / expected disagreement.

    `units`: per unit, the values the raters gave it (missing ones left out). Units with
    fewer than two values are not pairable and do not count. Observed disagreement: the
    squared differences within units, each unit weighted 1/(m−1); expected: the squared
    differences between all pairable values. None when nothing varies (alpha undefined)."""
    pairable = [list(values) for values in units if len(values) >= 2]
    n = sum(len(values) for values in pairable)
    if n < 2:
        return None
    observed = 0.0
    for values in pairable:
        m = len(values)
        within = sum((a - b) ** 2 for a, b in itertools.permutations(values, 2))
        observed += within / (m - 1)
    observed /= n
    everything = [v for values in pairable for v in values]
    # Σ over ordered pairs of (a − b)² = 2·(n·Σv² − (Σv)²), without the n² loop.
    total, squares = sum(everything), sum(v * v for v in everything)
    expected = 2 * (n * squares - total * total) / (n * (n - 1))
    if expected == 0:
        return None
    return 1 - observed / expected
