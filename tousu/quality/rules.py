"""Pure rules of the quality app: no database, unit-tested on their own.

Pure rules of the quality app (no database).

# Corrective action

The effectiveness check (R12.4) compares a rate in the period after the actions with the same
rate in a period of the same length before: complaints of the slice per day, or, for a
clause-based action, consistency flags of the clause per closed complaint of its category.
Both are counts over an exposure (days, or closed complaints), so one test serves: under "no
change" the counts are Poisson with rates in proportion to their exposures, and given their
sum the count after is binomial with p₀ = exposure after / (both exposures) — the exact
conditional test of two Poisson rates. The action is effective when the rate fell by at least
MATERIAL_REDUCTION (the rate ratio after/before at most 1 − that) and the one-sided p-value of
"no fall" is below ALPHA. The ratio's 95% interval comes from the Clopper–Pearson interval of
the binomial share.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy

from tousu.complaints.choices import EventType
from tousu.core.reasons import Reason, reason, reason_kind
from tousu.sla.rules import Calendar

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


# ---- who is inspected ----------------------------------------------------------------------------

# Timeline events in which a person works the complaint themselves (not a system step, not
# a hand-over: a transfer's actor passes the work on, the next one to act takes it up).
HANDLING_EVENTS = frozenset(
    {EventType.ACCEPTED, EventType.HANDLING_STEP, EventType.EVIDENCE_ADDED, EventType.RESOLVED}
)


def inspected_handler(events: Iterable[tuple[str, int | None]], assigned: int | None) -> int | None:
    """Whose handling an inspection scores (the 处理人 charged with the score), from the
    complaint's timeline: `events` are (type, actor id) in timeline order.

    The person who recorded the outcome that stands — the actor of the last `resolved` event —
    because the inspection judges that outcome (finding, remedy, reply): the handler assigned
    by dispatch may never have touched a complaint that the registering agent settled at
    first contact, or a supervisor resolved; a re-resolution after a reopen replaces the
    earlier outcome and its author. Without a resolution on the timeline, the last person who
    worked it (accepted it, recorded a step or evidence): after a transfer, the handler who
    took it up, not the one who passed it on. Only when nobody acted on the timeline (a
    complaint imported with its history elsewhere) the handler it was assigned to, the only
    name the record holds."""
    resolver = worker = None
    for kind, actor in events:
        if actor is None or kind not in HANDLING_EVENTS:
            continue
        worker = actor
        if kind == EventType.RESOLVED:
            resolver = actor
    return resolver or worker or assigned


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
    differences between all pairable values. None when nothing varies (alpha undefined): every
    value the same, whether or not the raters agree — decided on the values themselves, so
    that float rounding in the expected disagreement of equal decimals (82.3 throughout)
    cannot turn "undefined" into a perfect 1."""
    pairable = [list(values) for values in units if len(values) >= 2]
    n = sum(len(values) for values in pairable)
    if n < 2 or len({v for values in pairable for v in values}) < 2:
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


def alpha_shown(alpha: float) -> float:
    """Alpha to two decimals, rounded down: 1.00 is shown only for full agreement (no
    observed disagreement). Rounded half up, 0.9995 — two inspectors 2 points apart on
    totals that range from 0 to 100 — read "1.00" beside a mean difference of 2.00."""
    if alpha >= 1:
        return 1.0
    return math.floor(round(alpha * 100, 6)) / 100


ALPHA = 0.05
# A fall of less than this share is not worth calling an effect, however significant.
MATERIAL_REDUCTION = 0.2
CONFIDENCE = 0.95


def _log_pmf(k: int, n: int, p: float) -> float:
    if p <= 0.0:
        return 0.0 if k == 0 else -math.inf
    if p >= 1.0:
        return 0.0 if k == n else -math.inf
    return (
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + k * math.log(p)
        + (n - k) * math.log1p(-p)
    )


def binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X ≤ k) for X ~ Binomial(n, p)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return min(1.0, sum(math.exp(_log_pmf(i, n, p)) for i in range(k + 1)))


