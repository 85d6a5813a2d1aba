"""The quarterly report as a PDF (reportlab), Chinese set in WenQuanYi Micro Hei, embedded
(subset) in the file so it reads the same on any machine; the font has Latin letters too, so an
English document (the management-review pack for an English reader) is set in it as well. The
font comes from the PyPI package `paperang-p2-fonts-cjk` (a project dependency); without it the
report stops with a message naming the package rather than printing empty boxes."""

from __future__ import annotations

import importlib.resources
import io
from functools import cache

from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tousu.analytics import report_text
from tousu.analytics.report import ReportError
from tousu.analytics.report_text import Document

FONT = "WenQuanYiMicroHei"
FONT_PACKAGE = "paperang-p2-fonts-cjk"
PALETTE = [colors.HexColor(c) for c in ("#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de")]
CHART_SLICES = 6


@cache
def font() -> str:
    """Register the CJK font once; ReportError naming the package when it is missing."""
    try:
        path = importlib.resources.files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"
        pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
    except (ImportError, OSError) as exc:
        raise ReportError(
            _(
                "PDF reports need a Chinese font: install the PyPI package %(package)s "
                "(pip install %(package)s). %(error)s"
            )
            % {"package": FONT_PACKAGE, "error": exc}
        ) from exc
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    name = font()
    # Chinese breaks between any two characters; English only between words.
    wrap = None if (get_language() or "").startswith("en") else "CJK"
    base = ParagraphStyle("body", fontName=name, fontSize=10, leading=16, wordWrap=wrap)
    return {
        "title": ParagraphStyle("title", base, fontSize=20, leading=28, alignment=1),
        "subtitle": ParagraphStyle("subtitle", base, fontSize=10, alignment=1, spaceAfter=6 * mm),
        "h1": ParagraphStyle(
            "h1",
            base,
            fontSize=14,
            leading=22,
            keepWithNext=1,
            spaceBefore=5 * mm,
            spaceAfter=2 * mm,
        ),
        "h2": ParagraphStyle(
            "h2",
            base,
            fontSize=11,
            leading=18,
            keepWithNext=1,
            spaceBefore=3 * mm,
            spaceAfter=1 * mm,
        ),
        "body": ParagraphStyle("p", base, firstLineIndent=20, spaceAfter=2 * mm),
        "cell": ParagraphStyle("cell", base, fontSize=8.5, leading=12),
    }


def render(doc: Document) -> bytes:
    styles = _styles()
    out = io.BytesIO()
    pdf = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=doc.title,
        author="Tousu",
    )
    story: list[Flowable] = [
        Paragraph(doc.title, styles["title"]),
        Paragraph(doc.subtitle, styles["subtitle"]),
    ]
    for section in doc.sections:
        story.append(Paragraph(section.title, styles["h1"]))
        story += [Paragraph(p, styles["body"]) for p in section.paragraphs]
        for table in section.tables:
            story.append(Paragraph(table.title, styles["h2"]))
            if not table.rows:
                story.append(Paragraph(_("(no data)"), styles["cell"]))
                continue
            story.append(_table(table, styles["cell"], pdf.width))
            if table.chart:
                story += [Spacer(1, 2 * mm), _chart(table)]

    page = pgettext("pdf footer", "%(title)s · page %(page)s")

    def footer(canvas: Canvas, _doc: object) -> None:
        canvas.setFont(FONT, 8)
        text = page % {"title": doc.title, "page": canvas.getPageNumber()}
        canvas.drawCentredString(A4[0] / 2, 10 * mm, text)

    pdf.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _table(table: report_text.Table, style: ParagraphStyle, width: float) -> Table:
    cells = [[Paragraph(h, style) for h in table.header]]
    cells += [[Paragraph(report_text.show(v), style) for v in row] for row in table.rows]
    first = width * (0.3 if len(table.header) > 3 else 0.4)
    rest = (width - first) / max(1, len(table.header) - 1)
    if table.header[-1] == "示例投诉单":  # long numbers: give the examples room
        first, rest = width * 0.16, (width * 0.84) / (len(table.header) - 1)
    columns = [first] + [rest] * (len(table.header) - 1)
    if table.widths:  # a table that says how wide its columns are (long texts in some)
        columns = [width * share for share in table.widths]
    flow = Table(cells, colWidths=columns, repeatRows=1)
    flow.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dce6f1")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return flow


def _numbers(table: report_text.Table, column: int) -> list[float]:
    values = [row[column] for row in table.rows]
    return [float(v) if isinstance(v, int | float) else 0.0 for v in values]


def _chart(table: report_text.Table) -> Drawing:
    drawing = Drawing(170 * mm, 62 * mm)
    labels = [str(row[0]) for row in table.rows]
    if table.chart == "pie":
        rows = table.rows[:CHART_SLICES]
        pie = Pie()
        pie.x, pie.y, pie.width, pie.height = 50 * mm, 4 * mm, 54 * mm, 54 * mm
        pie.data = _numbers(report_text.Table("", [], rows), 1) or [1.0]
        pie.labels = [f"{row[0]} {report_text.show(row[2])}" for row in rows]
        pie.slices.fontName = FONT
        pie.slices.fontSize = 8
        for i in range(len(rows)):
            pie.slices[i].fillColor = PALETTE[i % len(PALETTE)]
        drawing.add(pie)
        return drawing
    bars = VerticalBarChart()
    bars.x, bars.y, bars.width, bars.height = 15 * mm, 10 * mm, 150 * mm, 44 * mm
    bars.data = [_numbers(table, c) for c in range(1, len(table.header))]
    bars.categoryAxis.categoryNames = labels
    bars.categoryAxis.labels.fontName = FONT
    bars.categoryAxis.labels.fontSize = 7
    bars.valueAxis.labels.fontName = FONT
    bars.valueAxis.valueMin = 0
    for i in range(len(bars.data)):
        bars.bars[i].fillColor = PALETTE[i % len(PALETTE)]
    drawing.add(bars)
    if len(bars.data) > 1:  # which bar is which column (this quarter, the one before, …)
        legend = Legend()
        legend.x, legend.y = 130 * mm, 60 * mm
        legend.fontName, legend.fontSize = FONT, 7
        legend.columnMaximum, legend.deltax = 1, 28 * mm
        legend.alignment = "right"
        legend.colorNamePairs = [
            (PALETTE[i % len(PALETTE)], str(name)) for i, name in enumerate(table.header[1:])
        ]
        drawing.add(legend)
    return drawing
