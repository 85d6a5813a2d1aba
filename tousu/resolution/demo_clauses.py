"""A demo set of telecom handling-standard clauses (R6.1), loaded by `tousu demo`.

Each base clause covers a category with no further condition, so that a complaint sees its
standard before the facts are in; more specific clauses (a finding, a customer tier, a
duration) take over once the handler records those facts. BILL-01 has two versions to show
that a complaint keeps the version in force when it was received.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tousu.complaints.choices import Finding
from tousu.resolution.choices import EvidenceKind, RemedyBasis, RemedyType

_START = dt.date(2024, 1, 1)
_REVISED = dt.date(2025, 7, 1)
_OUR_FAULT = [Finding.TRUE.value, Finding.PARTLY_TRUE.value]
_NOT_TRUE = [Finding.NOT_TRUE.value]


def _none(type_: str, note: str) -> dict[str, Any]:
    return {"type": type_, "basis": RemedyBasis.NONE.value, "note": note}


DEMO_CLAUSES: tuple[dict[str, Any], ...] = (
    {
        "code": "BILL-01",
        "version": 1,
        "title": "不明扣费：核实后退还",
        "text": "客户反映不明扣费的，调取计费详单核实；确属我方计费错误的，全额退还争议金额。",
        "category": "billing",
        "effective_from": _START,
        "effective_to": _REVISED - dt.timedelta(days=1),
        "required_evidence": [EvidenceKind.BILL.value],
        "remedies": [
            {"type": RemedyType.REFUND.value, "basis": RemedyBasis.DISPUTED_AMOUNT.value},
        ],
    },
    {
        "code": "BILL-01",
        "version": 2,
        "title": "不明扣费：核实后退还并致歉",
        "text": (
            "客户反映不明扣费的，调取计费详单核实；确属我方计费错误的，全额退还争议金额，"
            "并向客户致歉。退费最高 2000 元，超出部分报投诉管理办公室。"
        ),
        "category": "billing",
        "effective_from": _REVISED,
        "required_evidence": [EvidenceKind.BILL.value],
        "remedies": [
            {
                "type": RemedyType.REFUND.value,
                "basis": RemedyBasis.DISPUTED_AMOUNT.value,
                "max_amount": Decimal("2000"),
            },
            _none(RemedyType.APOLOGY.value, "口头致歉"),
        ],
    },
    {
        "code": "BILL-02",
        "title": "不明扣费不属实：解释计费规则",
        "text": "经核实扣费正确的，向客户逐项解释计费依据，提供详单，不予退费。",
        "category": "billing",
        "findings": _NOT_TRUE,
        "effective_from": _START,
        "required_evidence": [EvidenceKind.BILL.value],
        "remedies": [_none(RemedyType.EXPLANATION.value, "逐项解释计费依据")],
    },
    {
        "code": "BILL-03",
        "title": "高价值客户不明扣费：退还并赠送话费",
        "text": "四星及以上客户计费错误属实的，全额退还争议金额，另赠送 20–50 元话费。",
        "category": "billing.unexplained_charge",
        "findings": _OUR_FAULT,
        "customer_segments": ["五星", "四星"],
        "effective_from": _START,
        "required_evidence": [EvidenceKind.BILL.value],
        "remedies": [
            {"type": RemedyType.REFUND.value, "basis": RemedyBasis.DISPUTED_AMOUNT.value},
            {
                "type": RemedyType.BILL_CREDIT.value,
                "basis": RemedyBasis.FIXED.value,
                "min_amount": Decimal("20"),
                "max_amount": Decimal("50"),
            },
            _none(RemedyType.APOLOGY.value, "书面致歉"),
        ],
    },
    {
        "code": "VAS-01",
        "title": "未经确认订购增值业务：退一赔一",
        "text": "增值业务未经客户二次确认即扣费的，双倍返还争议金额（最高 1000 元），并退订业务。",
        "category": "billing.value_added",
        "findings": _OUR_FAULT,
        "effective_from": _START,
        "required_evidence": [EvidenceKind.BILL.value, EvidenceKind.RECORDING.value],
        "remedies": [
            {
                "type": RemedyType.REFUND.value,
                "basis": RemedyBasis.DISPUTED_AMOUNT.value,
                "rate": Decimal("2"),
                "max_amount": Decimal("1000"),
            },
            _none(RemedyType.APOLOGY.value, "口头致歉"),
        ],
    },
    {
        "code": "NET-01",
        "title": "网络故障：解释与致歉",
        "text": "网络质量问题，说明故障原因和修复进度，向客户致歉。",
        "category": "network",
        "effective_from": _START,
        "required_evidence": [EvidenceKind.FAULT_TICKET.value],
        "remedies": [
            _none(RemedyType.EXPLANATION.value, "说明故障原因和修复进度"),
            _none(RemedyType.APOLOGY.value, "口头致歉"),
        ],
    },
    {
        "code": "NET-02",
        "title": "宽带中断一天及以上：按天补偿",
        "text": "宽带因我方原因中断满 1 天的，按每天 10 元赠送话费，最高 300 元，并致歉。",
        "category": "network.broadband_outage",
        "outage_days_min": Decimal("1"),
        "effective_from": _START,
        "required_evidence": [EvidenceKind.FAULT_TICKET.value],
        "remedies": [
            {
                "type": RemedyType.BILL_CREDIT.value,
                "basis": RemedyBasis.PER_DAY.value,
                "rate": Decimal("10"),
                "max_amount": Decimal("300"),
            },
            _none(RemedyType.APOLOGY.value, "口头致歉"),
        ],
    },
    {
        "code": "INST-01",
        "title": "宽带装机：跟进并致歉",
        "text": "宽带装机问题，核实工单进度，明确上门时间，向客户致歉。",
        "category": "business.broadband_install",
        "effective_from": _START,
        "required_evidence": [EvidenceKind.INSTALL_ORDER.value],
        "remedies": [_none(RemedyType.APOLOGY.value, "口头致歉，明确上门时间")],
    },
    {
        "code": "INST-02",
        "title": "宽带装机延误：按天补偿",
        "text": "超过承诺装机时间的，按每延误一天 5 元赠送话费，最高 100 元。",
        "category": "business.broadband_install",
        "outage_days_min": Decimal("1"),
        "effective_from": _START,
        "required_evidence": [EvidenceKind.INSTALL_ORDER.value],
        "remedies": [
            {
                "type": RemedyType.BILL_CREDIT.value,
                "basis": RemedyBasis.PER_DAY.value,
                "rate": Decimal("5"),
                "max_amount": Decimal("100"),
            },
            _none(RemedyType.APOLOGY.value, "口头致歉"),
        ],
    },
    {
        "code": "MKT-01",
        "title": "套餐误导销售：恢复原套餐并退差价",
        "text": (
            "营销人员未如实告知套餐资费的，免费恢复原套餐，退还多收的差价（争议金额），"
            "并致歉。须调取办理录音或受理单。"
        ),
        "category": "marketing.mis_sold",
        "effective_from": _START,
        "required_evidence": [EvidenceKind.RECORDING.value, EvidenceKind.CONTRACT.value],
        "remedies": [
            {"type": RemedyType.REFUND.value, "basis": RemedyBasis.DISPUTED_AMOUNT.value},
            _none(RemedyType.EXCHANGE.value, "免费恢复原套餐"),
            _none(RemedyType.APOLOGY.value, "口头致歉"),
        ],
    },
    {
        "code": "MKT-02",
        "title": "套餐误导销售不属实：解释",
        "text": "录音和受理单显示已如实告知的，向客户解释套餐规则，可协助变更为合适套餐。",
        "category": "marketing.mis_sold",
        "findings": _NOT_TRUE,
        "effective_from": _START,
        "required_evidence": [EvidenceKind.RECORDING.value],
        "remedies": [_none(RemedyType.EXPLANATION.value, "解释套餐规则")],
    },
    {
        "code": "SVC-01",
        "title": "服务态度：致歉并视情节赠送话费",
        "text": "员工服务态度问题属实的，由责任部门负责人致歉，视情节赠送 10–30 元话费。",
        "category": "service.attitude",
        "effective_from": _START,
        "required_evidence": [EvidenceKind.RECORDING.value],
        "remedies": [
            _none(RemedyType.APOLOGY.value, "责任部门负责人致歉"),
            {
                "type": RemedyType.BILL_CREDIT.value,
                "basis": RemedyBasis.FIXED.value,
                "min_amount": Decimal("10"),
                "max_amount": Decimal("30"),
            },
        ],
    },
    {
        "code": "SVC-02",
        "title": "服务态度不属实：解释",
        "text": "录音显示服务规范的，向客户说明核实情况，感谢监督。",
        "category": "service.attitude",
        "findings": _NOT_TRUE,
        "effective_from": _START,
        "required_evidence": [EvidenceKind.RECORDING.value],
        "remedies": [_none(RemedyType.EXPLANATION.value, "说明核实情况")],
    },
    {
        "code": "SEC-01",
        "title": "骚扰电话：拦截与举报指引",
        "text": "为客户开通骚扰电话拦截，告知 12321 举报渠道；不涉及金钱补偿。",
        "category": "security.harassment",
        "effective_from": _START,
        "required_evidence": [EvidenceKind.SCREENSHOT.value],
        "remedies": [
            _none(RemedyType.REPAIR.value, "开通骚扰电话拦截"),
            _none(RemedyType.EXPLANATION.value, "告知 12321 举报渠道"),
        ],
    },
    # Telecom fraud is a crime: the police (110) and the anti-fraud centre (96110) act on it,
    # the bank stops the payment; the operator advises, reports, checks the number and shields
    # the line. Call blocking has no remedy type of its own (API.md fixes the types): it is
    # recorded as "repair", a fix to the customer's service, as SEC-01 records it.
    {
        "code": "SEC-02",
        "title": "电信网络诈骗：报警止付指引与防诈服务",
        "text": (
            "客户反映遭遇电信网络诈骗的，首先提示客户立即拨打 110 报警，可拨打 96110 "
            "反诈专线咨询；已转账汇款的，提示客户立即联系开户银行申请紧急止付、冻结涉案账户，"
            "并保留转账凭证、通话记录和短信截图。协助客户向 12321 举报涉诈号码；核验来电号码"
            "是否为我公司号码（冒充客服的，告知我公司唯一官方客服号码），涉诈号码属本网的，"
            "按规定核查实名登记并报送关停处置。为客户开通来电拦截和防诈骗提醒服务"
            "（补救措施中记为“维修”类）。被骗款项由公安机关依法追缴，不予金钱补偿。"
        ),
        "category": "security.fraud",
        "effective_from": _START,
        "required_evidence": [EvidenceKind.SCREENSHOT.value],
        "remedies": [
            _none(
                RemedyType.EXPLANATION.value,
                "提示立即拨打 110 报警、96110 反诈专线咨询，联系开户银行紧急止付冻结，"
                "告知 12321 举报渠道",
            ),
            _none(RemedyType.REPAIR.value, "开通来电拦截和防诈骗提醒服务"),
        ],
    },
)
