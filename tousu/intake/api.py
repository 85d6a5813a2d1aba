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


class PublicCustomerIn(Strict):
    """The customer as API.md's `customer` object; a customer knows all of it."""

    phone: str
    name: str = ""
    account: str = Field(default="", description="The customer's account number, if known")
    region: str = Field(default="", description="Region code, if known")


class PublicIn(Strict):
    """API.md's registration body, the customer's subset of it: no received time, external
    reference, category or level (staff decide those). The customer comes as the `customer`
    object of `POST /api/v1/complaints`, or as the flat `phone` and `name` the public API took
    first (still accepted); not both."""

    content: str = Field(description="What happened")
    customer: PublicCustomerIn | None = Field(
        default=None, description="As in POST /api/v1/complaints; or give `phone` (and `name`)"
    )
    phone: str = Field(default="", description="Instead of `customer`: the phone number")
    name: str = Field(default="", description="Instead of `customer`: the name")
    demand: str = ""
    channel: PublicChannelValue = Channel.WEB.value


class ReceiptOut(Schema):
    number: str
    status: str
    received_at: dt.datetime
    reply_due: dt.datetime
    message: str


class PublicUpdateOut(Schema):
    at: dt.datetime
    text: str


class PublicStatusOut(Schema):
    updates: list[PublicUpdateOut] = Field(
        description="Progress replies sent while the complaint is handled, oldest first"
    )
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


# Service field names → the names of the flat fields (a body with `customer` keeps the
# service's names, which are its own).
FLAT_FIELDS = {"customer.phone": "phone", "customer.name": "name"}


def _public_registration(payload: PublicIn) -> Registration:
    """The registration of a public submission, with its customer from `customer` or from
    the flat fields (422 when both or neither are given)."""
    customer = payload.customer
    flat = bool(payload.phone or payload.name)
    if customer is not None and flat:
        raise ValidationFailed.for_field(
            "customer", _("Give the customer as `customer` or as `phone` and `name`, not both")
        )
    if customer is None:
        if not payload.phone:
            raise ValidationFailed.for_field("customer", _("The customer's phone is required"))
        customer = PublicCustomerIn(phone=payload.phone, name=payload.name)
    return Registration(
        channel=payload.channel,
        content=payload.content,
        customer_phone=customer.phone,
        customer_name=customer.name,
        customer_account=customer.account,
        region=customer.region,
        demand=payload.demand,
    )


@public_router.post(
    "/complaints",
    operation_id="tousu_intake_api_public_submit",
    response={201: ReceiptOut, **errors(429)},
    summary="Submit a complaint",
    description="The customer as the `customer` object of POST /api/v1/complaints (phone, "
    "name, account, region), or as the flat `phone` and `name`; giving both, or no phone, "
    "is 422 on `customer`.",
)
def public_submit(request: HttpRequest, payload: PublicIn) -> HttpStatus:
    ratelimit.public_limit(request, "public-submit")
    registration = _public_registration(payload)
    try:
        complaint = complaint_register(registration=registration, actor=None, actor_name="customer")
    except ValidationFailed as exc:
        if payload.customer is None:  # name the fields as sent (`phone`, not `customer.phone`)
            exc.fields = {FLAT_FIELDS.get(k, k): v for k, v in exc.fields.items()}
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
