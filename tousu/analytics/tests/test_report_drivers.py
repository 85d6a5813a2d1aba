"""The quarterly report's satisfaction drivers (R8.3, S2 关键感知要素): sentences and a table
in 六、客户满意度, in the PDF and the workbook, and a suggestion for a factor to fix."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from tousu.analytics import report, report_text
from tousu.analytics.tests.conftest import satisfaction_plant


def test_the_drivers_of_the_quarter(reference: None) -> None:
    # 2026Q3 with planted weights: timeliness leads; surveys none.
    satisfaction_plant(first=dt.date(2026, 7, 1), days=90, per_day=5)
    data = report.quarterly_data(report.parse_quarter("2026Q3"))
    found = data["drivers"]["callback"]
    assert found["ranked"]
    assert found["n"] == 450
    doc = report_text.document(data)
    section = next(s for s in doc.sections if s.title == "六、客户满意度")
    text = "".join(section.paragraphs)
    assert "关键感知要素（回访）：本季度共 450 条完整评分" in text
    assert "相对权重法" in text
    assert "“处理及时性”" in text
    assert "满意度调查" not in text  # no survey answers: no survey paragraph
    table = next(t for t in section.tables if t.title.startswith("关键感知要素"))
    assert table.header == ["感知要素", "平均分", "重要性", "95% 区间", "象限", "样本量"]
    assert table.rows[0][0] == "处理及时性"
    assert {row[4] for row in table.rows} <= {"优势区", "修补区", "机会区", "维持区"}
    book = load_workbook(io.BytesIO(report.quarterly_report("2026Q3", "xlsx")))
    cells = {str(c.value) for row in book["满意度"].iter_rows() for c in row if c.value}
    assert "处理及时性" in cells
    assert any("关键感知要素" in c for c in cells)


def test_too_few_answers_are_said_and_not_ranked(reference: None) -> None:
    satisfaction_plant(first=dt.date(2026, 7, 1), days=3, per_day=2)
    data = report.quarterly_data(report.parse_quarter("2026Q3"))
    section = next(s for s in report_text.document(data).sections if s.title == "六、客户满意度")
    assert "暂不排序" in "".join(section.paragraphs)


def test_a_factor_in_the_fix_quadrant_is_suggested() -> None:
    data = {
        "kpis": {"current": {k: None for k in (
            "on_time_rate", "first_contact_resolution_rate", "satisfaction_rate",
            "repeat_rate", "escalation_rate",
        )}},
        "rising_categories": [],
        "departments": [],
        "terms": {"rising": []},
        "drivers": {
            "callback": {
                "ranked": True,
                "factors": [
                    {"factor": "solution", "importance": 0.5, "mean": 3.1, "quadrant": "fix"},
                    {"factor": "attitude", "importance": 0.2, "mean": 4.6, "quadrant": "maintain"},
                ],
            }
        },
    }  # fmt: skip
    lines = report_text.suggestion_lines(data)
    assert any("“解决方案”" in line and "修补区" in line for line in lines)
    assert not any("服务态度" in line for line in lines)
