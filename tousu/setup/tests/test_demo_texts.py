"""The demo complaint generator: coverage of the category tree, lengths, determinism."""

from __future__ import annotations

import random
import re
from collections import Counter
from decimal import Decimal

from tousu.setup.demo_texts import (
    CHANNEL_WEIGHTS,
    DEMANDS,
    ESCALATED_NOTE,
    NOTES,
    TEMPLATES,
    demo_complaint,
    demo_note,
    demo_person,
    demo_reply,
    render,
)
from tousu.setup.reference import CATEGORIES

SLOT = re.compile(r"\{\w*\}")


def leaf_codes() -> list[str]:
    codes = [row.code for row in CATEGORIES]
    return [c for c in codes if not any(o.startswith(c + ".") for o in codes)]


def test_every_leaf_has_four_templates_of_sensible_length():
    rng = random.Random(1)
    for code in leaf_codes():
        templates = TEMPLATES.get(code, ())
        assert len(templates) >= 4, code
        assert DEMANDS.get(code), code
        for template in templates:
            for _ in range(20):
                text = render(rng, template)
                assert 40 <= len(text) <= 300, (code, text)
                assert not SLOT.search(text), (code, text)


def test_generated_complaints_are_complete():
    rng = random.Random(2)
    channels = set(CHANNEL_WEIGHTS)
    for code in leaf_codes():
        for _ in range(50):
            item = demo_complaint(rng, code)
            assert item.category == code
            assert 40 <= len(item.content) <= 300, item.content
            assert not SLOT.search(item.content + item.demand), item
            assert item.demand
            assert item.channel in channels


def test_random_category_is_a_leaf():
    rng = random.Random(3)
    leaves = set(leaf_codes())
    seen = {demo_complaint(rng).category for _ in range(3000)}
    assert seen <= leaves
    assert "billing.unexplained_charge" in seen


def test_same_seed_same_output():
    first = [demo_complaint(random.Random(42)) for _ in range(3)]
    again = [demo_complaint(random.Random(42)) for _ in range(3)]
    assert first == again
    rng_a, rng_b = random.Random(7), random.Random(7)
    assert [demo_person(rng_a) for _ in range(20)] == [demo_person(rng_b) for _ in range(20)]


def test_people_have_names_and_valid_mobiles():
    rng = random.Random(4)
    for _ in range(500):
        name, phone = demo_person(rng)
        assert 2 <= len(name) <= 4
        assert re.fullmatch(r"1[3-9]\d{9}", phone), phone


def test_channel_distribution_covers_every_channel():
    rng = random.Random(5)
    counts = Counter(demo_complaint(rng).channel for _ in range(5000))
    assert set(counts) == set(CHANNEL_WEIGHTS)
    assert counts.most_common(1)[0][0] == "hotline"


def test_notes_fit_the_category_and_claim_no_event():
    rng = random.Random(3)
    top = {row.code for row in CATEGORIES if "." not in row.code}
    assert set(NOTES) == top
    for code in leaf_codes():
        for _ in range(10):
            note = demo_note(rng, code, "查清扣费来源并退款")
            # An escalation, a transfer or a callback is the timeline's to show, not a note's.
            assert not any(word in note for word in ("升级", "转派", "回访")), note
    assert "升级" in ESCALATED_NOTE


def test_the_reply_states_the_outcome_it_belongs_to():
    remedies = [
        ("refund", Decimal("58.00"), "退还争议费用"),
        ("bill_credit", Decimal("12.50"), "按标准赠送话费"),
        ("apology", Decimal("0"), "口头致歉"),
    ]
    reply = demo_reply(category="billing.unexplained_charge", finding="true", remedies=remedies)
    assert "不明扣费" in reply
    assert "退还费用 58 元" in reply
    assert "赠送话费 12.5 元" in reply
    assert "合计 70.5 元" in reply
    assert "致歉" in reply
    assert "漫游" not in reply

    explained = demo_reply(
        category="billing.roaming",
        finding="not_true",
        remedies=[("explanation", Decimal("0"), "逐项解释计费依据")],
    )
    assert "漫游计费" in explained
    assert "已向您逐项解释计费依据" in explained
    assert "元" not in explained  # nothing granted, no amount claimed


