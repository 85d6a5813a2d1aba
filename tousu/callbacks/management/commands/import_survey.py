"""`tousu import-survey FILE`: import the operator's own satisfaction survey (see
callbacks.services.survey_import). All or nothing: a file with bad rows imports nothing and
the command prints every problem, row by row, and exits non-zero."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.callbacks.choices import SurveyFactor
from tousu.callbacks.services import survey_import

# Past this, the import is a job for the data warehouse's loader, not one transaction.
SURVEY_FILE_MAX_BYTES = 50 * 1024 * 1024


class Command(BaseCommand):
    help = (
        "Import satisfaction survey results from a UTF-8 CSV file. Header: phone, surveyed_at, "
        f"overall, and one column per factor scored 1–5 ({', '.join(SurveyFactor.values)}; "
        "blank = not asked); optional name, region. A file with any bad row imports nothing; "
        "importing the same file again adds nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **opts: Any) -> None:
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        if path.stat().st_size > SURVEY_FILE_MAX_BYTES:
            raise CommandError(f"{path.name} is over {SURVEY_FILE_MAX_BYTES // 2**20} MB")
        result = survey_import(data=path.read_bytes())
        if result.errors:
            self.stdout.write("row\tcolumn\tmessage")
            for error in result.errors:
                self.stdout.write(f"{error.row}\t{error.column}\t{error.message}")
            raise CommandError(
                f"{path.name}: {len(result.errors)} problems in {result.rows} rows; "
                "nothing was imported"
            )
        if result.repeated:
            self.stdout.write(
                f"{path.name} was imported before (batch {result.batch[:12]}): nothing added"
            )
            return
        self.stdout.write(
            f"imported {result.added} survey responses "
            f"({result.customers_created} new customers), batch {result.batch[:12]}"
        )
