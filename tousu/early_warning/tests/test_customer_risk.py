"""Customer-level risk (issue 15 item 3): the pure rule ranks customers as a supervisor would,
and the selector gathers a customer's history in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tousu.callbacks.choices import CallbackResult
from tousu.callbacks.models import CallbackTask
from tousu.core import clock
from tousu.core.reasons import reason_text
from tousu.customers.models import Customer
from tousu.early_warning import selectors
from tousu.early_warning.rules import CustomerFacts, care_reasons, customer_risk

FIRST_TIMER = CustomerFacts(complaints_90d=1, complaints_365d=1)
THREATENED_MIIT = CustomerFacts(
    complaints_90d=2,
    complaints_365d=2,
    dissatisfied_callbacks=1,
    said=("问题一直没解决，再不处理我就去工信部投诉",),
)


def _codes(risk: Any) -> list[str]:
    return [r["code"] for r in risk.reasons]


def test_a_customer_who_threatened_the_regulator_ranks_above_a_first_time_complainant() -> None:
    threatening = customer_risk(THREATENED_MIIT)
    first = customer_risk(FIRST_TIMER)

    assert threatening.score > first.score
    # 1 − (1 − 0.5)(1 − 0.3)(1 − 0.12): the MIIT threat leads, the callback and the second
    # complaint in 90 days follow.
    assert threatening.score == 0.69
    assert _codes(threatening) == [
        "risk.marker.miit",
        "customer_risk.dissatisfied",
        "customer_risk.recent",
    ]
    assert first.score == 0.0
    assert first.reasons == []


def test_ranking_of_several_histories() -> None:
    went_to_media = CustomerFacts(complaints_365d=1, outside_channels=("media",))
    reopened_twice = CustomerFacts(complaints_90d=1, complaints_365d=1, reopened=2)
    frequent = CustomerFacts(complaints_90d=4, complaints_365d=6)
    high_value = CustomerFacts(value_tier="五星")
    scores = {
        name: customer_risk(facts).score
        for name, facts in {
            "threatened": THREATENED_MIIT,
            "media": went_to_media,
            "reopened": reopened_twice,
            "frequent": frequent,
            "high_value": high_value,
            "first": FIRST_TIMER,
        }.items()
    }
    ranked = sorted(scores, key=lambda n: -scores[n])
    assert ranked == ["threatened", "media", "frequent", "reopened", "high_value", "first"]
    assert all(0.0 <= s <= 1.0 for s in scores.values())


def test_signals_never_lower_the_score_and_a_professional_counts() -> None:
    base = CustomerFacts(complaints_90d=2, complaints_365d=3)
    more = CustomerFacts(complaints_90d=2, complaints_365d=3, special_type="professional")
    assert customer_risk(more).score > customer_risk(base).score
    assert "risk.professional" in _codes(customer_risk(more))


def test_reasons_render_in_the_readers_language() -> None:
    from django.utils import translation

    risk = customer_risk(CustomerFacts(outside_channels=("regulator",), value_tier="四星"))
    with translation.override("zh-hans"):
        text = [reason_text(r) for r in risk.reasons]
    with translation.override("en"):
        english = [reason_text(r) for r in risk.reasons]
    assert english == [
        "Complained through Regulator referral before",
        "High-value customer (4-star)",
    ]
    assert text[0] != english[0]


def test_care_reasons_want_history_value_or_risk() -> None:
    nobody = CustomerFacts()
    assert care_reasons(nobody, customer_risk(nobody), risk_min=0.3) is None
    earlier = CustomerFacts(complaints_365d=1)
    why = care_reasons(earlier, customer_risk(earlier), risk_min=0.3)
    assert why is not None
    assert why[0] == {"code": "care.earlier", "params": {"n": 1, "days": 365}}
    valuable = CustomerFacts(value_tier="五星")
    assert care_reasons(valuable, customer_risk(valuable), risk_min=0.3) == [
        {"code": "customer_risk.high_value", "params": {"tier": "五星"}}
    ]


@pytest.mark.django_db
def test_facts_from_the_history_in_a_fixed_number_of_queries(
    register: Callable[..., Any],
    lifecycle: Callable[..., Any],
    django_assert_num_queries: Any,
) -> None:
    now = clock.now()
    register(
        customer_phone="13911110001",
        content="宽带老是掉线，再不解决我就向工信部投诉",
        received_at=now - dt.timedelta(days=20),
    )
    closed = lifecycle("closed", customer_phone="13911110001")
    CallbackTask.objects.filter(complaint=closed).update(
        result=CallbackResult.DISSATISFIED, comment="处理太慢了，还要去找媒体曝光"
    )
    register(customer_phone="13911110002", content="话费多扣了")
    Customer.objects.filter(phone="13911110001").update(value_tier="五星")
    customers = list(Customer.objects.filter(phone__in=["13911110001", "13911110002"]))

    with django_assert_num_queries(3):
        facts = selectors.customer_facts(customers, now)

    angry, calm = (facts[c.pk] for c in sorted(customers, key=lambda c: c.phone))
    assert angry.complaints_90d == 2
    assert angry.dissatisfied_callbacks == 1
    assert angry.value_tier == "五星"
    assert calm.complaints_90d == 1
    assert customer_risk(angry).score > customer_risk(calm).score
    assert {"risk.marker.miit", "risk.marker.media", "customer_risk.dissatisfied"} <= set(
        _codes(customer_risk(angry))
    )
