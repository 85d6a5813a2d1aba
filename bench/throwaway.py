"""A throw-away database for a benchmark: a SQLite file in a temporary folder, or a
`tousu_bench` database on a PostgreSQL server (created here, dropped afterwards), with Django
set up on it and migrated. Not a test; used by the scripts of this folder.

With `keep`, the database outlives the run (a PostgreSQL database of that name, or the SQLite
file in a fixed folder of the temporary directory) and the next run with `keep` reuses it as it
is, migrated to the code's migrations: loading a million complaints takes minutes, timing a
change to a query takes seconds."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# TOUSU_BENCH_DB names another one, so that two benchmarks can share a server.
BENCH_DB = os.environ.get("TOUSU_BENCH_DB", "tousu_bench")


@contextlib.contextmanager
def postgres_database(server_url: str, *, keep: bool = False) -> Iterator[str]:
    """A fresh `tousu_bench` database on the server of `server_url`; dropped afterwards, unless
    `keep` (which also reuses the database if it exists)."""
    import psycopg

    parts = urlsplit(server_url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
        if not (keep and exists):
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
            conn.execute(f"CREATE DATABASE {BENCH_DB}")
    try:
        yield urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


@contextlib.contextmanager
def django_on_throwaway_database(database_url: str = "", *, keep: bool = False) -> Iterator[None]:
    """Django set up and migrated on a throw-away database (PostgreSQL when `database_url`
    names a server, else SQLite), which is gone afterwards unless `keep`."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    with contextlib.ExitStack() as stack:
        if keep:
            data_dir = str(Path(tempfile.gettempdir()) / f"tousu-bench-keep-{BENCH_DB}")
            Path(data_dir).mkdir(exist_ok=True)
        else:
            data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="tousu-bench-"))
        os.environ["TOUSU_DATA_DIR"] = data_dir
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.config.settings")
        if database_url:
            os.environ["TOUSU_DATABASE_URL"] = stack.enter_context(
                postgres_database(database_url, keep=keep)
            )
        else:
            os.environ.pop("TOUSU_DATABASE_URL", None)

        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        yield


def bench_server_django(data_dir: Path, database_url: str = "") -> None:
    """Django set up, not migrated, with the product's settings plus the bench's bare endpoints
    (bench/intake_server): on the SQLite file of `data_dir`, or on `database_url`."""
    os.environ["TOUSU_DATA_DIR"] = str(data_dir)
    if database_url:
        os.environ["TOUSU_DATABASE_URL"] = database_url
    else:
        os.environ.pop("TOUSU_DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.intake_server.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
