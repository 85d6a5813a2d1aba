"""`GET, POST /api/v1/complaints/{number}/messages` (API.md): the messages to and from the
complaint's customer; POST sends a free message. `POST /api/v1/messages/receipts/http`: the
SMS platform's delivery receipts, signed with the shared secret. Thin: parse, one service or
selector, render."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja import Status as HttpStatus

from tousu.accounts import permissions
from tousu.accounts.services import pii_reveal_log, text_mask_for
from tousu.accounts.views import api_user
from tousu.complaints.selectors import get_complaint_for_user
from tousu.core.api import PAGE_SIZE_DEFAULT, OneOf, Strict, errors, page_body, paginate
from tousu.core.errors import NotAllowed, ValidationFailed, required_message
from tousu.messages import gateway, receipts, selectors
from tousu.messages.choices import MessageChannel
from tousu.messages.services import FREE_TEXT_MAX_CHARS, message_free_send

router = Router(tags=["messages"])
receipts_router = Router(tags=["messages"], auth=None)


class MessageOut(Schema):
    id: int
    direction: str = Field(description="out (to the customer) or in (from the customer)")
    channel: str = Field(description="sms, email, wechat, page")
    kind: str = Field(
        description="acknowledgement, progress, reply, callback_survey, customer_message, "
        "free, code (a code's text is never shown)"
    )
    status: str = Field(
        description="queued, sending, sent, delivered, failed, withheld (not sent on purpose: "
        "`error` says why), received"
    )
    at: dt.datetime = Field(description="when it was written (queued or received)")
    sent_at: dt.datetime | None
    delivered_at: dt.datetime | None
    address: str = Field(description="phone, e-mail or WeChat id; masked unless the role may see")
    subject: str
    text: str
    error: str = Field(description="why it failed (the transport's words) or a reason code")


class MessageList(Schema):
    items: list[MessageOut]
    count: int
    page: int
    page_size: int


class MessageIn(Strict):
    text: str = Field(min_length=1, max_length=FREE_TEXT_MAX_CHARS)
    channel: (
        Annotated[str, OneOf(MessageChannel, only=[MessageChannel.SMS, MessageChannel.EMAIL])]
        | None
    ) = Field(None, description="sms or email; by default the customer's preferred channel")


@router.get(
    "/{number}/messages",
    response={200: MessageList, **errors(422)},
    summary="The messages to and from the complaint's customer, oldest first",
)
def complaint_messages(
    request: HttpRequest, number: str, page: int = 1, page_size: int = PAGE_SIZE_DEFAULT
) -> dict[str, object]:
    user = api_user(request)
    complaint = get_complaint_for_user(user, number)
    texts = text_mask_for(user, [complaint.customer.name])
    found, count = paginate(selectors.messages_of(complaint), page, page_size)
    items = [selectors.message_out(m, texts) for m in found]
    pii_reveal_log(
        user=user,
        texts=texts,
        subject=complaint.number,
        via="api",
        fields="address" if texts.reveal and any(i["address"] for i in items) else "",
    )
    return page_body(items, count, page, page_size)


@router.post(
    "/{number}/messages",
    response={201: MessageOut, **errors(403, 409)},
    summary="Send the customer a free message",
)
def complaint_message_send(request: HttpRequest, number: str, payload: MessageIn) -> HttpStatus:
    user = api_user(request)
    complaint = get_complaint_for_user(user, number)
    if not permissions.can_note(user, complaint):
        raise NotAllowed(_("You may not write to this complaint's customer"))
    if not payload.text.strip():
        raise ValidationFailed.for_field("text", required_message())
    message = message_free_send(
        complaint=complaint, text=payload.text.strip(), channel=payload.channel or "", actor=user
    )
    return HttpStatus(201, selectors.message_out(message, text_mask_for(user)))


class ReceiptIn(Schema):
    id: str = Field(max_length=255, description="the platform's id of the message")
    status: Annotated[str, OneOf(["delivered", "failed"])]
    error: str = Field("", max_length=200)


class GatewayReceiptOut(Schema):
    recorded: bool = Field(description="false: already recorded, or an unknown id")


@receipts_router.post(
    "/receipts/http",
    response={200: GatewayReceiptOut, **errors(403)},
    summary="A delivery receipt from the SMS platform (signed)",
)
def message_receipt_http(request: HttpRequest) -> dict[str, bool]:
    body = request.body
    valid = gateway.signature_valid(
        timestamp=request.headers.get("X-Timestamp", ""),
        body=body,
        given=request.headers.get("X-Signature", ""),
        now=time.time(),
    )
    if not valid:
        raise NotAllowed(_("The receipt's signature is not valid"))
    try:
        receipt = ReceiptIn.model_validate(json.loads(body))
    except ValueError:
        raise ValidationFailed.for_field("body", _("Invalid")) from None
    recorded = receipts.receipt_record(
        channel=MessageChannel.SMS,
        provider_id=receipt.id,
        delivered=receipt.status == "delivered",
        error=f"SMS gateway: {receipt.error or 'undelivered'}",
    )
    return {"recorded": recorded}
