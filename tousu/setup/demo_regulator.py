"""The demo's regulator referrals (工信部/通管局申诉转办, issue 17): two live cases whose
authority's clocks run beside the operator's. One reached us late from the provincial
authority, so its reply to the authority is due in a few hours — before our own limit — and
reads amber on the page; the other came in from the ministry this morning, nobody has called
the customer yet, and its deadlines are the defaults."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from tousu.accounts.choices import Role
from tousu.accounts.models import User
from tousu.complaints.choices import Channel
from tousu.complaints.models import Complaint
from tousu.complaints.services import complaint_accept
from tousu.core import clock
from tousu.intake.services import Registration, complaint_register

H = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


class Referral(NamedTuple):
    external_ref: str
    authority: str
    content: str
    demand: str
    phone: str
    name: str
    category: str
    received_ago: dt.timedelta  # by us
    authority_received_ago: dt.timedelta
    accepted_after: dt.timedelta | None  # None: not yet accepted


REFERRALS = (
    Referral(
        "粤通管申〔2026〕第1187号",
        "广东省通信管理局",
        "用户向广东省通信管理局申诉：本人从未办理“视频彩铃”业务，但近三个月每月被扣10元，"
        "拨打10086客服两次均称查不到订购记录，至今未退费。要求查明扣费原因并全额退还。",
        "退还三个月的视频彩铃费用30元，并取消该业务",
        "13922817364",
        "梁志明",
        "billing.value_added",
        12 * H,
        # The authority took almost ten days to pass it on: its reply (ten days from its own
        # receipt, the default) is due in two and a half hours, long before our 24 hours.
        10 * DAY - 2 * H - 30 * dt.timedelta(minutes=1),
        2 * H,
    ),
    Referral(
        "工信部申〔2026〕第30452号",
        "工业和信息化部",
        "用户向工业和信息化部申诉：家中宽带自上周起每晚八点后频繁掉线，已报修三次，"
        "装维人员两次未按约定时间上门，用户表示若再不解决将向媒体反映。",
        "尽快修复宽带并对故障期间的费用给予减免",
        "13760295518",
        "邓秀兰",
        "network.broadband_outage",
        2 * H,
        3 * DAY,
        None,
    ),
)


def _department_handler(complaint: Complaint) -> User | None:
    """A handler of the department the referral was routed to, taking it from the queue."""
    if complaint.department_id is None:
        return None
    handlers = User.objects.filter(
        role=Role.HANDLER, department_id=complaint.department_id, is_active=True
    )
    return handlers.order_by("username").first()


def regulator_demo_load(*, now: dt.datetime, agent: User) -> list[Complaint]:
    """Register the demo's live referrals (`agent` registers them), the first accepted by a
    handler of the department it was routed to. Returns them."""
    loaded = []
    for referral in REFERRALS:
        received = now - referral.received_ago
        with clock.frozen(received + dt.timedelta(minutes=3)):
            complaint = complaint_register(
                registration=Registration(
                    channel=Channel.REGULATOR,
                    content=referral.content,
                    demand=referral.demand,
                    customer_phone=referral.phone,
                    customer_name=referral.name,
                    received_at=received,
                    external_ref=referral.external_ref,
                    category=referral.category,
                    authority=referral.authority,
                    authority_received_at=now - referral.authority_received_ago,
                ),
                actor=agent,
            )
        if referral.accepted_after is not None:
            handler = complaint.handler or _department_handler(complaint)
            if handler is not None:
                with clock.frozen(received + referral.accepted_after):
                    complaint = complaint_accept(complaint=complaint, actor=handler)
        loaded.append(complaint)
    return loaded
