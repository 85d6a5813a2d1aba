"""Benchmark: the full tamper-evidence verification over N complaints of ~8 events (issue 11).

Not a test. Builds N closed complaints (tests.factories.ComplaintBuilder: registered,
classified, dispatched, accepted, resolved with remedies, closed, plus two notes) in a throw-away
database, then times the first seal (every head new), a second seal (nothing moved), the seal
after 1% of the complaints moved on, and the full verification (`tousu timeline_verify`).

    .venv/bin/python bench/timeline_verify.py --n 5000
    .venv/bin/python bench/timeline_verify.py --n 5000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from pathlib import Path


def load(n: int) -> list[int]:
    from django.db import transaction

    from tests.factories import ComplaintBuilder
    from tousu.accounts.services import user_create
    from tousu.complaints.choices import EventType
    from tousu.complaints.models import Complaint
    from tousu.complaints.services import EventDraft, events_record
    from tousu.setup.services import reference_data_load

    reference_data_load()
    password = secrets.token_urlsafe(16)
    handler = user_create(username="h", role="handler", password=password, department="billing")
    build = ComplaintBuilder(lambda: handler)
    pks = []
    for start in range(0, n, 500):
        with transaction.atomic():
            for _ in range(min(500, n - start)):
                c = build("closed")
                notes = [
                    EventDraft(c, EventType.NOTE, actor=handler, data={"text": f"备注 {i}"})
                    for i in range(2)
                ]
                events_record(notes)
                pks.append(c.pk)
    print(f"{Complaint.objects.count():,} complaints built")
    return pks


def timed(label: str, work: object) -> object:
    started = time.perf_counter()
    result = work()  # type: ignore[operator]
    print(f"{label:<40} {time.perf_counter() - started:8.3f} s   {result}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5_000, help="complaints")
    parser.add_argument("--database-url", default="", help="a PostgreSQL server (default SQLite)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.throwaway import django_on_throwaway_database

    with django_on_throwaway_database(args.database_url):
        from django.db import connection, transaction

        from tousu.complaints.choices import EventType
        from tousu.complaints.models import Complaint, ComplaintEvent
        from tousu.complaints.services import EventDraft, chain_seal, events_record
        from tousu.resolution.selectors import integrity_verify

        started = time.perf_counter()
        pks = load(args.n)
        print(
            f"load: {time.perf_counter() - started:.1f} s; "
            f"{ComplaintEvent.objects.count():,} events"
        )
        timed("seal 1 (every head new)", lambda: chain_seal().chains)  # type: ignore[union-attr]
        timed("seal 2 (nothing moved)", chain_seal)
        with transaction.atomic():
            moved = list(Complaint.objects.filter(pk__in=pks[::100]))
            events_record(
                [EventDraft(c, EventType.NOTE, actor=None, actor_name="b", data={}) for c in moved]
            )
        timed(f"seal 3 ({len(moved)} heads moved)", lambda: chain_seal().chains)  # type: ignore[union-attr]
        report = timed(
            "full verification",
            lambda: (lambda r: (r.complaints, len(r.findings)))(integrity_verify()),
        )
        connection.close()
        return 0 if report[1] == 0 else 1  # type: ignore[index]


if __name__ == "__main__":
    raise SystemExit(main())
