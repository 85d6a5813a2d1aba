"""The quarterly report (R11.3, R11.4): files written by `tousu report quarterly`, their
sections and key figures, and the refusals that leave nothing behind.

Fixture, through the real services with "now" frozen:
  2026Q2: 2 billing complaints, closed (58 yuan refund each).
  2026Q3: 2 billing complaints, closed (one transferred from billing to network first, while
  in progress); 4 network.coverage complaints about 信号, open.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tousu.accounts.models import Department
from tousu.analytics import report
from tousu.analytics.services import counts_rebuild
from tousu.core import clock
from tousu.core.clock import SHANGHAI

SIGNAL = "家里手机信号很差，室内基本没有信号，打电话经常掉线"
SECTIONS = [
    "一、投诉处理情况概述",
    "二、投诉数量及变化",
    "三、投诉类型",
    "四、处理方式及结果",
    "五、责任部门及责任人",
    "六、客户满意度",
    "七、存在的主要问题",
    "八、投诉根因分析",
    "九、优化与改进建议",
]
SHEETS = [
    "总体情况",
    "投诉量",
    "投诉类型",
    "处理情况",
    "责任部门",
    "满意度",
    "主要问题",
    "根因分析",
    "改进建议",
    # Registered into the report by the repair app (analytics.extensions).
    "客户修复",
]


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def quarter_data(
    lifecycle: Callable[..., Any], register: Callable[..., Any], handler: Any
) -> list[Any]:
    from tousu.routing.services import complaint_dispatch

    made = []
    for moment in (at(5, 10), at(6, 2)):
        with clock.frozen(moment):
            made.append(lifecycle("closed"))
    with clock.frozen(at(7, 3)):
        made.append(lifecycle("closed"))
    with clock.frozen(at(8, 5)):
        moved = lifecycle("in_progress")
        complaint_dispatch(
            complaint=moved,
            actor=handler,
            department=Department.objects.get(code="network"),
            reason="信号问题，转网络部门",
        )
    for i, moment in enumerate((at(7, 8), at(7, 20), at(8, 12), at(9, 28))):
        with clock.frozen(moment):
            made.append(
                register(
                    content=f"{SIGNAL}，第{i + 1}次反映",
                    category="network.coverage",
                    customer_phone=f"1390000000{i}",
                )
            )
    counts_rebuild()
    return made


def test_parse_quarter() -> None:
    q = report.parse_quarter("2026Q3")
    assert (q.start, q.end) == (at(7, 1, 0), at(10, 1, 0))
    assert report.parse_quarter("2026q1").previous().label == "2025Q4"
    assert report.parse_quarter("2026Q4").following().label == "2027Q1"
    for bad in ("2026Q5", "2026Q0", "2026-3", "Q3", ""):
        with pytest.raises(report.ReportError):
            report.parse_quarter(bad)


def test_quarterly_report_files(
    quarter_data: list[Any], tousu_cli: Callable[..., Any], tmp_path: Path
) -> None:
    code, out, err = tousu_cli(
        "report", "quarterly", "--quarter", "2026Q3", "--output", str(tmp_path)
    )
    assert code == 0, err
    xlsx, pdf = tmp_path / "2026Q3.xlsx", tmp_path / "2026Q3.pdf"
    assert out.split() == [str(xlsx), str(pdf)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026Q3.pdf", "2026Q3.xlsx"]

    book = load_workbook(xlsx)
    assert book.sheetnames == SHEETS
    overview = {row[0]: row[1:] for row in book["总体情况"].iter_rows(values_only=True) if row[0]}
    assert overview["受理量（件）"][:2] == (6, 2)  # this quarter, the previous one
    assert overview["结案量（件）"][:2] == (1, 2)
    assert overview["补偿金额（元）"][:2] == (58, 116)
    months = {r[0]: r[1] for r in book["投诉量"].iter_rows(values_only=True) if r[0]}
    assert (months["2026年7月"], months["2026年8月"], months["2026年9月"]) == (3, 2, 1)
    assert months["2026年5月"] == 1
    assert book["投诉量"]._charts  # native charts
    assert book["投诉类型"]._charts

    # By responsible department, confirmed at closing (billing, for the 58-yuan refunds): the
    # quarter's closed, the previous quarter's, first-contact resolutions, their rate and the
    # compensation; no staff member was named.
    responsible = [r for r in book["责任部门"].iter_rows(values_only=True) if r[0]]
    assert ("计费中心", 1, 2, 0, 0, 58) in [r[:6] for r in responsible]
    assert any("均未记录责任人" in str(r[0]) for r in responsible)

    problems = [r for r in book["主要问题"].iter_rows(values_only=True) if r[0]]
    assert ("信号覆盖", 4, 0, "上季度无可比数据") in [r[:4] for r in problems]
    # By current handling department (the transferred complaint counts for network now):
    # volume, transfers out, closed late, on-time rate.
    assert ("计费中心", 1, 1, 0, 1) in [r[:5] for r in problems]
    assert ("网络运维中心", 5, 0, 0, None) in [r[:5] for r in problems]

    causes = [[v for v in r if v is not None] for r in book["根因分析"].iter_rows(values_only=True)]
    signal = next(r for r in causes if r and r[0] == "信号" and isinstance(r[1], int))
    assert signal[1] == 4
    numbers = {c.number for c in quarter_data if c.category.code == "network.coverage"}
    assert set(str(signal[-1]).split("、")) <= numbers
    advice = " ".join(str(r[0]) for r in book["改进建议"].iter_rows(values_only=True) if r[0])
    assert "信号覆盖类投诉为本季度新增热点" in advice
    assert "计费中心本季度转派 1 次" in advice

    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    for heading in SECTIONS:
        assert heading in text
    assert "2026年第三季度投诉处理工作总结" in text
    resources: Any = PdfReader(pdf).pages[0]["/Resources"]
    fonts = resources["/Font"]
    assert any("WenQuanYi" in str(f.get_object()["/BaseFont"]) for f in fonts.values())


def test_report_bytes_for_a_view(quarter_data: list[Any]) -> None:
    book = load_workbook(io.BytesIO(report.quarterly_report("2026Q3", "xlsx")))
    assert book.sheetnames == SHEETS
    assert report.quarterly_report("2026Q3", "pdf").startswith(b"%PDF")
    with pytest.raises(report.ReportError):
        report.quarterly_report("2026Q3", "docx")  # type: ignore[arg-type]


@pytest.mark.django_db
def test_an_empty_quarter_still_reports(tmp_path: Path) -> None:
    paths = report.quarterly_report_write("2030Q1", tmp_path)
    text = "".join(page.extract_text() for page in PdfReader(paths[1]).pages)
    assert "本季度共受理投诉 0 件" in text


@pytest.mark.django_db
def test_a_bad_quarter_writes_nothing(tousu_cli: Callable[..., Any], tmp_path: Path) -> None:
    code, _out, err = tousu_cli(
        "report", "quarterly", "--quarter", "2026Q5", "--output", str(tmp_path)
    )
    assert code != 0
    assert "2026Q5" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_an_unwritable_directory_is_refused(tousu_cli: Callable[..., Any], tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    code, _out, err = tousu_cli(
        "report", "quarterly", "--quarter", "2026Q3", "--output", str(missing)
    )
    assert code != 0
    assert str(missing) in err
    assert not missing.exists()


def test_report_names_the_responsible_staff(quarter_data: list[Any], handler: Any) -> None:
    from tousu.resolution.models import HandlingRecord

    july = quarter_data[2]  # closed on 2026-07-03, billing responsible
    HandlingRecord.objects.update_or_create(complaint=july, defaults={"responsible_staff": handler})
    counts_rebuild()
    data = report.responsible(report.parse_quarter("2026Q3"))
    assert [(s["department_name"], s["staff"], s["closed"]) for s in data["staff"]] == [
        ("计费中心", str(handler), 1)
    ]
    assert (data["closed"], data["confirmed"]) == (1, 1)
    book = load_workbook(io.BytesIO(report.quarterly_report("2026Q3", "xlsx")))
    rows = [r[:3] for r in book["责任部门"].iter_rows(values_only=True)]
    assert ("计费中心", str(handler), 1) in rows
