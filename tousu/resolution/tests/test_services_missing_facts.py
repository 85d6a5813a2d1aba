"""A remedy far above the clause's intent is flagged although the fact the clause computes
from was not entered (issue 13): computed from the sum the complaint states, or compared with
the same remedy under the same clause elsewhere when it states none."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tousu.accounts.models import Department, User
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.reasons import reason_text
from tousu.resolution.selectors import consistency_flags
from tousu.resolution.services import RemedyInput, complaint_resolve, standard_clauses_load

Build = Callable[..., Complaint]
D = Decimal
TWENTY = "话费被多扣了20元，客服说查不到原因"


@pytest.fixture
def clauses(reference: None) -> int:
    return standard_clauses_load()


def resolve(complaint: Complaint, actor: User, refund: str, **kw: Any) -> list[tuple[str, str]]:
    complaint_resolve(
        complaint=complaint,
        actor=actor,
        finding="true",
        cause="process_error",
        responsible_department=Department.objects.get(code="billing"),
        remedies=[RemedyInput("refund", D(refund)), RemedyInput("apology")],
        reply="已核实处理",
        **kw,
    )
    flags = consistency_flags(Complaint.objects.get(pk=complaint.pk))
    return [(f.kind, reason_text(f.reason)) for f in flags]


def test_a_refund_far_above_the_sum_the_complaint_states_is_flagged(
    clauses: int, complaint_in: Build, admin_user: User
) -> None:
    complaint = complaint_in("in_progress", content=TWENTY)
    assert resolve(complaint, admin_user, "2000") == [
        ("out_of_range", "退款 2000 元，远高于按投诉所述金额 20 元计算的 20 元（未录入争议金额）")
    ]


def test_a_refund_of_the_sum_stated_is_not_flagged(
    clauses: int, complaint_in: Build, admin_user: User
) -> None:
    complaint = complaint_in("in_progress", content=TWENTY)
    assert resolve(complaint, admin_user, "20") == []


def test_the_plans_price_in_the_text_is_not_the_sum_in_dispute(
    clauses: int, complaint_in: Build, admin_user: User
) -> None:
    """Refunding the plan's monthly price (129) for a 58-yuan overcharge is far above what the
    clause gives for the sum the customer disputes."""
    complaint = complaint_in("in_progress", content="我办的5G畅享套餐129元，这个月多扣了58元")
    assert resolve(complaint, admin_user, "129") == [
        ("out_of_range", "退款 129 元，远高于按投诉所述金额 58 元计算的 58 元（未录入争议金额）")
    ]


def test_the_amount_entered_is_the_fact_the_text_is_not(
    clauses: int, complaint_in: Build, admin_user: User
) -> None:
    # Investigation found 1,500 yuan in dispute: the text's 20 yuan no longer counts.
    complaint = complaint_in("in_progress", content=TWENTY)
    assert resolve(complaint, admin_user, "1500", disputed_amount=D(1500)) == []


def test_with_no_sum_stated_the_refund_is_compared_with_the_same_clause_elsewhere(
    clauses: int, complaint_in: Build, admin_user: User
) -> None:
    for i, amount in enumerate(("30", "50", "50", "58", "80")):
        peer = complaint_in("in_progress", customer_phone=f"1370000{i:04d}")
        assert resolve(peer, admin_user, amount, disputed_amount=D(amount)) == []
    complaint = complaint_in("in_progress", content="话费被乱扣了，要求全部退还")
    assert resolve(complaint, admin_user, "2000") == [
        ("outlier", "退款 2000 元，远高于同一条款其他 5 单的中位数 50 元（未录入争议金额）")
    ]
    # Peers older than the window do not count.
    with clock.frozen(clock.now() + dt.timedelta(days=181)):
        later = complaint_in("in_progress", content="话费被乱扣了")
        assert resolve(later, admin_user, "2000") == []


def test_an_over_remedy_shows_in_the_consistency_report_api(
    clauses: int, complaint_in: Build, admin_user: User, quality: User, api_as: Callable[..., Any]
) -> None:
    complaint = complaint_in("in_progress", content=TWENTY)
    response = api_as(admin_user).post(
        f"/api/v1/complaints/{complaint.number}/resolve",
        {
            "finding": "true",
            "cause": "process_error",
            "responsible_department": "billing",
            "remedies": [{"type": "refund", "amount": 2000}, {"type": "apology"}],
            "reply": "经核查系计费错误，已退还费用并致歉",
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "resolved"
    today = clock.local_today()
    report = api_as(quality).get(
        "/api/v1/reports/consistency",
        **{"from": str(today - dt.timedelta(days=7)), "to": str(today)},
    )
    assert report.status_code == 200, report.content
    [outlier] = report.json()["outliers"]
    assert outlier["number"] == complaint.number
    assert outlier["kind"] == "out_of_range"
    assert "远高于按投诉所述金额 20 元" in outlier["reason"]
