"""Benchmark: the complaint list page and the API list against a bare endpoint of the same rows
(issue 19 item 3: "within 2x a bare query of the same rows, page 1 and a deep keyset page").

Not a test. Builds (once) a SQLite database with N complaints from bench/analytics.py's loader
and the two viewers of bench/analytics.py (an administrator who sees everything and the billing
department's supervisor) in --db-dir; every later run reads that database in place (nothing
here writes to it but the sessions and tokens of the run).

The comparison goes through Django's test client for both sides, with the settings of
bench/intake_server (the product's, plus the bench's own app, NOT part of the product):

- the product: `GET /complaints/` (HTML) and `GET /api/v1/complaints` (JSON, with its count);
- the bare endpoint: `GET /api/bench/bare-list` (JSON) and `GET /bench/bare-list` (a plain
  HTML table from a minimal template) — the same 50 rows, in the same order, under the same
  data scope for the logged-in user, page 1 and a keyset page (`?after=`), through the same
  middleware, session and authentication, and nothing else.

Both sides pay the same request cycle, so the ratio is the product's work beyond reading the
rows (why not a real `tousu serve`: see bench/README.md). Rounds are interleaved (product,
bare, product, bare…) so that drift on a shared machine falls on both; medians.

    .venv/bin/python bench/lists.py --n 1000000 --db-dir /tmp/tousu-lists-1m   # builds once
    .venv/bin/python bench/lists.py --db-dir /tmp/tousu-lists-1m                # measures
    .venv/bin/python bench/lists.py --db-dir /tmp/tousu-lists-1m --profile      # + cProfile

With --database-url (a PostgreSQL server), the database is built once as `tousu_lists` on that
server (`TOUSU_BENCH_DB` names another, so that two benchmarks can share the server; VACUUM
ANALYZE after loading, as autovacuum would have done by then) and kept; --db-dir then holds only
its marker and the keys. Every later run measures on it in place, as on SQLite.

    .venv/bin/python bench/lists.py --n 1000000 --db-dir /tmp/tousu-lists-pg-1m \
        --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SIZE, DEEP = 50, 1_000  # a page's rows; the deep page is page DEEP + 1, reached by its cursor
# The kept PostgreSQL database's name on the server of --database-url.
PG_NAME = os.environ.get("TOUSU_BENCH_DB", "tousu_lists")


def _django(data_dir: Path, database_url: str = "") -> None:
    sys.path.insert(0, str(ROOT))
    from bench.throwaway import bench_server_django

    bench_server_django(data_dir, database_url)


def _postgres(server_url: str, *, fresh: bool) -> str:
    """The URL of the kept database PG_NAME on the server of `server_url`, made afresh (dropped
    first) when `fresh`."""
    parts = urlsplit(server_url)
    if fresh:
        import psycopg

        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_NAME}")
    return urlunsplit(parts._replace(path=f"/{PG_NAME}"))


def build(n: int, db_dir: Path) -> None:
    """The loaded database with the two viewers; `built` marks it complete."""
    from django.core.management import call_command

    from bench import analytics
    from tousu.core import clock

    call_command("migrate", verbosity=0)
    now = clock.now().replace(microsecond=0)
    started = time.perf_counter()
    analytics.load(n, now)
    print(f"loaded {n:,} complaints in {time.perf_counter() - started:.0f} s", flush=True)
    analytics.viewers(now)
    (db_dir / "built").write_text(f"{n}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="complaints loaded (first run)")
    default_dir = Path(tempfile.gettempdir()) / "tousu-lists"
    parser.add_argument("--db-dir", default=str(default_dir), help="the built database")
    parser.add_argument("--rounds", type=int, default=15, help="measured rounds per case")
    parser.add_argument("--profile", action="store_true", help="print cProfile listings")
    parser.add_argument("--lines", type=int, default=40, help="lines per listing")
    parser.add_argument("--deep", type=int, default=DEEP, help="the deep page is this + 1")
    parser.add_argument("--only", default="", help="the cases whose name holds this text")
    parser.add_argument(
        "--database-url", default="", help="a PostgreSQL server (default: SQLite in --db-dir)"
    )
    args = parser.parse_args(argv)

    db_dir = Path(args.db_dir)
    built = (db_dir / "built").exists()
    url = _postgres(args.database_url, fresh=not built) if args.database_url else ""
    if not built:
        db_dir.mkdir(parents=True, exist_ok=True)
        _django(db_dir, url)
        build(args.n, db_dir)
        print(f"built {db_dir}; run again to measure")
        return 0
    _django(db_dir, url)
    measure(args)
    return 0


def _cursor(user: Any, deep: int) -> str:
    """The product's cursor of the last row of page `deep` (untimed): `?after=` it is page
    `deep` + 1."""
    from tousu.complaints import selectors

    row = selectors.complaint_list(user)[deep * SIZE - 1 : deep * SIZE].first()
    assert row is not None, "fewer complaints than the deep page needs"
    return selectors.cursor_of(row)


Call = Callable[[], None]


def cases(user: Any, deep_page: int) -> dict[str, tuple[Call, Call, Call | None]]:
    """(the product's request, the bare endpoint's request of the same rows, and for the API
    the bare endpoint's request of the same rows with the exact count of the user's scope —
    what the API's contract adds) by title."""
    from django.test import Client

    from tousu.accounts.services import token_create

    cursor = _cursor(user, deep_page)
    client = Client()
    client.force_login(user)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user)}"}

    def get(url: str, **headers: str) -> Call:
        def call() -> None:
            response = client.get(url, **headers)
            assert response.status_code == 200, (url, response.status_code)

        return call

    deep = f"page {deep_page + 1:,}"
    return {
        "page 1, GET /complaints/": (get("/complaints/"), get("/bench/bare-list"), None),
        f"{deep} (cursor), GET /complaints/?after=": (
            get(f"/complaints/?after={cursor}"),
            get(f"/bench/bare-list?after={cursor}"),
            None,
        ),
        "page 1, GET /api/v1/complaints": (
            get("/api/v1/complaints", **bearer),
            get("/api/bench/bare-list", **bearer),
            get("/api/bench/bare-list?count=1", **bearer),
        ),
        # The API pages by number (with its count), not by cursor: the same rows by offset.
        f"{deep} (offset), GET /api/v1/complaints?page=": (
            get(f"/api/v1/complaints?page={deep_page + 1}", **bearer),
            get(f"/api/bench/bare-list?after={cursor}", **bearer),
            get(f"/api/bench/bare-list?after={cursor}&count=1", **bearer),
        ),
    }


