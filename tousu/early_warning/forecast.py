"""The backlog forecast (R10.3): the probability that an open complaint is settled (resolved
or closed) after its resolution limit, learnt from closed history. Pure: plain values in,
plain values out. Fitting uses scikit-learn; the fitted model is a dict of coefficients, so
predicting needs nothing but this module.

A calibration step follows the logistic model: an increasing map from its score to the
probability, learnt by isotonic regression on scores that models gave to months they had not
seen (the history cut by registration time into blocks, each block scored by a model fitted
on the blocks before it). A model scored on its own training rows looks calibrated by
construction; scored out of time it shows what it does to the months ahead — on the demo's
drifting history it under-predicts in the low and middle deciles (bench/README.md) — and the
map learns that shape, which a straight rescaling of the score (Platt) cannot. Out-of-time
scores of every block but the first give the map thousands of rows rather than the few
hundred of one held-out block, whose map was too noisy to carry over to the next months."""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# Where in its limit (registered → due) a closed complaint is looked at for training.
SNAPSHOT_FRACTIONS = (0.1, 0.3, 0.5, 0.7, 0.9)
HOURS_LEFT_EDGES = (4, 12, 24, 72)
LOAD_EDGES = (2, 5, 10, 20)
HOLDOUT_SHARE = 0.2  # the newest rows: the evaluation
# The rows cut by registration time into this many blocks for the calibration step's
# out-of-time scores: blocks 2…n, each scored by a model fitted on the blocks before it.
CALIBRATION_BLOCKS = 5
CALIBRATION_BINS = 10


@dataclass(frozen=True)
class Closed:
    """One closed complaint of the history."""

    registered_at: dt.datetime
    resolution_due: dt.datetime
    settled_at: dt.datetime
    accepted_at: dt.datetime | None
    level: str
    category: str  # top-level category code, "" when none
    handler_id: int | None


def _sigmoid(score: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, score))))


Point = tuple[float, float]


@dataclass
class Model:
    """A fitted logistic model over one-hot features, and its calibration step: (score,
    probability) points of an increasing map from the model's score (its log-odds) to the
    probability, straight between points and flat beyond them; without points the
    probability is the logistic's own."""

    intercept: float
    coefficients: dict[str, float]
    calibration: list[Point] = field(default_factory=list)

    def score(self, features: Iterable[str]) -> float:
        return self.intercept + sum(self.coefficients.get(f, 0.0) for f in features)

    def probability(self, features: Iterable[str]) -> float:
        score = self.score(features)
        return interpolate(self.calibration, score) if self.calibration else _sigmoid(score)

    def as_json(self) -> dict[str, Any]:
        return {
            "intercept": self.intercept,
            "coefficients": self.coefficients,
            "calibration": [list(point) for point in self.calibration],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        """The stored model; one stored before the calibration step predicts as it did."""
        return cls(
            intercept=data["intercept"],
            coefficients=data["coefficients"],
            calibration=[(float(x), float(y)) for x, y in data.get("calibration") or []],
        )


def interpolate(points: Sequence[Point], x: float) -> float:
    """The map through `points` (sorted by x) at `x`: straight between, flat beyond."""
    xs = [p[0] for p in points]
    i = bisect_right(xs, x)
    if i == 0:
        return points[0][1]
    if i == len(points):
        return points[-1][1]
    (x0, y0), (x1, y1) = points[i - 1], points[i]
    return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)


@dataclass
class Fit:
    model: Model
    rows: int
    base_rate: float
    brier: float
    base_brier: float
    calibration: list[dict[str, Any]] = field(default_factory=list)
    # The same model without its calibration step, on the same newest rows: what it gained.
    raw_brier: float = 0.0
    raw_calibration: list[dict[str, Any]] = field(default_factory=list)


def top_category(code: str | None) -> str:
    """Category codes are dotted paths (`12.3`): the first part is the top level."""
    return (code or "").split(".")[0]


def _bucket(value: float, edges: Sequence[float]) -> str:
    for edge in edges:
        if value < edge:
            return f"<{edge}"
    return f">={edges[-1]}"


