"""Demo of the e-mail intake (issue 17): two complaints that came in by mail, as the
`intake.mail_fetch` job records them — one from a customer known only by their address, one
naming their number — and each customer's reply threaded onto their complaint. The mails go
through the same parsing and services as a mail read from the mailbox."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

from tousu.core import clock
from tousu.intake.inbound_mail import mail_receive
from tousu.intake.mail_rules import mail_parse

MAILS = [
    (
        "陈静 <chenjing.sz@example.com>",
        "宽带每天晚上掉线，已经一周了",
        "你好，我家的 300M 宽带这一周每天晚上八点到十一点频繁掉线，光猫重启也没用，"
        "孩子上网课都受影响。请尽快安排师傅上门检查，并说明这段时间的费用怎么处理。",
        "补充一下：昨晚 21:40 又断了，光猫 PON 灯在闪。工作日晚上七点后家里有人。",
    ),
    (
        "刘洋 <liuyang1988@example.net>",
        "套餐外流量费不合理",
        "本月账单多了 86 元套餐外流量费，但我一直开着流量提醒，没有收到任何短信。"
        "我的号码是 139 1234 5678，请核实并退还。",
        "我查了 App 里的流量明细，多出来的流量都在凌晨两点到四点，那时候手机是关机的。",
    ),
]


def _mail(sender: str, subject: str, body: str, message_id: str, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "complaints@tousu.example"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def mail_demo_load(now: dt.datetime) -> int:
    """The demo's mails, read this morning; returns how many complaints they registered.
    Idempotent: a mail already recorded is not acted on again."""
    registered = 0
    for index, (sender, subject, body, reply) in enumerate(MAILS):
        first_id = f"<demo-mail-{index}@example.com>"
        at = now - dt.timedelta(hours=5 - index)
        with clock.frozen(at):
            record = mail_receive(mail=mail_parse(_mail(sender, subject, body, first_id)))
        if record is None or record.complaint is None:
            continue
        registered += 1
        number = record.complaint.number
        answer = _mail(
            sender,
            f"Re: 投诉 {number} 已受理",
            reply,
            f"<demo-mail-{index}-reply@example.com>",
            In_Reply_To=first_id,
        )
        with clock.frozen(at + dt.timedelta(hours=2)):
            mail_receive(mail=mail_parse(answer))
    return registered
