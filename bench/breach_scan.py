"""Benchmark: one `sla.breach_scan` over N open complaints of which D are due (issue 3).

Not a test. Creates a throw-away database (a SQLite file in a temporary folder by default, or
a `tousu_bench` database on the PostgreSQL server of --database-url, created and dropped
here), loads N open complaints with bulk_create, D of them past their resolution limit, then
times one scan (which escalates the D) and a second one (which finds nothing), and prints the
query plans of the scans' queries to show that they use the partial indexes.

    .venv/bin/python bench/breach_scan.py                       # SQLite, 1,000,000
    .venv/bin/python bench/breach_scan.py --n 200000
    .venv/bin/python bench/breach_scan.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import random
import secrets
import sys
import time
from pathlib import Path

CHUNK = 20_000


def load(n: int, due: int, now: dt.datetime) -> None:
    from django.db import connection, transaction

    from tousu.accounts.models import Department
    from tousu.accounts.services import user_create
    from tousu.complaints.models import Complaint
    from tousu.customers.models import Customer
    from tousu.setup.services import reference_data_load

    reference_data_load()
    billing = Department.objects.get(code="billing")
    password = secrets.token_urlsafe(16)  # nobody logs in to the throw-away database
    user_create(username="sup", role="supervisor", password=password, department="billing")
    user_create(username="head", role="dept_head", password=password, department="billing")
    customer = Customer.objects.create(phone="13800138000", name="张三")
    rng = random.Random(2026)
    due_rows = set(rng.sample(range(n), due))
    received = now - dt.timedelta(days=1)
    # One complaint made by the ORM is the template; the rest are copies of its row with another
    # number and resolution due, inserted with executemany (Django's bulk_create splits rows
    # into statements of 999 parameters on SQLite, which makes a million rows take long).
    template = Complaint.objects.create(
        number="B-template",
        status="in_progress",
        channel="hotline",
        content="上个月话费无故多扣了58元",
        customer=customer,
        department=billing,
        level="ordinary",
        received_at=received,
        registered_at=received,
        accepted_at=received + dt.timedelta(minutes=30),
        first_response_due=received + dt.timedelta(hours=2),
        resolution_due=now + dt.timedelta(days=5),
        time_limit_policy="ordinary",
    )
    fields = [f for f in Complaint._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    ops = connection.ops
    base = {f.column: f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields}
    template.delete()
    placeholders = ", ".join(["%s"] * len(columns))
    # Table and column names come from the model, values are parameters.
    sql = (
        f"INSERT INTO {Complaint._meta.db_table} "  # noqa: S608
        f"({', '.join(ops.quote_name(c) for c in columns)}) VALUES ({placeholders})"
    )
    number_at = columns.index("number")
    due_at = columns.index("resolution_due")
    row = [base[c] for c in columns]
    started = time.perf_counter()
    for first in range(0, n, CHUNK):
        rows = []
        for i in range(first, min(first + CHUNK, n)):
            if i in due_rows:  # overdue by 1 minute to 3 hours: ladder step 1 only
                resolution_due = now - dt.timedelta(minutes=rng.randint(1, 180))
            else:  # due within the next 1 hour to 5 days
                resolution_due = now + dt.timedelta(minutes=rng.randint(60, 5 * 24 * 60))
            row[number_at] = f"B{i:011d}"
            row[due_at] = ops.adapt_datetimefield_value(resolution_due)
            rows.append(tuple(row))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        done = min(first + CHUNK, n)
        if done % 100_000 == 0 or done == n:
            print(f"  loaded {done:,} ({time.perf_counter() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def explain(now: dt.datetime) -> None:
    from tousu.sla import jobs as sla_jobs

    queries = {
        "breach scan, step 1 (escalation_step in [0,1), resolution_due <= now)": (
            sla_jobs.due_for_step(now, 1, 0, 0)
        ),
        "breach scan, step 4 (escalation_step in [3,4), resolution_due <= now - 48 h)": (
            sla_jobs.due_for_step(now, 4, 3, 48 * 60)
        ),
        "reminder (resolution_due in (now, now + 2 h])": sla_jobs.due_for_reminder(now),
        "first response (unaccepted, first_response_due <= now)": (
            sla_jobs.due_for_first_response_alert(now)
        ),
    }
    for title, qs in queries.items():
        print(f"\n-- {title}")
        print(qs.values_list("pk", flat=True)[:500].explain())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="open complaints")
    parser.add_argument("--due", type=int, default=1_000, help="of which due")
    parser.add_argument("--database-url", default="", help="a PostgreSQL server (default SQLite)")
    parser.add_argument("--profile", action="store_true", help="profile the first scan")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.throwaway import django_on_throwaway_database

    with django_on_throwaway_database(args.database_url):
        from django.db import connection

        from tousu.config import jobs
        from tousu.core import clock

        now = clock.now().replace(microsecond=0)
        print(f"loading {args.n:,} open complaints, {args.due:,} of them due …")
        load(args.n, args.due, now)

        results = []
        for run in (1, 2):
            profiler = cProfile.Profile() if args.profile and run == 1 else None
            with clock.frozen(now):
                started = time.perf_counter()
                if profiler:
                    profiler.enable()
                counts = jobs.run("sla.breach_scan")
                seconds = time.perf_counter() - started
            if profiler:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
            results.append((run, counts, seconds))
        print()
        print(f"{'n':>10} {'due':>6} {'run':>4} {'escalated':>10} {'seconds':>8}")
        for run, counts, seconds in results:
            escalated = counts["escalated"]
            print(f"{args.n:>10,} {args.due:>6,} {run:>4} {escalated:>10,} {seconds:>8.3f}")
        explain(now)
        connection.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