def measure(args: Any) -> None:
    from django.db import connection

    from tousu.accounts.models import User

    users = {
        "administrator": User.objects.get(username="bench_admin"),
        "billing supervisor": User.objects.get(username="bench_sup"),
    }
    print(
        f"{connection.vendor}, {_complaints():,} complaints; {args.rounds} rounds, medians in ms;"
        " the API also against the bare endpoint with the same exact count (bare+count)"
    )
    print(f"{'case':<62} {'product':>8} {'bare':>7} {'ratio':>6} {'bare+count':>10} {'ratio':>6}")
    profiler = cProfile.Profile() if args.profile else None
    for who, user in users.items():
        for title, (product, bare, counted) in cases(user, args.deep).items():
            if args.only not in f"{who}: {title}":
                continue
            sides: list[tuple[Call, list[float]]] = [(product, []), (bare, [])]
            if counted is not None:
                sides.append((counted, []))
            for call, _ in sides:
                call()  # first requests: templates, translations, plans
            for round_ in range(args.rounds):
                # Interleaved, the order reversed every other round.
                for call, times in sides if round_ % 2 == 0 else sides[::-1]:
                    started = time.perf_counter()
                    call()
                    times.append((time.perf_counter() - started) * 1000)
            mine, base, *with_count = (statistics.median(times) for _, times in sides)
            line = (
                f"{who}: {title:<{62 - len(who) - 2}} {mine:>8.1f} {base:>7.1f} {mine / base:>6.2f}"
            )
            if with_count:
                line += f" {with_count[0]:>10.1f} {mine / with_count[0]:>6.2f}"
            print(line, flush=True)
            if profiler is not None:
                profiler.enable()
                for _ in range(5):
                    product()
                profiler.disable()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    if profiler is not None:
        for key in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(args.lines)
            print(out.getvalue())
    connection.close()


def _complaints() -> int:
    """How many complaints (the highest pk: a count would read them all)."""
    from django.db.models import Max

    from tousu.complaints.models import Complaint

    return int(Complaint.objects.aggregate(n=Max("pk"))["n"] or 0)


if __name__ == "__main__":
    raise SystemExit(main())
