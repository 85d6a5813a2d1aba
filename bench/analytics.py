"""Benchmark: the count tables and KPIs of issue 6 (D11) at N complaints.

Not a test. Creates a throw-away database (a SQLite file in a temporary folder by default, or a
`tousu_bench` database on the PostgreSQL server of --database-url, created and dropped here —
the helper of bench/breach_scan.py), loads N complaints spread over the last year with
realistic mixes (channels, categories and their departments, regions by customers, levels,
hours of the day; 92 % closed, log-normal handling times, remedies, callbacks, transfers and
escalations as timeline events), runs `tousu analytics rebuild`, one `analytics.fill` with
nothing to do, and times KPIs for the last full quarter: totals with mixes, grouped by
department and by region, and filtered by a region and a category.

    .venv/bin/python bench/analytics.py                       # SQLite, 1,000,000
    .venv/bin/python bench/analytics.py --n 200000
    .venv/bin/python bench/analytics.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

CHUNK = 20_000
DAYS = 365
REPEATS = 5

CHANNELS = {
    "hotline": 45,
    "app": 15,
    "store": 12,
    "web": 10,
    "wechat": 8,
    "sms": 3,
    "email": 2,
    "regulator": 2,
    "consumer_association": 1.5,
    "letter": 1,
    "media": 0.5,
}
LEVELS = {"ordinary": 85, "important": 10, "major": 4, "over_level": 1}
# Complaints per hour of the day (Asia/Shanghai): quiet nights, busy mornings and evenings.
HOURS = [1, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 11, 9, 10, 11, 11, 10, 9, 9, 10, 9, 7, 4, 2]
REMEDIES = {"refund": 40, "bill_credit": 25, "apology": 20, "explanation": 10, "data_credit": 5}
RESULTS = {"satisfied": 70, "basically_satisfied": 15, "dissatisfied": 8, "unreachable": 7}


def pick(rng: random.Random, weights: dict[str, float], k: int) -> list[str]:
    return rng.choices(list(weights), weights=list(weights.values()), k=k)


def insert(model: Any, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """executemany of plain rows (Django's bulk_create splits rows into statements of 999
    parameters on SQLite, which makes a million rows take long)."""
    from django.db import connection, transaction

    q = connection.ops.quote_name
    sql = (
        f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(c) for c in columns)}) "  # noqa: S608 (model names; values bound)
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    for first in range(0, len(rows), CHUNK):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows[first : first + CHUNK])


def load(n: int, now: dt.datetime) -> None:
    from django.db import connection

    from tousu.accounts.models import Department, Region
    from tousu.callbacks.models import CallbackTask
    from tousu.classification.models import Category
    from tousu.complaints.models import Complaint, ComplaintEvent
    from tousu.customers.models import Customer
    from tousu.resolution.models import Remedy
    from tousu.setup.reference import CATEGORIES
    from tousu.setup.services import reference_data_load

    reference_data_load()
    rng = random.Random(2026)
    ops = connection.ops
    regions = list(Region.objects.all())
    Customer.objects.bulk_create(
        Customer(
            phone=f"139{i:08d}", region=rng.choices(regions, [r.customers for r in regions])[0]
        )
        for i in range(10_000)
    )
    customers = list(Customer.objects.values_list("pk", "region_id"))
    departments = dict(Department.objects.values_list("code", "pk"))
    leaves = {
        c.code: (pk, departments.get(c.department))
        for c in CATEGORIES
        if "." in c.code
        for pk in [Category.objects.get(code=c.code).pk]
    }
    # A few categories carry most complaints (billing and network first), as in S4's tables.
    leaf_weights = {code: (8 if code.startswith(("billing", "network")) else 2) for code in leaves}
    leaf_weights[next(iter(leaves))] = 20

    dt_ = ops.adapt_datetimefield_value
    columns = [
        "number", "status", "channel", "content", "demand", "customer_id", "region_id",
        "external_ref", "category_id", "category_source", "level", "department_id",
        "received_at", "registered_at", "first_response_due", "resolution_due", "accepted_at",
        "resolved_at", "closed_at", "finding", "cause", "reply", "needs_repair",
        "routing_reason", "time_limit_policy", "pause_reason", "escalation_step", "risk_reasons",
        "event_seq", "event_hash", "updated_at",
    ]  # fmt: skip
    channels = pick(rng, CHANNELS, n)
    levels = pick(rng, LEVELS, n)
    cats = pick(rng, leaf_weights, n)
    start = now - dt.timedelta(days=DAYS)
    rows: list[tuple[Any, ...]] = []
    closed_at: dict[int, dt.datetime] = {}
    for i in range(n):
        day = start + dt.timedelta(days=rng.randrange(DAYS))
        received = day.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(
            hours=rng.choices(range(24), HOURS)[0], seconds=rng.randrange(3600)
        )
        customer, region = customers[rng.randrange(len(customers))]
        category, department = leaves[cats[i]]
        accepted = received + dt.timedelta(minutes=rng.lognormvariate(3.0, 1.0))
        handling = dt.timedelta(hours=rng.lognormvariate(3.0, 1.0))  # median 20 h
        closed = received + handling if received + handling < now and rng.random() < 0.92 else None
        if closed:
            closed_at[i] = closed
        rows.append(
            (
                f"B{i:011d}", "closed" if closed else "in_progress", channels[i], "话费多扣", "",
                customer, region, "", category, "model", levels[i], department, dt_(received),
                dt_(received), dt_(received + dt.timedelta(hours=2)),
                dt_(received + dt.timedelta(hours=48)), dt_(accepted), dt_(closed), dt_(closed),
                "true" if closed else "", "process_error" if closed else "", "", False, "", "",
                "", 0, "[]", 1, "x", dt_(closed or received),
            )
        )  # fmt: skip
    started = time.perf_counter()
    insert(Complaint, columns, rows)
    del rows
    print(f"  complaints: {n:,} ({time.perf_counter() - started:.0f} s)", flush=True)
    pks = dict(Complaint.objects.values_list("number", "pk"))
    pk_of = [pks[f"B{i:011d}"] for i in range(n)]
    del pks
    # Repeats: 5 % point at an earlier complaint.
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {Complaint._meta.db_table} SET repeat_of_id = %s WHERE id = %s",  # noqa: S608
            [(pk_of[i - 1], pk_of[i]) for i in range(1, n) if rng.random() < 0.05],
        )
    event_cols = ["complaint_id", "seq", "at", "type", "actor_name", "data", "prev_hash", "hash"]
    events = []
    for i in range(n):
        seq = 1
        for kind, p in (("transferred", 0.08), ("escalated", 0.03)):
            if rng.random() < p:
                events.append((pk_of[i], seq, dt_(now), kind, "bench", "{}", "", "x"))
                seq += 1
    insert(ComplaintEvent, event_cols, events)
    remedy_rows, callback_rows = [], []
    for i, closed in closed_at.items():
        if rng.random() < 0.3:
            kind = pick(rng, REMEDIES, 1)[0]
            amount = round(rng.uniform(5, 200), 2) if kind in ("refund", "bill_credit") else 0
            remedy_rows.append((pk_of[i], kind, amount, "", dt_(closed)))
        done = closed + dt.timedelta(hours=rng.uniform(2, 72))
        if done < now and rng.random() < 0.7:
            result = pick(rng, RESULTS, 1)[0]
            score = None if result == "unreachable" else rng.randint(1, 5)
            scores = (score,) * 4
            callback_rows.append(
                (pk_of[i], dt_(done), "done", result, *scores, "", dt_(done), dt_(closed))
            )
    insert(Remedy, ["complaint_id", "type", "amount", "note", "created_at"], remedy_rows)
    insert(
        CallbackTask,
        [
            "complaint_id", "due_at", "status", "result", "timeliness", "attitude", "solution",
            "simplicity", "comment", "done_at", "created_at",
        ],
        callback_rows,
    )  # fmt: skip
    print(
        f"  events {len(events):,}, remedies {len(remedy_rows):,}, callbacks "
        f"{len(callback_rows):,} ({time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(call: Callable[[], Any]) -> tuple[float, float]:
    """(first, median of the next REPEATS) in milliseconds."""
    times = []
    for _ in range(REPEATS + 1):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times[0], statistics.median(times[1:])


def lists(now: dt.datetime) -> None:
    """Time the complaint list the way its page reads it: the first page, the page 1,000 pages
    deep (by its cursor, found untimed), and a filtered first page, each with its capped count,
    for a user who sees everything and for a department supervisor."""
    from tousu.accounts.models import Department, User
    from tousu.accounts.services import user_create
    from tousu.complaints import selectors
    from tousu.complaints.selectors import ComplaintFilters, complaint_keyset_page, complaint_list
    from tousu.core import clock

    password = "bench-" + str(now.timestamp())  # nobody logs in to the throw-away database
    viewers = {
        "all": user_create(username="bench_admin", role="admin", password=password),
        "billing": user_create(
            username="bench_sup", role="supervisor", password=password, department="billing"
        ),
    }
    assert Department.objects.filter(code="billing").exists()
    size, deep = 50, 1_000
    print(f"\n{'list page':<44} {'first ms':>9} {'median ms':>10}")
    with clock.frozen(now):
        for scope, user in viewers.items():
            assert isinstance(user, User)
            everything = complaint_list(user)
            cursor_row = everything[deep * size - 1 : deep * size].first()
            cursor = selectors.cursor_of(cursor_row) if cursor_row else ""
            cases: dict[str, Callable[[], Any]] = {
                "page 1": lambda qs=everything: complaint_keyset_page(qs, size=size),
                f"page {deep + 1:,}": lambda qs=everything, c=cursor: complaint_keyset_page(
                    qs, after=c, size=size
                ),
                "page 1, channel + status filter": lambda u=user: complaint_keyset_page(
                    complaint_list(u, ComplaintFilters(channel="web", status="closed")), size=size
                ),
            }
            for title, call in cases.items():
                first, median = timed(call)
                print(f"{scope + ': ' + title:<44} {first:>9.1f} {median:>10.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="complaints")
    parser.add_argument("--database-url", default="", help="a PostgreSQL server (default SQLite)")
    parser.add_argument(
        "--lists-only", action="store_true", help="time the complaint list pages only (no rebuild)"
    )
    args = parser.parse_args(argv)

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.throwaway import django_on_throwaway_database

    with django_on_throwaway_database(args.database_url):
        from django.db import connection

        from tousu.analytics import services
        from tousu.analytics.selectors import KpiFilters, kpis
        from tousu.config import jobs
        from tousu.core import clock
        from tousu.core.clock import SHANGHAI

        now = clock.now().replace(microsecond=0)
        print(f"loading {args.n:,} complaints over {DAYS} days …", flush=True)
        load(args.n, now)
        lists(now)
        if args.lists_only:
            connection.close()
            return 0

        started = time.perf_counter()
        summary = services.counts_rebuild(
            progress=lambda done: (
                done % 100_000 == 0
                and print(f"  counted {done:,} ({time.perf_counter() - started:.0f} s)", flush=True)
            )
        )
        rebuild_s = time.perf_counter() - started
        print(f"rebuild: {summary} in {rebuild_s:.1f} s")
        started = time.perf_counter()
        print(f"fill with nothing to do: {jobs.run('analytics.fill')} in "
              f"{time.perf_counter() - started:.2f} s")  # fmt: skip

        # The last full quarter before now, Asia/Shanghai.
        local = now.astimezone(SHANGHAI)
        q_start_month = (local.month - 1) // 3 * 3 + 1
        end = dt.datetime(local.year, q_start_month, 1, tzinfo=SHANGHAI)
        start = dt.datetime(
            end.year if end.month > 3 else end.year - 1, (end.month - 4) % 12 + 1, 1,
            tzinfo=SHANGHAI,
        )  # fmt: skip
        cases: dict[str, Callable[[], Any]] = {
            "quarter, totals + 4 mixes": lambda: kpis(start, end),
            "quarter, totals only": lambda: kpis(start, end, mixes=False),
            "quarter, grouped by department": lambda: kpis(
                start, end, group_by="department", mixes=False
            ),
            "quarter, grouped by region": lambda: kpis(start, end, group_by="region", mixes=False),
            "quarter, region + category filter": lambda: kpis(
                start, end, KpiFilters(region="suzhou", category="billing"), mixes=False
            ),
        }
        body = kpis(start, end)
        print(f"\nquarter {start:%Y-%m-%d} … {end:%Y-%m-%d}: volume {body['current']['volume']:,}")
        print(f"{'query':<36} {'first ms':>9} {'median ms':>10}")
        for title, call in cases.items():
            first, median = timed(call)
            print(f"{title:<36} {first:>9.1f} {median:>10.1f}")
        connection.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
