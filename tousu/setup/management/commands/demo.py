import sys
import time
from argparse import ArgumentTypeError
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.setup.demo import (
    DEFAULT_COMPLAINTS,
    DEFAULT_SEED,
    DEMO_ARCHIVE_DAYS,
    DEMO_PASSWORD,
    DEMO_USERS,
    demo_load,
)


class Command(BaseCommand):
    help = "Load demo users, customers and complaints (after `tousu init`, which it runs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--complaints", type=_count, default=DEFAULT_COMPLAINTS, metavar="N")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when any complaint exists"
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="S")

    def handle(self, *args: Any, **opts: Any) -> None:
        verbosity = opts["verbosity"]
        call_command("init", verbosity=verbosity, stdout=self.stdout, stderr=self.stderr)
        if opts["if_empty"] and Complaint.objects.exists():
            self.stdout.write("Demo data already present; nothing added.")
            self.logins(created=None)
            return
        started = time.monotonic()
        result = demo_load(
            complaints=opts["complaints"],
            seed=opts["seed"],
            progress=verbosity > 0 and sys.stderr.isatty(),
        )
        seconds = time.monotonic() - started
        mix = ", ".join(f"{k} {v}" for k, v in sorted(result.statuses.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {result.complaints} complaints ({mix}) from "
                f"{result.customers} new customers in {seconds:.1f} s."
            )
        )
        if result.departures:
            self.stdout.write(
                f"Consistency: {len(result.departures)} outcomes depart from their standard "
                f"clause on purpose, for the consistency page ({', '.join(result.departures)}); "
                "every other outcome follows its clause."
            )
        if result.wave:
            self.stdout.write(
                f"Early warning: {result.wave} more calls about a broadband outage in the last "
                f"two hours; the hourly scan raised {result.alerts} spike alert(s) (/alerts/)."
            )
        if result.incidents:
            self.stdout.write(
                f"Incidents: {', '.join(result.incidents)} (/incidents/): the outage with its "
                "statement replied to every open call, and an earlier billing error, closed."
            )
        if result.forecast_rows:
            self.stdout.write(
                f"Backlog forecast: trained on {result.forecast_rows} snapshots of closed "
                "complaints; the dashboard shows the breaches expected in the next 24 hours."
            )
        if result.archived:
            self.stdout.write(
                f"Records: {result.archived} complaints closed over {DEMO_ARCHIVE_DAYS} days ago "
                "are archived (read-only; list filter 归档)."
            )
        if result.care:
            self.stdout.write(
                f"Proactive care: {result.care} customers hit by the known faults (the outage, "
                "a billing error) are on the care lists of the owning departments (/care/)."
            )
        if result.model:
            self.stdout.write(
                f"Classifier: model {result.model}, trained on the closed complaints, is active."
            )
        self.logins(created={row.username for row, new in result.users if new})

    def logins(self, created: set[str] | None) -> None:
        """The demo accounts as a table. Accounts that existed before this run keep whatever
        password they have now, which may no longer be the demo password."""
        names = [row.username for row in DEMO_USERS]
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        rows = [("username", "role", "department", "password")]
        for user in DEMO_USERS:
            if user.username in existing:
                fresh = created is not None and user.username in created
                password = DEMO_PASSWORD if fresh else f"{DEMO_PASSWORD} (unless changed)"
                rows.append((user.username, user.role, user.department, password))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        self.stdout.write("\nDemo logins:")
        for i, line in enumerate(rows):
            cells = (value.ljust(width) for value, width in zip(line, widths, strict=True))
            self.stdout.write("  " + "  ".join(cells).rstrip())
            if i == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ArgumentTypeError("must be 0 or more")
    return number