def test_the_reply_checks_and_finds_what_the_complaint_was_about() -> None:
    """A broadband outage found not true is about the network, not charges; a shop assistant
    is checked on the store's camera, not on a call recording."""
    outage = demo_reply(
        category="network.broadband_outage",
        finding="not_true",
        remedies=[("explanation", Decimal("0"), "说明核实情况")],
    )
    assert "网络运行正常" in outage
    assert "收费" not in outage
    store = demo_reply(
        category="service.attitude",
        finding="true",
        remedies=[("apology", Decimal("0"), "口头致歉")],
        content="我妈去营业厅问点事情，被店员大声呵斥",
    )
    assert "营业厅监控" in store
    assert "录音" not in store


def test_a_demand_names_only_what_its_text_said() -> None:
    """The demand's amount is the text's own, and it asks for no gift or service the text did
    not mention (the demo showed "补发200元话费" for a 10-yuan rebate)."""
    import re

    from tousu.setup.demo_texts import _AMOUNTS, _BIG_AMOUNTS, _SMALL_AMOUNTS

    amounts = [*_AMOUNTS, *_SMALL_AMOUNTS, *_BIG_AMOUNTS]
    rng = random.Random(7)
    for _ in range(3000):
        item = demo_complaint(rng)
        named = [a for a in amounts if a in item.demand]
        for amount in named:
            assert amount in item.content, (item.content, item.demand)
        gift = re.search(r"补发(.+)$", item.demand)
        if gift:
            assert gift.group(1) in item.content, (item.content, item.demand)


SPEED = re.compile(r"\d+M(?!bps)|千兆")


def test_a_broadband_speed_named_is_the_customers_plans() -> None:
    """A customer on a 300M plan says 300M; one whose plan has no broadband is put on the
    bundle when they complain of broadband, and names its speed (千兆)."""
    from tousu.setup.demo_texts import BROADBAND_PLAN, plan_speed

    assert plan_speed("家庭宽带300M套餐88元") == "300M"
    assert plan_speed(BROADBAND_PLAN) == "千兆"
    assert plan_speed("5G畅享套餐129元") == ""
    rng = random.Random(11)
    for plan, speed in (("家庭宽带300M套餐88元", "300M"), ("5G畅享套餐129元", "千兆")):
        named = set()
        for code in ("network.broadband_outage", "business.broadband_install"):
            for _ in range(60):
                named |= set(SPEED.findall(demo_complaint(rng, code, plan=plan).content))
        assert named == {speed}, plan


def test_fraud_and_nuisance_calls_are_told_apart() -> None:
    """A fraud complaint is about being cheated (SEC-02, police advice); a nuisance call or
    spam message one is not (SEC-01, call blocking)."""
    rng = random.Random(12)
    for template in TEMPLATES["security.fraud"]:
        assert any(word in render(rng, template) for word in ("骗", "冒充")), template
    for template in TEMPLATES["security.harassment"]:
        assert "骗" not in render(rng, template), template


def test_the_reply_to_a_fraud_complaint_sends_the_customer_to_the_police() -> None:
    reply = demo_reply(
        category="security.fraud",
        finding="true",
        remedies=[
            ("explanation", Decimal("0"), "提示立即拨打 110 报警、96110 反诈专线咨询"),
            ("repair", Decimal("0"), "开通来电拦截和防诈骗提醒服务"),
        ],
    )
    assert "电信网络诈骗" in reply
    assert "已向您提示立即拨打 110 报警、96110 反诈专线咨询" in reply
    assert "已为您开通来电拦截和防诈骗提醒服务" in reply
    assert "公安机关" in reply
    assert "我们的工作没有做好" not in reply  # the fraudster's doing, not ours


def test_the_reply_to_a_nuisance_call_complaint_does_not_blame_us() -> None:
    reply = demo_reply(
        category="security.harassment",
        finding="true",
        remedies=[("repair", Decimal("0"), "开通骚扰电话拦截")],
    )
    assert "骚扰号码已按规定提交核查处置" in reply
    assert "我们的工作没有做好" not in reply
    assert "公安机关" not in reply
