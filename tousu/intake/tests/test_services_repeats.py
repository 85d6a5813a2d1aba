"""Repeat and multi-window complaints (R2.5): the same customer about the same issue within
the window, through any channel, is linked to the earlier complaint, raised one level and
routed back to whoever handles the earlier one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.reasons import reason_text
from tousu.notifications.models import Notification

Register = Callable[..., Complaint]
BILL = "上个月话费无故多扣了58元，客服说查不到原因"


def days_ago(n: float) -> dt.datetime:
    return clock.now() - dt.timedelta(days=n)


def test_hotline_then_app_within_30_days_is_a_repeat(
    register: Register, handler: User, handler2: User, agent: User
) -> None:
    first = register(actor=agent, received_at=days_ago(10))
    assert first.handler == handler
    assert first.level == "ordinary"
    again = register(channel="app", content="话费又被多扣了，上次投诉还没有处理好")
    assert again.repeat_of == first
    assert again.level == "important"  # raised one step
    assert again.department == first.department
    assert again.handler == handler  # back to the handler of the open earlier one
    assert (
        reason_text(again.routing_reason)
        == "重复投诉：同一客户30天内就同一问题再次投诉，派回原处理人"
    )
    registered = again.events.get(type="registered")
    assert registered.data["repeat_of"] == first.number
    assert again.events.get(type="dispatched").data["rule"] == again.routing_reason
    assert Notification.objects.filter(user=handler, kind="repeat", complaint=again).exists()


def test_the_chain_links_each_to_the_one_before(register: Register, handler: User) -> None:
    first = register(received_at=days_ago(20))
    second = register(received_at=days_ago(10))
    third = register(channel="wechat")
    assert (second.repeat_of, third.repeat_of) == (first, second)
    assert third.level == "major"
    fourth = register(channel="web")
    assert fourth.level == "major"  # not past major automatically
    assert list(first.repeats.all()) == [second]


def test_after_31_days_a_settled_one_is_a_new_complaint(
    lifecycle: Callable[..., Complaint], register: Register
) -> None:
    lifecycle("closed", received_at=days_ago(31))
    again = register()
    assert again.repeat_of is None
    assert again.level == "ordinary"
    assert again.events.get(type="registered").data["repeat_of"] is None


def test_the_window_is_configurable(
    lifecycle: Callable[..., Complaint], register: Register, settings: object
) -> None:
    settings.TOUSU_REPEAT_WINDOW_DAYS = 45  # type: ignore[attr-defined]
    first = lifecycle("closed", received_at=days_ago(40))  # settled, within the window
    assert register().repeat_of == first


def test_another_category_with_dissimilar_text_is_not_a_repeat(
    register: Register, handler: User
) -> None:
    register(received_at=days_ago(3))
    other = register(category="network.coverage", content="小区里手机信号很差，经常打不出电话")
    assert other.repeat_of is None


def test_similar_text_in_another_category_is_a_repeat(register: Register, handler: User) -> None:
    first = register(received_at=days_ago(3))
    again = register(category="billing.tariff_dispute", content=BILL + "，要求退款")
    assert again.repeat_of == first


def test_a_top_level_category_matches_its_sub_categories(register: Register, handler: User) -> None:
    first = register(received_at=days_ago(3), category="billing")
    again = register(category="billing.roaming", content="出国回来收到一笔很高的账单")
    assert again.repeat_of == first


def test_the_same_account_from_another_phone_is_the_same_customer(
    register: Register, handler: User
) -> None:
    first = register(customer_account="025123456789", received_at=days_ago(2))
    again = register(customer_phone="13900139000", customer_account="025123456789")
    assert again.repeat_of == first
    stranger = register(customer_phone="13700137000")
    assert stranger.repeat_of is None


def test_a_closed_earlier_complaint_is_linked_but_routed_by_the_rules(
    lifecycle: Callable[..., Complaint], register: Register, handler: User, handler2: User
) -> None:
    first = lifecycle("closed")
    again = register(category="billing.roaming", content=BILL)
    assert again.repeat_of == first
    assert reason_text(again.routing_reason).startswith("规则#")
    assert again.handler == handler2  # the least loaded billing handler, as usual


def test_an_open_earlier_one_in_a_queue_goes_back_to_its_department(
    register: Register, handler: User
) -> None:
    from tousu.accounts.models import Department

    first = register(received_at=days_ago(1), category="network.coverage", content="信号差")
    assert first.handler is None  # network has no handler here
    again = register(category="network.coverage", content="信号还是很差")
    assert again.department == Department.objects.get(code="network")
    assert again.handler is None
    assert reason_text(again.routing_reason).endswith("派回原处理部门")


def test_the_earlier_handler_who_left_the_department_does_not_get_it(
    register: Register, handler: User, handler2: User
) -> None:
    first = register(received_at=days_ago(1))
    assert first.handler == handler
    handler.is_active = False
    handler.save()
    again = register()
    assert again.repeat_of == first
    assert again.handler == handler2


@pytest.mark.parametrize("channel", ["store", "wechat", "email", "regulator"])
def test_any_channel(register: Register, handler: User, channel: str) -> None:
    first = register(received_at=days_ago(5))
    assert register(channel=channel).repeat_of == first


def test_an_open_complaint_past_the_window_is_still_repeated(
    register: Register, handler: User
) -> None:
    first = register(received_at=days_ago(40))  # still dispatched: the issue is not settled
    again = register(channel="app", content="话费又被多扣了，上次投诉还没有处理好")
    assert again.repeat_of == first
    assert again.level == "important"
    assert again.handler == handler  # back to the handler of the open earlier one
    assert (
        reason_text(again.routing_reason)
        == "重复投诉：同一客户此前就同一问题的投诉仍未办结，派回原处理人"
    )
    assert again.events.get(type="registered").data["repeat_of"] == first.number


def test_a_settled_complaint_past_the_window_is_not_repeated(
    lifecycle: Callable[..., Complaint], register: Register
) -> None:
    lifecycle("closed", received_at=days_ago(40))
    lifecycle("resolved", received_at=days_ago(35))
    assert register().repeat_of is None
