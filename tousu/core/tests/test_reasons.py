"""Generated reasons read in the reader's language (tousu.core.reasons, issue 13)."""

from __future__ import annotations

from django.utils import translation

import tousu.intake.risk  # declares the risk reasons
import tousu.resolution.rules  # noqa: F401  (declares the authority and consistency reasons)
from tousu.core.reasons import reason, reason_parse, reason_text, reasons_text


def test_a_stored_reason_reads_in_the_readers_language() -> None:
    stored = reason("risk.prior", n=3, days=30)
    with translation.override("en"):
        assert reason_text(stored) == "Complaint no. 3 within 30 days"
    with translation.override("zh-hans"):
        assert reason_text(stored) == "30天内第3次投诉"


def test_chinese_text_stored_before_codes_reads_as_its_reason() -> None:
    assert reason_parse("退款 915.9 元，高于标准条款的 58 元") == {
        "code": "consistency.above",
        "params": {"remedy": "refund", "amount": "915.9", "limit": "58"},
    }
    with translation.override("en"):
        assert reasons_text(["提到向工信部申诉", "客户情绪激动"], "; ") == (
            "Mentions an appeal to the MIIT; The customer is agitated"
        )
        assert reason_text("bill_credit 60.00 元超出单笔授权 50.00 元") == (
            "Bill credit 60 yuan is over the per-complaint authority of 50 yuan"
        )


def test_free_text_stays_as_written() -> None:
    with translation.override("en"):
        assert reason_text("客户要求上门核实") == "客户要求上门核实"