def elapsed_bucket(fraction: float) -> str:
    """0.1 → "0-0.2", 0.3 → "0.2-0.4", …: the snapshot fractions sit in the middle of a bin."""
    index = max(0, min(4, int(fraction * 5)))
    return f"{index * 2 / 10:.1f}-{(index + 1) * 2 / 10:.1f}"


def features(
    *,
    elapsed_fraction: float,
    hours_left: float,
    level: str,
    category: str,
    accepted: bool,
    load: int,
) -> list[str]:
    return [
        f"elapsed={elapsed_bucket(elapsed_fraction)}",
        f"hours_left={_bucket(hours_left, HOURS_LEFT_EDGES)}",
        f"level={level}",
        f"category={category or '-'}",
        f"accepted={'yes' if accepted else 'no'}",
        f"load={_bucket(load, LOAD_EDGES)}",
    ]


class HandlerLoads:
    """How many complaints each handler had open at a moment, from sorted start and end lists
    (a complaint is open from registration until settled; None = still open)."""

    def __init__(self, spans: Iterable[tuple[int, dt.datetime, dt.datetime | None]]) -> None:
        starts: dict[int, list[float]] = defaultdict(list)
        ends: dict[int, list[float]] = defaultdict(list)
        for handler_id, start, end in spans:
            starts[handler_id].append(start.timestamp())
            if end is not None:
                ends[handler_id].append(end.timestamp())
        self._starts = {h: sorted(v) for h, v in starts.items()}
        self._ends = {h: sorted(v) for h, v in ends.items()}

    def at(self, handler_id: int | None, moment: dt.datetime) -> int:
        if handler_id is None:
            return 0
        t = moment.timestamp()
        started = bisect_right(self._starts.get(handler_id, []), t)
        ended = bisect_right(self._ends.get(handler_id, []), t)
        return max(0, started - ended)


def snapshots(
    history: Iterable[Closed], loads: HandlerLoads
) -> list[tuple[dt.datetime, list[str], int]]:
    """Training rows (registered_at, features, breached) of each closed complaint at each
    snapshot fraction of its limit when it was still unsettled then."""
    rows = []
    for c in history:
        limit = c.resolution_due - c.registered_at
        if limit.total_seconds() <= 0:
            continue
        breached = int(c.settled_at > c.resolution_due)
        for fraction in SNAPSHOT_FRACTIONS:
            moment = c.registered_at + limit * fraction
            if c.settled_at <= moment:
                break
            feats = features(
                elapsed_fraction=fraction,
                hours_left=(c.resolution_due - moment).total_seconds() / 3600,
                level=c.level,
                category=c.category,
                accepted=c.accepted_at is not None and c.accepted_at <= moment,
                load=loads.at(c.handler_id, moment),
            )
            rows.append((c.registered_at, feats, breached))
    return rows


def _fit(rows: Sequence[tuple[Any, list[str], int]]) -> Model | None:
    """Logistic regression on the one-hot features; None when the labels are all alike."""
    labels = [r[2] for r in rows]
    if len(set(labels)) < 2:
        return None
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    names = sorted({f for r in rows for f in r[1]})
    index = {name: i for i, name in enumerate(names)}
    cols = [index[f] for r in rows for f in r[1]]
    indptr = [0]
    for r in rows:
        indptr.append(indptr[-1] + len(r[1]))
    matrix = csr_matrix(([1.0] * len(cols), cols, indptr), shape=(len(rows), len(names)))
    fitted = LogisticRegression(C=1.0, max_iter=1000).fit(matrix, labels)
    coefficients = {name: float(fitted.coef_[0][i]) for name, i in index.items()}
    return Model(intercept=float(fitted.intercept_[0]), coefficients=coefficients)


