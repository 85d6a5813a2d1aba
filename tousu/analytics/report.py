"""The quarterly complaint-handling report (R11.3, in the structure of the S4 summary).

`quarterly_data(quarter)` gathers the figures: the KPIs of the quarter and the previous one from
the count tables (`selectors.kpis`), month by month, by department, plus the few reads the
counts do not hold (transfers per department, and the complaint texts of a bounded sample for
the root causes, `report_terms`). `report_text.document` turns them into titled sections of
Chinese sentences and tables, which `report_xlsx` and `report_pdf` render.

Entry points: `quarterly_report(quarter, fmt) -> bytes` (for a download view) and
`quarterly_report_write(quarter, directory) -> [xlsx path, pdf path]` (for the command).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from tousu.analytics.extensions import report_sections
from tousu.analytics.selectors import (
    KpiFilters,
    by_responsible,
    kpis,
    satisfaction_drivers,
    transfers_out,
)
from tousu.complaints.models import Complaint
from tousu.core.clock import SHANGHAI

FORMATS = ("xlsx", "pdf")
Format = Literal["xlsx", "pdf"]
REPORT_LANGUAGE = "zh-hans"
_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")


class ReportError(Exception):
    """The report cannot be made as asked (bad quarter, unwritable directory, missing font)."""


@dataclass(frozen=True)
class Quarter:
    """A calendar quarter in Asia/Shanghai time."""

    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def title(self) -> str:
        return f"{self.year}年第{'一二三四'[self.number - 1]}季度"

    def month_starts(self) -> list[dt.date]:
        first = 3 * (self.number - 1) + 1
        return [dt.date(self.year, m, 1) for m in range(first, first + 3)]

    @property
    def start(self) -> dt.datetime:
        return _midnight(self.month_starts()[0])

    @property
    def end(self) -> dt.datetime:
        return self.following().start

    def following(self) -> Quarter:
        return Quarter(self.year + self.number // 4, self.number % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)


def parse_quarter(text: str) -> Quarter:
    """`2026Q3` → Quarter(2026, 3); anything else raises ReportError."""
    match = _QUARTER.match(text.strip())
    if not match or not 1900 < int(match[1]) < 3000:
        raise ReportError(
            _("A quarter is written YYYYQn (n from 1 to 4), e.g. 2026Q3; got %(text)s")
            % {"text": repr(text)}
        )
    return Quarter(int(match[1]), int(match[2]))


def _month_end(day: dt.date) -> dt.datetime:
    return _midnight((day + dt.timedelta(days=32)).replace(day=1))


def monthly(quarter: Quarter) -> list[dict[str, Any]]:
    """Volume and closings of each month of the previous quarter and this one."""
    rows = []
    for q in (quarter.previous(), quarter):
        for month in q.month_starts():
            current = kpis(_midnight(month), _month_end(month), mixes=False)["current"]
            rows.append(
                {
                    "month": f"{month.year}年{month.month}月",
                    "in_quarter": q == quarter,
                    "volume": current["volume"],
                    "closed": current["closed"],
                    "on_time_rate": current["on_time_rate"],
                }
            )
    return rows


def departments(quarter: Quarter) -> list[dict[str, Any]]:
    """Per handling department: volume, closed, closed late (after the resolution limit),
    on-time rate, and transfers out of it in the quarter."""
    from tousu.accounts.models import Department

    groups = kpis(quarter.start, quarter.end, group_by="department", mixes=False)["groups"]
    transfers = transfers_out(quarter.start, quarter.end)
    ids = dict(Department.objects.values_list("code", "pk"))
    names = dict(Department.objects.values_list("pk", "name"))
    rows: dict[int | None, dict[str, Any]] = {}
    for group in groups:
        cur = group["current"]
        rate = cur["on_time_rate"]
        late = round(cur["closed"] * (1 - rate)) if rate is not None else 0
        rows[ids.get(group["key"])] = {
            "name": group["name"] or "未分派",
            "volume": cur["volume"],
            "closed": cur["closed"],
            "late": late,
            "on_time_rate": cur["on_time_rate"],
            "transfers": 0,
        }
    for pk, n in transfers.items():
        row = rows.setdefault(
            pk,
            {
                "name": names.get(pk, "未分派") if pk else "未分派",
                "volume": 0,
                "closed": 0,
                "late": 0,
                "on_time_rate": None,
                "transfers": 0,
            },
        )
        row["transfers"] = n
    return sorted(rows.values(), key=lambda r: (-(r["transfers"] + r["late"]), -r["volume"]))


UNCONFIRMED = "未确认"


def responsible(quarter: Quarter) -> dict[str, Any]:
    """Complaints closed in the quarter and the previous one by responsible department (R6.4,
    issue 13: the dashboard's table by responsible department), from ResponsibleCount:
    `departments` (this quarter's closed, first-contact resolutions, compensation, and the
    previous quarter's closed), `staff` (this quarter's rows with a named staff member), and
    the totals `closed` and `confirmed`."""
    from tousu.accounts.models import Department

    known = list(Department.objects.values_list("pk", "code", "name"))
    codes = {pk: code for pk, code, _name in known}
    names = {code: name for _pk, code, name in known}

    def rows(q: Quarter) -> list[dict[str, Any]]:
        first, last = q.month_starts()[0], q.following().month_starts()[0] - dt.timedelta(days=1)
        return list(by_responsible(first, last, KpiFilters(), codes)["rows"])

    current, previous = rows(quarter), rows(quarter.previous())
    by_department: dict[str | None, dict[str, Any]] = {}
    for row, key in [(r, "closed") for r in current] + [(r, "previous") for r in previous]:
        entry = by_department.setdefault(
            row["department"],
            {
                "name": names.get(row["department"], row["department"])
                if row["department"]
                else UNCONFIRMED,
                "closed": 0,
                "previous": 0,
                "fcr": 0,
                "compensation_total": 0.0,
            },
        )
        entry[key] += row["closed"]
        if key == "closed":
            entry["fcr"] += row["fcr"]
            entry["compensation_total"] += row["compensation_total"]
    departments = sorted(
        by_department.values(),
        key=lambda d: (d["name"] == UNCONFIRMED, -d["closed"], -d["previous"], d["name"]),
    )
    for d in departments:
        d["fcr_rate"] = d["fcr"] / d["closed"] if d["closed"] else None
        d["compensation_total"] = round(d["compensation_total"], 2)
    staff = sorted(
        (
            {**r, "department_name": names.get(r["department"], UNCONFIRMED)}
            for r in current
            if r["staff"]
        ),
        key=lambda r: (-r["closed"], r["department_name"], r["staff"]),
    )
    closed = sum(r["closed"] for r in current)
    unconfirmed = sum(r["closed"] for r in current if not r["department"])
    return {
        "departments": departments,
        "staff": staff,
        "closed": closed,
        "confirmed": closed - unconfirmed,
    }


def category_owner(code: str, quarter: Quarter) -> str | None:
    """The department that handled most of the quarter's complaints of category `code`."""
    groups = kpis(
        quarter.start, quarter.end, KpiFilters(category=code), group_by="department", mixes=False
    )["groups"]
    named = [g for g in groups if g["name"] and g["current"]["volume"]]
    return named[0]["name"] if named else None


def received(quarter: Quarter) -> QuerySet[Complaint]:
    """Every complaint received in `quarter` (the report covers all data)."""
    return Complaint.objects.filter(received_at__gte=quarter.start, received_at__lt=quarter.end)


def quarterly_data(quarter: Quarter) -> dict[str, Any]:
    """Every figure of the report of `quarter` (a plain dict, also handy for a page)."""
    from tousu.analytics import report_terms

    with translation.override(REPORT_LANGUAGE):
        body = kpis(quarter.start, quarter.end, mixes=True)
        data: dict[str, Any] = {
            "quarter": quarter,
            "kpis": body,
            "monthly": monthly(quarter),
            "departments": departments(quarter),
            "responsible": responsible(quarter),
            "terms": report_terms.root_causes(
                received(quarter), received(quarter.previous()), body["mix"]["category"]
            ),
        }
        last_day = quarter.end.date() - dt.timedelta(days=1)
        first_day = quarter.start.date()
        data["drivers"] = {
            source: satisfaction_drivers(first_day, last_day, source=source)
            for source in ("callback", "survey")
        }
        data["rising_categories"] = rising_categories(body["mix"]["category"])
        data["extra_sections"] = report_sections(quarter)
        data["owners"] = {
            c["key"]: category_owner(c["key"], quarter) for c in data["rising_categories"][:3]
        }
    return data


# A category counts as rising when its volume grew by at least this share and this many.
RISING_MIN_CHANGE = 0.2
RISING_MIN_VOLUME = 3


def rising_categories(mix: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Categories whose volume grew on the previous quarter, fastest-growing in count first."""
    out = []
    for entry in mix:
        now, before = entry["volume"], entry["previous_volume"]
        if now < RISING_MIN_VOLUME or now - before < RISING_MIN_VOLUME:
            continue
        change = (now - before) / before if before else None
        if change is None or change >= RISING_MIN_CHANGE:
            out.append({**entry, "change": change, "increase": now - before})
    return sorted(out, key=lambda e: (-e["increase"], str(e["key"])))


def quarterly_report(quarter: str, fmt: Format) -> bytes:
    """The report of `quarter` ("2026Q3") as xlsx or pdf bytes. Raises ReportError."""
    if fmt not in FORMATS:
        raise ReportError(_("Unknown format %(format)s; use xlsx or pdf") % {"format": repr(fmt)})
    quarter_ = parse_quarter(quarter)
    with translation.override(REPORT_LANGUAGE):  # the report is Chinese, its file's words too
        return _render(_document(quarter_), fmt)


def _document(quarter: Quarter) -> Any:
    from tousu.analytics import report_text

    return report_text.document(quarterly_data(quarter))


def _render(doc: Any, fmt: str) -> bytes:
    from tousu.analytics import report_pdf, report_xlsx

    return report_xlsx.render(doc) if fmt == "xlsx" else report_pdf.render(doc)


def quarterly_report_write(quarter: str, directory: str | os.PathLike[str]) -> list[Path]:
    """Write `DIR/<quarter>.xlsx` and `DIR/<quarter>.pdf` and return their paths. Raises
    ReportError."""
    q = parse_quarter(quarter)
    folder = writable_folder(directory)
    with translation.override(REPORT_LANGUAGE):
        return files_write(_document(q), folder, q.label)


def writable_folder(directory: str | os.PathLike[str]) -> Path:
    """`directory` as a Path when it is an existing, writable folder; else ReportError."""
    folder = Path(directory)
    if not folder.is_dir():
        raise ReportError(_("The output folder does not exist: %(folder)s") % {"folder": folder})
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ReportError(_("The output folder is not writable: %(folder)s") % {"folder": folder})
    return folder


def files_write(doc: Any, folder: Path, stem: str) -> list[Path]:
    """Write `doc` as `folder/<stem>.xlsx` and `.pdf`. Both files are rendered before anything
    is written, then each goes to a temporary file in the folder renamed into place: a failure
    leaves no partial file behind."""
    contents = {fmt: _render(doc, fmt) for fmt in FORMATS}
    temps: list[str] = []
    try:
        for fmt in FORMATS:
            fd, temp = tempfile.mkstemp(prefix=f".{stem}.", suffix=f".{fmt}.tmp", dir=folder)
            temps.append(temp)
            with os.fdopen(fd, "wb") as out:
                out.write(contents[fmt])
        paths = [folder / f"{stem}.{fmt}" for fmt in FORMATS]
        for temp, path in zip(temps, paths, strict=True):
            os.replace(temp, path)
    except OSError as exc:
        raise ReportError(
            _("Cannot write to %(folder)s: %(error)s")
            % {"folder": folder, "error": exc.strerror or exc}
        ) from exc
    finally:
        for temp in temps:
            if os.path.exists(temp):
                os.unlink(temp)
    return paths
