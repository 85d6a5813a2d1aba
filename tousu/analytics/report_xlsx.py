"""The quarterly report as an Excel workbook: one sheet per section, its sentences on top, its
tables below, and a native chart beside the tables that ask for one."""

from __future__ import annotations

import io

from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from tousu.analytics.report_text import Document, Pct, Section, Table

HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
TITLE = Font(size=14, bold=True)
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
TEXT_WIDTH = 6  # columns a sentence spans


def render(doc: Document) -> bytes:
    book = Workbook()
    book.remove(book.worksheets[0])
    for section in doc.sections:
        _section(book.create_sheet(section.sheet), section, doc)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _section(sheet: Worksheet, section: Section, doc: Document) -> None:
    sheet["A1"] = section.title
    sheet["A1"].font = TITLE
    sheet["A2"] = pgettext("report heading", "%(title)s · %(subtitle)s") % {
        "title": doc.title,
        "subtitle": doc.subtitle,
    }
    row = 4
    for paragraph in section.paragraphs:
        sheet.cell(row=row, column=1, value=paragraph).alignment = WRAP
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=TEXT_WIDTH)
        sheet.row_dimensions[row].height = 15 * (1 + len(paragraph) // 60)
        row += 1
    for table in section.tables:
        row = _table(sheet, table, row + 1)
    sheet.column_dimensions["A"].width = 24
    for letter in "BCDEF":
        sheet.column_dimensions[letter].width = 16


def _table(sheet: Worksheet, table: Table, row: int) -> int:
    """Write `table` from `row`; returns the next free row."""
    sheet.cell(row=row, column=1, value=table.title).font = BOLD
    head = row + 1
    for col, name in enumerate(table.header, 1):
        cell = sheet.cell(row=head, column=col, value=name)
        cell.font, cell.fill = BOLD, HEADER_FILL
    for r, values in enumerate(table.rows, head + 1):
        for col, value in enumerate(values, 1):
            cell = sheet.cell(
                row=r, column=col, value=float(value) if isinstance(value, Pct) else value
            )
            if isinstance(value, Pct):
                cell.number_format = "0.0%"
            elif isinstance(value, float):
                cell.number_format = "#,##0.00"
    last = head + len(table.rows)
    if table.chart and table.rows:
        _chart(sheet, table, head, last)
    return last + 2


def _chart(sheet: Worksheet, table: Table, head: int, last: int) -> None:
    labels = Reference(sheet, min_col=1, min_row=head + 1, max_row=last)
    if table.chart == "pie":
        chart: PieChart | BarChart = PieChart()
        chart.add_data(
            Reference(sheet, min_col=2, min_row=head, max_row=last), titles_from_data=True
        )
    else:
        chart = BarChart()
        chart.type = "col"
        width = len(table.header)
        chart.add_data(
            Reference(sheet, min_col=2, max_col=width, min_row=head, max_row=last),
            titles_from_data=True,
        )
        chart.y_axis.title = pgettext("chart axis", "complaints")
    chart.set_categories(labels)
    chart.title = table.title
    chart.height, chart.width = 8, 14
    sheet.add_chart(chart, f"H{head}")