def calibration(predicted: Sequence[float], observed: Sequence[int]) -> list[dict[str, Any]]:
    """Deciles of predicted probability: mean predicted vs observed share, and how many."""
    table = []
    for b in range(CALIBRATION_BINS):
        low, high = b / CALIBRATION_BINS, (b + 1) / CALIBRATION_BINS
        pairs = [
            (p, y)
            for p, y in zip(predicted, observed, strict=True)
            if low <= p < high or (b == CALIBRATION_BINS - 1 and p == 1.0)
        ]
        if pairs:
            table.append(
                {
                    "low": low,
                    "high": high,
                    "predicted": sum(p for p, _ in pairs) / len(pairs),
                    "observed": sum(y for _, y in pairs) / len(pairs),
                    "n": len(pairs),
                }
            )
    return table


def brier(predicted: Sequence[float], observed: Sequence[int]) -> float:
    if not predicted:
        return 0.0
    return sum((p - y) ** 2 for p, y in zip(predicted, observed, strict=True)) / len(predicted)


def isotonic(pairs: Sequence[tuple[float, int]]) -> list[Point]:
    """The increasing map from score to the observed share of outcomes (isotonic
    regression), as its points; none when the outcomes are all alike."""
    if len({y for _, y in pairs}) < 2:
        return []
    from sklearn.isotonic import IsotonicRegression

    fitted = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(
        [s for s, _ in pairs], [y for _, y in pairs]
    )
    return [
        (float(x), float(y))
        for x, y in zip(fitted.X_thresholds_, fitted.y_thresholds_, strict=True)
    ]


def out_of_time_scores(
    rows: Sequence[tuple[Any, list[str], int]], blocks: int = CALIBRATION_BLOCKS
) -> list[tuple[float, int]]:
    """(score, outcome) of the rows of blocks 2…`blocks` (`rows` oldest first), each block
    scored by a model fitted on the blocks before it: what the model says of months it has
    not seen."""
    pairs: list[tuple[float, int]] = []
    for k in range(1, blocks):
        start, end = len(rows) * k // blocks, len(rows) * (k + 1) // blocks
        model = _fit(rows[:start])
        if model is not None:
            pairs += [(model.score(r[1]), r[2]) for r in rows[start:end]]
    return pairs


def _calibrated_fit(rows: Sequence[tuple[Any, list[str], int]]) -> Model | None:
    """The model fitted on `rows` (oldest first), with the calibration step learnt on their
    out-of-time scores."""
    model = _fit(rows)
    if model is None:
        return None
    model.calibration = isotonic(out_of_time_scores(rows))
    return model


def train(rows: Sequence[tuple[dt.datetime, list[str], int]]) -> Fit | None:
    """Fit and calibrate on the older 80 % (by registration), evaluate on the newest 20 %
    (calibration table and Brier score, beside the same model without its calibration step
    and always saying the training base rate), then fit and calibrate on all rows so the
    stored model knows the newest history too. None when nothing can be learnt."""
    ordered = sorted(rows, key=lambda r: r[0])
    cut = int(len(ordered) * (1 - HOLDOUT_SHARE))
    older, newest = ordered[:cut], ordered[cut:]
    judged = _calibrated_fit(older)
    final = _calibrated_fit(ordered)
    if judged is None or final is None or not newest:
        return None
    observed = [r[2] for r in newest]
    predicted = [judged.probability(r[1]) for r in newest]
    raw = [_sigmoid(judged.score(r[1])) for r in newest]
    train_rate = sum(r[2] for r in older) / len(older)
    return Fit(
        model=final,
        rows=len(ordered),
        base_rate=sum(r[2] for r in ordered) / len(ordered),
        brier=brier(predicted, observed),
        base_brier=brier([train_rate] * len(observed), observed),
        calibration=calibration(predicted, observed),
        raw_brier=brier(raw, observed),
        raw_calibration=calibration(raw, observed),
    )


def calibration_error(table: Sequence[dict[str, Any]]) -> float:
    """How far predicted is from observed over a calibration table: the mean absolute gap
    per decile, weighted by the rows in it (the expected calibration error)."""
    n = sum(row["n"] for row in table)
    if not n:
        return 0.0
    return sum(abs(row["predicted"] - row["observed"]) * row["n"] for row in table) / n
