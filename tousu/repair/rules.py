"""Pure rules of the repair programme: who is a dissatisfied customer (R9.1), of which type,
and the statistics of the effect report (R9.2). No database here.

Typing rule table (first match wins; S2's five kinds):

| order | evidence | type |
|---|---|---|
| 1 | the callback's coded reasons data_usage, network, tariff, publicity (that order) | same |
| 2 | the survey's weakest product factor scored 1–2 (ties in the order above) | its type |
| 3 | the complaint's category: `network.*` | network |
| 4 | `billing.*` whose text speaks of data (流量, GPRS, 上网费) | data usage |
| 5 | `billing.*` | tariff |
| 6 | `marketing.*` | publicity |
| 7 | anything else (service, business, device, security, no category) | complaint |

A specific reason the customer gave beats the category the complaint was filed under: a
billing complaint whose customer says on the callback that the network is still poor is
repaired by the network department.

Either billing type is a customer disputing what they were charged: their playbooks
(reference.py) explain and check the charges and refund what was wrong, and sell nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy

from tousu.core.reasons import reason_kind
from tousu.repair.choices import RepairSource, RepairType

# A callback or survey overall score at or below this is a dissatisfied customer (1–5 scale).
LOW_SCORE = 2
# A survey with a middling overall score still finds the customer when one factor is this low.
WEAK_FACTOR = 1
# The days after the index time in which a repeat complaint counts (R9.2).
REPEAT_WINDOW_DAYS = 90
Z95 = 1.959964

# The notice to the member of staff a case is assigned to (notifications, read in their language).
reason_kind(
    "notice.repair_assigned",
    gettext_lazy("Repair case %(case)s is assigned to you by %(by)s"),
)

REASON_TYPES: tuple[tuple[str, str], ...] = (
    ("data_usage", RepairType.DATA_USAGE),
    ("network", RepairType.NETWORK),
    ("tariff", RepairType.TARIFF),
    ("publicity", RepairType.PUBLICITY),
)
FACTOR_TYPES = REASON_TYPES  # survey factors carry the same codes
_DATA_WORDS = re.compile(r"流量|GPRS|gprs|上网费|数据业务")


def repair_type(
    *,
    reasons: Iterable[str] = (),
    factor_scores: Mapping[str, int] | None = None,
    category: str = "",
    content: str = "",
) -> str:
    """The type of repair a dissatisfied customer needs, by the table in the module's doc."""
    given = set(reasons)
    for reason, kind in REASON_TYPES:
        if reason in given:
            return kind
    scores = factor_scores or {}
    weak = [
        (score, order, kind)
        for order, (factor, kind) in enumerate(FACTOR_TYPES)
        if (score := scores.get(factor)) is not None and score <= LOW_SCORE
    ]
    if weak:
        return min(weak)[2]
    top = category.split(".", 1)[0]
    if top == "network":
        return RepairType.NETWORK
    if top == "billing":
        return RepairType.DATA_USAGE if _DATA_WORDS.search(content) else RepairType.TARIFF
    if top == "marketing":
        return RepairType.PUBLICITY
    return RepairType.COMPLAINT


def callback_source(result: str, overall: int | None) -> str | None:
    """Whether a callback finds a dissatisfied customer, and as what: every dissatisfied
    result (whatever the agent chose next), a low overall score, or unreachable after the
    configured attempts (the callbacks app sets that result only then)."""
    if result == "dissatisfied" or (overall is not None and overall <= LOW_SCORE):
        return RepairSource.CALLBACK
    if result == "unreachable":
        return RepairSource.UNREACHABLE
    return None


def survey_finds(overall: int, scores: Mapping[str, int]) -> bool:
    """A survey answer finds a dissatisfied customer: overall 1–2, or overall 3 with some
    factor at 1 (the customer who says "fine" but scores the network 1 is not fine)."""
    if overall <= LOW_SCORE:
        return True
    return overall <= LOW_SCORE + 1 and any(v <= WEAK_FACTOR for v in scores.values())


def satisfaction_of(overall: int | None, scores: Mapping[str, int | None]) -> int | None:
    """The satisfaction before repair: the overall score, else the rounded mean of the factor
    scores given, else unknown (an unreachable customer)."""
    if overall is not None:
        return overall
    given = [v for v in scores.values() if v is not None]
    if not given:
        return None
    return max(1, min(5, math.floor(sum(given) / len(given) + 0.5)))


