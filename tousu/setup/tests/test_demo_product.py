"""The demo's products (R10.1): every complaint is registered under its customer's plan, the
texts that name a plan name that one, broadband complaints come from customers with broadband,
and the spike of one plan's complaints on its bill day is a past alert by product, ended."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.early_warning.models import Alert
from tousu.setup.demo import BROADBAND_CATEGORIES, PLANS, demo_load
from tousu.setup.demo_product import CALLS, LAST_HOUR, PRODUCT, wave_day
from tousu.setup.demo_texts import demo_complaint
from tousu.setup.demo_wave import BROADBAND_PLANS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_text_that_names_a_plan_names_the_customer_s() -> None:
    rng = random.Random(7)
    texts = [
        demo_complaint(rng, "billing.tariff_dispute", plan="老年关怀卡18元") for _ in range(40)
    ]
    contents = [t.content for t in texts]
    assert any("老年关怀卡18元" in c for c in contents)
    assert not any(p in c for c in contents for p in PLANS if p != "老年关怀卡18元")


def test_demo_complaints_carry_their_customer_s_plan_and_one_plan_s_spike_is_alerted(
    reference: None,
) -> None:
    demo_load(complaints=120, seed=2026)

    rows = list(Complaint.objects.values_list("product", "customer__plan", "category__code"))
    # Nothing in the demo changes a plan after a complaint: each is its customer's plan.
    assert all(product == plan for product, plan, _code in rows)
    # Who complains of their broadband at home has it.
    plans_with_broadband = {p for p in (*PLANS, *BROADBAND_PLANS) if "宽带" in p}
    broadband = [p for p, _plan, code in rows if code in BROADBAND_CATEGORIES and p]
    assert broadband
    assert set(broadband) <= plans_with_broadband

    alert = Alert.objects.get(slice=[["product", PRODUCT]])
    assert alert.window == "day"
    assert alert.observed >= CALLS
    # An evening's scan after the wave found the day back to normal (the next one, unless the
    # history holds more of the plan's complaints that day).
    assert alert.ended_at is not None
    assert clock.local(alert.ended_at).hour == LAST_HOUR + 1
    assert alert.ended_at > alert.detected_at
    terms = [t["term"] for t in alert.terms]
    assert "流量" in terms
    examples = Complaint.objects.filter(number__in=alert.examples)
    assert {c.product for c in examples} == {PRODUCT}
    assert {clock.local(c.received_at).date() for c in examples} == {
        clock.local(alert.detected_at).date()
    }
    # Its complaints came from several cities and channels, about several matters: the product
    # is what they share.
    wave = Complaint.objects.filter(product=PRODUCT, number__in=alert.examples)
    assert wave.values("region").distinct().count() > 1
    assert wave.values("channel").distinct().count() > 1
    assert clock.local(alert.detected_at).date() == wave_day(clock.now())
    # Its notices are of the evening it was raised, not of the demo's build.
    from tousu.notifications.models import Notification

    told = [
        n
        for n in Notification.objects.filter(kind="alert")
        if PRODUCT in str((n.message or {}).get("params", {}).get("slice"))
    ]
    assert told
    assert {n.created_at for n in told} == {alert.detected_at}
