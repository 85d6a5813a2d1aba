"""Generated reasons read in the reader's language (tousu.core.reasons, issue 13)."""

from __future__ import annotations

import pytest
from django.utils import translation

import tousu.intake.risk  # declares the risk reasons
import tousu.resolution.rules  # noqa: F401  (declares the authority and consistency reasons)
from tousu.core.reasons import reason, reason_convert, reason_parse, reason_text, reasons_text


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


def test_a_reason_nobody_declares_still_says_something() -> None:
    assert reason_text({"code": "gone.kind", "params": {"n": 3}}) == "gone.kind (n=3)"
    assert reason_text({"code": "gone.kind"}) == "gone.kind"
    assert reasons_text([{"code": "gone.kind", "params": {}}, "客户要求上门核实"]) == (
        "gone.kind；客户要求上门核实"
    )


def test_undeclared_codes_are_refused_when_written() -> None:
    with pytest.raises(KeyError):
        reason("no.such.reason")


def test_old_texts_convert_to_codes_and_back_to_the_same_chinese() -> None:
    """What the data migrations do to stored rows (complaints 0014, resolution 0006): every
    kind of generated text written before codes becomes its code, and renders in Chinese as
    it was written; free text stays as it is."""
    old = [
        "提到向工信部申诉",
        "由监管部门转来",
        "30天内第3次投诉",
        "重复投诉：同一客户30天内就同一问题再次投诉，派回原处理人",
        "重复投诉：同一客户此前就同一问题的投诉仍未办结，派回原处理部门",
        "未匹配派单规则 → 投诉管理办公室",
        "合计本月累计 116.00 元超出每客户每月授权 100.00 元",
        "退款 2000 元，远高于按投诉所述金额 20 元计算的 20 元（未录入争议金额）",
        "退款 2000 元，远高于同一条款其他 5 单的中位数 50 元（未录入争议金额）",
        "话费抵扣 30 元不在标准条款 BILL-01 规定的补救措施中",
        "同类情形营业厅平均补偿 20 元，本单 200 元",
        "超时升级",
        "回访不满意：钱还没到账",
        "投诉单 TS202612060001 已分派给你",
        "投诉单 TS202612060001 已超过答复时限 3 小时，升级第 1 级",
    ]
    converted = [reason_convert(text) for text in old]
    assert all(isinstance(c, dict) for c in converted), converted
    with translation.override("zh-hans"):
        back = [reason_text(c) for c in converted]
    # Amounts lose their trailing zeros (116.00 → 116); nothing else changes.
    assert back[6] == "合计本月累计 116 元超出每客户每月授权 100 元"
    assert back[:6] + back[7:] == old[:6] + old[7:]
    assert reason_convert("客户要求上门核实") == "客户要求上门核实"
    assert reason_convert(converted[0]) == converted[0]


def test_old_routing_rule_text_reads_in_english_with_its_criteria_as_written() -> None:
    converted = reason_convert("规则#12：类别「资费计费」+ 渠道「工信部/通管局转办」→ 计费中心")
    assert converted == {
        "code": "routing.rule",
        "params": {
            "rule": "12",
            "criteria": "类别「资费计费」+ 渠道「工信部/通管局转办」",
            "department": "计费中心",
        },
    }
    with translation.override("en"):
        assert reason_text(converted).startswith("Rule #12: ")


def test_a_name_stored_in_each_language_reads_in_the_readers() -> None:
    from tousu.core.reasons import each_language, in_language

    names = {"zh-hans": "计费中心", "en": "Billing centre"}
    stored = each_language(lambda: names[translation.get_language()])
    assert stored == names
    with translation.override("en"):
        assert in_language(stored) == "Billing centre"
        assert in_language("计费中心") == "计费中心"  # stored as text before: as written
        assert in_language({"zh-hans": "计费中心"}) == "计费中心"  # no English: the site's own
    with translation.override("zh-hans"):
        assert in_language(stored) == "计费中心"
