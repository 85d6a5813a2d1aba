"""Benchmark: where one API registration's time goes in-process (issue 19, "regprof").

Not a test. Builds (once) a SQLite database with N complaints from bench/analytics.py's loader,
the classifier trained on them as the server's start-up retraining would, and an agent's API
token, in --db-dir. Every run then copies that database to a temporary folder (so every run
starts from the same data) and posts --count registrations to `POST /api/v1/complaints` through
Django's test Client — the full WSGI handler and middleware, no network — each with its own
Idempotency-Key and a different body (bench/intake.py's), alternating with the same bodies
posted to bench/intake_server's bare two-insert endpoint (its tables made in the copy).
Prints the median, p10 and p90 milliseconds per request of each after --warm unmeasured ones,
the mean CPU milliseconds of the process per request, and the ratio of the medians. Jobs
asked for on commit run in the in-process runner's thread, as under `tousu serve`
(--inline-jobs: in the request). With --profile, the cProfile listing of the product's
measured requests by cumulative and by own time (--dump: the raw statistics to a file, for
pstats).

    .venv/bin/python bench/intake_profile.py --n 20000 --db-dir /tmp/tousu-regprof
    .venv/bin/python bench/intake_profile.py --db-dir /tmp/tousu-regprof --profile
    .venv/bin/python bench/intake_profile.py --db-dir /tmp/tousu-regprof --jobs  # + the jobs' CPU

With --database-url (a PostgreSQL server), the database is built once as `tousu_regprof` on
that server (its keys and token in --db-dir) and every run measures on a copy made from it as a
template (`tousu_regprof_run`, dropped afterwards).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def _django(data_dir: Path, database_url: str = "") -> None:
    sys.path.insert(0, str(ROOT))
    from bench.throwaway import bench_server_django

    bench_server_django(data_dir, database_url)


BUILT, RUN = "tousu_regprof", "tousu_regprof_run"
# The scheduled jobs (every minute under `tousu serve`) that every registration gives work to,
# beside the acknowledgement's sending that it asks for itself: they run in the job runner's
# process, on the same cores as the requests.
LATER_JOBS = ("analytics.fill", "intake.risk_rescore")


@contextmanager
def _postgres(server_url: str, name: str, template: str = "") -> Iterator[str]:
    """The URL of database `name` on the server, made afresh (from `template` if given);
    the measured copy is dropped afterwards, the built one kept."""
    import psycopg

    parts = urlsplit(server_url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        if template:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def build(n: int, db_dir: Path) -> None:
    """The loaded database with a trained, active classifier and an agent's token."""
    import datetime as dt

    from django.core.management import call_command

    from bench import analytics
    from tousu.accounts.models import User
    from tousu.accounts.services import token_create, user_create
    from tousu.config import jobs
    from tousu.core import clock

    call_command("migrate", verbosity=0)
    now = clock.now().replace(microsecond=0)
    started = time.perf_counter()
    analytics.load(n, now - dt.timedelta(days=1))
    print(f"loaded {n:,} complaints in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    print("classifier retraining:", jobs.run("classification.retrain"), flush=True)
    print(f"  in {time.perf_counter() - started:.0f} s", flush=True)
    agent = user_create(
        username="bench_agent", role="agent", password=uuid.uuid4().hex, department="billing"
    )
    (db_dir / "token").write_text(token_create(user=User.objects.get(pk=agent.pk)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="complaints loaded (first run)")
    default_dir = Path(tempfile.gettempdir()) / "tousu-regprof"
    parser.add_argument("--db-dir", default=str(default_dir), help="the built database")
    parser.add_argument("--count", type=int, default=200, help="registrations measured")
    parser.add_argument("--warm", type=int, default=20, help="registrations not measured")
    parser.add_argument("--profile", action="store_true", help="print cProfile listings")
    parser.add_argument("--lines", type=int, default=45, help="lines per listing")
    parser.add_argument("--dump", default="", help="write the raw profile here")
    parser.add_argument(
        "--inline-jobs", action="store_true", help="no job runner: jobs run in the request"
    )
    parser.add_argument(
        "--database-url", default="", help="a PostgreSQL server (default: SQLite in --db-dir)"
    )
    parser.add_argument(
        "--statements", action="store_true", help="list the product's statements per request"
    )
    parser.add_argument(
        "--jobs",
        action="store_true",
        help="then run the scheduled jobs a registration gives work to, CPU per registration",
    )
    args = parser.parse_args(argv)

    db_dir = Path(args.db_dir)
    if not (db_dir / "token").exists():
        db_dir.mkdir(parents=True, exist_ok=True)
        if args.database_url:
            with _postgres(args.database_url, BUILT) as url:
                _django(db_dir, url)
                build(args.n, db_dir)
        else:
            _django(db_dir)
            build(args.n, db_dir)
        print(f"built {db_dir}; run again to measure")
        return 0

    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="tousu-regprof-"))
        for name in os.listdir(db_dir):
            if name.startswith("tousu.sqlite3") or name in ("chain_key", "secret_key", "token"):
                shutil.copy(db_dir / name, Path(tmp) / name)
        url = ""
        if args.database_url:
            url = stack.enter_context(_postgres(args.database_url, RUN, template=BUILT))
        _django(Path(tmp), url)
        from django.db import connection, transaction
        from django.test import Client

        from bench.intake import body
        from bench.intake_server.models import BareEvent, BareTicket
        from tousu.config import jobs

        with connection.schema_editor() as editor:
            editor.create_model(BareTicket)
            editor.create_model(BareEvent)
        if not args.inline_jobs:
            # As `tousu serve` does: jobs asked for on commit (the acknowledgement's sending)
            # run in the runner's thread, beside the requests, not inside them.
            from tousu.config import runner

            runner.start(schedule=False)
        token = (Path(tmp) / "token").read_text().strip()
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

        def post(path: str, i: int) -> None:
            response = client.post(
                path,
                data=body(i),
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=f"prof-{uuid.uuid4()}",
            )
            if response.status_code != 201:
                raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")

        paths = {"product": "/api/v1/complaints", "bare": "/api/bench/bare"}
        if args.jobs:  # what the loaded data left them is not the registrations' work
            for job in LATER_JOBS:
                jobs.run(job)
        for i in range(args.warm):
            for path in paths.values():
                post(path, i)
        profiler = cProfile.Profile() if args.profile else None
        times: dict[str, list[float]] = {name: [] for name in paths}
        # CPU time of the process (the runner's thread included): what the request costs
        # whatever else the shared machine runs meanwhile.
        cpu: dict[str, list[float]] = {name: [] for name in paths}
        # The statements of each request on this thread's connection (with --inline-jobs, its
        # jobs' too; the runner's thread has a connection of its own), by their text.
        statements: dict[str, Counter[str]] = {name: Counter() for name in paths}
        current = [""]

        # The day's number lock: from the upsert of its DailySequence row to the end of the
        # commit (when the first on-commit callback runs), wall and this thread's CPU.
        window: dict[str, list[float]] = {"wall_ms": [], "cpu_ms": []}

        def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            if current[0]:
                statements[current[0]][" ".join(sql.split())[:110]] += 1
            if current[0] == "product" and "complaints_dailysequence" in sql:
                taken = time.perf_counter(), time.thread_time()
                transaction.on_commit(
                    lambda: (
                        window["wall_ms"].append((time.perf_counter() - taken[0]) * 1000),
                        window["cpu_ms"].append((time.thread_time() - taken[1]) * 1000),
                    )
                )
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            for i in range(args.warm, args.warm + args.count):
                for name, path in paths.items():
                    profiled = profiler is not None and name == "product"
                    current[0] = name
                    started, started_cpu = time.perf_counter(), time.process_time()
                    if profiled:
                        profiler.enable()
                    post(path, i)
                    if profiled:
                        profiler.disable()
                    times[name].append((time.perf_counter() - started) * 1000)
                    cpu[name].append((time.process_time() - started_cpu) * 1000)
                    current[0] = ""
        summary: dict[str, object] = {"count": args.count, "profiled": args.profile}
        for name, values in times.items():
            deciles = statistics.quantiles(values, n=10)
            summary[name] = {
                "median_ms": round(statistics.median(values), 2),
                "p10_ms": round(deciles[0], 2),
                "p90_ms": round(deciles[-1], 2),
                "cpu_mean_ms": round(statistics.mean(cpu[name]), 2),
                "statements": round(sum(statements[name].values()) / args.count, 2),
            }
        ratio = statistics.median(times["product"]) / statistics.median(times["bare"])
        summary["product/bare"] = round(ratio, 2)
        summary["number_lock"] = {
            f"{name}_{stat}": round(f(values), 2)
            for name, values in window.items()
            for stat, f in (
                ("median", statistics.median),
                ("p90", lambda v: statistics.quantiles(v, n=10)[-1]),
            )
        }
        print(json.dumps(summary))
        if args.statements:
            print("\nthe product's statements per registration, by their text:")
            for text, n in statements["product"].most_common():
                print(f"  {n / args.count:5.2f}  {text}")
        if profiler is not None:
            if args.dump:
                profiler.dump_stats(args.dump)
            for order in ("cumulative", "tottime"):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.lines)
                print(out.getvalue())
        if not args.inline_jobs:  # its last sends done before the copy is dropped
            runner.stop()
        if args.jobs:
            registered = args.warm + args.count
            print(f"\nscheduled jobs after {registered} registrations, per registration:")
            for job in LATER_JOBS:
                started, started_cpu = time.perf_counter(), time.process_time()
                result = jobs.run(job)
                cpu_ms = (time.process_time() - started_cpu) * 1000 / registered
                wall_ms = (time.perf_counter() - started) * 1000 / registered
                print(f"  {job:<22} CPU {cpu_ms:6.2f} ms, wall {wall_ms:6.2f} ms  {result}")
        from django.db import connections

        connections.close_all()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
