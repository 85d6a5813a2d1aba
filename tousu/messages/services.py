"""Writing messages to and from the customer. Outbound messages are queued inside the
transaction of the change they report and sent after commit by the `messages.send` job;
inbound ones are recorded once per provider id and tell the handler."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from tousu.accounts.models import User
from tousu.complaints.choices import EventType
from tousu.complaints.models import Complaint
from tousu.complaints.services import EventDraft, complaint_lock, event_record
from tousu.core import clock
from tousu.core.jobs import enqueue_on_commit
from tousu.core.reasons import reason, reason_kind
from tousu.messages import rules
from tousu.messages.choices import Direction, MessageKind, MessageStatus
from tousu.messages.models import Message, SmsPart
from tousu.messages.sms_rules import SmsPartIn
from tousu.notifications.choices import NotificationKind
from tousu.notifications.services import notify

reason_kind("message.opted_out", _("The customer asked not to receive messages"))
reason_kind("message.no_address", _("No phone, e-mail or WeChat to send to"))
reason_kind("notice.customer_message", _("%(number)s: the customer sent a message"), number=str)


@dataclass(frozen=True)
class Outgoing:
    """A message to queue: its kind and text; the channel is chosen from the customer's
    preference and the complaint's channel unless given."""

    kind: str
    text: str
    subject: str = ""
    channel: str = ""
    # At most one message per key: queueing the same key again returns the first.
    key: str | None = None


def message_queue(*, complaint: Complaint, outgoing: Outgoing, actor: User | None) -> Message:
    """Queue a message to the complaint's customer, on the timeline; sent after commit by the
    `messages.send` job. Withheld (recorded, never sent) when the customer opted out or has no
    address. Idempotent per `outgoing.key`."""
    if outgoing.key:
        existing = Message.objects.filter(key=outgoing.key).first()
        if existing is not None:
            return existing
    with transaction.atomic():
        return message_queue_locked(
            complaint=complaint_lock(complaint), outgoing=outgoing, actor=actor
        )


def message_queue_locked(
    *, complaint: Complaint, outgoing: Outgoing, actor: User | None, fresh: bool = False
) -> Message:
    """`message_queue` for a caller inside the transaction that holds the complaint's lock,
    with that very object (an event listener): its chain head moves on in the caller's
    object too. `fresh`: the complaint was created in this transaction, so no message can
    have its key yet (registration's queries are counted)."""
    message = message_build(complaint, outgoing, actor)
    if fresh:
        message.save()
    else:
        if outgoing.key:
            existing = Message.objects.filter(key=outgoing.key).first()
            if existing is not None:
                return existing
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:  # the same key queued concurrently: the first one stands
            return Message.objects.get(key=outgoing.key)
    event_record(
        complaint=complaint, type=EventType.MESSAGE_OUT, actor=actor, data=_event_data(message)
    )
    if message.status == MessageStatus.QUEUED:
        enqueue_on_commit("messages.send")
    return message


def _event_data(message: Message) -> dict[str, object]:
    return {
        "message": message.pk,
        "channel": message.channel,
        "kind": message.kind,
        "status": message.status,
    }


def message_fresh_draft(
    *, complaint: Complaint, outgoing: Outgoing, actor: User | None, pk: int
) -> tuple[Message, EventDraft]:
    """The message to the customer of a complaint being registered, not yet written, with its
    `message_out` event: the registration chains the event with the complaint's first ones and
    writes them in one INSERT (issue 19). `pk`: the key reserved for it in the registering
    transaction (complaints.services.number_and_ids_allocate); no message can have its key
    yet. Inserted with the complaint's rows (`message_fresh_queue`)."""
    message = message_build(complaint, outgoing, actor)
    message.pk = pk
    return message, EventDraft(
        complaint, EventType.MESSAGE_OUT, actor=actor, data=_event_data(message)
    )


def message_fresh_queue(message: Message) -> Message:
    """A message of `message_fresh_draft`, to be sent after commit; the caller inserts it with
    its complaint's other new rows (`complaints.services.complaint_create`)."""
    if message.status == MessageStatus.QUEUED:
        enqueue_on_commit("messages.send")
    return message


def message_build(complaint: Complaint, outgoing: Outgoing, actor: User | None) -> Message:
    """The unsaved row `message_queue` writes: channel and address chosen, withheld with its
    reason, or queued for the time the quiet hours allow."""
    customer = complaint.customer
    now = clock.now()
    message = Message(
        complaint=complaint,
        customer=customer,
        direction=Direction.OUT,
        kind=outgoing.kind,
        subject=outgoing.subject,
        text=outgoing.text,
        key=outgoing.key,
        urgent=rules.is_urgent(level=complaint.level, kind=outgoing.kind),
        author=actor,
        created_at=now,
        status=MessageStatus.QUEUED,
    )
    target = rules.channel_for(
        preferred=outgoing.channel or customer.preferred_channel,
        complaint_channel=complaint.channel,
        phone=customer.phone if customer.anonymised_at is None else "",
        email=customer.email,
        openid=customer.wechat_openid,
    )
    if target is None:
        message.channel = outgoing.channel or "sms"
        message.status, message.error = MessageStatus.WITHHELD, reason_code("message.no_address")
        return message
    message.channel, message.address = target
    if customer.contact_opt_out and outgoing.kind != MessageKind.CODE:
        message.status, message.error = MessageStatus.WITHHELD, reason_code("message.opted_out")
        return message
    message.next_attempt_at = rules.send_not_before(
        now, channel=message.channel, urgent=message.urgent
    )
    return message


