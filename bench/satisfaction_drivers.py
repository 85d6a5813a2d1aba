"""Benchmark: the satisfaction drivers (R8.3, issue 14) from the count tables at N callbacks.

Not a test. Creates a throw-away database (bench/throwaway.py: SQLite in a temporary folder,
or a `tousu_bench` database on the PostgreSQL server of --database-url), and loads the
SatisfactionCount rows that N scored callbacks (default 1,000,000) and S survey answers
(default 200,000) spread over the last 365 days would leave: every observation is generated
(factor scores 1–5 with a common part, overall = weighted sum + noise; 5 % of callbacks skip
one factor), its slice drawn from realistic mixes (categories with their departments, regions,
channels), and the moments are summed per day and slice into the cube and every roll-up with
numpy, then inserted directly — what the fill job would have written, without driving a
million complaints through the services. Then times `selectors.satisfaction_drivers` (one
query, the analysis, the jackknife over days) for a year and for a quarter, for the whole,
one department, a category within a region, and a three-dimension slice (the cube), and for
each source.

    .venv/bin/python bench/satisfaction_drivers.py                  # SQLite, 1,000,000
    .venv/bin/python bench/satisfaction_drivers.py --n 200000
    .venv/bin/python bench/satisfaction_drivers.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

CHUNK = 20_000
DAYS = 365
REPEATS = 5
DEPARTMENTS = 8
REGIONS = 13
CATEGORIES = 30
CHANNELS = ("hotline", "app", "store", "web", "wechat", "sms", "email", "regulator")
CHANNEL_WEIGHTS = (45, 15, 12, 10, 8, 3, 2, 2)
WEIGHTS = (0.45, 0.3, 0.15, 0.1)  # callbacks: timeliness, attitude, solution, simplicity
SURVEY_WEIGHTS = (0.1, 0.1, 0.15, 0.05, 0.35, 0.2, 0.03, 0.02)


def _zipf(k: int, s: float = 1.1) -> np.ndarray:
    p = 1 / np.arange(1, k + 1) ** s
    return p / p.sum()


def observations(n: int, weights: tuple[float, ...], rng: np.random.Generator) -> np.ndarray:
    """(n × moments) moment vectors (drivers.MOMENT_COLUMNS) and their masks."""
    from tousu.analytics import drivers

    k = len(weights)
    common = rng.normal(0, 1, (n, 1))
    x = np.clip(np.rint(3.4 + 0.7 * common + rng.normal(0, 1, (n, k))), 1, 5)
    y = np.clip(np.rint(x @ np.array(weights) + rng.normal(0, 0.5, n)), 1, 5)
    full = np.zeros((n, drivers.K))
    full[:, :k] = x
    mask = np.full(n, (1 << k) - 1)
    # Some answers skip one factor (the customer had no view on it).
    skip = rng.random(n) < 0.05
    which = rng.integers(0, k, n)
    full[skip, which[skip]] = 0
    mask[skip] &= ~(1 << which[skip])
    pairs = np.array(drivers.PAIRS)
    moments = np.column_stack(
        [
            np.ones(n),
            y,
            y * y,
            full,
            full * y[:, None],
            full[:, pairs[:, 0]] * full[:, pairs[:, 1]],
        ]
    )
    return np.column_stack([mask, moments]).astype(np.int64)


def slices(n: int, rng: np.random.Generator, survey: bool) -> np.ndarray:
    """(n × 5): day index, department, region, category, channel index (surveys: region
    only; department and category 0, channel −1 for "")."""
    day = rng.integers(0, DAYS, n)
    region = rng.choice(REGIONS, n, p=_zipf(REGIONS, 0.8)) + 1
    if survey:
        return np.column_stack([day, np.zeros(n), region, np.zeros(n), np.full(n, -1)])
    category = rng.choice(CATEGORIES, n, p=_zipf(CATEGORIES)) + 1
    owner = (category % DEPARTMENTS) + 1  # each category's usual department …
    other = rng.integers(1, DEPARTMENTS + 1, n)  # … and a fifth handled elsewhere
    department = np.where(rng.random(n) < 0.8, owner, other)
    weights = np.array(CHANNEL_WEIGHTS) / sum(CHANNEL_WEIGHTS)
    channel = rng.choice(len(CHANNELS), n, p=weights)
    return np.column_stack([day, department, region, category, channel])


def load(n: int, surveys: int, first: dt.date) -> int:
    """Insert the count rows of n callbacks and `surveys` survey answers; returns the rows."""
    from django.db import connection, transaction

    from tousu.analytics import drivers, rules
    from tousu.analytics.models import SatisfactionCount
    from tousu.analytics.services import SATISFACTION_COLUMNS, _insert_sql

    rng = np.random.default_rng(14)
    insert = _insert_sql(SatisfactionCount, SATISFACTION_COLUMNS)
    rows_written = 0
    for source, count, weights in (
        ("callback", n, WEIGHTS),
        ("survey", surveys, SURVEY_WEIGHTS),
    ):
        if not count:
            continue
        obs = observations(count, weights, rng)
        where = slices(count, rng, survey=source == "survey").astype(np.int64)
        for rollup, kept in rules.SATISFACTION_ROLLUPS.items():
            dims = where.copy()
            for i, name in enumerate(rules.SATISFACTION_DIMENSIONS):
                if name not in kept:
                    dims[:, 1 + i] = -2  # "all"
            keys = np.column_stack([dims, obs[:, 0]])
            unique, inverse = np.unique(keys, axis=0, return_inverse=True)
            sums = np.zeros((len(unique), obs.shape[1] - 1), dtype=np.int64)
            np.add.at(sums, inverse.ravel(), obs[:, 1:])
            batch: list[tuple[Any, ...]] = []
            for key, moments in zip(unique.tolist(), sums.tolist(), strict=True):
                day_no, department, region, category, channel_no, mask = key
                day = first + dt.timedelta(days=day_no)
                values = (
                    0 if department == -2 else department,
                    0 if region == -2 else region,
                    0 if category == -2 else category,
                    "*" if channel_no == -2 else "" if channel_no == -1 else CHANNELS[channel_no],
                )
                label = day.isoformat()
                batch.append(
                    (
                        rules.satisfaction_key(label, source, rollup, values, mask),
                        connection.ops.adapt_datefield_value(day),
                        rollup,
                        source,
                        *values,
                        mask,
                        *moments,
                    )
                )
                if len(batch) >= CHUNK:
                    with transaction.atomic(), connection.cursor() as cursor:
                        cursor.executemany(insert, batch)
                    rows_written += len(batch)
                    batch = []
            if batch:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.executemany(insert, batch)
                rows_written += len(batch)
        print(f"  {source}: {count:,} observations loaded")
    assert drivers.MOMENT_COLUMNS  # the layout the rows were written in
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(SatisfactionCount._meta.db_table)}")
    return rows_written


def timed(call: Any) -> tuple[float, Any]:
    seconds = []
    result = None
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="scored callbacks")
    parser.add_argument("--surveys", type=int, default=200_000, help="survey answers")
    parser.add_argument("--database-url", default="", help="a PostgreSQL server (default SQLite)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.throwaway import django_on_throwaway_database

    with django_on_throwaway_database(args.database_url):
        from django.db import connection

        from tousu.analytics.selectors import KpiFilters, satisfaction_drivers

        last = dt.date(2026, 11, 30)
        first = last - dt.timedelta(days=DAYS - 1)
        print(f"loading {args.n:,} callbacks and {args.surveys:,} survey answers …")
        started = time.perf_counter()
        rows = load(args.n, args.surveys, first)
        print(f"{rows:,} count rows in {time.perf_counter() - started:.0f} s")
        quarter = (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
        year = (first, last)
        one = KpiFilters(departments=frozenset({3}))
        region_channel = KpiFilters(regions=frozenset({2}), channel="app")
        three = KpiFilters(departments=frozenset({3}), regions=frozenset({1}), channel="hotline")
        cases = [
            ("year", year, KpiFilters(), "callback"),
            ("quarter", quarter, KpiFilters(), "callback"),
            ("year, one department", year, one, "callback"),
            ("quarter, channel in region", quarter, region_channel, "callback"),
            ("year, 3 dimensions (cube)", year, three, "callback"),
            ("year, surveys", year, KpiFilters(), "survey"),
            ("year, both", year, KpiFilters(), "both"),
        ]
        print()
        print(f"{'question':<32} {'n':>10} {'days':>5} {'seconds':>8}  order (importance)")
        for label, (a, b), filters, source in cases:
            seconds, result = timed(
                lambda a=a, b=b, f=filters, s=source: satisfaction_drivers(a, b, f, source=s)
            )
            order = ", ".join(f"{f['factor']} {f['importance']:.2f}" for f in result["factors"][:4])
            print(f"{label:<32} {result['n']:>10,} {result['days']:>5} {seconds:>8.3f}  {order}")
        connection.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
