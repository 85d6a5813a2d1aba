"""Satisfaction drivers (R8.3; S2 关键感知要素, 工信部用户满意度指数 TCSI): which perceived
factors move overall satisfaction, how well each performs, and one 0–100 index. Pure: no
database; the count tables hold the sums this module reads (D11).

**Moments.** Every scored callback (factors `timeliness` … `simplicity` and `overall`) and every
imported survey answer (up to the eight SurveyFactor codes and `overall`) is one observation
(x, y): its factor scores x and its overall score y, all 1–5. The count tables keep, per day and
slice, the sufficient statistics of the observations: n, Σy, Σy², Σx_i, Σx_i·y and Σx_i·x_j —
every statistic below is a function of these sums, so a year is read from a few hundred rows.

**Missing data: complete cases per questionnaire.** An observation counts in the moments of the
factors it scored (its `mask`), and rows are kept per mask. An analysis uses one factor set F:
the factors of the most common questionnaire in the period (the mask with the most
observations, restricted to the source's factors), and every observation that scored at least
F. The correlation matrix is therefore computed from one set of rows — always a valid
(positive semi-definite) matrix, unlike pairwise deletion — and n is the same for every factor.
Observations without an overall score are not counted at all.

**Importance: relative weights (Johnson 2000).** With R the correlation matrix of the factors
and r their correlations with overall satisfaction, R = VΛVᵀ, Λ½ = VΛ^½Vᵀ (the correlations of
the factors with their closest orthogonal counterparts Z), β = Λ½⁻¹r (the regression of
overall on Z): the raw weight of factor j is ε_j = Σ_k Λ½[j,k]² β_k², and Σ_j ε_j = R². The
importance reported is ε_j / R², the factor's share of the explained variance; unlike
regression coefficients it is never negative and is not split arbitrarily between correlated
factors. A factor that did not vary in the period explains nothing (importance 0).

**Interval: grouped jackknife over days.** The estimate is recomputed leaving out one day at a
time (the day's moment rows subtracted from the period's); with g days, the standard error is
√((g−1)/g · Σ(θ₍d₎ − θ̄)²), and the interval is θ ± t(0.975, g−1)·SE, clipped to [0, 1]. Days,
not observations, are the resampled unit because observations of one day share the day's
conditions (an outage, a queue). At least two days are needed.

**Refusal.** Fewer than MIN_N complete observations, or an overall score that did not vary:
the means are shown, but no importance, no ranking and no quadrant.

**Quadrants** (importance × performance): a factor is important when its share is at least the
average share (1/k), and performs well when its mean is at least the average of the factor
means: 优势区 strength (important, good), 修补区 fix (important, poor), 机会区 opportunity
(less important, poor), 维持区 maintain (less important, good).

**Index (TCSI style).** The TCSI reports satisfaction on a 0–100 scale as a weighted sum of the
perceived-quality factors, the weights estimated from the data. Here: index = Σ_j w_j ·
(mean_j − 1) / 4 · 100 with w the importance shares; when the analysis refuses to rank, equal
weights. The previous period's index uses the current weights, so that its change shows a
change of performance rather than of weighting. `overall_index` maps the mean overall score
the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tousu.callbacks.choices import SCORE_FACTORS, SurveyFactor

# Column i of the moment tables is FACTORS[i]: append only (the layout fingerprint changes).
FACTORS: tuple[str, ...] = tuple(SurveyFactor.values)
K = len(FACTORS)
PAIRS: tuple[tuple[int, int], ...] = tuple((i, j) for i in range(K) for j in range(i, K))
MOMENT_COLUMNS: tuple[str, ...] = (
    "n",
    "sy",
    "syy",
    *(f"x{i}" for i in range(K)),
    *(f"xy{i}" for i in range(K)),
    *(f"xx{i}_{j}" for i, j in PAIRS),
)
_N, _SY, _SYY = 0, 1, 2
_X = 3
_XY = _X + K
_XX = _XY + K
_PAIR_AT = {pair: _XX + p for p, pair in enumerate(PAIRS)}


def mask_of(factors: Iterable[str]) -> int:
    bits = 0
    for name in factors:
        bits |= 1 << FACTORS.index(name)
    return bits


def factors_of(mask: int) -> tuple[str, ...]:
    return tuple(name for i, name in enumerate(FACTORS) if mask >> i & 1)


CALLBACK_MASK = mask_of(SCORE_FACTORS)
ALL_MASK = (1 << K) - 1

# The analysis needs this many complete observations to rank factors.
MIN_N = 30
CONFIDENCE = 0.95
METHOD = "relative_weights"
INTERVAL_METHOD = "grouped_jackknife_days"
# Variances below this (in score²·n) count as "did not vary".
_TINY = 1e-9


def observation(
    scores: Mapping[str, int | None], overall: int | None
) -> tuple[int, list[int]] | None:
    """The mask and moment vector (MOMENT_COLUMNS) of one observation; None when it has no
    overall score or no factor score (it says nothing about drivers)."""
    if overall is None:
        return None
    x = [scores.get(name) for name in FACTORS]
    mask = sum(1 << i for i, v in enumerate(x) if v is not None)
    if not mask:
        return None
    xs = [int(v) if v is not None else 0 for v in x]
    y = int(overall)
    vector = [1, y, y * y, *xs, *(v * y for v in xs), *(xs[i] * xs[j] for i, j in PAIRS)]
    return mask, vector


@dataclass(frozen=True)
class FactorDriver:
    factor: str
    mean: float | None
    importance: float | None
    interval: tuple[float, float] | None
    n: int
    quadrant: str | None


@dataclass(frozen=True)
class Drivers:
    """The analysis of one period and slice (see the module docstring)."""

    n: int
    factors: list[FactorDriver]
    ranked: bool
    reason: str | None  # "no_data", "too_few", "no_variation" when not ranked
    r2: float | None
    days: int
    index: float | None
    previous_index: float | None
    overall_index: float | None
    previous_overall_index: float | None
    previous_n: int
    weights: str  # "importance" or "equal"

    @property
    def index_change(self) -> float | None:
        if self.index is None or self.previous_index is None:
            return None
        return round(self.index - self.previous_index, 1)


# Rows: (day, mask, moment vector) as summed from the count tables.
Row = tuple[Any, int, Sequence[float]]


def factor_set(rows: Iterable[Row], allowed: int) -> int:
    """The mask of the most common questionnaire among `rows`, restricted to `allowed`
    (ties: more factors, then the lower mask)."""
    totals: dict[int, int] = {}
    for _, mask, vector in rows:
        kept = mask & allowed
        if kept:
            totals[kept] = totals.get(kept, 0) + int(vector[_N])
    if not totals:
        return 0
    return max(totals, key=lambda m: (totals[m], m.bit_count(), -m))


def _index_of(F: Sequence[int]) -> list[int]:
    """The positions in a full moment vector of the moments of factors F, in the order
    n, sy, syy, x (F), xy (F), xx (F×F, full square)."""
    out = [_N, _SY, _SYY, *(_X + i for i in F), *(_XY + i for i in F)]
    out += [_PAIR_AT[(min(i, j), max(i, j))] for i in F for j in F]
    return out


def by_day(rows: Sequence[Row], F_mask: int) -> tuple[list[Any], np.ndarray]:
    """The moments of the factor set `F_mask` per day (days with observations only, in
    order): a (days × m) array, complete cases per the module docstring."""
    F = [i for i in range(K) if F_mask >> i & 1]
    pick = _index_of(F)
    kept = [(day, vector) for day, mask, vector in rows if mask & F_mask == F_mask]
    if not kept:
        return [], np.zeros((0, len(pick)))
    days = sorted({day for day, _ in kept})
    at = {day: i for i, day in enumerate(days)}
    moments = np.asarray([vector for _, vector in kept], dtype=np.float64)[:, pick]
    out = np.zeros((len(days), len(pick)))
    np.add.at(out, [at[day] for day, _ in kept], moments)
    return days, out


def _unpack(m: np.ndarray, k: int) -> tuple[np.ndarray, ...]:
    """Columns of a (b × width) array of projected moments: n, sy, syy, sx, sxy, sxx."""
    n, sy, syy = m[:, 0], m[:, 1], m[:, 2]
    sx = m[:, 3 : 3 + k]
    sxy = m[:, 3 + k : 3 + 2 * k]
    sxx = m[:, 3 + 2 * k :].reshape(-1, k, k)
    return n, sy, syy, sx, sxy, sxx


def relative_weights(m: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Johnson's raw relative weights ε (b × k) and R² (b) of each row of projected moments
    `m` (b × width); NaN where the overall score does not vary or n < 2."""
    n, sy, syy, sx, sxy, sxx = _unpack(m, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        safe_n = np.where(n > 0, n, 1.0)
        cov = sxx - sx[:, :, None] * sx[:, None, :] / safe_n[:, None, None]
        cxy = sxy - sx * (sy / safe_n)[:, None]
        vy = syy - sy * sy / safe_n
        var = np.diagonal(cov, axis1=1, axis2=2)
        varies = var > _TINY
        sd = np.sqrt(np.where(varies, var, 1.0))
        R = cov / (sd[:, :, None] * sd[:, None, :])
        # A factor that did not vary: uncorrelated with everything, so its weight is 0.
        both = varies[:, :, None] & varies[:, None, :]
        eye = np.broadcast_to(np.eye(k), R.shape)
        R = np.where(both, R, eye)
        sdy = np.sqrt(np.where(vy > _TINY, vy, 1.0))
        r = np.where(varies, cxy / (sd * sdy[:, None]), 0.0)
    w, V = np.linalg.eigh(R)
    w = np.clip(w, 1e-12, None)
    root = np.sqrt(w)
    lam = V @ (root[:, :, None] * np.swapaxes(V, 1, 2))  # VΛ^½Vᵀ
    beta = np.einsum("bij,bj->bi", V @ ((1 / root)[:, :, None] * np.swapaxes(V, 1, 2)), r)
    eps = np.einsum("bjk,bk->bj", lam**2, beta**2)
    r2 = eps.sum(axis=1)
    bad = (vy <= _TINY) | (n < 2)
    eps[bad] = np.nan
    r2[bad] = np.nan
    return eps, r2


def t_quantile(p: float, dof: int) -> float:
    """Student's t quantile by the Cornish–Fisher expansion around the normal one (within
    0.01 of the exact value for dof ≥ 3, which is all the intervals need)."""
    z = _normal_quantile(p)
    v = max(dof, 1)
    return (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
    )


def _normal_quantile(p: float) -> float:
    """Acklam's rational approximation (relative error < 1.2e-9)."""
    a = (-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.3577518672690,
         -30.66479806614716, 2.506628274631000)  # fmt: skip
    b = (-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
         -13.28068155288572)  # fmt: skip
    c = (-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
         4.374664141464968, 2.938163982698783)  # fmt: skip
    d = (0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416)
    if p < 0.02425:
        q = math.sqrt(-2 * math.log(p))
        num = ((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]
        return num / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    if p > 1 - 0.02425:
        return -_normal_quantile(1 - p)
    q = p - 0.5
    s = q * q
    num = (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * q
    return num / (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1)


def _jackknife(
    per_day: np.ndarray, k: int, estimate: np.ndarray
) -> list[tuple[float, float] | None]:
    """Intervals of the importance shares by the grouped jackknife over days."""
    g = per_day.shape[0]
    if g < 2:
        return [None] * k
    left_out = per_day.sum(axis=0)[None, :] - per_day
    eps, r2 = relative_weights(left_out, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = eps / r2[:, None]
    if not np.all(np.isfinite(shares)):
        return [None] * k
    se = np.sqrt((g - 1) / g * ((shares - shares.mean(axis=0)) ** 2).sum(axis=0))
    t = t_quantile(1 - (1 - CONFIDENCE) / 2, g - 1)
    return [
        (round(max(0.0, float(estimate[j] - t * se[j])), 4),
         round(min(1.0, float(estimate[j] + t * se[j])), 4))
        for j in range(k)
    ]  # fmt: skip


def to_index(means: Sequence[float | None], weights: Sequence[float]) -> float | None:
    """Σ w_j · (mean_j − 1)/4 · 100 over the factors with a mean (weights renormalised)."""
    pairs = [(m, w) for m, w in zip(means, weights, strict=True) if m is not None]
    total = sum(w for _, w in pairs)
    if not pairs or total <= 0:
        return None
    return round(sum(w * (m - 1) / 4 * 100 for m, w in pairs) / total, 1)


def _overall_index(n: float, sy: float) -> float | None:
    return round((sy / n - 1) / 4 * 100, 1) if n else None


def quadrant(importance: float, mean: float, k: int, average_mean: float) -> str:
    important = importance >= 1 / k
    good = mean >= average_mean
    if important:
        return "strength" if good else "fix"
    return "maintain" if good else "opportunity"


def analyse(rows: Sequence[Row], previous: Sequence[Row], allowed: int) -> Drivers:
    """The drivers of the period's `rows` (day, mask, moments), with the index of the
    `previous` period's rows for comparison; `allowed` is the mask of the factors the source
    asks (callbacks: CALLBACK_MASK)."""
    F_mask = factor_set(rows, allowed)
    F = [i for i in range(K) if F_mask >> i & 1]
    k = len(F)
    days, per_day = by_day(rows, F_mask)
    _, before = by_day(previous, F_mask)
    prev_total = before.sum(axis=0) if len(before) else None
    prev_n = int(prev_total[0]) if prev_total is not None else 0
    prev_means: list[float | None] = [None] * k
    if prev_total is not None and prev_n:
        prev_means = [float(prev_total[3 + j] / prev_n) for j in range(k)]
    previous_overall = (
        _overall_index(prev_n, float(prev_total[1])) if prev_total is not None else None
    )
    if not k or not len(days):
        return Drivers(
            n=0, factors=[], ranked=False, reason="no_data", r2=None, index=None,
            previous_index=None, overall_index=None, weights="equal", days=0,
            previous_n=prev_n, previous_overall_index=previous_overall,
        )  # fmt: skip
    total = per_day.sum(axis=0)
    n = int(total[0])
    means = [round(float(total[3 + j] / n), 2) for j in range(k)]
    eps, r2 = relative_weights(total[None, :], k)
    reason = None
    if n < MIN_N:
        reason = "too_few"
    elif not np.isfinite(r2[0]) or r2[0] <= 0:
        reason = "no_variation"
    ranked = reason is None
    if ranked:
        shares = eps[0] / r2[0]
        intervals = _jackknife(per_day, k, shares)
        weights = [float(s) for s in shares]
    else:
        intervals = [None] * k
        weights = [1.0 / k] * k
    average_mean = sum(means) / k
    factors = [
        FactorDriver(
            factor=FACTORS[F[j]],
            mean=means[j],
            importance=round(weights[j], 4) if ranked else None,
            interval=intervals[j],
            n=n,
            quadrant=quadrant(weights[j], means[j], k, average_mean) if ranked else None,
        )
        for j in range(k)
    ]
    if ranked:
        factors.sort(key=lambda f: (-(f.importance or 0), f.factor))
    return Drivers(
        n=n,
        factors=factors,
        ranked=ranked,
        reason=reason,
        r2=round(float(r2[0]), 4) if ranked else None,
        index=to_index(means, weights),
        previous_index=to_index(prev_means, weights),
        overall_index=_overall_index(n, float(total[1])),
        weights="importance" if ranked else "equal",
        days=len(days),
        previous_n=prev_n,
        previous_overall_index=previous_overall,
    )
