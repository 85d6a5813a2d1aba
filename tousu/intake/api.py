"""`POST /api/v1/complaints` (with idempotency keys) and the public, token-less endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja import Status as HttpStatus

from tousu.complaints.choices import Channel
from tousu.complaints.models import Complaint
from tousu.core import ratelimit
from tousu.core.api import OneOf, Strict, errors
from tousu.core.clock import local
from tousu.core.errors import ValidationFailed
from tousu.intake.selectors import public_status
from tousu.intake.services import (
    Registration,
    complaint_register,
)

public_router = Router(tags=["public"], auth=None)

# What a customer submits through: the public page, the app and WeChat.
PublicChannelValue = Annotated[str, OneOf(Channel, only=[Channel.WEB, Channel.APP, Channel.WECHAT])]


# ---- public: the customer's own page (R1.3) --------------------------------------------------


class PublicIn(Strict):
    content: str = Field(description="What happened")
    phone: str
    name: str = ""
    demand: str = ""
    channel: PublicChannelValue = Channel.WEB.value


class ReceiptOut(Schema):
    number: str
    status: str
    received_at: dt.datetime
    reply_due: dt.datetime
    message: str


class PublicStatusOut(Schema):
    number: str
    status: str
    status_name: str
    received_at: dt.datetime
    reply_due: dt.datetime
    category: str | None
    reply: str | None
    closed_at: dt.datetime | None


def receipt(complaint: Complaint) -> dict[str, Any]:
    return {
        "number": complaint.number,
        "status": complaint.status,
        "received_at": local(complaint.received_at),
        "reply_due": local(complaint.resolution_due),
        "message": _("Your complaint is registered as %(number)s. We will reply by %(due)s.")
        % {"number": complaint.number, "due": f"{local(complaint.resolution_due):%Y-%m-%d %H:%M}"},
    }


# Service field names → the names this form's fields have.
PUBLIC_FIELDS = {"customer.phone": "phone", "customer.name": "name"}


@public_router.post(
    "/complaints",
    operation_id="tousu_intake_api_public_submit",
    response={201: ReceiptOut, **errors(429)},
    summary="Submit a complaint",
)
def public_submit(request: HttpRequest, payload: PublicIn) -> HttpStatus:
    ratelimit.public_limit(request, "public-submit")
    try:
        complaint = complaint_register(
            registration=Registration(
                channel=payload.channel,
                content=payload.content,
                customer_phone=payload.phone,
                customer_name=payload.name,
                demand=payload.demand,
            ),
            actor=None,
            actor_name="customer",
        )
    except ValidationFailed as exc:
        # Name the fields as this form sends them (`phone`, not `customer.phone`).
        exc.fields = {PUBLIC_FIELDS.get(k, k): v for k, v in exc.fields.items()}
        raise
    return HttpStatus(201, receipt(complaint))


@public_router.get(
    "/complaints/{number}",
    operation_id="tousu_intake_api_public_lookup",
    response={200: PublicStatusOut, **errors(429)},
    summary="Status lookup",
)
def public_lookup(request: HttpRequest, number: str, phone: str = "") -> dict[str, Any]:
    ratelimit.public_limit(request, "public-lookup")
    return public_status(number, phone)
