"""The messages' texts come from the approved wording (统一口径) loaded by `tousu init`: the
SMS its short variant, the e-mail the version's text and the article's title as subject; a
new version quality adds is what the next customer reads; without any wording, the built-in
texts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.knowledge.models import WordingArticle
from tousu.knowledge.services import wording_version_add
from tousu.messages.models import Message

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 12, 8, 12, 0, tzinfo=SHANGHAI)


def ack(complaint: Any) -> Message:
    return Message.objects.get(complaint=complaint, kind="acknowledgement")


def test_the_sms_says_the_approved_short_variant_with_the_facts_filled_in(
    register: Callable[..., Any],
) -> None:
    with clock.frozen(NOON):
        complaint = register()
    message = ack(complaint)
    assert message.channel == "sms"
    assert message.text.startswith("尊敬的张三，您的投诉")  # the real name: a letter (WORKSPACE 8)
    assert f"您的投诉{complaint.number}（" in message.text
    assert "{" not in message.text
    assert "12-" in message.text  # the promised reply time, local
    assert "进展查询：" in message.text  # the approved wording's, not the built-in "查询进度"


def test_the_email_says_the_full_text_under_the_approved_title(
    register: Callable[..., Any],
) -> None:
    with clock.frozen(NOON):
        complaint = register()
    customer = complaint.customer
    customer.email, customer.preferred_channel = "zhangsan@example.cn", "email"
    customer.save()
    Message.objects.filter(complaint=complaint).delete()
    with clock.frozen(NOON):
        complaint2 = register(content="宽带又断了，已经第三次")
    message = ack(complaint2)
    assert (message.channel, message.subject) == ("email", "您的投诉已受理")
    assert "直接回复本邮件" in message.text


def test_a_new_version_is_what_the_next_customer_reads(
    register: Callable[..., Any], quality: Any
) -> None:
    article = WordingArticle.objects.get(key="message-acknowledgement")
    wording_version_add(
        article=article,
        actor=quality,
        body="{greeting}：投诉 {number} 已受理。",
        effective_from=dt.date(2026, 12, 1),
        variants={"sms": "【受理】{greeting}，投诉{number}已受理，谢谢您的耐心。"},
    )
    with clock.frozen(NOON):
        complaint = register()
    expected = f"【受理】尊敬的张三，投诉{complaint.number}已受理，谢谢您的耐心。"
    assert ack(complaint).text == expected


def test_without_approved_wording_the_built_in_text_is_used(
    register: Callable[..., Any],
) -> None:
    WordingArticle.objects.filter(key__startswith="message-").delete()
    with clock.frozen(NOON):
        complaint = register()
    message = ack(complaint)
    assert complaint.number in message.text
    assert "查询进度：" in message.text  # the built-in text
