"""`tousu jobs list` and `tousu jobs run NAME`: the background jobs, for operators and tests."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.config import jobs


class Command(BaseCommand):
    help = "List the background jobs, or run one once, here and now."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="the job names, one a line")
        listing.add_argument(
            "--verbose", action="store_true", help="also the period and what each job does"
        )
        run = sub.add_parser("run", help="run one job once and print its summary")
        run.add_argument("name")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "list":
            for job in sorted(jobs.JOBS.values(), key=lambda j: j.name):
                line = job.name
                if opts["verbose"]:
                    every = f"every {job.every}" if job.every else "on demand"
                    line = f"{job.name}\t{every}\t{job.help}"
                self.stdout.write(line)
            return
        name = opts["name"]
        if name not in jobs.JOBS:
            raise CommandError(f"unknown job {name!r}; known: {', '.join(sorted(jobs.JOBS))}")
        summary = jobs.run(name)
        shown = json.dumps(summary, ensure_ascii=False, default=str)
        self.stdout.write(f"{name}: {shown}")
