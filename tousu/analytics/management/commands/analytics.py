"""`tousu analytics rebuild`: count every complaint again into the count tables (D11)."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from tousu.analytics import constants, services


class Command(BaseCommand):
    help = "Rebuild the analytics count tables from the complaints, from scratch."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("rebuild", help="empty the count tables and count again")
        rebuild.add_argument("--batch-size", type=int, default=constants.FILL_COMPLAINT_BATCH)

    def handle(self, *args: Any, **opts: Any) -> None:
        started = time.perf_counter()

        def progress(done: int) -> None:
            if opts["verbosity"] > 1:
                self.stdout.write(f"  {done:,} ({time.perf_counter() - started:.0f} s)")

        try:
            summary = services.counts_rebuild(batch=opts["batch_size"], progress=progress)
        except services.LeaseLost:
            raise CommandError(
                _("The count tables are being filled by another process; try again shortly.")
            ) from None
        shown = {**summary, "seconds": round(time.perf_counter() - started, 1)}
        self.stdout.write(f"analytics rebuild: {json.dumps(shown)}")
