"""What the account does with a follower's message, within WeChat's five seconds: register a
complaint, record a message on the follower's open one, or tell its status — and the passive
reply that says so.

The conversation is short. A text with a mobile number and a description registers at once;
a description alone from an unknown follower is kept and the number asked for, and the number
sent next registers it. A known follower's text about their open complaint is recorded on it
(the handler is told); "新投诉 …" starts another. "进度", "查询 TS…" answer with the status and
the next step. Only complaints registered from the same openid are ever shown or written to:
the phone number given over WeChat is not proven to be the follower's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tousu.complaints.choices import Channel, Status
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.errors import DomainError
from tousu.customers.models import Customer
from tousu.intake.models import WeChatInbound, WeChatNonce
from tousu.intake.services import Registration, complaint_register
from tousu.intake.wechat import rules
from tousu.intake.wechat.rules import Ask, WeChatMessage
from tousu.messages.choices import MessageChannel, MessageKind
from tousu.messages.services import Incoming, Outgoing, message_answered, message_receive

Intent = WeChatInbound.Intent
# A description waits this long for the phone number that registers it.
PENDING_MINUTES = 30
# The status reply lists at most this many of the follower's complaints, newest first.
STATUS_MAX = 3


class Replayed(Exception):
    """The request's (timestamp, nonce) was seen before."""


def nonce_admit(*, timestamp: str, nonce: str) -> None:
    """Record the signed request's timestamp and nonce once; `Replayed` when seen before.
    Pairs older than twice the window are forgotten here (their timestamps are refused
    anyway), so the table holds minutes of requests, not years."""
    now = clock.now()
    WeChatNonce.objects.filter(
        seen_at__lt=now - dt.timedelta(seconds=2 * rules.REPLAY_WINDOW_SECONDS)
    ).delete()
    try:
        with transaction.atomic():
            WeChatNonce.objects.create(timestamp=int(timestamp), nonce=nonce, seen_at=now)
    except IntegrityError:
        raise Replayed from None


def wechat_receive(*, message: WeChatMessage, timestamp: str, nonce: str) -> str:
    """Handle a follower's message once; the passive reply's text ("" for none).

    All in one transaction with the nonce: a failure leaves neither, so WeChat's retry (a new
    request) is handled afresh. The same MsgId again — WeChat's retries — gets the first
    answer and changes nothing; a concurrent retry waits on the unique MsgId and then reads it.
    """
    with transaction.atomic():
        nonce_admit(timestamp=timestamp, nonce=nonce)
        try:
            with transaction.atomic():
                inbound = WeChatInbound.objects.create(
                    msg_id=message.dedupe_key,
                    openid=message.from_user,
                    msg_type=message.msg_type,
                    text=message.content[: rules.BODY_MAX_BYTES],
                    intent=Intent.OTHER,
                    received_at=clock.now(),
                )
        except IntegrityError:
            return WeChatInbound.objects.get(msg_id=message.dedupe_key).reply
        answer = _answer(message, inbound)
        inbound.intent, inbound.reply, inbound.complaint = answer
        inbound.save(update_fields=["intent", "reply", "complaint"])
    return inbound.reply


Answer = tuple[str, str, Complaint | None]


def _answer(message: WeChatMessage, inbound: WeChatInbound) -> Answer:
    if message.msg_type == "event":
        if message.event == "subscribe":
            return Intent.WELCOME, _welcome(), None
        return Intent.OTHER, "", None  # unsubscribe, menu clicks: nothing to say
    if message.msg_type != "text":
        return Intent.OTHER, _("We can only read text for now: please describe it in words."), None
    ask = rules.text_read(message.content)
    if ask.status:
        return _status(message.from_user, ask.number)
    return _text(message, ask, inbound)


def _text(message: WeChatMessage, ask: Ask, inbound: WeChatInbound) -> Answer:
    openid = message.from_user
    if ask.phone:
        story = ask.description if rules.describes(ask) else _pending_description(openid)
        if story:
            return _register(inbound, phone=ask.phone, content=story)
        return Intent.OTHER, _("Thank you. Please also describe the problem in one message."), None
    if not rules.describes(ask):
        return Intent.OTHER, _welcome(), None
    open_one = None if ask.new else _open_complaint(openid)
    if open_one is not None:
        return _add_to(open_one, message, ask.description)
    phone = _known_phone(openid)
    if phone:
        return _register(inbound, phone=phone, content=ask.description)
    reply = _(
        "Received. Please reply with your mobile number, and we will register your complaint "
        "at once."
    )
    return Intent.ASK_PHONE, reply, None


def _welcome() -> str:
    return _(
        "Welcome. To make a complaint, send your mobile number and the problem in one message, "
        "e.g. “13800138000 broadband drops every evening”. To check progress, send “进度” or "
        "your complaint number."
    )


