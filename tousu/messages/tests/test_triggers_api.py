"""What Tousu tells the customer by itself — the acknowledgement on registration, the reply
when the complaint is resolved — and the messages API: listed with addresses masked for roles
that may not see personal data, a free message sent by POST."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.messages.models import Message

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 12, 8, 12, 0, tzinfo=SHANGHAI)


def test_registration_queues_one_acknowledgement_in_chinese(register: Callable[..., Any]) -> None:
    with clock.frozen(NOON):
        complaint = register()
    (ack,) = Message.objects.filter(complaint=complaint)
    assert (ack.kind, ack.channel, ack.status, ack.key) == (
        "acknowledgement",
        "sms",
        "queued",
        f"ack:{complaint.number}",
    )
    assert complaint.number in ack.text
    assert "已受理" in ack.text
    assert ack.next_attempt_at == NOON


def test_an_unclassified_complaint_is_acknowledged_without_empty_brackets(
    register: Callable[..., Any],
) -> None:
    complaint = register(category="", content="我想问一下这个事情怎么办")
    assert complaint.category is None
    ack = Message.objects.get(complaint=complaint)
    assert f"您的投诉{complaint.number}已受理" in ack.text
    assert "（）" not in ack.text
    classified = Message.objects.get(complaint=register(customer_phone="13700137000"))
    assert "（不明扣费）已受理" in classified.text


def test_an_acknowledgement_at_night_waits_for_eight(register: Callable[..., Any]) -> None:
    with clock.frozen(dt.datetime(2026, 12, 8, 22, 30, tzinfo=SHANGHAI)):
        complaint = register()
    ack = Message.objects.get(complaint=complaint)
    assert ack.next_attempt_at == dt.datetime(2026, 12, 9, 8, 0, tzinfo=SHANGHAI)


def test_the_reply_goes_once_when_resolved_and_closed(lifecycle: Callable[..., Any]) -> None:
    complaint = lifecycle("closed")
    replies = Message.objects.filter(complaint=complaint, kind="reply")
    assert replies.count() == 1
    assert complaint.reply.strip() in replies.get().text


@pytest.mark.parametrize(
    ("reply", "sent"),
    [
        ("尊敬的张三客户，您好：\n已为您退还58元。", "已为您退还58元。"),
        ("尊敬的客户：已为您退还58元。", "已为您退还58元。"),
        ("您好，已为您退还58元。", "已为您退还58元。"),
        ("已为您退还58元，尊敬的客户您好。", "已为您退还58元，尊敬的客户您好。"),
    ],
)
def test_the_reply_message_greets_the_customer_once(reply: str, sent: str) -> None:
    """The message opens with its own greeting (尊敬的张三，您的投诉…已处理：); the greeting the
    handler's reply opens with is not said twice. Only an opening greeting is dropped."""
    from tousu.messages.rules import without_greeting

    assert without_greeting(reply) == sent


def test_the_api_lists_messages_masked_and_sends_a_free_one(
    register: Callable[..., Any], api_as: Callable[[Any], Any], agent: Any, handler: Any
) -> None:
    complaint = register()
    url = f"/api/v1/complaints/{complaint.number}/messages"
    answer = api_as(agent).get(url)
    assert answer.status_code == 200, answer.content
    (item,) = answer.json()["items"]
    assert (item["direction"], item["kind"], item["status"]) == ("out", "acknowledgement", "queued")
    assert item["address"] != "13800138000"
    assert "13800138000" not in str(answer.json())

    sent = api_as(handler).post(url, {"text": "您好，工程师将于明天上午上门。"})
    assert sent.status_code == 201, sent.content
    assert (sent.json()["kind"], sent.json()["status"]) == ("free", "queued")
    assert Message.objects.filter(complaint=complaint, kind="free").count() == 1
    refused = api_as(handler).post(url, {"text": "x", "channel": "pigeon"})
    assert refused.status_code == 422
    # API.md's list convention: a page at a time, with the count of them all.
    first, second = (api_as(handler).get(url, page=n, page_size=1).json() for n in (1, 2))
    assert (first["count"], first["page"], first["page_size"]) == (2, 1, 1)
    assert [i["kind"] for i in first["items"] + second["items"]] == ["acknowledgement", "free"]
    assert api_as(handler).get(url, page_size=500).status_code == 422
