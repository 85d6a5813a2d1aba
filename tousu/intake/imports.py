"""Importing complaints from a file uploaded on the web (issue 17): the upload is checked at
once — type, size, row count, columns — and stored as an `ImportRun`; the `intake.import_run`
job then registers its rows with the rules of `tousu import` (`intake.importer`), a chunk of
rows per transaction, so that a file of 20,000 rows never holds a request.

Exactly once: a run is claimed with a conditional UPDATE (queued, or running past its lease →
running with a new lease). Each chunk's complaints, its error rows and the run's `cursor` are
committed together, and a chunk starts only if the run's cursor is still where the worker
left it (the run row locked on PostgreSQL); so a second worker, or a run resumed after a
crash, continues after the last committed row and never registers a row twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tousu.accounts import permissions
from tousu.accounts.models import Region, User
from tousu.classification.models import Category
from tousu.complaints.choices import Channel
from tousu.core import clock
from tousu.core.errors import NotAllowed, ValidationFailed
from tousu.core.jobs import enqueue_on_commit
from tousu.intake.choices import ImportFailureCause, ImportStatus
from tousu.intake.importer import (
    FIELD_ALIASES,
    HEADER_SEARCH_ROWS,
    REQUIRED,
    ImportSetupError,
    Lookups,
    RowFailure,
    Table,
    cell_text,
    error_rows,
    header_key,
    import_rows,
    read_rows,
    table_from_rows,
)
from tousu.intake.models import ImportRowError, ImportRun

logger = logging.getLogger("tousu.intake")

IMPORT_MAX_BYTES = 10 * 1024 * 1024
IMPORT_MAX_ROWS = 20_000
# The file types the importer reads; an old .xls is refused with its own advice by read_rows.
IMPORT_TYPES = (".csv", ".xlsx", ".xlsm", ".txt", ".tsv")
XLSX_MAGIC = b"PK\x03\x04"  # an .xlsx is a zip archive
CHUNK = 25  # rows per transaction: progress moves often, a crash loses little work
LEASE = dt.timedelta(minutes=10)  # a run still `running` after this was abandoned
MAX_RUNS_PER_JOB = 20

# The required fields as people name them, for the message about missing columns.
FIELD_LABELS = {
    "content": gettext_lazy("complaint content (投诉内容)"),
    "phone": gettext_lazy("phone (电话)"),
}


@dataclass
class CheckedFile:
    """An upload that can be imported: its rows read, its header mapped."""

    name: str
    extension: str
    data: bytes
    table: Table
    default_channel: str


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed.for_field("file", message, message=message)


def _missing_fields(rows: list[list[Any]]) -> list[str]:
    """The required fields that the most complete candidate header row lacks."""
    best: list[str] = list(REQUIRED)
    candidates = [r for r in rows if any(cell_text(v) for v in r)][:HEADER_SEARCH_ROWS]
    for row in candidates:
        names = {header_key(cell_text(v)) for v in row}
        missing = [f for f in REQUIRED if not names & {header_key(a) for a in FIELD_ALIASES[f]}]
        if len(missing) < len(best):
            best = missing
    return best


def _read(name: str, extension: str, data: bytes) -> list[list[Any]]:
    """The file's rows, through the importer's reader (which wants a path with the suffix)."""
    if extension in (".xlsx", ".xlsm") and not data.startswith(XLSX_MAGIC):
        raise _refuse(_("%(name)s is not an Excel .xlsx file") % {"name": name})
    with tempfile.NamedTemporaryFile(suffix=extension) as handle:
        handle.write(data)
        handle.flush()
        try:
            return read_rows(Path(handle.name))
        except ImportSetupError as exc:
            logger.info("import upload %s unreadable: %s", name, exc)
            raise _refuse(
                _("%(name)s cannot be read: save it as .xlsx, or as .csv in UTF-8 or GBK")
                % {"name": name}
            ) from exc


def import_file_check(*, name: str, data: bytes, default_channel: str = "") -> CheckedFile:
    """Check an upload before anything is written: type, size, that it reads, that its header
    names the required columns, that it has rows and not too many, and that every row can
    have a channel. Raises ValidationFailed (on the field `file`) with what to change."""
    extension = Path(name).suffix.lower()
    if extension not in IMPORT_TYPES:
        raise _refuse(_("Only .csv and .xlsx files can be imported"))
    if len(data) > IMPORT_MAX_BYTES:
        raise _refuse(
            _("The file is larger than %(limit)s MB") % {"limit": IMPORT_MAX_BYTES // 1048576}
        )
    rows = _read(name, extension, data)
    if not rows:
        raise _refuse(_("The file is empty"))
    try:
        table = table_from_rows(rows)
    except ImportSetupError as exc:
        labels = "、".join(str(FIELD_LABELS[f]) for f in _missing_fields(rows))
        raise _refuse(
            _("No column for %(fields)s: name the column in the file's header row")
            % {"fields": labels}
        ) from exc
    if not table.rows:
        raise _refuse(_("The file has a header but no rows"))
    if len(table.rows) > IMPORT_MAX_ROWS:
        raise _refuse(
            _("The file has %(count)s rows; at most %(limit)s can be imported at once")
            % {"count": len(table.rows), "limit": IMPORT_MAX_ROWS}
        )
    if default_channel and default_channel not in Channel.values:
        raise ValidationFailed.for_field("default_channel", _("Unknown channel"))
    if "channel" not in table.columns and not default_channel:
        raise ValidationFailed.for_field(
            "default_channel",
            _("The file has no channel column (渠道): choose the channel of its rows"),
        )
    return CheckedFile(name, extension, data, table, default_channel)


def import_run_create(*, actor: User, checked: CheckedFile) -> ImportRun:
    """Store a checked upload as a queued run; the job starts once it is committed."""
    if not permissions.can_import(actor):
        raise NotAllowed(_("You may not import complaints"))
    with transaction.atomic():
        run = ImportRun(
            original_name=Path(checked.name).name[:200],
            extension=checked.extension,
            size=len(checked.data),
            uploaded_by=actor,
            default_channel=checked.default_channel,
            headers=checked.table.headers,
            total=len(checked.table.rows),
            created_at=clock.now(),
        )
        run.file.save(checked.name, ContentFile(checked.data), save=False)
        run.save()
        enqueue_on_commit("intake.import_run")
    return run


# ---- the job ---------------------------------------------------------------------------------


def import_runs_process() -> dict[str, int]:
    """Run the queued imports, and resume those abandoned mid-way, each by one worker."""
    counts = {"done": 0, "failed": 0, "rows": 0}
    for _n in range(MAX_RUNS_PER_JOB):
        pk = _claim_next()
        if pk is None:
            break
        status, rows = import_run_execute(pk)
        counts["rows"] += rows
        if status in counts:
            counts[status] += 1
    return counts


def _claimable(now: dt.datetime) -> Q:
    return Q(status=ImportStatus.QUEUED) | Q(status=ImportStatus.RUNNING, lease_until__lt=now)


def _claim_next() -> int | None:
    """Claim the oldest claimable run (conditional UPDATE: another worker's claim wins)."""
    now = clock.now()
    for pk in (
        ImportRun.objects.filter(_claimable(now)).order_by("pk").values_list("pk", flat=True)[:10]
    ):
        claimed = ImportRun.objects.filter(_claimable(now), pk=pk).update(
            status=ImportStatus.RUNNING,
            lease_until=now + LEASE,
            started_at=Coalesce(F("started_at"), now),
        )
        if claimed:
            return pk
    return None


def _table(run: ImportRun) -> Table:
    try:
        path = Path(run.file.path)
        rows = read_rows(path)
    except FileNotFoundError as exc:
        raise _RunFailed(ImportFailureCause.FILE_MISSING) from exc
    except (ImportSetupError, OSError) as exc:
        raise _RunFailed(ImportFailureCause.FILE_UNREADABLE) from exc
    try:
        table = table_from_rows(rows)
    except ImportSetupError as exc:
        raise _RunFailed(ImportFailureCause.FILE_UNREADABLE) from exc
    if table.headers != run.headers or len(table.rows) != run.total:
        raise _RunFailed(ImportFailureCause.FILE_UNREADABLE)
    return table


class _RunFailed(Exception):
    def __init__(self, cause: ImportFailureCause) -> None:
        super().__init__(cause)
        self.cause = cause


def import_run_execute(pk: int) -> tuple[str, int]:
    """Register the rows of a claimed run from its cursor on. Returns its final status (or
    "running" when another worker took over) and the rows handled here."""
    run = ImportRun.objects.select_related("uploaded_by").get(pk=pk)
    try:
        table = _table(run)
    except _RunFailed as exc:
        ImportRun.objects.filter(pk=pk, status=ImportStatus.RUNNING).update(
            status=ImportStatus.FAILED, failure=exc.cause, finished_at=clock.now()
        )
        logger.warning("import run %s failed: %s", pk, exc.cause)
        return ImportStatus.FAILED, 0
    lookups = Lookups.build(
        Region.objects.values_list("code", "name", "name_en"),
        Category.objects.filter(active=True).values_list("code", "name", "name_en"),
    )
    handled = 0
    cursor = run.cursor
    while cursor < len(table.rows):
        moved = _chunk_import(run, table, lookups, cursor)
        if moved is None:
            return ImportStatus.RUNNING, handled  # another worker has the run now
        handled += moved - cursor
        cursor = moved
    ImportRun.objects.filter(pk=pk, status=ImportStatus.RUNNING).update(
        status=ImportStatus.DONE, finished_at=clock.now(), lease_until=None
    )
    return ImportStatus.DONE, handled


def _chunk_import(run: ImportRun, table: Table, lookups: Lookups, cursor: int) -> int | None:
    """Register rows [cursor, cursor + CHUNK) with the run's counts, in one transaction; the
    new cursor, or None if the run is not where this worker left it."""
    with transaction.atomic():
        current = (
            ImportRun.objects.select_for_update()
            .filter(pk=run.pk)
            .values_list("status", "cursor")
            .first()
        )
        if current != (ImportStatus.RUNNING, cursor):
            return None
        rows = table.rows[cursor : cursor + CHUNK]
        chunk = Table(table.headers, table.header_row, rows, table.columns)
        result = import_rows(
            chunk,
            default_channel=run.default_channel,
            lookups=lookups,
            actor=run.uploaded_by,
            actor_name=f"import:{run.original_name}"[:64],
        )
        ImportRowError.objects.bulk_create(_row_errors(run, result.failures))
        duplicates = sum(1 for f in result.failures if f.duplicate)
        ImportRun.objects.filter(pk=run.pk).update(
            cursor=cursor + len(rows),
            registered=F("registered") + len(result.imported),
            duplicates=F("duplicates") + duplicates,
            errors=F("errors") + len(result.failures) - duplicates,
            lease_until=clock.now() + LEASE,
        )
    return cursor + len(rows)


def _row_errors(run: ImportRun, failures: list[RowFailure]) -> Iterator[ImportRowError]:
    for failure in failures:
        yield ImportRowError(
            run=run,
            row=failure.row,
            errors=[list(e) for e in failure.errors],
            values=failure.values,
            duplicate=failure.duplicate,
        )


# ---- the error file --------------------------------------------------------------------------


def _failures(run: ImportRun) -> list[RowFailure]:
    return [
        RowFailure(
            row=e.row,
            errors=[(str(a), str(b)) for a, b in e.errors],
            values=[str(v) for v in e.values],
            duplicate=e.duplicate,
        )
        for e in run.row_errors.all()
    ]


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(cell: Any) -> Any:
    """A CSV cell a spreadsheet will not run as a formula (customers' text may start with `=`);
    numbers written with a sign (+8613800138000, -5) stay as they are, for re-import."""
    if not isinstance(cell, str) or cell[:1] not in _FORMULA_STARTS:
        return cell
    if cell[:1] in "+-" and cell[1:].replace(".", "", 1).isdigit():
        return cell
    return "'" + cell


def import_error_file(run: ImportRun) -> tuple[str, str, bytes]:
    """The run's error file — the rows not registered, each with why — in the format of the
    upload: (file name, content type, bytes). Excel for an Excel upload (every cell text, so
    nothing in it is a formula), otherwise CSV in UTF-8 with a BOM, which Excel opens with
    its Chinese intact."""
    table = Table(headers=list(run.headers), header_row=1, rows=[], columns={})
    failures = _failures(run)
    stem = Path(run.original_name).stem or "import"
    if run.extension in (".xlsx", ".xlsm"):
        return (
            f"{stem}.errors.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            _xlsx(error_rows(table, failures)),
        )
    buffer = io.StringIO()
    csv.writer(buffer).writerows([_inert(c) for c in r] for r in error_rows(table, failures))
    return f"{stem}.errors.csv", "text/csv; charset=utf-8", buffer.getvalue().encode("utf-8-sig")


def _xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "errors"
    for r, cells in enumerate(rows, start=1):
        for c, value in enumerate(cells, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, even when it starts with "=": never a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
