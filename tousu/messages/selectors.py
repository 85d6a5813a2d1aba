"""Reads of customer messages: as the API and the complaint page show them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from tousu.accounts.services import TextMask
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.pii import mask_phone, mask_text
from tousu.core.reasons import KINDS, reason_text
from tousu.messages import rules
from tousu.messages.choices import MessageChannel, MessageKind, MessageStatus
from tousu.messages.models import Message

# What a one-time code shows in place of its text, to everyone.
CODE_HIDDEN = "••••••"


def messages_of(complaint: Complaint) -> QuerySet[Message]:
    return Message.objects.filter(complaint=complaint).order_by("created_at", "pk")


def address_shown(message: Message, *, reveal: bool) -> str:
    if reveal or not message.address:
        return message.address
    if message.channel == MessageChannel.SMS:
        return mask_phone(message.address)
    if message.channel == MessageChannel.WECHAT:
        return message.address[:4] + "…"
    return mask_text(message.address)


def error_text(message: Message) -> str:
    """Why it was not sent or failed: a withheld message keeps a reason code (rendered in
    the reader's language), a failed one the transport's own words."""
    if message.error in KINDS:
        return reason_text({"code": message.error})
    return message.error


def message_out(message: Message, texts: TextMask) -> dict[str, Any]:
    """A message as the API and the page show it: a code's text never; the address and the
    text masked unless the reader may see personal data (`texts.reveal`)."""
    text = CODE_HIDDEN if message.kind == MessageKind.CODE else texts.text(message.text)
    return {
        "id": message.pk,
        "direction": message.direction,
        "channel": message.channel,
        "kind": message.kind,
        "status": message.status,
        "at": message.created_at,
        "sent_at": message.sent_at,
        "delivered_at": message.delivered_at,
        "address": address_shown(message, reveal=texts.reveal),
        "subject": texts.text(message.subject),
        "text": text,
        "error": message.error,
    }


def messages_for_page(complaint: Complaint) -> list[dict[str, Any]]:
    """The complaint page's messages panel, oldest first. The address is always masked there
    (the customer card reveals the phone, logged); the text goes through the page's own mask
    (`pii_text`), a code's never shown."""
    return [
        {
            "message": m,
            "address": address_shown(m, reveal=False),
            "text": CODE_HIDDEN if m.kind == MessageKind.CODE else m.text,
            "error": error_text(m),
        }
        for m in messages_of(complaint).select_related("author")
    ]


def reply_held_until(complaint: Complaint) -> dt.datetime | None:
    """When the reply message of the complaint's latest resolution leaves, if it is queued for
    later (an SMS in the quiet hours, a retry after a failure); None when it went out, goes
    out now, was withheld or failed, or there is none. One query, by the message's key."""
    if complaint.resolved_at is None:
        return None
    return (
        Message.objects.filter(
            key=rules.reply_key(complaint.number, complaint.resolved_at),
            status=MessageStatus.QUEUED,
            next_attempt_at__gt=clock.now(),
        )
        .values_list("next_attempt_at", flat=True)
        .first()
    )
