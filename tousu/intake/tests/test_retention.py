"""What the intake keeps of messages is not kept past the retention period (R12.2): those of a
complaint are anonymised with its customer, the others deleted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from tousu.accounts.choices import AuditAction
from tousu.accounts.models import AuditEntry
from tousu.complaints.models import Complaint
from tousu.complaints.retention import customer_anonymise
from tousu.core import clock
from tousu.intake.jobs import retention
from tousu.intake.models import InboundMail, InboundSms, WeChatInbound

YEARS_3 = dt.timedelta(days=3 * 365)


def held(at: dt.datetime, tag: str) -> None:
    """One of each record the intake keeps of a message it registered nothing from."""
    InboundSms.objects.create(
        sender="13812345678",
        text=f"TD {tag}",
        outcome=InboundSms.Outcome.UNSUBSCRIBED,
        received_at=at,
        acted_at=at,
    )
    InboundMail.objects.create(
        message_id=f"<{tag}@example.com>",
        sender="zhangsan@example.com",
        subject=f"自动回复：{tag}",
        outcome=InboundMail.Outcome.AUTO_REPLY,
        received_at=at,
    )
    WeChatInbound.objects.create(
        msg_id=f"wx-{tag}",
        openid="o-zhangsan",
        msg_type="text",
        text=f"宽带又断了，我叫张三 {tag}",
        intent=WeChatInbound.Intent.ASK_PHONE,
        reply="请留下您的手机号码",
        received_at=at,
    )


def test_records_of_no_complaint_are_deleted_after_the_retention_period_once(
    settings: Any, complaint_in: Callable[..., Complaint]
) -> None:
    now = clock.now()
    days = settings.TOUSU_RETENTION_DAYS
    held(now - dt.timedelta(days=days, hours=1), "old")
    held(now - dt.timedelta(days=days) + dt.timedelta(hours=1), "recent")
    complaint = complaint_in("closed")
    InboundMail.objects.create(
        message_id="<of-a-complaint@example.com>",
        sender="zhangsan@example.com",
        subject="投诉",
        outcome=InboundMail.Outcome.REGISTERED,
        complaint=complaint,
        received_at=now - dt.timedelta(days=days + 10),
    )

    assert retention() == {
        "intake.inboundsms": 1,
        "intake.inboundmail": 1,
        "intake.wechatinbound": 1,
    }
    assert not InboundSms.objects.filter(text__contains="old").exists()
    assert not InboundMail.objects.filter(subject__contains="old").exists()
    assert not WeChatInbound.objects.filter(text__contains="old").exists()
    # Those still within the period, and the one of a complaint (anonymised with its customer
    # instead), stay.
    assert InboundSms.objects.filter(text__contains="recent").count() == 1
    assert set(InboundMail.objects.values_list("message_id", flat=True)) == {
        "<recent@example.com>",
        "<of-a-complaint@example.com>",
    }
    (entry,) = AuditEntry.objects.filter(object_type="intake.inbound")
    assert entry.action == AuditAction.DELETE
    assert entry.changes == {
        "deleted": {"intake.inboundsms": 1, "intake.inboundmail": 1, "intake.wechatinbound": 1}
    }
    assert "zhangsan" not in str(entry.changes)
    assert "1381234" not in entry.object_repr

    # Idempotent: nothing more to delete, and no audit entry for nothing.
    assert sum(retention().values()) == 0
    assert AuditEntry.objects.filter(object_type="intake.inbound").count() == 1


def test_a_mail_and_wechat_message_of_a_complaint_are_anonymised_with_its_customer(
    complaint_in: Callable[..., Complaint],
) -> None:
    complaint = complaint_in("closed")
    customer = complaint.customer
    customer.name = "张三"
    customer.save(update_fields=["name"])
    InboundMail.objects.create(
        message_id="<m1@example.com>",
        sender="zhangsan@example.com",
        subject=f"张三投诉 {customer.phone}",
        outcome=InboundMail.Outcome.REGISTERED,
        complaint=complaint,
        received_at=complaint.received_at,
    )
    WeChatInbound.objects.create(
        msg_id="wx-1",
        openid="o-zhangsan",
        msg_type="text",
        text=f"我是张三，电话{customer.phone}，宽带断了",
        intent=WeChatInbound.Intent.REGISTER,
        reply="张三您好，已受理",
        complaint=complaint,
        received_at=complaint.received_at,
    )

    done = customer_anonymise(customer=customer, actor=None)

    mail = InboundMail.objects.get()
    message = WeChatInbound.objects.get()
    for text in (mail.sender, mail.subject, message.text, message.reply):
        assert "张三" not in text
        assert customer.phone not in text
        assert "zhangsan" not in text
    assert mail.sender == "[邮箱]"
    assert "宽带断了" in message.text  # the matter stays readable
    assert {"intake.inboundmail", "intake.wechatinbound"} <= set(done.fields)
