"""`tousu retention [--dry-run] [--as-of DAY]`: the records jobs (R12.2) by hand — archive the
complaints closed for TOUSU_ARCHIVE_DAYS and anonymise the customers past
TOUSU_RETENTION_DAYS — or, with --dry-run, only how many each would touch (counts, never who)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.complaints.models import Complaint
from tousu.complaints.retention import customers_anonymise_due, customers_due
from tousu.complaints.services import archive_due, complaints_archive
from tousu.core import clock


class Command(BaseCommand):
    help = "Archive closed complaints and anonymise customers past the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="only count what would be archived and anonymised",
        )
        parser.add_argument(
            "--as-of",
            default="",
            help="YYYY-MM-DD (Asia/Shanghai): count what is due on that day (with --dry-run)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        now = clock.now()
        if opts["as_of"]:
            if not opts["dry_run"]:
                raise CommandError("--as-of only with --dry-run: the records change now or never")
            try:
                day = dt.date.fromisoformat(opts["as_of"])
            except ValueError:
                raise CommandError(f"--as-of: not a day: {opts['as_of']!r}") from None
            now = dt.datetime.combine(day, dt.time(23, 59), tzinfo=clock.SHANGHAI)
        if opts["dry_run"]:
            archive = Complaint.objects.filter(archive_due(now)).count()
            anonymise = customers_due(now).count()
            self.stdout.write(f"would archive: {archive} complaints")
            self.stdout.write(f"would anonymise: {anonymise} customers")
            return
        archived = complaints_archive(now=now)
        run = customers_anonymise_due(now=now)
        self.stdout.write(f"archived: {archived} complaints")
        self.stdout.write(
            f"anonymised: {run.anonymised} customers ({run.texts} texts); "
            f"skipped: {len(run.skipped)} (a timeline that does not verify)"
        )
