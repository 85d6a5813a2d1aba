"""Benchmark: the repair effect report (issue 14, R9.2) over 1,000,000 callbacks' worth.

Not a test. On a throw-away database (bench/throwaway.py), loads the repair cases and their
fact rows that N callbacks leave (default 1,000,000 callbacks, of which 20 % find a
dissatisfied customer: 200,000 cases), spread over a year, in 5 types × 5 value tiers × 8
regions, 60 % of them repaired with a planted lift of satisfaction and a lower repeat rate;
then times `effect_report` over the year (one grouped query over the fact table, then the
weighting and intervals in Python) and prints the estimate beside the planted effect.

    .venv/bin/python bench/repair_effect.py
    .venv/bin/python bench/repair_effect.py --callbacks 200000
    .venv/bin/python bench/repair_effect.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

CHUNK = 20_000
SHARE = 0.20  # callbacks that find a dissatisfied customer
REPAIRED = 0.6
LIFT = 1.2
REPEAT = {True: 0.12, False: 0.25}
TYPES = ("complaint", "tariff", "network", "publicity", "data_usage")
TIERS = ("五星", "四星", "三星", "二星", "一星")


def load(n_cases: int, seed: int) -> None:
    from django.db import transaction

    from tousu.accounts.models import Department, Region
    from tousu.customers.models import Customer
    from tousu.repair.models import RepairCase, RepairFact
    from tousu.setup.services import reference_data_load

    reference_data_load()
    rng = random.Random(seed)
    regions = list(Region.objects.values_list("pk", flat=True))
    department = Department.objects.get(code="billing")
    end = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    done = 0
    while done < n_cases:
        size = min(CHUNK, n_cases - done)
        with transaction.atomic():
            customers = Customer.objects.bulk_create(
                Customer(phone=f"139{done + i:08d}", value_tier=rng.choice(TIERS))
                for i in range(size)
            )
            cases, facts = [], []
            for customer in customers:
                region = rng.choice(regions)
                kind = rng.choice(TYPES)
                # Satisfaction before depends on the stratum: a plain comparison would be biased.
                base = 1.4 + TYPES.index(kind) * 0.15 + TIERS.index(customer.value_tier) * 0.05
                repaired = rng.random() < REPAIRED
                before = max(1, min(5, round(rng.gauss(base, 0.6))))
                after = max(1, min(5, round(rng.gauss(base + (LIFT if repaired else 0.2), 0.8))))
                at = end - dt.timedelta(minutes=rng.randrange(365 * 24 * 60))
                case = RepairCase(
                    customer=customer, type=kind, source="callback", department=department,
                    due_at=at, opened_at=at, status="closed" if repaired else "cancelled",
                    satisfaction_before=before,
                )  # fmt: skip
                cases.append(case)
                facts.append(
                    (kind, customer.value_tier, region, repaired, at, before,
                     after if repaired or rng.random() < 0.5 else None,
                     rng.random() < REPEAT[repaired])
                )  # fmt: skip
            RepairCase.objects.bulk_create(cases)
            RepairFact.objects.bulk_create(
                RepairFact(
                    case=case,
                    type=f[0],
                    value_tier=f[1],
                    region_id=f[2],
                    repaired=f[3],
                    index_at=f[4],
                    before=f[5],
                    after=f[6],
                    repeat_90d=f[7],
                )
                for case, f in zip(cases, facts, strict=True)
            )
        done += size
        print(f"\rloaded {done:,} cases", end="", file=sys.stderr)
    print(file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callbacks", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.throwaway import django_on_throwaway_database

    with django_on_throwaway_database(args.database_url):
        n_cases = int(args.callbacks * SHARE)
        started = time.perf_counter()
        load(n_cases, args.seed)
        print(f"callbacks: {args.callbacks:,}  cases and facts: {n_cases:,}  "
              f"load: {time.perf_counter() - started:.0f} s")  # fmt: skip
        from tousu.repair.report import effect_out, effect_report

        start = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
        end = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)
        from django.db import connection
        from django.db.models import Count

        from tousu.repair.models import RepairFact

        query = (
            RepairFact.objects.filter(index_at__gte=start, index_at__lt=end)
            .order_by()
            .values_list("repaired", "type", "value_tier", "region_id", "before", "after",
                         "repeat_90d")
            .annotate(n=Count("*"))
        )  # fmt: skip
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
            cursor.execute(explain + sql, params)
            print("plan:", cursor.fetchall())
        t = time.perf_counter()
        rows = len(list(query))
        print(f"the grouped query alone: {time.perf_counter() - t:.3f} s, {rows:,} rows")
        times = []
        for _ in range(5):
            t = time.perf_counter()
            out = effect_out(effect_report(start, end))
            times.append(time.perf_counter() - t)
        print(f"effect_report over the year: median {statistics.median(times):.3f} s, "
              f"best {min(times):.3f} s (5 runs)")  # fmt: skip
        d = out["difference"]
        print(f"strata {out['strata']}  repaired n {out['repaired']['n']:,}  "
              f"comparison n {out['comparison']['n']:,}")  # fmt: skip
        print(f"after: difference {d['after']['value']} interval {d['after']['interval']} "
              f"(planted lift {LIFT} against 0.2 before rounding and clipping)")  # fmt: skip
        print(f"repeat within 90 days: difference {d['repeat_rate_90d']['value']} "
              f"interval {d['repeat_rate_90d']['interval']} (planted "
              f"{REPEAT[True] - REPEAT[False]:+.2f})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
