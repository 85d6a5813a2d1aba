"""The repair section of the management review (五、不满意客户修复效果): it promises 95%
intervals in brackets only when the table shows some."""

from __future__ import annotations

import datetime as dt

import pytest

from tousu.repair.report import review_section

pytestmark = pytest.mark.django_db


def test_no_interval_is_promised_when_none_can_be_shown(reference: None) -> None:
    section = review_section(dt.date(2026, 9, 1), dt.date(2026, 9, 30))

    cells = [str(cell) for row in section.tables[0].rows for cell in row[1:]]
    assert not any("（" in cell for cell in cells)  # no interval in the table …
    assert "括号内为 95% 置信区间" not in section.paragraphs[0]  # … and none promised
    assert "未能计算 95% 置信区间" in section.paragraphs[0]
