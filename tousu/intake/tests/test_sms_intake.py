"""Complaints by SMS, against the SMS centre of tests (tousu/messages/tests/smsc.py, SMPP 3.4
from the specification): a customer's SMS registers a complaint acknowledged by SMS, a reply
is threaded onto the customer's own complaint, a long SMS waits for all its parts (across job
runs; past the wait, it is acted on with what arrived), a resend is acted on once, "TD" stops
the messages, and what cannot be registered is recorded and goes no further."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from tests.pages import as_user, page
from tousu.accounts.models import AuditEntry
from tousu.complaints.models import Complaint
from tousu.config import jobs
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.customers.models import Customer
from tousu.intake.inbound_sms import sms_act
from tousu.intake.models import InboundSms
from tousu.messages.jobs import sms_deliveries
from tousu.messages.models import Message, SmsPart
from tousu.messages.services import message_free_send
from tousu.messages.tests.smsc import Mo, Smsc, mo_parts
from tousu.notifications.models import Notification

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 12, 8, 12, 0, tzinfo=SHANGHAI)
PHONE = "13900139000"
STORY = "我的手机这两天在家里一直没有信号，打电话总是断线，营业厅说是基站问题，请尽快处理。"
# 160 characters: three UCS-2 parts of 67.
LONG_STORY = (
    "你好，我是在你们营业厅办理的199元套餐的用户，上个月营业员承诺每月赠送30GB流量和300分钟通话，"
    "可是这个月的账单里流量超出部分被扣了86元，赠送的流量根本没有到账。我打了三次客服电话，"
    "每次都说要核实，到现在一个星期了还没有结果。我要求退还多扣的86元，并把承诺的流量补上，"
    "否则我只能向工信部投诉了。"
)


def problem_of(record: InboundSms) -> str:
    assert record.problem is not None
    return str(record.problem["code"])


def read(at: dt.datetime = NOON) -> dict[str, int]:
    with clock.frozen(at):
        result: dict[str, int] = jobs.run("intake.sms_read")
    return result


def test_an_sms_registers_a_complaint_acknowledged_by_sms(reference: None, smsc: Smsc) -> None:
    smsc.sms_from("86" + PHONE, STORY)
    counts = read()
    assert (counts["received"], counts["registered"]) == (1, 1)
    (complaint,) = Complaint.objects.all()
    assert (complaint.channel, complaint.content, complaint.customer.phone) == ("sms", STORY, PHONE)
    record = InboundSms.objects.get()
    assert (record.outcome, record.complaint, record.problem) == ("registered", complaint, None)
    # Acknowledged to the centre once recorded: nothing is handed over again.
    assert (smsc.mo, len(smsc.mo_acknowledged)) == ([], 1)

    with clock.frozen(NOON):
        jobs.run("messages.send")
    (text,) = smsc.texts()
    assert {sub.destination for sub in smsc.submitted} == {PHONE}
    assert complaint.number in text
    assert Message.objects.get(complaint=complaint).kind == "acknowledgement"


def test_the_centre_handing_an_sms_over_again_registers_nothing_twice(
    reference: None, smsc: Smsc
) -> None:
    smsc.sms_from(PHONE, STORY)
    read()
    smsc.mo_again()  # the acknowledgement was lost: the centre resends
    counts = read(NOON + dt.timedelta(minutes=5))
    assert counts["resent"] == 1
    assert "registered" not in counts
    assert Complaint.objects.count() == 1
    assert InboundSms.objects.count() == 1
    # The same words a day later are a new SMS, not a resend.
    smsc.mo_again()
    assert read(NOON + dt.timedelta(days=1, hours=1))["received"] == 1


@pytest.mark.parametrize("iei", [0x00, 0x08])
def test_a_long_sms_waits_for_all_its_parts_across_reads(
    reference: None, smsc: Smsc, iei: int
) -> None:
    parts = mo_parts(PHONE, LONG_STORY, iei=iei, ref=0x1A2B if iei else 0x2B)
    assert len(parts) == 3
    assert all(p.esm_class == 0x40 for p in parts)
    smsc.queue([parts[2], parts[0]])  # out of order, one still on its way
    counts = read()
    assert (counts["received"], counts["waiting"]) == (2, 1)
    assert not Complaint.objects.exists()

    smsc.queue([parts[1]])
    counts = read(NOON + dt.timedelta(minutes=2))
    assert counts["registered"] == 1
    complaint = Complaint.objects.get()
    assert complaint.content == LONG_STORY
    record = InboundSms.objects.get()
    assert (record.parts_expected, len(record.parts), record.problem) == (3, 3, None)
    assert record.received_at == NOON  # its first part's arrival


def test_a_long_sms_missing_a_part_is_registered_after_the_wait_saying_so(
    reference: None, smsc: Smsc
) -> None:
    parts = mo_parts(PHONE, LONG_STORY)
    smsc.queue([parts[0], parts[2]])
    read()
    assert "registered" not in read(NOON + dt.timedelta(minutes=29))
    assert read(NOON + dt.timedelta(minutes=31))["registered"] == 1
    complaint = Complaint.objects.get()
    assert complaint.content.startswith(LONG_STORY[:67])
    assert complaint.content.endswith(LONG_STORY[134:])
    assert "[第2段未收到]" in complaint.content
    record = InboundSms.objects.get()
    assert problem_of(record) == "sms.incomplete"
    # The part lost on the way arrives after all: it is not a complaint of its own — we
    # acknowledged the complaint by SMS a moment ago, so it is the customer's message on it.
    with clock.frozen(NOON + dt.timedelta(minutes=31)):
        jobs.run("messages.send")
    smsc.queue([parts[1]])
    read(NOON + dt.timedelta(minutes=40))
    assert read(NOON + dt.timedelta(minutes=75))["threaded"] == 1
    assert Complaint.objects.count() == 1
    late = Message.objects.get(complaint=complaint, direction="in")
    assert LONG_STORY[67:134] in late.text


def test_a_reply_naming_the_customers_complaint_is_threaded_and_the_handler_told(
    register: Callable[..., Any], smsc: Smsc, handler: Any
) -> None:
    complaint = register()  # 13800138000's, by the hotline
    assert complaint.handler == handler
    smsc.sms_from("13800138000", f"关于{complaint.number}：今天又扣了20元，请一并处理")
    assert read()["threaded"] == 1
    assert Complaint.objects.count() == 1
    message = Message.objects.get(complaint=complaint, direction="in")
    assert (message.channel, message.kind, message.address) == (
        "sms",
        "customer_message",
        "13800138000",
    )
    assert "今天又扣了20元" in message.text
    assert Notification.objects.filter(user=complaint.handler, complaint=complaint).exists()
    assert complaint.events.filter(type="customer_message").exists()


def test_another_customers_number_is_never_threaded_onto(
    register: Callable[..., Any], smsc: Smsc
) -> None:
    complaint = register()
    smsc.sms_from(PHONE, f"{complaint.number} 这个投诉是我的，我也被多扣费了")
    assert read()["registered"] == 1
    assert not Message.objects.filter(complaint=complaint, direction="in").exists()
    mine = Complaint.objects.get(customer__phone=PHONE)
    assert mine.channel == "sms"
    record = InboundSms.objects.get()
    assert problem_of(record) == "sms.other_customer"


def test_a_reply_soon_after_our_sms_is_threaded_and_a_week_later_is_a_new_complaint(
    register: Callable[..., Any], smsc: Smsc
) -> None:
    with clock.frozen(NOON):
        complaint = register()
        jobs.run("messages.send")  # the acknowledgement leaves by SMS
    smsc.sms_from("13800138000", "好的，我明天上午都在家，可以随时联系我")
    assert read(NOON + dt.timedelta(days=2))["threaded"] == 1
    assert Message.objects.filter(complaint=complaint, direction="in").count() == 1

    smsc.sms_from("13800138000", "宽带又断了，已经三天不能上网")
    assert read(NOON + dt.timedelta(days=8))["registered"] == 1
    assert Complaint.objects.filter(customer__phone="13800138000").count() == 2


def test_a_second_sms_at_night_is_threaded_onto_the_complaint_the_first_registered(
    reference: None, smsc: Smsc
) -> None:
    night = dt.datetime(2026, 12, 8, 23, 0, tzinfo=SHANGHAI)
    smsc.sms_from(PHONE, STORY)
    read(night)
    with clock.frozen(night):
        jobs.run("messages.send")
    assert smsc.submitted == []  # the acknowledgement waits for 08:00
    smsc.sms_from(PHONE, "补充：我住在吴中区东吴北路88号，家里和单位都没有信号")
    assert read(night + dt.timedelta(minutes=5))["threaded"] == 1
    complaint = Complaint.objects.get()
    assert "东吴北路" in Message.objects.get(complaint=complaint, direction="in").text


def test_td_stops_the_messages_and_registers_nothing(
    register: Callable[..., Any], smsc: Smsc, handler: Any
) -> None:
    complaint = register()
    smsc.sms_from("13800138000", "ＴＤ")
    smsc.sms_from(PHONE, "退订", ref=7)  # no customer has this phone
    counts = read()
    assert counts["unsubscribed"] == 2
    assert Complaint.objects.count() == 1
    assert not Message.objects.filter(direction="in").exists()
    complaint.customer.refresh_from_db()
    assert complaint.customer.contact_opt_out is True
    # On the audit log, the customer's own doing.
    entry = AuditEntry.objects.get(object_id=str(complaint.customer.pk), actor_name="customer")
    assert "contact_opt_out" in str(entry.changes)
    # From now on nothing is sent to them: a message about the complaint is withheld.
    with clock.frozen(NOON):
        withheld = message_free_send(complaint=complaint, text="您好", channel="", actor=handler)
    assert withheld.status == "withheld"
    assert not Customer.objects.filter(phone=PHONE).exists()
    unknown = InboundSms.objects.get(sender=PHONE)
    assert problem_of(unknown) == "sms.unknown_customer"


def test_an_sms_without_text_or_phone_is_recorded_and_nothing_registered(
    reference: None, smsc: Smsc
) -> None:
    smsc.sms_from(PHONE, "   ")
    smsc.sms_from("ChinaMobile", "ASCII text from a sender with no number", coding=0)
    smsc.queue([Mo(PHONE, "10000", 0, 0x04, b"\x00\x01\xff")])  # binary: a ringtone
    assert read()["invalid"] == 3
    assert not Complaint.objects.exists()
    problems = sorted(problem_of(r) for r in InboundSms.objects.all())
    assert problems == ["sms.no_phone", "sms.no_text", "sms.unreadable"]
    assert smsc.mo == []  # recorded, so acknowledged: not handed over again


def test_an_ascii_sms_registers_too(reference: None, smsc: Smsc) -> None:
    smsc.sms_from(
        "+86" + PHONE, "Broadband down since Monday at Room 301, please send someone", coding=0
    )
    read()
    assert Complaint.objects.get().content.startswith("Broadband down since Monday")


def test_two_runs_at_once_act_on_an_sms_once(reference: None, smsc: Smsc) -> None:
    smsc.sms_from(PHONE, STORY)
    with clock.frozen(NOON):
        sms_deliveries()  # recorded, not acted on yet
        part = SmsPart.objects.get()
        assert sms_act(first=part) is not None
        assert sms_act(first=part) is None  # the second worker finds the parts taken
    assert Complaint.objects.count() == 1


def test_the_complaint_page_shows_the_sms_complaint_and_reply_masked(
    reference: None, smsc: Smsc, make_user: Callable[..., Any]
) -> None:
    smsc.sms_from(PHONE, STORY)
    read()
    complaint = Complaint.objects.get()
    with clock.frozen(NOON):
        jobs.run("messages.send")
    smsc.sms_from(PHONE, "补充一下：信号格是满的，但一打电话就显示无服务")
    read(NOON + dt.timedelta(hours=3))
    viewer = make_user("network_handler", "handler", "network")
    assert complaint.department is not None
    assert complaint.department.code == "network"
    text = page(as_user(viewer).get(reverse("desk:detail", args=[complaint.number])))
    assert "短信" in text
    assert "信号格是满的" in text
    assert "← 短信" in text
    assert "139****9000" in text
    assert PHONE not in text


@pytest.mark.django_db(transaction=True)
def test_two_workers_binding_at_once_register_each_sms_once(reference: None, smsc: Smsc) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(f"needs concurrent transactions; {connection.vendor} serialises writes")
    smsc.sms_from(PHONE, STORY)
    smsc.sms_from("13700137000", LONG_STORY, ref=9)
    smsc.sms_from("13600136000", "宽带每天晚上都断网，已经一个星期了")
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait()
            read()
        finally:
            connection.close()

    # The centre hands every SMS not yet acknowledged to each receiver that binds: both
    # workers get them all, record them at once and act at once.
    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)

    assert Complaint.objects.count() == 3
    assert InboundSms.objects.count() == 3
    assert SmsPart.objects.count() == 5


def test_the_sms_are_listed_for_review_with_the_sender_masked(
    reference: None, smsc: Smsc, admin_user: Any
) -> None:
    smsc.sms_from(PHONE, STORY)
    smsc.sms_from("13700137000", "", ref=3)
    read()
    text = page(as_user(admin_user).get("/admin/intake/inboundsms/"))
    assert "139****9000" in text
    assert PHONE not in text
    assert "短信没有内容" in text  # why the empty one was held
    assert "已受理为投诉" in text  # what became of the other


def test_an_sms_naming_an_archived_complaint_registers_a_new_one(
    register: Callable[..., Any], smsc: Smsc
) -> None:
    old = register()
    Complaint.objects.filter(pk=old.pk).update(archived_at=NOON - dt.timedelta(days=200))
    smsc.sms_from("13800138000", f"{old.number}的问题又出现了，这个月又多扣了58元")
    assert read()["registered"] == 1
    assert not Message.objects.filter(complaint=old, direction="in").exists()
    assert Complaint.objects.filter(customer__phone="13800138000").count() == 2


def test_an_sms_that_cannot_be_recorded_is_refused_and_taken_at_the_next_bind(
    reference: None, smsc: Smsc, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    from tousu.messages import smpp

    def database_down(**_: Any) -> None:
        raise OperationalError("database is locked")

    smsc.sms_from(PHONE, STORY)
    with monkeypatch.context() as patched:
        patched.setattr(smpp, "sms_part_record", database_down)
        assert read()["deferred"] == 1
    # Refused with a temporary error: the centre keeps it and hands it over again.
    assert len(smsc.mo) == 1
    assert not SmsPart.objects.exists()
    assert read(NOON + dt.timedelta(minutes=1))["registered"] == 1
    assert smsc.mo == []


def test_the_sms_record_is_anonymised_with_the_customer(reference: None, smsc: Smsc) -> None:
    from tousu.complaints.retention import Redaction, redactors

    smsc.sms_from("86" + PHONE, f"我的号码{PHONE}这两天一直没有信号")
    read()
    complaint = Complaint.objects.get()
    redact = redactors()["intake.inboundsms"]
    assert redact(Redaction.of(complaint.customer), complaint.customer, [complaint.pk]) == 2
    record = InboundSms.objects.get()
    assert PHONE not in record.text + record.sender
    assert "没有信号" in record.text
