"""`tousu import FILE`: register complaints from a CSV or Excel file (see intake.importer)."""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.accounts.models import Region
from tousu.classification.models import Category
from tousu.intake.importer import (
    FIELDS,
    ImportSetupError,
    Lookups,
    channel_code,
    error_report,
    import_rows,
    parse_map,
    read_rows,
    table_from_rows,
)


class Command(BaseCommand):
    help = (
        "Import complaints from a .csv (UTF-8 or GBK) or .xlsx file, one per row. Columns are "
        "recognised by Chinese or English names (投诉内容/content, 电话/phone, …); "
        f"--map names others. Fields: {', '.join(FIELDS)}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="field=Column",
            help="the column holding a field, e.g. --map content=问题详情 (repeatable)",
        )
        parser.add_argument(
            "--channel", default="", help="channel of rows without one, e.g. hotline or 热线"
        )
        parser.add_argument(
            "--errors", type=Path, default=None, metavar="OUT.csv", help="error report path"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="validate every row, then write nothing"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        default_channel = ""
        if opts["channel"]:
            default_channel = channel_code(opts["channel"]) or ""
            if not default_channel:
                raise CommandError(f"unknown channel {opts['channel']!r}")
        try:
            table = table_from_rows(read_rows(path), parse_map(opts["map"]))
        except ImportSetupError as exc:
            raise CommandError(str(exc)) from exc
        if "channel" not in table.columns and not default_channel:
            raise CommandError("the file has no channel column (渠道): give --channel")
        if not table.rows:
            raise CommandError(f"{path.name} has a header but no data rows")

        lookups = Lookups.build(
            Region.objects.values_list("code", "name", "name_en"),
            Category.objects.filter(active=True).values_list("code", "name", "name_en"),
        )
        result = import_rows(
            table,
            default_channel=default_channel,
            lookups=lookups,
            actor_name=f"import:{path.name}",
            dry_run=opts["dry_run"],
            progress=opts["verbosity"] > 0 and sys.stderr.isatty(),
        )
        failed = len(result.failures)
        imported = len(result.imported)
        verb = "would import" if opts["dry_run"] else "imported"
        self.stdout.write(f"{verb} {imported}, failed {failed} of {result.total} rows")
        if failed:
            report: Path = opts["errors"] or path.with_name(path.name + ".errors.csv")
            # With a BOM, so that Excel opens the Chinese text correctly.
            report.write_text(error_report(table, result.failures), encoding="utf-8-sig")
            self.stdout.write(f"errors: {report}")
            if failed == result.total:
                raise CommandError(f"all {failed} rows failed; see {report}")
