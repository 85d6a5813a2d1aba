"""The management-review pack (管理评审, ISO 10002 clause 9.3, R12.3): one Excel workbook and one
PDF for a period of local days, a sheet / section per subject. Analytics writes the pack and its
own satisfaction section; the apps above it (quality: KPIs against objectives, inspections,
corrective actions, documents, the internal-audit checklist; repair: the effect of repair)
add theirs through `extensions.review_section_register`, each at its place in the order:

10 KPIs against objectives · 20 inspections · 30 corrective actions · 40 satisfaction ·
45 repair effect · 50 documents · 60 internal-audit checklist.

Entry points: `review_report(first, last, fmt) -> bytes` (the dashboard's download) and
`review_report_write(first, last, directory)` (`tousu report review`).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _

from tousu.analytics.extensions import review_sections
from tousu.analytics.report import (
    FORMATS,
    REPORT_LANGUAGE,
    Format,
    ReportError,
    _render,
    files_write,
    writable_folder,
)
from tousu.analytics.report_text import (
    RESULT_NAMES,
    SCORE_NAMES,
    Cell,
    Document,
    Section,
    Table,
    pct,
    show,
)
from tousu.analytics.selectors import kpis
from tousu.core.clock import SHANGHAI

# A pack covers at most this many days (two years): the count tables answer any length, but a
# typo in a year should not quietly produce a decade's review.
MAX_DAYS = 732
TITLE = "投诉管理评审报告"


@dataclass(frozen=True)
class Period:
    """[first, last] in local (Asia/Shanghai) days."""

    first: dt.date
    last: dt.date

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), tzinfo=SHANGHAI)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)

    @property
    def stem(self) -> str:
        return f"review-{self.first.isoformat()}-{self.last.isoformat()}"


def parse_period(first: str | dt.date, last: str | dt.date) -> Period:
    """Two dates (YYYY-MM-DD) → Period; ReportError when either is not a date, when the
    first is after the last or the period is longer than MAX_DAYS."""

    def day(value: str | dt.date) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ReportError(
                _("A date is written YYYY-MM-DD, e.g. 2026-07-01; got %(text)s")
                % {"text": repr(value)}
            ) from None

    period = Period(day(first), day(last))
    if period.first > period.last:
        raise ReportError(
            _("The period starts after it ends: %(first)s > %(last)s")
            % {"first": period.first, "last": period.last}
        )
    if (period.last - period.first).days >= MAX_DAYS:
        raise ReportError(_("A review covers at most %(days)s days") % {"days": MAX_DAYS})
    return period


def review_document(period: Period) -> Document:
    with translation.override(REPORT_LANGUAGE):
        sections = review_sections(period.first, period.last)
    return Document(
        quarter=period.stem,
        title=TITLE,
        subtitle=f"评审期间：{period.first:%Y-%m-%d} 至 {period.last:%Y-%m-%d}",
        sections=sections,
    )


def review_report(first: str | dt.date, last: str | dt.date, fmt: Format) -> bytes:
    """The pack of [first, last] as xlsx or pdf bytes. Raises ReportError."""
    if fmt not in FORMATS:
        raise ReportError(_("Unknown format %(format)s; use xlsx or pdf") % {"format": repr(fmt)})
    return _render(review_document(parse_period(first, last)), fmt)


def review_report_write(
    first: str | dt.date, last: str | dt.date, directory: str | os.PathLike[str]
) -> list[Path]:
    """Write DIR/review-<first>-<last>.xlsx and .pdf; nothing is written when any input is
    wrong. Raises ReportError."""
    period = parse_period(first, last)
    folder = writable_folder(directory)
    return files_write(review_document(period), folder, period.stem)


# ---- analytics' own section: satisfaction (d) ---------------------------------------------------


def satisfaction_section(first: dt.date, last: dt.date) -> Section:
    """四、顾客满意: the callbacks' results and mean scores of the period and the one before,
    from the count tables."""
    period = Period(first, last)
    body = kpis(period.start, period.end, mixes=False)
    cur, prev = body["current"], body["previous"]
    results: list[list[Cell]] = [
        [RESULT_NAMES.get(str(r), str(r)), cur["callback_results"].get(r, 0),
         prev["callback_results"].get(r, 0)]
        for r in cur["callback_results"]
    ]  # fmt: skip
    scores: list[list[Cell]] = [
        [SCORE_NAMES.get(f, f), cur["mean_scores"].get(f), prev["mean_scores"].get(f)]
        for f in SCORE_NAMES
    ]
    text = (
        f"本期回访 {cur['callbacks']:,} 次，满意率（满意与基本满意占接通回访的比例）"
        f"{show(pct(cur['satisfaction_rate']))}，上一同长期间为 "
        f"{show(pct(prev['satisfaction_rate']))}。"
    )
    return Section(
        "顾客满意",
        "四、顾客满意",
        [text],
        [
            Table("回访结果（次）", ["结果", "本期", "上期"], results),
            Table("各项平均分（1–5 分）", ["评价项", "本期", "上期"], scores),
        ],
    )
