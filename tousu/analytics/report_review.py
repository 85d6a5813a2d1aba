"""The management-review pack (管理评审, ISO 10002 clause 9.3, R12.3): one Excel workbook and one
PDF for a period of local days, a sheet / section per subject. Analytics writes the pack and its
own satisfaction section; the apps above it (quality: KPIs against objectives, inspections,
corrective actions, documents, the internal-audit checklist; repair: the effect of repair)
add theirs through `extensions.review_section_register`, each at its place in the order:

10 KPIs against objectives · 20 inspections · 30 corrective actions · 40 satisfaction ·
45 repair effect · 50 documents · 60 internal-audit checklist.

Entry points: `review_report(first, last, fmt, language) -> bytes` (the dashboard's download,
in the language of whoever asks) and `review_report_write(first, last, directory)` (`tousu
report review`, in the office's Chinese). Every word of the pack is translatable.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

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
TITLE = gettext_lazy("Complaint management review")
# The callbacks' results and the scored factors, as the pack names them.
RESULT_NAMES: dict[str, Any] = {
    "satisfied": pgettext_lazy("callback result", "Satisfied"),
    "basically_satisfied": pgettext_lazy("callback result", "Basically satisfied"),
    "dissatisfied": pgettext_lazy("callback result", "Dissatisfied"),
    "unreachable": pgettext_lazy("callback result", "Unreachable"),
}
SCORE_NAMES: dict[str, Any] = {
    "timeliness": pgettext_lazy("scored factor", "Timeliness"),
    "attitude": pgettext_lazy("scored factor", "Attitude"),
    "solution": pgettext_lazy("scored factor", "Solution"),
    "simplicity": pgettext_lazy("scored factor", "Simplicity"),
}


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
    """The pack's text in the active language."""
    return Document(
        quarter=period.stem,
        title=str(TITLE),
        subtitle=_("Review period: %(first)s to %(last)s")
        % {"first": f"{period.first:%Y-%m-%d}", "last": f"{period.last:%Y-%m-%d}"},
        sections=review_sections(period.first, period.last),
    )


def review_report(
    first: str | dt.date, last: str | dt.date, fmt: Format, language: str = REPORT_LANGUAGE
) -> bytes:
    """The pack of [first, last] as xlsx or pdf bytes, written in `language` (the office's
    Chinese unless the reader's is given). Raises ReportError."""
    if fmt not in FORMATS:
        raise ReportError(_("Unknown format %(format)s; use xlsx or pdf") % {"format": repr(fmt)})
    period = parse_period(first, last)
    with translation.override(language):
        return _render(review_document(period), fmt)


def review_report_write(
    first: str | dt.date, last: str | dt.date, directory: str | os.PathLike[str]
) -> list[Path]:
    """Write DIR/review-<first>-<last>.xlsx and .pdf; nothing is written when any input is
    wrong. Raises ReportError."""
    period = parse_period(first, last)
    folder = writable_folder(directory)
    with translation.override(REPORT_LANGUAGE):
        return files_write(review_document(period), folder, period.stem)


# ---- analytics' own section: satisfaction (d) ---------------------------------------------------


def satisfaction_section(first: dt.date, last: dt.date) -> Section:
    """四、顾客满意: the callbacks' results and mean scores of the period and the one before,
    from the count tables."""
    period = Period(first, last)
    body = kpis(period.start, period.end, mixes=False)
    cur, prev = body["current"], body["previous"]
    results: list[list[Cell]] = [
        [str(RESULT_NAMES.get(str(r), r)), cur["callback_results"].get(r, 0),
         prev["callback_results"].get(r, 0)]
        for r in cur["callback_results"]
    ]  # fmt: skip
    scores: list[list[Cell]] = [
        [str(SCORE_NAMES[f]), cur["mean_scores"].get(f), prev["mean_scores"].get(f)]
        for f in SCORE_NAMES
    ]
    text = _(
        "%(callbacks)s callbacks in the period; satisfaction rate (satisfied and basically "
        "satisfied among the callbacks that reached the customer) %(rate)s, %(previous)s in "
        "the previous period of the same length."
    ) % {
        "callbacks": f"{cur['callbacks']:,}",
        "rate": show(pct(cur["satisfaction_rate"])),
        "previous": show(pct(prev["satisfaction_rate"])),
    }
    this, before = _("This period"), _("Previous period")
    return Section(
        pgettext("review sheet", "Satisfaction"),
        _("4. Customer satisfaction"),
        [text],
        [
            Table(
                _("Callback results (count)"),
                [pgettext("review table", "Result"), this, before],
                results,
            ),
            Table(
                _("Mean scores (1–5)"), [pgettext("review table", "Factor"), this, before], scores
            ),
        ],
    )
