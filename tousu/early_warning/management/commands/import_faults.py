"""`tousu import-faults FILE`: known faults (network faults, billing errors) from a CSV or Excel
file, and the proactive-care list of each (see early_warning.fault_file and services)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.accounts.models import Region
from tousu.core.errors import DomainError
from tousu.early_warning.fault_file import FAULT_ALIASES, fault_rows, fault_table
from tousu.early_warning.services import care_list_build, faults_import
from tousu.intake.importer import ImportSetupError, Lookups, error_report, read_rows

# Errors printed on the terminal; the report file holds them all.
ERRORS_SHOWN = 20


class Command(BaseCommand):
    help = (
        "Import known faults from a .csv (UTF-8 or GBK) or .xlsx file, one per row, and build "
        "the proactive-care list of each: affected customers who have not complained, with "
        "earlier complaints, high value or high risk. All or nothing: a file with any bad row "
        "imports nothing and gets a row-by-row error report. Importing a file again adds only "
        "faults not imported before. Columns (Chinese or English names): "
        f"{', '.join(FAULT_ALIASES)}; kind is network or billing; region a code or name; "
        "start/end Asia/Shanghai times; accounts separated by ; or |."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--errors", type=Path, default=None, metavar="OUT.csv", help="error report path"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row, then write nothing"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            table = fault_table(read_rows(path))
        except ImportSetupError as exc:
            raise CommandError(str(exc)) from exc
        if not table.rows:
            raise CommandError(f"{path.name} has a header but no data rows")
        regions = Lookups.build(Region.objects.values_list("code", "name", "name_en"), [])
        faults, failures = fault_rows(table, regions)
        if failures:
            report: Path = opts["errors"] or path.with_name(path.name + ".errors.csv")
            # With a BOM, so that Excel opens the Chinese text correctly.
            report.write_text(error_report(table, failures), encoding="utf-8-sig")
            for failure in failures[:ERRORS_SHOWN]:
                for column, message in failure.errors:
                    self.stderr.write(f"row {failure.row}, {column}: {message}")
            raise CommandError(
                f"{len(failures)} of {len(table.rows)} rows have errors; nothing imported. "
                f"errors: {report}"
            )
        if opts["dry_run"]:
            self.stdout.write(f"would import {len(faults)} faults; every row is valid")
            return
        try:
            result = faults_import(faults=faults, source=path.name)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"imported {len(result.created)} faults, {len(result.existing)} already imported before"
        )
        for fault in result.created:
            built = care_list_build(fault=fault)
            self.stdout.write(f"  {fault.title}: {built['listed']} customers on the care list")
