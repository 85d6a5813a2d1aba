"""E-mail intake against a real IMAP server (Dovecot on 127.0.0.1, tests/mail_servers.py):
mails are delivered into the test mailbox over LMTP and read by the `intake.mail_fetch` job."""

from __future__ import annotations

import itertools
import threading
from email.message import EmailMessage
from typing import Any

import pytest
from django.db import connection

from tests.pages import as_user
from tousu.complaints.models import Complaint
from tousu.config import jobs
from tousu.customers.models import Customer
from tousu.intake.mailbox import mailbox_read
from tousu.intake.models import InboundMail, MailboxCursor
from tousu.messages.choices import Direction, MessageKind, MessageStatus
from tousu.messages.models import Message
from tousu.resolution.models import Evidence
from tousu.resolution.rules import EVIDENCE_MAX_BYTES

CUSTOMER = "zhang.san@example.com"
_ids = itertools.count(1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def mailbox(dovecot: Any, settings: Any, reference: None) -> str:
    """A fresh complaints mailbox in Dovecot, configured as the job's."""
    address = dovecot.mailbox(f"complaints{next(_ids)}-{id(settings)}")
    settings.TOUSU_MAIL_IMAP_HOST = "127.0.0.1"
    settings.TOUSU_MAIL_IMAP_PORT = dovecot.imap_port
    settings.TOUSU_MAIL_IMAP_SECURITY = "none"
    settings.TOUSU_MAIL_IMAP_USER = address
    settings.TOUSU_MAIL_IMAP_PASSWORD = "Mailbox-test-2026"
    return address


def mail(
    subject: str = "宽带三天断网，要求赔偿",
    body: str = "家里的宽带从周一开始就断网，报修两次都没人来。",
    sender: str = f"张三 <{CUSTOMER}>",
    **headers: str,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "complaints@tousu.test"
    message["Subject"] = subject
    message["Message-ID"] = headers.pop("Message_ID", f"<m{next(_ids)}@example.com>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def send(dovecot: Any, mailbox: str, message: EmailMessage, sender: str = "") -> None:
    dovecot.deliver(mailbox, message.as_bytes(), sender=sender or CUSTOMER)


def fetch() -> Any:
    return jobs.run("intake.mail_fetch")


def test_a_mail_becomes_a_complaint_and_the_customers_reply_threads_onto_it(
    dovecot: Any, mailbox: str
) -> None:
    first = mail()
    send(dovecot, mailbox, first)

    fetch()

    complaint = Complaint.objects.select_related("customer").get()
    assert complaint.channel == "email"
    assert "宽带三天断网" in complaint.content
    assert "报修两次" in complaint.content
    assert complaint.customer.email == CUSTOMER
    # Known by the address alone: a token stands in for the phone, answers go by mail.
    assert complaint.customer.phone.startswith("mail-")
    assert complaint.customer.preferred_channel == "email"
    ack = Message.objects.get(complaint=complaint, kind=MessageKind.ACKNOWLEDGEMENT)
    assert (ack.channel, ack.address, ack.status) == ("email", CUSTOMER, MessageStatus.QUEUED)
    assert complaint.number in ack.text

    reply = mail(
        subject=f"Re: Complaint {complaint.number} registered",
        body="补充：光猫的 LOS 灯一直红。",
        In_Reply_To=first["Message-ID"],
    )
    by_reference = mail(
        subject="还有一件事", body="师傅明天上午能来吗？", References=first["Message-ID"]
    )
    send(dovecot, mailbox, reply)
    send(dovecot, mailbox, by_reference)

    fetch()

    received = Message.objects.filter(complaint=complaint, direction=Direction.IN)
    assert sorted(m.text for m in received) == [
        "师傅明天上午能来吗？",
        "补充：光猫的 LOS 灯一直红。",
    ]
    assert Complaint.objects.count() == 1
    assert set(complaint.events.values_list("type", flat=True)) >= {
        "registered",
        "customer_message",
    }


def test_the_same_mail_twice_and_a_second_worker_register_one_complaint(
    dovecot: Any, mailbox: str
) -> None:
    once = mail(Message_ID="<same@example.com>")
    send(dovecot, mailbox, once)
    send(dovecot, mailbox, once)  # the sender's server retried: two copies, two UIDs

    assert fetch()["read"] == 2
    # A second worker that read the mailbox before the first moved the cursor sees them again.
    MailboxCursor.objects.update(last_uid=0)
    assert fetch() == {"read": 2, "new": 0}

    assert Complaint.objects.count() == 1
    assert InboundMail.objects.get().message_id == "<same@example.com>"


def test_an_html_only_mail_is_registered_as_plain_text(dovecot: Any, mailbox: str) -> None:
    message = mail()
    message.set_content(
        "<html><body><script>alert('x')</script><p>话费<b>多扣</b>了 50 元</p>"
        "<img src=x onerror=alert(1)></body></html>",
        subtype="html",
    )
    send(dovecot, mailbox, message)

    fetch()

    content = Complaint.objects.get().content
    assert "话费多扣了 50 元" in content
    assert "<" not in content
    assert "alert" not in content


def test_a_huge_and_an_executable_attachment_are_refused_the_mail_still_registered(
    dovecot: Any, mailbox: str
) -> None:
    message = mail()
    message.add_attachment(PNG, maintype="image", subtype="png", filename="账单截图.png")
    message.add_attachment(
        b"MZ\x90\x00" * 64, maintype="application", subtype="octet-stream", filename="bill.exe"
    )
    huge = b"%PDF-" + b"0" * EVIDENCE_MAX_BYTES
    message.add_attachment(huge, maintype="application", subtype="pdf", filename="big.pdf")
    send(dovecot, mailbox, message)

    fetch()

    complaint = Complaint.objects.get()
    assert list(Evidence.objects.values_list("original_name", flat=True)) == ["账单截图.png"]
    record = InboundMail.objects.get()
    assert record.outcome == "registered"
    assert record.complaint == complaint
    assert [r["code"] for r in record.refused] == [
        "mail.attachment_type",
        "mail.attachment_too_large",
    ]


def test_a_mail_over_the_size_limit_is_registered_by_its_subject_and_says_so(
    dovecot: Any, mailbox: str, settings: Any
) -> None:
    settings.TOUSU_MAIL_MAX_BYTES = 4096
    message = mail(subject="营业厅办理携号转网被拒")
    message.add_attachment(PNG * 100, maintype="image", subtype="png", filename="回执.png")
    send(dovecot, mailbox, message)

    fetch()

    assert Complaint.objects.get().content == "营业厅办理携号转网被拒"
    assert not Evidence.objects.exists()
    assert [r["code"] for r in InboundMail.objects.get().refused] == ["mail.too_large"]


def test_a_reply_from_another_address_is_held_not_threaded(dovecot: Any, mailbox: str) -> None:
    send(dovecot, mailbox, mail())
    fetch()
    complaint = Complaint.objects.get()

    spoofed = mail(
        subject=f"Re: {complaint.number}", body="请把赔偿打到我的账户", sender="li@evil.example"
    )
    send(dovecot, mailbox, spoofed, sender="li@evil.example")
    fetch()

    assert not Message.objects.filter(direction=Direction.IN).exists()
    held = InboundMail.objects.get(message_id=spoofed["Message-ID"])
    assert held.problem is not None
    assert (held.outcome, held.complaint, held.problem["code"]) == (
        "spoofed",
        complaint,
        "mail.sender_mismatch",
    )


def test_auto_replies_and_bounces_are_not_registered_and_a_bounce_fails_our_message(
    dovecot: Any, mailbox: str
) -> None:
    send(dovecot, mailbox, mail())
    fetch()
    complaint = Complaint.objects.get()
    ack = Message.objects.get(kind=MessageKind.ACKNOWLEDGEMENT)
    Message.objects.filter(pk=ack.pk).update(status=MessageStatus.SENT, provider_id="<ack1@tousu>")

    auto = mail(subject="自动回复：我正在休假", Auto_Submitted="auto-replied")
    bounce = delivery_report(bounced="<ack1@tousu>", number=complaint.number)
    send(dovecot, mailbox, auto)
    dovecot.deliver(mailbox, bounce, sender="")

    fetch()

    assert Complaint.objects.count() == 1
    assert not Message.objects.filter(direction=Direction.IN).exists()
    outcomes = dict(InboundMail.objects.values_list("message_id", "outcome"))
    assert outcomes[auto["Message-ID"]] == "auto_reply"
    assert outcomes["<bounce1@mx.example.com>"] == "bounce"
    ack.refresh_from_db()
    assert (ack.status, ack.error) == (MessageStatus.FAILED, "message.bounced")


def delivery_report(*, bounced: str, number: str) -> bytes:
    """A bounce as mail servers send it (RFC 3464): multipart/report, a delivery-status part,
    the returned message's headers."""
    return f"""\
From: Mail Delivery System <MAILER-DAEMON@mx.example.com>
To: complaints@tousu.test
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce1@mx.example.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

The mail could not be delivered: user unknown.
--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; {CUSTOMER}
Action: failed
Status: 5.1.1

--B
Content-Type: text/rfc822-headers

Message-ID: {bounced}
Subject: Complaint {number} registered

--B--
""".replace("\n", "\r\n").encode()


def test_acknowledgements_to_one_address_are_limited_per_hour(
    dovecot: Any, mailbox: str, settings: Any
) -> None:
    settings.TOUSU_MAIL_ACK_PER_HOUR = 1
    send(dovecot, mailbox, mail(subject="第一封", body="话费问题"))
    send(dovecot, mailbox, mail(subject="第二封", body="信号问题"))

    fetch()

    assert Complaint.objects.count() == 2
    assert Message.objects.filter(kind=MessageKind.ACKNOWLEDGEMENT).count() == 1
    problems = [r.problem and r.problem["code"] for r in InboundMail.objects.order_by("pk")]
    assert problems == [None, "mail.ack_limited"]


@pytest.mark.django_db(transaction=True)
def test_two_workers_reading_the_mailbox_at_once_register_each_mail_once(
    dovecot: Any, mailbox: str
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(f"needs concurrent transactions; {connection.vendor} serialises writes")
    for n in range(3):
        send(dovecot, mailbox, mail(subject=f"第{n}封投诉", body=f"第{n}个问题：信号差"))
    start = threading.Barrier(2)
    counts: list[dict[str, int]] = []

    def worker() -> None:
        try:
            start.wait()
            counts.append(mailbox_read())
        finally:
            connection.close()

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)

    assert Complaint.objects.count() == 3
    assert InboundMail.objects.count() == 3
    assert sum(c["new"] for c in counts) == 3


def test_a_phone_in_the_mail_finds_the_customer_and_keeps_their_address(
    dovecot: Any, mailbox: str
) -> None:
    known = Customer.objects.create(phone="13800138000", name="王五")
    send(dovecot, mailbox, mail(body="我的号码 138-0013-8000，上个月多扣了 30 元。"))

    fetch()

    complaint = Complaint.objects.get()
    assert complaint.customer == known
    known.refresh_from_db()
    assert known.email == CUSTOMER


def test_an_empty_mail_is_held_for_review_not_registered(dovecot: Any, mailbox: str) -> None:
    send(dovecot, mailbox, mail(subject="", body="   "))

    fetch()

    assert not Complaint.objects.exists()
    held = InboundMail.objects.get()
    assert held.problem is not None
    assert (held.outcome, held.problem["code"]) == ("invalid", "mail.no_text")


def test_the_mails_are_listed_for_review_with_the_sender_masked(
    dovecot: Any, mailbox: str, admin_user: Any
) -> None:
    send(dovecot, mailbox, mail(sender="li@evil.example", subject="Re: TS209901010001"))
    fetch()

    response = as_user(admin_user).get("/admin/intake/inboundmail/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "l*@evil.example" in page
    assert "li@evil.example" not in page


def test_the_job_does_nothing_without_a_mailbox(settings: Any, db: None) -> None:
    settings.TOUSU_MAIL_IMAP_HOST = ""
    assert fetch() == {"configured": 0}
