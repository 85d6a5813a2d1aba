"""`tousu report quarterly --quarter 2026Q3 --output DIR`: the quarterly report (R11.3) as
DIR/2026Q3.xlsx and DIR/2026Q3.pdf.
`tousu report review --from 2026-07-01 --to 2026-09-30 --output DIR`: the management-review
pack (R12.3) as DIR/review-2026-07-01-2026-09-30.xlsx and .pdf."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from tousu.analytics import report, report_review


class Command(BaseCommand):
    help = "Write a periodic complaint-handling report (Excel and PDF)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="kind", required=True)
        quarterly = sub.add_parser(
            "quarterly", help="the quarterly summary: DIR/<quarter>.xlsx and DIR/<quarter>.pdf"
        )
        quarterly.add_argument("--quarter", required=True, help="e.g. 2026Q3")
        quarterly.add_argument("--output", required=True, help="an existing, writable directory")
        review = sub.add_parser(
            "review", help="the management-review pack: DIR/review-<from>-<to>.xlsx and .pdf"
        )
        review.add_argument("--from", dest="first", required=True, help="first day, YYYY-MM-DD")
        review.add_argument("--to", dest="last", required=True, help="last day, YYYY-MM-DD")
        review.add_argument("--output", required=True, help="an existing, writable directory")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            if opts["kind"] == "review":
                paths = report_review.review_report_write(
                    opts["first"], opts["last"], opts["output"]
                )
            else:
                paths = report.quarterly_report_write(opts["quarter"], opts["output"])
        except report.ReportError as exc:
            raise CommandError(_("Report not written: %(reason)s") % {"reason": exc}) from None
        for path in paths:
            self.stdout.write(str(path))