def _register(inbound: WeChatInbound, *, phone: str, content: str) -> Answer:
    """Register the complaint (channel wechat), bind the openid to the customer when they have
    none, and record the acknowledgement the passive reply carries."""
    # The passive reply is the acknowledgement (recorded below): no second one by the trigger.
    registration = Registration(
        channel=Channel.WECHAT, content=content, customer_phone=phone, acknowledge=False
    )
    try:
        complaint = complaint_register(registration=registration, actor=None, actor_name="customer")
    except DomainError as exc:
        return Intent.OTHER, _("We could not register it: %(why)s") % {"why": exc.message}, None
    # The first openid stays: a number typed into WeChat proves nothing, and progress of the
    # customer's complaints must not be redirected by whoever types it next.
    Customer.objects.filter(pk=complaint.customer_id, wechat_openid="").update(
        wechat_openid=inbound.openid
    )
    reply = _(
        "Your complaint is registered as %(number)s. We will reply by %(due)s, and tell you "
        "of its progress here. To add information, just reply; to check progress, send “进度”."
    ) % {"number": complaint.number, "due": _when(complaint.resolution_due)}
    _record_reply(complaint, inbound, reply, MessageKind.ACKNOWLEDGEMENT)
    return Intent.REGISTER, reply, complaint


def _add_to(complaint: Complaint, message: WeChatMessage, text: str) -> Answer:
    message_receive(
        complaint=complaint,
        incoming=Incoming(
            channel=MessageChannel.WECHAT,
            text=text,
            external_id=message.dedupe_key,
            address=message.from_user,
        ),
    )
    reply = _(
        "Received and passed on to the person handling %(number)s. To make a new complaint "
        "instead, begin your message with “新投诉”."
    ) % {"number": complaint.number}
    return Intent.MESSAGE, reply, complaint


def _record_reply(complaint: Complaint, inbound: WeChatInbound, text: str, kind: str) -> None:
    message_answered(
        complaint=complaint,
        outgoing=Outgoing(
            kind=kind, text=text, channel=MessageChannel.WECHAT, key=f"wechat:{inbound.msg_id}"
        ),
        address=inbound.openid,
    )


def _when(moment: dt.datetime | None) -> str:
    return clock.local(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


# ---- the follower's complaints and status --------------------------------------------------


def _registered_from(openid: str) -> list[Complaint]:
    """The complaints registered from this openid, newest first."""
    pks = WeChatInbound.objects.filter(
        openid=openid, intent=Intent.REGISTER, complaint__isnull=False
    ).values("complaint")
    return list(Complaint.objects.filter(pk__in=pks).order_by("-registered_at", "-pk"))


def _open_complaint(openid: str) -> Complaint | None:
    """The follower's latest complaint not yet closed: a resolved one too, whose answer the
    customer may be replying to."""
    return next((c for c in _registered_from(openid) if c.status != Status.CLOSED), None)


def _known_phone(openid: str) -> str:
    """The phone of the customer this openid is bound to, else of its latest complaint."""
    bound = Customer.objects.filter(wechat_openid=openid, anonymised_at__isnull=True).first()
    if bound is not None:
        return bound.phone
    latest = next(iter(_registered_from(openid)), None)
    return latest.customer.phone if latest and latest.customer.anonymised_at is None else ""


def _pending_description(openid: str) -> str:
    """The description this follower sent lately without a number, not registered since."""
    since = clock.now() - dt.timedelta(minutes=PENDING_MINUTES)
    latest = (
        WeChatInbound.objects.filter(
            openid=openid, received_at__gte=since, intent__in=[Intent.ASK_PHONE, Intent.REGISTER]
        )
        .order_by("-received_at", "-pk")
        .first()
    )
    if latest is None or latest.intent != Intent.ASK_PHONE:
        return ""
    return rules.text_read(latest.text).description


@dataclass(frozen=True)
class _Line:
    complaint: Complaint

    def __str__(self) -> str:
        c = self.complaint
        due = _when(c.resolution_due)
        if c.status in (Status.REGISTERED, Status.DISPATCHED):
            step = _("registered; being assigned, reply by %(due)s") % {"due": due}
        elif c.status in (Status.IN_PROGRESS, Status.AWAITING_APPROVAL):
            step = _("in progress; reply by %(due)s") % {"due": due}
        elif c.status == Status.RESOLVED:
            step = _("answered: %(reply)s If you are not satisfied, just reply here.") % {
                "reply": c.reply[:300]
            }
        else:
            step = _("closed. Thank you for your patience.")
        return f"{c.number}：{step}"


def _status(openid: str, number: str) -> Answer:
    mine = _registered_from(openid)
    if number:
        mine = [c for c in mine if c.number == number]
        if not mine:
            reply = _(
                "No complaint %(number)s was made from this WeChat account. Please check the "
                "number, or use the status page with your phone number."
            ) % {"number": number}
            return Intent.STATUS, reply, None
    if not mine:
        return Intent.STATUS, _("You have made no complaint here yet.") + " " + _welcome(), None
    lines = [str(_Line(c)) for c in mine[:STATUS_MAX]]
    return Intent.STATUS, "\n".join(lines), mine[0]
