"""`/api/v1/repair/cases…` and `/api/v1/reports/repair` (API.md). Thin: parse, call, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja import Status as HttpStatus
from pydantic import ConfigDict

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.accounts.services import pii_reveal_log, text_mask_for
from tousu.accounts.views import api_user
from tousu.complaints.models import Complaint
from tousu.core.api import (
    PAGE_SIZE_DEFAULT,
    TIME_BOUND_DESCRIPTION,
    Strict,
    errors,
    page_body,
    paginate,
    parse_period,
)
from tousu.core.clock import local
from tousu.core.errors import FieldErrors, NotAllowed, ValidationFailed
from tousu.core.pii import mask_name, mask_phone
from tousu.customers.models import Customer
from tousu.repair import report, selectors, services
from tousu.repair.models import RepairCase

router = Router(tags=["repair"])
reports_router = Router(tags=["reports"])

CUSTOMER_FIELDS = "phone,name"
MAX_REPORT_DAYS = 731


class RepairCustomerOut(Schema):
    phone: str
    name: str


class RepairDepartmentOut(Schema):
    code: str
    name: str


class RepairActionOut(Schema):
    step: str
    title: str
    department: str
    due_at: dt.datetime
    done_at: dt.datetime | None
    done_by: str | None
    note: str
    contact_outcome: str


class RepairContactOut(Schema):
    at: dt.datetime
    by: str
    outcome: str
    note: str


class RepairCaseOut(Schema):
    id: int
    customer: RepairCustomerOut
    type: str
    source: str
    sources: list[str]
    status: str
    owner: str | None
    department: RepairDepartmentOut
    complaint: str | None
    due_at: dt.datetime
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    satisfaction_before: int | None
    satisfaction_after: int | None
    outcome: str
    actions: list[RepairActionOut]
    contacts: list[RepairContactOut]
    links: dict[str, str]


class RepairCasePage(Schema):
    items: list[RepairCaseOut]
    count: int
    page: int
    page_size: int


def case_out(case: RepairCase, reveal: bool) -> dict[str, Any]:
    """One case's API shape (its plan and contacts prefetched); the customer masked unless
    `reveal`."""
    customer = case.customer
    return {
        "id": case.pk,
        "customer": {
            "phone": customer.phone if reveal else mask_phone(customer.phone),
            "name": customer.name if reveal else mask_name(customer.name),
        },
        "type": case.type,
        "source": case.source,
        "sources": [s.source for s in case.sources.all()],
        "status": case.status,
        "owner": case.owner.username if case.owner else None,
        "department": {"code": case.department.code, "name": case.department.name},
        "complaint": case.complaint.number if case.complaint else None,
        "due_at": local(case.due_at),
        "opened_at": local(case.opened_at),
        "closed_at": local(case.closed_at) if case.closed_at else None,
        "satisfaction_before": case.satisfaction_before,
        "satisfaction_after": case.satisfaction_after,
        "outcome": case.outcome,
        "actions": [
            {
                "step": a.step,
                "title": a.title,
                "department": a.department.code,
                "due_at": local(a.due_at),
                "done_at": local(a.done_at) if a.done_at else None,
                "done_by": a.done_by.username if a.done_by else None,
                "note": a.note,
                "contact_outcome": a.contact_outcome,
            }
            for a in case.actions.all()
        ],
        "contacts": [
            {"at": local(c.at), "by": c.by.username, "outcome": c.outcome, "note": c.note}
            for c in case.contacts.all()
        ],
        "links": {"self": f"/api/v1/repair/cases/{case.pk}"},
    }


def _cases_out(user: User, cases: list[RepairCase]) -> list[dict[str, Any]]:
    reveal = permissions.can_view_pii(user)
    if cases and reveal:
        texts = text_mask_for(user)
        subject = f"repair:{cases[0].pk}" if len(cases) == 1 else "repair:list"
        pii_reveal_log(
            user=user, texts=texts, subject=subject, via="api", fields=CUSTOMER_FIELDS,
            count=len(cases),
        )  # fmt: skip
    return [case_out(c, reveal) for c in cases]


def _case(user: User, pk: int) -> RepairCase:
    return selectors.get_case_for_user(user, pk)


class RepairCaseQuery(Schema):
    status: str = Field("", description="open, in_progress, closed, cancelled, or active")
    type: str = ""
    source: str = ""
    department: str = ""
    mine: bool = False
    page: int = 1
    page_size: int = PAGE_SIZE_DEFAULT


@router.get(
    "/cases",
    operation_id="tousu_repair_api_cases",
    response={200: RepairCasePage, **errors(403, 422)},
    summary="Repair cases in my scope",
)
def cases(request: HttpRequest, query: Query[RepairCaseQuery]) -> dict[str, object]:
    user = api_user(request)
    if not permissions.can_view_repair(user):
        raise NotAllowed(_("Your role may not see repair cases"))
    filters = selectors.CaseFilters(
        status=query.status,
        type=query.type,
        source=query.source,
        department=query.department,
        mine=query.mine,
    )
    qs = selectors.case_list(user, filters).prefetch_related(
        "actions__department", "actions__done_by", "contacts__by", "sources"
    )
    page, count = paginate(qs, query.page, query.page_size)
    return page_body(_cases_out(user, page), count, query.page, query.page_size)


class RepairCaseIn(Strict):
    customer_phone: str = ""
    complaint: str = Field("", description="a complaint number: its customer's case")
    type: str
    note: str = ""


@router.post(
    "/cases",
    operation_id="tousu_repair_api_case_open",
    response={201: RepairCaseOut, **errors(403, 409)},
    summary="Open a repair case by hand for a customer or a complaint's customer",
)
def case_open(request: HttpRequest, payload: RepairCaseIn) -> HttpStatus:
    user = api_user(request)
    complaint = None
    customer = None
    problems = FieldErrors()
    if payload.complaint:
        complaint = (
            Complaint.objects.filter(permissions.scope_q(user), number=payload.complaint)
            .select_related("customer")
            .first()
        )
        if complaint is None:
            problems.add("complaint", _("No such complaint"))
        else:
            customer = complaint.customer
    if payload.customer_phone:
        found = Customer.objects.filter(phone=payload.customer_phone).first()
        if found is None:
            problems.add("customer_phone", _("No such customer"))
        elif customer is not None and found.pk != customer.pk:
            problems.add("customer_phone", _("The complaint is not this customer's"))
        customer = customer or found
    if not payload.complaint and not payload.customer_phone:
        problems.add("customer_phone", _("Give a customer or a complaint"))
    problems.raise_if_any(_("The repair case has errors"))
    assert customer is not None
    case = services.repair_case_open(
        actor=user, customer=customer, type=payload.type, complaint=complaint, note=payload.note
    )
    return HttpStatus(201, _cases_out(user, [_case(user, case.pk)])[0])


@router.get(
    "/cases/{id}",
    operation_id="tousu_repair_api_case",
    response={200: RepairCaseOut, **errors(422)},
    summary="One repair case with its plan and contacts",
)
def case_detail(request: HttpRequest, id: int) -> dict[str, Any]:
    user = api_user(request)
    return _cases_out(user, [_case(user, id)])[0]


class RepairActionIn(Strict):
    step: str = Field("", description="the plan's step to mark done")
    contact_outcome: str = Field("", description="reached, accepted, refused or unreachable")
    note: str = ""


@router.post(
    "/cases/{id}/actions",
    operation_id="tousu_repair_api_case_action",
    response={200: RepairCaseOut, **errors(403, 409)},
    summary="Complete a step of the plan and/or log a contact with the customer",
)
def case_action(request: HttpRequest, id: int, payload: RepairActionIn) -> dict[str, Any]:
    user = api_user(request)
    case = _case(user, id)
    services.repair_action_record(
        case=case,
        actor=user,
        step=payload.step,
        note=payload.note,
        contact_outcome=payload.contact_outcome,
    )
    return _cases_out(user, [_case(user, id)])[0]


class RepairCloseIn(Strict):
    satisfaction_after: int = Field(description="the customer's satisfaction now, 1–5")
    outcome: str = ""


@router.post(
    "/cases/{id}/close",
    operation_id="tousu_repair_api_case_close",
    response={200: RepairCaseOut, **errors(403, 409)},
    summary="Close the case with the customer's new satisfaction",
)
def case_close(request: HttpRequest, id: int, payload: RepairCloseIn) -> dict[str, Any]:
    user = api_user(request)
    case = _case(user, id)
    services.repair_case_close(
        case=case,
        actor=user,
        satisfaction_after=payload.satisfaction_after,
        outcome=payload.outcome,
    )
    return _cases_out(user, [_case(user, id)])[0]


# ---- the effect report -----------------------------------------------------------------------


class RepairEstimateOut(Schema):
    value: float | None
    interval: list[float] | None
    n: float


class RepairGroupOut(Schema):
    n: int = Field(description="cases in the strata that both groups have (compared)")
    total: int = Field(description="cases in the period, compared or not")
    before: RepairEstimateOut
    after: RepairEstimateOut
    change: RepairEstimateOut
    repeat_rate_90d: RepairEstimateOut


class RepairDifferenceOut(Schema):
    before: RepairEstimateOut
    after: RepairEstimateOut
    change: RepairEstimateOut
    repeat_rate_90d: RepairEstimateOut


class RepairEffectOut(Schema):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    repaired: RepairGroupOut
    comparison: RepairGroupOut
    difference: RepairDifferenceOut
    strata: int
    unmatched: int
    method: str


@reports_router.get(
    "/repair",
    operation_id="tousu_repair_api_effect",
    response={200: RepairEffectOut, **errors(403, 422)},
    by_alias=True,
    summary="The effect of repair: repaired customers against a matched comparison group",
)
def effect(
    request: HttpRequest,
    from_: str = Query("", alias="from", description=TIME_BOUND_DESCRIPTION),
    to: str = Query("", description=TIME_BOUND_DESCRIPTION),
) -> dict[str, object]:
    user = api_user(request)
    if not permissions.can_view_dashboard(user):
        raise NotAllowed(_("Your role may not see the repair report"))
    start, end = parse_period(from_, to)
    if end - start > dt.timedelta(days=MAX_REPORT_DAYS):
        raise ValidationFailed.for_field(
            "to",
            _("At most %(days)s days") % {"days": MAX_REPORT_DAYS},
            message=_("The period is at most %(days)s days") % {"days": MAX_REPORT_DAYS},
        )
    return {"from_": from_, "to": to, **report.effect_out(report.effect_report(start, end, user))}
