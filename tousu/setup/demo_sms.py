"""The demo's complaint by SMS (R1.1): a customer texts the complaint number a long Chinese
complaint — three UCS-2 parts behind a UDH, as a phone sends it — and, once acknowledged,
replies naming the complaint's number with more detail, threaded onto it as their message.
The parts go through the same record (`sms_part_record`) and the same intake (`sms_intake`)
as an SMS the `intake.sms_read` job takes from the SMS centre, each at its moment."""

from __future__ import annotations

import datetime as dt
import random

from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.intake.inbound_sms import sms_intake
from tousu.intake.models import InboundSms
from tousu.messages.services import sms_part_record
from tousu.messages.smpp import parts_of
from tousu.messages.sms_rules import CODING_UCS2, part_read
from tousu.setup.demo_texts import demo_person

SMS_SEED = 19
# The complaint number customers text (an operator's service short code).
COMPLAINT_NUMBER = "10086"
STORY = (
    "你好，我上个月在观前街营业厅办了199元的5G套餐，营业员当时承诺每月赠送30GB流量和300分钟通话，"
    "合约期两年。可是这个月账单里套餐外流量被扣了86元，赠送的流量根本没有到账。我打了三次客服电话，"
    "每次都说要核实，一个星期了还没有结果。我要求退还多扣的86元，把承诺的流量补上，"
    "否则我只能向工信部投诉。"
)
REPLY = (
    "{number}补充：办理时的营业员工号是A0231，当时还给了我一张宣传单，"
    "上面写着每月赠送30GB，我拍了照片，需要的话可以发给你们。"
)


def _text_in(sender: str, text: str, at: dt.datetime) -> None:
    """`text` as the phone sends it (a part every few seconds), recorded as the SMS centre
    hands it over; acted on a minute later, as the job does."""
    parts, esm_class = parts_of(text)
    for n, data in enumerate(parts):
        with clock.frozen(at + dt.timedelta(seconds=3 * n)):
            sms_part_record(
                part=part_read(
                    sender="86" + sender,
                    recipient=COMPLAINT_NUMBER,
                    esm_class=esm_class,
                    data_coding=CODING_UCS2,
                    short_message=data,
                )
            )
    with clock.frozen(at + dt.timedelta(minutes=1)):
        sms_intake()


def sms_demo_load(now: dt.datetime) -> Complaint | None:
    """The SMS complaint this morning and the customer's reply two hours later; the complaint
    (None if it could not be registered). Idempotent: an SMS recorded before is not again."""
    _, phone = demo_person(random.Random(SMS_SEED))
    at = now - dt.timedelta(hours=4, minutes=20)
    _text_in(phone, STORY, at)
    record = InboundSms.objects.filter(sender="86" + phone, outcome="registered").first()
    if record is None or record.complaint is None:
        return None
    complaint = record.complaint
    _text_in(phone, REPLY.format(number=complaint.number), at + dt.timedelta(hours=2))
    return complaint
