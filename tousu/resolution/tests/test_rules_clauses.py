"""Clause matching, remedy computation, authority and consistency rules: pure, no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from tousu.core.reasons import reason, reason_text, reasons_text
from tousu.resolution import rules
from tousu.resolution.rules import ClauseTerms, Limit, Peer, Situation

D = Decimal
DAY = dt.date(2025, 8, 1)


def situation(**kw: object) -> Situation:
    base: dict[str, object] = {"category_code": "billing.unexplained_charge", "day": DAY}
    base.update(kw)
    return Situation(**base)  # type: ignore[arg-type]


def terms(key: int, category: str | None = "billing", **kw: object) -> ClauseTerms:
    base: dict[str, object] = {"effective_from": dt.date(2024, 1, 1)}
    base.update(kw)
    return ClauseTerms(key=key, category_code=category, **base)  # type: ignore[arg-type]


# ---- matching ----------------------------------------------------------------------------------


def test_a_clause_covers_its_category_and_sub_categories_only() -> None:
    assert rules.category_covers("billing", "billing")
    assert rules.category_covers("billing", "billing.unexplained_charge")
    assert not rules.category_covers("billing", "billing_x.y")
    assert not rules.category_covers("billing.roaming", "billing")
    assert rules.category_covers(None, "anything")


@pytest.mark.parametrize(
    ("kw", "facts", "matches"),
    [
        ({"findings": ("true",)}, {"finding": "true"}, True),
        ({"findings": ("true",)}, {"finding": "not_true"}, False),
        ({"findings": ("true",)}, {}, False),  # not known yet: the condition does not hold
        ({"causes": ("attitude",)}, {"cause": "attitude"}, True),
        ({"segments": ("五星",)}, {"segment": "一星"}, False),
        ({"disputed_min": D(100)}, {"disputed_amount": D(100)}, True),  # inclusive
        ({"disputed_min": D(100)}, {"disputed_amount": D("99.99")}, False),
        ({"disputed_max": D(100)}, {}, False),
        ({"outage_days_min": D(1), "outage_days_max": D(3)}, {"outage_days": D(3)}, True),
        ({"outage_days_min": D(1), "outage_days_max": D(3)}, {"outage_days": D("3.5")}, False),
        ({"active": False}, {}, False),
        ({"effective_from": DAY + dt.timedelta(days=1)}, {}, False),
        ({"effective_to": DAY}, {}, True),  # the end day is included
        ({"effective_to": DAY - dt.timedelta(days=1)}, {}, False),
    ],
)
def test_conditions(kw: dict[str, Any], facts: dict[str, object], matches: bool) -> None:
    assert rules.clause_matches(terms(1, **kw), situation(**facts)) is matches


def test_the_most_specific_clause_wins() -> None:
    anywhere = terms(1, None)
    base = terms(2, "billing")
    sub = terms(3, "billing.unexplained_charge")
    not_true = terms(4, "billing", findings=("not_true",))
    clauses = [anywhere, base, sub, not_true]
    assert rules.clause_pick(clauses, situation()) == sub
    assert rules.clause_pick(clauses, situation(category_code="billing.roaming")) == base
    # A condition that holds makes a clause more specific than its category's base.
    s = situation(category_code="billing.roaming", finding="not_true")
    assert rules.clause_pick(clauses, s) == not_true
    assert rules.clause_pick(clauses, situation(category_code="network")) == anywhere
    assert rules.clause_pick([base], situation(category_code="network")) is None


def test_the_version_in_force_on_the_day_applies() -> None:
    v1 = terms(1, effective_to=dt.date(2025, 6, 30), version=1)
    v2 = terms(2, effective_from=dt.date(2025, 7, 1), version=2)
    assert rules.clause_pick([v1, v2], situation(day=dt.date(2025, 6, 30))) == v1
    assert rules.clause_pick([v1, v2], situation(day=dt.date(2025, 7, 1))) == v2
    # Overlapping versions: the later one replaces the earlier.
    v3 = terms(3, effective_from=dt.date(2025, 7, 15), version=3)
    assert rules.clause_pick([v2, v3], situation()) == v3


# ---- remedy computation ------------------------------------------------------------------------


def compute(basis: str, **kw: object) -> rules.Computed:
    args: dict[str, object] = {
        "min_amount": None,
        "max_amount": None,
        "rate": None,
        "disputed_amount": None,
        "outage_days": None,
    }
    args.update(kw)
    return rules.remedy_compute(basis=basis, **args)  # type: ignore[arg-type]


def test_refund_of_the_disputed_amount() -> None:
    done = compute("disputed_amount", disputed_amount=D(58))
    assert done == rules.Computed(D("58.00"), "按争议金额全额退还：58 元")
    doubled = compute("disputed_amount", disputed_amount=D("12.5"), rate=D(2))
    assert doubled == rules.Computed(D("25.00"), "按争议金额2 倍退还：25 元")
    capped = compute("disputed_amount", disputed_amount=D(3000), max_amount=D(2000))
    assert capped.amount == D("2000.00")
    assert "以 2000 元为上限" in capped.explanation
    unknown = compute("disputed_amount")
    assert unknown.amount is None
    assert "请先填写争议金额" in unknown.explanation


def test_bill_credit_per_day_up_to_a_cap() -> None:
    done = compute("per_day", rate=D(10), outage_days=D(3), max_amount=D(300))
    assert done == rules.Computed(D("30.00"), "按 3 天 × 10 元/天补偿：30 元")
    capped = compute("per_day", rate=D(10), outage_days=D(45), max_amount=D(300))
    assert capped.amount == D("300.00")
    half = compute("per_day", rate=D(5), outage_days=D("1.5"))
    assert half.amount == D("7.50")
    unknown = compute("per_day", rate=D(10), max_amount=D(300))
    assert unknown == rules.Computed(None, "每天 10 元，最高 300 元（请先填写故障或延误天数）")


def test_fixed_range_and_no_money() -> None:
    assert compute("fixed", min_amount=D(10), max_amount=D(30)) == rules.Computed(
        None, "补偿范围 10–30 元"
    )
    assert compute("fixed", min_amount=D(20), max_amount=D(20)).amount == D("20.00")
    assert compute("none").amount is None


def test_explanations_in_the_reader_s_language() -> None:
    with translation.override("en"):
        capped = compute("disputed_amount", disputed_amount=D(3000), max_amount=D(2000))
        per_day = compute("per_day", rate=D(10), max_amount=D(300))
        fixed = compute("fixed", min_amount=D(10))
    assert capped.explanation == (
        "Refund of the full disputed amount: 2000 yuan (capped at 2000 yuan)"
    )
    assert per_day.explanation == (
        "10 yuan a day, at most 300 yuan (enter the days of outage or delay first)"
    )
    assert fixed.explanation == "Compensation from 10 to no limit"


def test_the_allowed_range() -> None:
    assert rules.amount_range(D(10), D(30), None) == (D(10), D(30))
    assert rules.amount_range(None, D(2000), D(58)) == (D(58), D(58))


# ---- authority ---------------------------------------------------------------------------------


def zh(reasons: list[Any]) -> list[str]:
    """Reasons as the Chinese they read in."""
    with translation.override("zh-hans"):
        return [reason_text(r) for r in reasons]


def test_within_the_total_limit_needs_no_approval() -> None:
    limits = {rules.TOTAL: Limit(D(200))}
    assert rules.authority_excess({"refund": D(200)}, {}, limits) == []
    excess = rules.authority_excess({"refund": D(58), "bill_credit": D(200)}, {}, limits)
    assert excess == [
        reason("authority.per_complaint", remedy="total", amount=D(258), limit=D(200))
    ]
    assert zh(excess) == ["合计 258 元超出单笔授权 200 元"]
    with translation.override("en"):
        assert (
            reasons_text(excess) == "Total 258 yuan is over the per-complaint authority of 200 yuan"
        )


def test_no_total_limit_grants_no_money_but_words_are_free() -> None:
    assert zh(rules.authority_excess({"refund": D(1)}, {}, {})) == ["合计 1 元超出单笔授权 0 元"]
    assert rules.authority_excess({"apology": D(0)}, {}, {}) == []


def test_a_limit_per_remedy_type() -> None:
    limits = {rules.TOTAL: Limit(D(200)), "bill_credit": Limit(D(50))}
    assert rules.authority_excess({"refund": D(150)}, {}, limits) == []
    assert zh(rules.authority_excess({"bill_credit": D(60)}, {}, limits)) == [
        "话费抵扣 60 元超出单笔授权 50 元"
    ]


def test_a_limit_per_customer_per_month() -> None:
    limits = {rules.TOTAL: Limit(D(200), per_month=D(300))}
    assert rules.authority_excess({"refund": D(100)}, {"refund": D(200)}, limits) == []
    assert zh(rules.authority_excess({"refund": D(100)}, {"refund": D("200.01")}, limits)) == [
        "合计本月累计 300.01 元超出每客户每月授权 300 元"
    ]


def test_the_approval_chain_starts_where_the_limit_covers() -> None:
    steps = [("dept_head", D(5000)), ("admin", None), ("supervisor", D(1000))]
    assert rules.approval_chain(D(258), steps) == ["supervisor", "dept_head", "admin"]
    assert rules.approval_chain(D(1000), steps) == ["supervisor", "dept_head", "admin"]
    assert rules.approval_chain(D("1000.01"), steps) == ["dept_head", "admin"]
    assert rules.approval_chain(D(99999), steps) == ["admin"]
    assert rules.approval_chain(D(99999), steps[:1]) == []


def test_the_calendar_month_is_shanghai_s() -> None:
    from tousu.core.clock import SHANGHAI

    # 2025-07-31 17:00 UTC is already 1 August in Shanghai.
    moment = dt.datetime(2025, 7, 31, 17, 0, tzinfo=dt.UTC)
    assert rules.month_start(moment, SHANGHAI) == dt.datetime(2025, 8, 1, tzinfo=SHANGHAI)


# ---- consistency -------------------------------------------------------------------------------


def test_range_problems() -> None:
    assert rules.range_problem(D(20), D(10), D(30), "bill_credit") is None
    above = rules.range_problem(D(200), D(10), D(30), "bill_credit")
    assert zh([above]) == ["话费抵扣 200 元，高于标准条款的 10–30 元"]
    with translation.override("en"):
        assert reason_text(above) == "Bill credit 200 yuan, above the standard clause's 10–30 yuan"
    below = rules.range_problem(D(0), D(58), D(58), "refund")
    assert zh([below]) == ["退款 0 元，低于标准条款的 58 元"]


def test_a_total_far_from_other_channels_is_an_outlier() -> None:
    stores = [Peer("store", "store_ops", D(20))] * 5
    outlier = rules.peer_outlier(D(200), stores, "hotline", "customer_service")
    assert outlier == rules.Outlier(D("20.00"), 5, who="store")
    assert zh([rules.outlier_reason(outlier, D(200), "store")]) == [
        "同类情形营业厅平均补偿 20 元，本单 200 元"
    ]
    # Close to the others, or too few of them: nothing to say.
    assert rules.peer_outlier(D(30), stores, "hotline", "customer_service") is None
    assert rules.peer_outlier(D(200), stores[:4], "hotline", "customer_service") is None
    # The same channel and department is not "elsewhere".
    assert rules.peer_outlier(D(200), stores, "store", "store_ops") is None
    # Too little also counts: the customer got less than elsewhere.
    assert rules.peer_outlier(D(0), [Peer("store", "x", D(100))] * 5, "web", "y") is not None


def test_the_outlier_sentence_names_the_others_it_averaged() -> None:
    """ "同类情形其他渠道和部门平均补偿 2.27 元，本单 50 元" was said of a regulator referral
    whose peers were all the network department's own outcomes in other channels (one of them
    another 50 yuan goodwill credit): the sentence says which others, and how many."""
    network = [Peer(c, "network", D(0)) for c in ("hotline", "store", "app")] * 7
    network.append(Peer("hotline", "network", D(50)))
    outlier = rules.peer_outlier(D(50), network, "regulator", "network")
    assert outlier == rules.Outlier(D("2.27"), 22, scope=rules.OTHER_CHANNELS)
    assert zh([rules.outlier_reason(outlier, D(50))]) == [
        "同类情形本部门其他渠道 22 单平均补偿 2.27 元，本单 50 元"
    ]
    with translation.override("en"):
        assert reason_text(rules.outlier_reason(outlier, D(50))) == (
            "The same situation got 2.27 yuan on average in 22 complaints of this department's "
            "other channels; this one 50 yuan"
        )
    # The same channel's other departments, and a mix of both.
    hotline = [Peer("hotline", d, D(0)) for d in ("billing", "store_ops")] * 3
    outlier = rules.peer_outlier(D(50), hotline, "hotline", "network")
    assert outlier == rules.Outlier(D(0), 6, scope=rules.OTHER_DEPARTMENTS)
    assert zh([rules.outlier_reason(outlier, D(50))]) == [
        "同类情形本渠道其他部门 6 单平均补偿 0 元，本单 50 元"
    ]
    # Network's own hotline outcome is not "elsewhere"; its store and app ones are.
    mixed = [*hotline, *network[:3]]
    outlier = rules.peer_outlier(D(50), mixed, "hotline", "network")
    assert outlier == rules.Outlier(D(0), 8, scope=rules.ELSEWHERE)
    assert zh([rules.outlier_reason(outlier, D(50))]) == [
        "同类情形其他渠道和部门 8 单平均补偿 0 元，本单 50 元"
    ]


def test_an_approval_is_due_by_the_step_or_the_reply_whichever_is_sooner() -> None:
    now = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
    hours = dt.timedelta(hours=1)
    assert rules.approval_due(now, 24, None) == now + 24 * hours
    assert rules.approval_due(now, 24, now + 2 * hours) == now + 2 * hours
    assert rules.approval_due(now, 24, now + 30 * hours) == now + 24 * hours
    assert rules.approval_due(now, 24, now - hours) == now + 24 * hours  # the reply is late already