def score_valid(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5


# ---- statistics of the effect report ----------------------------------------------------------

# Two-sided 97.5% quantiles of Student's t for small samples; above 30 the normal's.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t975(df: float) -> float:
    if df < 1:
        return math.inf
    return _T975[int(df) - 1] if df <= len(_T975) else Z95


def wilson(k: float, n: float, z: float = Z95) -> tuple[float, float] | None:
    """Wilson's score interval of a rate k/n (n may be an effective, weighted size)."""
    if n <= 0:
        return None
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class Moments:
    """Count, sum and sum of squares of one measure in one stratum of one group."""

    n: int = 0
    total: float = 0.0
    squares: float = 0.0

    def add(self, value: float, times: int = 1) -> None:
        self.n += times
        self.total += value * times
        self.squares += value * value * times

    @property
    def mean(self) -> float:
        return self.total / self.n

    @property
    def variance(self) -> float:
        if self.n < 2:
            return 0.0
        return max(0.0, (self.squares - self.total * self.total / self.n) / (self.n - 1))


@dataclass
class Stratum:
    """One stratum (type, value tier, region) of one group, as the count query gives it."""

    cases: int = 0
    before: Moments = field(default_factory=Moments)
    after: Moments = field(default_factory=Moments)
    change: Moments = field(default_factory=Moments)
    repeat_known: int = 0
    repeats: int = 0


@dataclass
class Estimate:
    value: float | None
    interval: tuple[float, float] | None
    n: float


def weighted_mean(parts: Sequence[tuple[float, Moments]]) -> Estimate:
    """Σ w·mean over strata with weights summing to 1 among those measured, with a t interval
    (Welch–Satterthwaite degrees of freedom)."""
    parts = [(w, m) for w, m in parts if m.n > 0 and w > 0]
    if not parts:
        return Estimate(None, None, 0)
    scale = sum(w for w, _ in parts)
    value = sum(w * m.mean for w, m in parts) / scale
    terms = [((w / scale) ** 2 * m.variance / m.n, m.n) for w, m in parts]
    var = sum(t for t, _ in terms)
    n = sum(m.n for _, m in parts)
    if n < 2:
        return Estimate(value, None, n)
    denominator = sum(t * t / (k - 1) for t, k in terms if k > 1)
    df = var * var / denominator if denominator > 0 else n - 1
    half = t975(df) * math.sqrt(var)
    return Estimate(value, (value - half, value + half), n)


def weighted_rate(parts: Sequence[tuple[float, int, int]]) -> Estimate:
    """Σ w·(k/n) over strata (weight, repeats, known), with Wilson's interval at the effective
    sample size of the weighting (Kish: 1 / Σ (w²/n))."""
    parts = [(w, k, n) for w, k, n in parts if n > 0 and w > 0]
    if not parts:
        return Estimate(None, None, 0)
    scale = sum(w for w, _, _ in parts)
    rate = sum(w * k / n for w, k, n in parts) / scale
    effective = 1 / sum((w / scale) ** 2 / n for w, _, n in parts)
    return Estimate(rate, wilson(rate * effective, effective), effective)


def difference(a: Estimate, b: Estimate, *, rate: bool = False) -> Estimate:
    """a − b with its interval: for means, the half-widths combined in quadrature; for rates,
    Newcombe's hybrid score interval from the two Wilson intervals."""
    if a.value is None or b.value is None or a.interval is None or b.interval is None:
        return Estimate(None, None, 0)
    d = a.value - b.value
    if rate:
        (la, ua), (lb, ub) = a.interval, b.interval
        low = d - math.sqrt((a.value - la) ** 2 + (ub - b.value) ** 2)
        high = d + math.sqrt((ua - a.value) ** 2 + (b.value - lb) ** 2)
        return Estimate(d, (low, high), a.n + b.n)
    ha = (a.interval[1] - a.interval[0]) / 2
    hb = (b.interval[1] - b.interval[0]) / 2
    half = math.sqrt(ha * ha + hb * hb)
    return Estimate(d, (d - half, d + half), a.n + b.n)


@dataclass
class Effect:
    """The effect report: the repaired group as it is, the comparison group reweighted to the
    repaired group's mix of strata (exact matching: strata without both groups are left out
    and counted), and the differences."""

    repaired: dict[str, Estimate]
    comparison: dict[str, Estimate]
    difference: dict[str, Estimate]
    repaired_cases: int  # in the strata that have both groups
    comparison_cases: int
    unmatched_cases: int
    strata: int
    repaired_total: int = 0  # in every stratum
    comparison_total: int = 0


MEASURES = ("before", "after", "change")
# A stratum: (type, value tier, region id).
StratumKey = tuple[str, str, str]


def effect(repaired: Mapping[StratumKey, Stratum], others: Mapping[StratumKey, Stratum]) -> Effect:
    """The effect of repair: both groups weighted by the repaired group's cases per stratum,
    over the strata where both groups have cases."""
    matched = [key for key in repaired if key in others and repaired[key].cases]
    total = sum(repaired[key].cases for key in matched)
    weight = {key: repaired[key].cases / total for key in matched} if total else {}
    groups: dict[str, dict[str, Estimate]] = {}
    for name, group in (("repaired", repaired), ("comparison", others)):
        out = {
            measure: weighted_mean([(weight[k], getattr(group[k], measure)) for k in matched])
            for measure in MEASURES
        }
        out["repeat_rate_90d"] = weighted_rate(
            [(weight[k], group[k].repeats, group[k].repeat_known) for k in matched]
        )
        groups[name] = out
    diff = {m: difference(groups["repaired"][m], groups["comparison"][m]) for m in MEASURES}
    diff["repeat_rate_90d"] = difference(
        groups["repaired"]["repeat_rate_90d"], groups["comparison"]["repeat_rate_90d"], rate=True
    )
    unmatched = sum(s.cases for k, s in repaired.items() if k not in matched) + sum(
        s.cases for k, s in others.items() if k not in repaired
    )
    return Effect(
        repaired=groups["repaired"],
        comparison=groups["comparison"],
        difference=diff,
        repaired_cases=total,
        comparison_cases=sum(others[k].cases for k in matched),
        unmatched_cases=unmatched,
        strata=len(matched),
        repaired_total=sum(s.cases for s in repaired.values()),
        comparison_total=sum(s.cases for s in others.values()),
    )