def reason_code(code: str) -> str:
    """A reason stored in a text field (`Message.error`) as its code alone."""
    return str(reason(code)["code"])


def message_answered(
    *, complaint: Complaint, outgoing: Outgoing, address: str, actor: User | None = None
) -> Message:
    """Record a message the customer already got in the channel's own answer — WeChat's
    passive reply to their message — on the timeline, as sent: the record of the conversation,
    never queued for a transport (which would send it a second time). Idempotent per key."""
    if outgoing.key:
        existing = Message.objects.filter(key=outgoing.key).first()
        if existing is not None:
            return existing
    now = clock.now()
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        message = Message.objects.create(
            complaint=complaint,
            customer=complaint.customer,
            direction=Direction.OUT,
            channel=outgoing.channel,
            kind=outgoing.kind,
            address=address,
            subject=outgoing.subject,
            text=outgoing.text,
            key=outgoing.key,
            author=actor,
            status=MessageStatus.SENT,
            created_at=now,
            sent_at=now,
        )
        event_record(
            complaint=complaint,
            type=EventType.MESSAGE_OUT,
            actor=actor,
            data={
                "message": message.pk,
                "channel": message.channel,
                "kind": message.kind,
                "status": message.status,
            },
        )
    return message


@dataclass(frozen=True)
class Incoming:
    """A message from the customer: by `channel`, from `address`, with the sender's id."""

    channel: str
    text: str
    external_id: str = ""
    address: str = ""
    subject: str = ""


def message_receive(*, complaint: Complaint, incoming: Incoming) -> tuple[Message, bool]:
    """Record a customer's message on the complaint (timeline event, the handler notified).
    Returns the message and whether it is new: the same `external_id` on the same channel is
    recorded once, however often the mailbox or the webhook delivers it."""
    if incoming.external_id:
        existing = Message.objects.filter(
            channel=incoming.channel, external_id=incoming.external_id
        ).first()
        if existing is not None:
            return existing, False
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        message = Message(
            complaint=complaint,
            customer=complaint.customer,
            direction=Direction.IN,
            channel=incoming.channel,
            kind=MessageKind.CUSTOMER_MESSAGE,
            address=incoming.address,
            subject=incoming.subject,
            text=incoming.text,
            external_id=incoming.external_id,
            status=MessageStatus.RECEIVED,
            created_at=clock.now(),
        )
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:  # a second worker recorded it first
            return Message.objects.get(
                channel=incoming.channel, external_id=incoming.external_id
            ), False
        event_record(
            complaint=complaint,
            type=EventType.CUSTOMER_MESSAGE,
            actor=None,
            actor_name="customer",
            data={"message": message.pk, "channel": message.channel},
        )
        if complaint.handler is not None:
            notify(
                users=[complaint.handler],
                kind=NotificationKind.CUSTOMER_MESSAGE,
                text=reason("notice.customer_message", number=complaint.number),
                complaint=complaint,
            )
    return message, True


reason_kind("message.bounced", _("The customer's mail server returned the message"))


def messages_bounced(*, channel: str, provider_ids: list[str]) -> int:
    """Mark failed the messages sent on `channel` whose provider ids a bounce reports (the
    receiving server returned them). Returns how many changed; a message already failed, or
    reported twice, changes once."""
    if not provider_ids:
        return 0
    return Message.objects.filter(
        direction=Direction.OUT,
        channel=channel,
        provider_id__in=provider_ids,
        status__in=[MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.SENDING],
    ).update(status=MessageStatus.FAILED, error=reason_code("message.bounced"))


# A free message is read on a phone: a few SMS at most.
FREE_TEXT_MAX_CHARS = 500


def message_free_send(*, complaint: Complaint, text: str, channel: str, actor: User) -> Message:
    """A message written by staff (POST …/messages, the complaint page's form), queued like
    any other: on the timeline, withheld for an opted-out customer, sent after commit."""
    return message_queue(
        complaint=complaint,
        outgoing=Outgoing(
            kind=MessageKind.FREE,
            text=text,
            subject=str(_("About your complaint")),
            channel=channel,
        ),
        actor=actor,
    )


# The same SMS from the same phone within this time is the centre's resend of one it handed
# over before (its acknowledgement was lost: the connection dropped after the record was
# committed), recorded once. A resend comes on the next receiver bind, a minute later — or
# hours later if the job stopped meanwhile; the same words twice in a day add nothing to a
# complaint. Past it, the same words are a new SMS.
SMS_RESEND_WINDOW = dt.timedelta(hours=24)


def sms_part_record(*, part: SmsPartIn) -> SmsPart | None:
    """Record an SMS (or one part of a long one) from a customer, once: the row, or None when
    it is a resend of one recorded within SMS_RESEND_WINDOW. Its own transaction, so that the
    caller acknowledges it to the centre only once it is committed; a second worker with the
    same SMS waits on the unique key, then finds it recorded."""
    now = clock.now()
    with transaction.atomic():
        earlier = SmsPart.objects.select_for_update().filter(dedupe_key=part.key).first()
        if earlier is not None:
            if earlier.received_at > now - SMS_RESEND_WINDOW:
                return None
            SmsPart.objects.filter(pk=earlier.pk).update(dedupe_key=None)
        try:
            with transaction.atomic():
                return SmsPart.objects.create(
                    sender=part.sender[:32],
                    recipient=part.recipient[:32],
                    data_coding=part.data_coding,
                    payload=part.payload,
                    ref=part.ref,
                    total=part.total,
                    seq=part.seq,
                    dedupe_key=part.key,
                    received_at=now,
                )
        except IntegrityError:  # recorded by another worker meanwhile
            return None
