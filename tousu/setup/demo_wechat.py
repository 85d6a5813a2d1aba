"""The demo's WeChat conversation (issue 17, item 3): a follower of the official account
describes a broadband fault, gives their number when asked and so registers a complaint; the
handler takes it, the customer adds a note by message, the handler's progress is queued as a
template message, and the customer asks for the status. Each step goes through the webhook's
own service (`wechat_receive`) at its moment, as WeChat would have delivered it."""

from __future__ import annotations

import datetime as dt
import random

from tousu.complaints.models import Complaint
from tousu.complaints.services import complaint_accept
from tousu.core import clock
from tousu.intake.wechat.rules import WeChatMessage
from tousu.intake.wechat.services import wechat_receive
from tousu.messages.choices import MessageKind
from tousu.messages.services import Outgoing, message_queue
from tousu.setup.demo_texts import demo_person

WECHAT_SEED = 17
ACCOUNT = "gh_tousu_demo"
OPENID = "oQ7cK5demo_follower_0001"


def _say(rng: random.Random, at: dt.datetime, text: str = "", event: str = "") -> str:
    """The follower's message (or event) at `at`, handled as the webhook does; the reply."""
    message = WeChatMessage(
        to_user=ACCOUNT,
        from_user=OPENID,
        create_time=str(int(at.timestamp())),
        msg_type="event" if event else "text",
        content=text,
        msg_id="" if event else str(rng.randrange(10**16, 10**17)),
        event=event,
    )
    with clock.frozen(at):
        return wechat_receive(
            message=message,
            timestamp=message.create_time,
            nonce=str(rng.randrange(10**9)),
        )


def wechat_demo_load(now: dt.datetime) -> Complaint | None:
    """The conversation over the last two days; the complaint it registered."""
    rng = random.Random(WECHAT_SEED)
    _, phone = demo_person(rng)
    start = now - dt.timedelta(days=2, hours=3)
    _say(rng, start, event="subscribe")
    _say(
        rng,
        start + dt.timedelta(minutes=1),
        "我家宽带这周每天晚上八点以后就断网，报修两次都没人上门",
    )
    _say(rng, start + dt.timedelta(minutes=2), f"{phone[:3]} {phone[3:7]} {phone[7:]}")
    complaint = Complaint.objects.filter(channel="wechat", customer__phone=phone).first()
    if complaint is None:
        return None
    if complaint.handler is not None:
        with clock.frozen(start + dt.timedelta(hours=2)):
            complaint = complaint_accept(complaint=complaint, actor=complaint.handler)
    _say(
        rng,
        start + dt.timedelta(hours=5),
        "补充：今晚又断了三次，孩子上网课受影响，光猫的LOS灯一直红",
    )
    with clock.frozen(start + dt.timedelta(hours=20)):
        message_queue(
            complaint=complaint,
            outgoing=Outgoing(
                kind=MessageKind.PROGRESS,
                subject="投诉处理进度",
                text="已安排装维人员明天上午上门更换光猫并检测线路，请保持电话畅通。",
                key=f"demo-wechat-progress:{complaint.number}",
            ),
            actor=complaint.handler,
        )
    _say(rng, start + dt.timedelta(days=1, hours=2), "进度")
    return complaint
