"""Registering a complaint as staff (R1.1, R2.5): the agent's form with a live customer look-up,
and `POST /api/v1/complaints` (with idempotency keys). The channel rules are intake's
(`complaint_register`); this module only parses, calls and renders."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from ninja import Field
from ninja import Status as HttpStatus

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.accounts.views import staff
from tousu.complaints.choices import Channel, Level
from tousu.complaints.models import Complaint
from tousu.complaints.selectors import customer_history
from tousu.core.api import OneOf, Strict, errors
from tousu.core.errors import DomainError, Duplicate
from tousu.core.forms import apply_domain_error
from tousu.core.pii import mask_name
from tousu.core.templatetags.tousu_ui import local_name
from tousu.core.text import normalise_phone
from tousu.customers.selectors import customer_by_phone
from tousu.desk.actions.base import api_render
from tousu.desk.api import json_response, router
from tousu.desk.schemas import ComplaintOut, complaints_out
from tousu.intake.forms import REGISTRATION_FIELDS, RegisterForm
from tousu.intake.services import Registration, complaint_register, complaint_register_idempotent

LOOKUP_HISTORY = 10  # earlier complaints shown while registering


# ---- the API -------------------------------------------------------------------------------


ChannelValue = Annotated[str, OneOf(Channel)]
LevelValue = Annotated[str, OneOf(Level)]


class CustomerIn(Strict):
    phone: str
    name: str = ""
    account: str = ""
    region: str = ""


class AuthorityIn(Strict):
    """A regulator referral's authority and its deadlines (issue 17); omitted deadlines take
    the defaults: first contact 24 h after we received the referral, the reply 10 days after
    the authority received the complaint."""

    name: str = Field(default="", description="e.g. 工信部, 广东省通信管理局")
    received_at: dt.datetime | None = Field(
        default=None, description="when the authority received the complaint; ours when absent"
    )
    first_contact_due: dt.datetime | None = Field(
        default=None, description="the authority's deadline to contact the customer"
    )
    reply_due: dt.datetime | None = Field(
        default=None, description="the authority's deadline for the reply"
    )


class RegisterIn(Strict):
    channel: ChannelValue
    content: str
    customer: CustomerIn
    received_at: dt.datetime | None = Field(
        default=None,
        description="ISO 8601 with offset; not in the future, not before "
        "TOUSU_EARLIEST_RECEIVED (by default 2000-01-01, Asia/Shanghai); now when absent",
    )
    demand: str = ""
    external_ref: str = ""
    category: str = ""
    level: LevelValue | None = None
    authority: AuthorityIn | None = Field(
        default=None,
        description="channel regulator only: the authority and its deadlines; the complaint "
        "then answers with their clocks beside the operator's",
    )


def _registration(payload: RegisterIn) -> Registration:
    return Registration(
        channel=payload.channel,
        content=payload.content,
        customer_phone=payload.customer.phone,
        customer_name=payload.customer.name,
        customer_account=payload.customer.account,
        region=payload.customer.region,
        received_at=payload.received_at,
        demand=payload.demand,
        external_ref=payload.external_ref,
        category=payload.category,
        level=payload.level or "",
        **_authority(payload.authority),
    )


def _authority(authority: AuthorityIn | None) -> dict[str, Any]:
    if authority is None:
        return {}
    return {
        "authority": authority.name,
        "authority_received_at": authority.received_at,
        "authority_first_contact_due": authority.first_contact_due,
        "authority_reply_due": authority.reply_due,
    }


@router.post(
    "",
    operation_id="tousu_intake_api_register",
    response={200: ComplaintOut, 201: ComplaintOut, **errors(403, 409)},
    summary="Register a complaint",
    description="Optional header Idempotency-Key: the same key and body return the first "
    "result (200); the same key with another body answers 409.",
)
def register_api(request: HttpRequest, payload: RegisterIn) -> HttpStatus | HttpResponse:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    key = request.headers.get("Idempotency-Key")
    registration = _registration(payload)
    if key is None:
        complaint = complaint_register(registration=registration, actor=user)
        return json_response(_registered_out(user, complaint), status=201)
    body = json.loads(request.body or b"{}")
    complaint, created = complaint_register_idempotent(
        registration=registration, actor=user, key=key, body=body
    )
    if not created:  # the earlier registration's complaint, as it stands now
        return HttpStatus(200, api_render(request, complaint))
    return json_response(_registered_out(user, complaint), status=201)


def _registered_out(user: User, complaint: Complaint) -> dict[str, object]:
    """The complaint just registered, as the registration left it: the service's own object,
    with every row it shows (customer, category and parent, department, handler, region, the
    complaint it repeats) already in hand — not read again (issue 19). Shown whether or not it
    falls in the caller's scope, as `api_render` shows a complaint an action took out of it."""
    return complaints_out(user, [complaint], "api")[0]


# ---- the pages -----------------------------------------------------------------------------


def register_page(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    if not permissions.can_register(user):
        raise PermissionDenied
    form = RegisterForm(request.POST or None)
    status = 200
    duplicate = None
    if form.is_bound:
        status = 422
        if form.is_valid():
            try:
                complaint = complaint_register(registration=form.registration(), actor=user)
            except DomainError as exc:
                apply_domain_error(form, exc, REGISTRATION_FIELDS)
                messages.error(request, exc.message)
                status = exc.status
                # The complaint registered before under this reference, linked by the field.
                duplicate = exc.existing if isinstance(exc, Duplicate) else None
            else:
                message = _("Complaint %(number)s registered and dispatched to %(department)s.") % {
                    "number": complaint.number,
                    "department": local_name(complaint.department),
                }
                if permissions.first_contact_window(user) is not None:
                    # S3 授权: the front line settles on the spot what its authority covers
                    # (just registered by the user: nobody else can have acted on it yet).
                    message += " " + _("You may resolve it on the spot, within your authority.")
                messages.success(request, message)
                if note := _known_customer_note(form.cleaned_data, complaint):
                    messages.warning(request, note)
                return redirect("desk:detail", number=complaint.number)
    context = {"form": form, "duplicate": duplicate}
    return render(request, "intake/register.html", context, status=status)


def _known_customer_note(typed: dict[str, Any], complaint: Complaint) -> str:
    """What the agent typed that the registration did not use: the phone is a customer's
    already, under another name or region, and the complaint went to that customer (their
    details are changed on the customer's page, not by a registration). Empty otherwise."""
    customer = complaint.customer
    name = (typed.get("customer_name") or "").strip()
    region = typed.get("region")
    other_name = bool(name and customer.name and name != customer.name)
    other_region = bool(region and customer.region_id and region.pk != customer.region_id)
    if not (other_name or other_region):
        return ""
    return _(
        "This phone number is already the customer %(name)s's (%(region)s): the complaint was "
        "filed under that customer, and the name or region you typed was not used. If they "
        "have changed, update the customer's page."
    ) % {
        "name": mask_name(customer.name) if customer.name else "—",
        "region": local_name(customer.region) if customer.region_id else "—",
    }


def customer_lookup(request: HttpRequest) -> HttpResponse:
    """The fragment under the phone field: who is calling and what they complained about
    before, within the agent's scope (R2.5); personal data masked."""
    user = staff(request)
    if not permissions.can_register(user):
        raise PermissionDenied
    phone = normalise_phone(request.GET.get("customer_phone", ""))
    customer = customer_by_phone(phone) if phone else None
    history = customer_history(customer, user, LOOKUP_HISTORY) if customer else []
    context = {"phone": phone, "customer": customer, "history": history}
    return render(request, "intake/_customer_lookup.html", context)
