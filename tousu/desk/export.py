"""Complaint lists as CSV or Excel files (issue 6): the rows of a filtered list, with personal
data masked unless the exporting user may see it. Streaming and logging are the view's and the
service's; this module only turns complaints into rows and rows into files."""

from __future__ import annotations

import csv
import io
import itertools
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook

from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.pii import mask_name, mask_phone, mask_text
from tousu.core.templatetags.tousu_ui import local_name

FORMATS = ("csv", "xlsx")
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header row
CHUNK = 2_000  # rows fetched per query while streaming
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def header() -> list[str]:
    return [
        _("Number"),
        _("Received"),
        _("Channel"),
        _("Category"),
        _("Level"),
        _("Status"),
        _("Department"),
        _("Handler"),
        _("Customer"),
        _("Customer phone"),
        _("Content"),
        _("Demand"),
        _("Resolution due"),
        _("Closed"),
        _("Risk score"),
    ]


def export_queryset(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """The list's rows with what a row needs in one query per chunk."""
    return qs.select_related("category", "department", "handler", "customer")


def _local(value: object) -> str:
    return f"{clock.local(value):%Y-%m-%d %H:%M}" if value else ""  # type: ignore[arg-type]


def row(c: Complaint, *, reveal: bool) -> list[str]:
    """One complaint as export cells; names, numbers and the free text masked unless `reveal`."""
    customer = c.customer
    name, phone = (customer.name, customer.phone) if customer else ("", "")
    content, demand = c.content, c.demand
    if not reveal:
        name, phone = mask_name(name), mask_phone(phone)
        content, demand = mask_text(content), mask_text(demand)
    return [
        c.number,
        _local(c.received_at),
        c.get_channel_display(),
        c.category.path_name if c.category else "",
        c.get_level_display(),
        c.get_status_display(),
        local_name(c.department),
        str(c.handler) if c.handler else "",
        name,
        phone,
        content,
        demand,
        _local(c.resolution_due),
        _local(c.closed_at),
        f"{c.risk_score:.2f}" if c.risk_score is not None else "",
    ]


def rows(qs: QuerySet[Complaint], *, reveal: bool) -> Iterator[list[str]]:
    for complaint in export_queryset(qs).iterator(chunk_size=CHUNK):
        yield row(complaint, reveal=reveal)


def _inert(cell: str) -> str:
    """A cell a spreadsheet will not run: customers' text may start with `=` or `+`, which
    Excel (and openpyxl on writing) would take for a formula."""
    return "'" + cell if cell[:1] in _FORMULA_STARTS else cell


def csv_lines(cells: Iterable[list[str]]) -> Iterator[str]:
    """CSV text line by line, starting with a BOM so that Excel reads the Chinese as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for cells_of_row in itertools.chain([header()], cells):
        writer.writerow([_inert(cell) for cell in cells_of_row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def xlsx_file(cells: Iterable[list[str]]) -> IO[bytes]:
    """An Excel workbook of the rows, written row by row (openpyxl's write-only mode keeps
    memory flat) into a temporary file that spills to disk when large; positioned at 0."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Complaints"))
    sheet.append(header())
    for cells_of_row in cells:
        sheet.append([_inert(cell) for cell in cells_of_row])
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 (returned)
    book.save(out)
    out.seek(0)
    return out