def _solve(f: Any, target: float) -> float:
    """The p in [0, 1] where the decreasing function f(p) equals target (bisection)."""
    low, high = 0.0, 1.0
    for _ in range(60):
        mid = (low + high) / 2
        if f(mid) > target:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def clopper_pearson(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The exact interval of a binomial share k/n: the p where P(X ≥ k) and P(X ≤ k) are
    each the tail (both cumulative probabilities fall as p rises)."""
    tail = (1 - confidence) / 2
    lower = 0.0 if k == 0 else _solve(lambda p: binomial_cdf(k - 1, n, p), 1 - tail)
    upper = 1.0 if k == n else _solve(lambda p: binomial_cdf(k, n, p), tail)
    return lower, upper


@dataclass(frozen=True)
class Effect:
    """The check's figures: counts and exposures before and after, the rates, their ratio with
    its interval, the p-value of "no fall", and the verdict with its reason code."""

    before: int
    after: int
    exposure_before: float
    exposure_after: float
    rate_before: float | None
    rate_after: float | None
    ratio: float | None
    interval: tuple[float, float] | None
    p_value: float | None
    effective: bool
    verdict: str  # "effective", "no_fall", "not_significant", "not_material", "no_data"

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["interval"] = list(self.interval) if self.interval else None
        return out


def _ratio(share: float, exposure_before: float, exposure_after: float) -> float:
    """The rate ratio after/before for the binomial share of the counts that fell after."""
    if share >= 1.0:
        return math.inf
    return (share / (1 - share)) * (exposure_before / exposure_after)


def effect(
    *,
    before: int,
    after: int,
    exposure_before: float,
    exposure_after: float,
    alpha: float = ALPHA,
    material: float = MATERIAL_REDUCTION,
) -> Effect:
    """Whether the rate fell from `before`/`exposure_before` to `after`/`exposure_after`
    (counts ≥ 0, exposures > 0 for a verdict other than "no_data")."""
    if before < 0 or after < 0:
        raise ValueError("counts are never negative")
    rate_b = before / exposure_before if exposure_before > 0 else None
    rate_a = after / exposure_after if exposure_after > 0 else None
    n = before + after
    if rate_b is None or rate_a is None or before == 0:
        # Nothing to fall from (or nothing measured): no evidence of an effect.
        return Effect(
            before, after, exposure_before, exposure_after, rate_b, rate_a,
            None, None, None, False, "no_data",
        )  # fmt: skip
    p0 = exposure_after / (exposure_before + exposure_after)
    p_value = binomial_cdf(after, n, p0)
    low, high = clopper_pearson(after, n)
    ratio = rate_a / rate_b
    interval = (
        round(_ratio(low, exposure_before, exposure_after), 4),
        round(_ratio(high, exposure_before, exposure_after), 4),
    )
    if ratio >= 1.0:
        verdict = "no_fall"
    elif p_value >= alpha:
        verdict = "not_significant"
    elif ratio > 1.0 - material:
        verdict = "not_material"
    else:
        verdict = "effective"
    return Effect(
        before=before,
        after=after,
        exposure_before=exposure_before,
        exposure_after=exposure_after,
        rate_before=round(rate_b, 6),
        rate_after=round(rate_a, 6),
        ratio=round(ratio, 4),
        interval=interval,
        p_value=round(p_value, 6),
        effective=verdict == "effective",
        verdict=verdict,
    )


@dataclass(frozen=True)
class Periods:
    """The two periods of the check, as Asia/Shanghai days, both ends included: `days` days
    before the day the action was opened, and `days` days from the day after the last
    action was done (the days between were the actions' own)."""

    before_first: dt.date
    before_last: dt.date
    after_first: dt.date
    after_last: dt.date

    @property
    def days(self) -> int:
        return (self.after_last - self.after_first).days + 1

    @property
    def verifiable_on(self) -> dt.date:
        """The first day the check may run: the after period is over."""
        return self.after_last + dt.timedelta(days=1)


def periods(opened_on: dt.date, actions_done_on: dt.date, days: int) -> Periods:
    if days < 1:
        raise ValueError("a period of at least one day")
    after_first = actions_done_on + dt.timedelta(days=1)
    return Periods(
        before_first=opened_on - dt.timedelta(days=days),
        before_last=opened_on - dt.timedelta(days=1),
        after_first=after_first,
        after_last=after_first + dt.timedelta(days=days - 1),
    )


# How many days after its due day an action's owner's manager is told (the owner is told on
# the first day it is overdue).
ESCALATE_AFTER_DAYS = 3


def overdue_stage(due_on: dt.date, today: dt.date) -> int:
    """0: not overdue; 1: overdue (tell the owner); 2: overdue for ESCALATE_AFTER_DAYS or
    more (tell the owner's supervisor and department head too)."""
    if today <= due_on:
        return 0
    return 2 if (today - due_on).days >= ESCALATE_AFTER_DAYS else 1


# Controlled documents

# A document version whose review day falls within this many days is flagged for review.
REVIEW_SOON_DAYS = 30


def review_state(review_by: dt.date, today: dt.date) -> str:
    """ "overdue", "due" (within REVIEW_SOON_DAYS) or "" (not yet)."""
    if review_by < today:
        return "overdue"
    if (review_by - today).days <= REVIEW_SOON_DAYS:
        return "due"
    return ""


def applies_to(roles: list[str], role: str) -> bool:
    """Whether a document that applies to `roles` (empty: everyone) applies to `role`."""
    return not roles or role in roles


# Reasons (notices) of this app.
reason_kind(
    "notice.capa_action_overdue",
    gettext_lazy("Corrective action CA%(capa)s: your action “%(action)s” was due %(due)s"),
)
reason_kind(
    "notice.capa_action_escalated",
    gettext_lazy(
        "Corrective action CA%(capa)s: %(owner)s's action “%(action)s” is overdue since %(due)s"
    ),
)
reason_kind(
    "capa.verdict.effective",
    gettext_lazy("Effective: the rate fell to %(ratio)s of what it was (p = %(p)s)"),
)
reason_kind(
    "capa.verdict.no_fall",
    gettext_lazy("Not effective: the rate did not fall (%(ratio)s of what it was)"),
)
reason_kind(
    "capa.verdict.not_significant",
    gettext_lazy("Not effective: the fall to %(ratio)s of the rate could be chance (p = %(p)s)"),
)
reason_kind(
    "capa.verdict.not_material",
    gettext_lazy("Not effective: the rate fell only to %(ratio)s of what it was"),
)
reason_kind(
    "capa.verdict.no_data",
    gettext_lazy("Not effective: nothing was counted before to measure a fall from"),
)


def verdict_reason(result: Effect) -> Reason:
    ratio = f"{result.ratio:.0%}" if result.ratio is not None else "—"
    if result.p_value is None:
        p = "—"
    else:
        p = "< 0.001" if result.p_value < 0.001 else f"{result.p_value:.3f}"
    return reason(f"capa.verdict.{result.verdict}", ratio=ratio, p=p)
