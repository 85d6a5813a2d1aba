"""The messages on the complaint page (a panel listing them with their status, a form to
write to the customer) and the customer's contact preferences on the 360° page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tests.pages import as_user, page
from tousu.messages.models import Message
from tousu.messages.services import reason_code

pytestmark = pytest.mark.django_db


def test_the_complaint_page_lists_messages_and_sends_a_free_one(
    register: Callable[..., Any], handler: Any
) -> None:
    complaint = register()
    Message.objects.filter(complaint=complaint).update(status="failed", error="SMSC: 0x00000045")
    client = as_user(handler)
    url = reverse("desk:detail", args=[complaint.number])
    text = page(client.get(url))
    assert "已受理" in text  # the acknowledgement's text
    assert "失败" in text
    assert "SMSC: 0x00000045" in text
    assert "138****8000" in text
    assert "13800138000" not in text

    posted = client.post(
        reverse("desk:action", args=[complaint.number, "message"]),
        {"text": "您好，工程师将于明天上午上门。", "channel": ""},
    )
    assert posted.status_code == 302
    free = Message.objects.get(complaint=complaint, kind="free")
    assert (free.status, free.channel, free.author) == ("queued", "sms", handler)
    assert "工程师将于明天上午上门" in page(client.get(url))


def test_an_opted_out_customer_is_written_to_but_nothing_leaves(
    register: Callable[..., Any], handler: Any
) -> None:
    complaint = register()
    complaint.customer.contact_opt_out = True
    complaint.customer.save()
    client = as_user(handler)
    response = client.post(
        reverse("desk:action", args=[complaint.number, "message"]),
        {"text": "您好，补偿已到账。"},
        follow=True,
    )
    assert "未发送" in page(response)
    free = Message.objects.get(complaint=complaint, kind="free")
    assert (free.status, free.error) == ("withheld", reason_code("message.opted_out"))
    assert "客户要求不接收消息" in page(response)


def test_a_blank_message_is_refused_on_the_page(register: Callable[..., Any], handler: Any) -> None:
    complaint = register()
    response = as_user(handler).post(
        reverse("desk:action", args=[complaint.number, "message"]), {"text": "   "}
    )
    assert response.status_code == 422
    assert not Message.objects.filter(complaint=complaint, kind="free").exists()


def test_contact_preferences_are_kept_and_shown_masked(
    register: Callable[..., Any], agent: Any, handler: Any
) -> None:
    complaint = register()
    customer = complaint.customer
    url = reverse("customers:detail", args=[customer.pk])
    save = reverse("customers:contact", args=[customer.pk])
    handler_client = as_user(handler)
    handler_client.post(
        save,
        {"preferred_channel": "email", "email": "zhangsan@example.cn", "contact_opt_out": ""},
    )
    customer.refresh_from_db()
    assert (customer.preferred_channel, customer.email, customer.contact_opt_out) == (
        "email",
        "zhangsan@example.cn",
        False,
    )
    # Masked on the page, to the agent as to the handler until a (logged) reveal: and an
    # empty field keeps the address.
    agent_client = as_user(agent)
    for client in (agent_client, handler_client):
        text = page(client.get(url))
        assert "zhangsan@example.cn" not in text
        assert "@example.cn" in text
    revealed = page(handler_client.post(reverse("customers:reveal", args=[customer.pk])))
    assert 'value="zhangsan@example.cn"' in revealed
    agent_client.post(save, {"preferred_channel": "email", "email": "", "contact_opt_out": "on"})
    customer.refresh_from_db()
    assert (customer.email, customer.contact_opt_out) == ("zhangsan@example.cn", True)

    # Emptied on the revealed page, the address is removed: but e-mail preferred without an
    # address is refused, and nothing changes.
    response = handler_client.post(
        save,
        {"preferred_channel": "email", "email": "", "email_shown": "1", "contact_opt_out": ""},
        follow=True,
    )
    customer.refresh_from_db()
    assert customer.contact_opt_out is True
    assert "邮箱" in page(response)
    handler_client.post(save, {"preferred_channel": "", "email": "", "email_shown": "1"})
    customer.refresh_from_db()
    assert (customer.preferred_channel, customer.email) == ("", "")


def test_messages_follow_the_preferred_channel(register: Callable[..., Any], handler: Any) -> None:
    complaint = register()
    customer = complaint.customer
    as_user(handler).post(
        reverse("customers:contact", args=[customer.pk]),
        {"preferred_channel": "email", "email": "zhangsan@example.cn"},
    )
    response = as_user(handler).post(
        reverse("desk:action", args=[complaint.number, "message"]), {"text": "您好。"}
    )
    assert response.status_code == 302
    free = Message.objects.get(complaint=complaint, kind="free")
    assert (free.channel, free.address) == ("email", "zhangsan@example.cn")
