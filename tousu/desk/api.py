"""`/api/v1/complaints…`: reads and lifecycle actions. Thin: parse, call one service, render."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import NinjaJSONEncoder

from tousu.accounts.services import pii_reveal_log, text_mask_for
from tousu.complaints import selectors
from tousu.complaints.choices import ArchiveFilter, TimeLeft
from tousu.complaints.models import Complaint
from tousu.core.api import (
    PAGE_SIZE_DEFAULT,
    TIME_BOUND_DESCRIPTION,
    Pageable,
    errors,
    page_body,
    page_check,
    paginate,
    parse_time_bound,
)
from tousu.core.errors import ValidationFailed
from tousu.core.reasons import reason_text
from tousu.desk.actions import ROUTERS
from tousu.desk.actions.base import api_complaint, api_render, api_user
from tousu.desk.schemas import (
    ComplaintDetailOut,
    ComplaintPage,
    SimilarPage,
    TimelineOut,
    WorkPageOut,
    complaints_out,
    events_out,
    similar_out,
    work_items_out,
)
from tousu.desk.selectors import similar_complaints
from tousu.desk.work import WORK_DEPTH_MAX, work_queue
from tousu.early_warning.selectors import customer_risk

router = Router(tags=["complaints"])


class ListQuery(Schema):
    status: str = ""
    category: str = ""
    channel: str = ""
    level: str = ""
    department: str = ""
    handler: str = ""
    region: str = ""
    product: str = Field("", description="the product (plan) as registered, its exact name")
    responsible_department: str = ""
    overdue: bool = False
    time_left: str = ""
    repeat: bool = False
    archived: str = Field("", description="only | exclude; empty: archived complaints included")
    received_from: str = Field("", description=TIME_BOUND_DESCRIPTION)
    received_to: str = Field("", description=TIME_BOUND_DESCRIPTION)
    closed_from: str = Field("", description=TIME_BOUND_DESCRIPTION)
    closed_to: str = Field("", description=TIME_BOUND_DESCRIPTION)
    customer_phone: str = ""
    q: str = ""
    page: int = 1
    page_size: int = PAGE_SIZE_DEFAULT


@router.get(
    "",
    operation_id="tousu_complaints_api_complaint_list",
    response={200: ComplaintPage, **errors(422)},
    summary="List complaints",
)
def complaint_list(request: HttpRequest, query: Query[ListQuery]) -> HttpResponse:
    from tousu.core.text import normalise_phone

    phone = ""
    if query.customer_phone:
        phone = normalise_phone(query.customer_phone) or ""
        if not phone:
            raise ValidationFailed.for_field("customer_phone", _("Not a valid phone number"))
    if query.time_left and query.time_left not in TimeLeft.values:
        message = _("Time left must be one of: %(values)s") % {"values": "、".join(TimeLeft.values)}
        raise ValidationFailed.for_field("time_left", message)
    if query.archived and query.archived not in ArchiveFilter.values:
        message = _("One of: %(values)s") % {"values": "、".join(ArchiveFilter.values)}
        raise ValidationFailed.for_field("archived", message)
    filters = selectors.ComplaintFilters(
        status=query.status,
        category=query.category,
        channel=query.channel,
        level=query.level,
        department=query.department,
        handler=query.handler,
        region=query.region,
        product=query.product.strip(),
        responsible_department=query.responsible_department,
        overdue=query.overdue,
        time_left=query.time_left,
        repeat=query.repeat,
        archived=query.archived,
        received_from=parse_time_bound(query.received_from, "received_from")
        if query.received_from
        else None,
        received_to=parse_time_bound(query.received_to, "received_to", end=True)
        if query.received_to
        else None,
        closed_from=parse_time_bound(query.closed_from, "closed_from")
        if query.closed_from
        else None,
        closed_to=parse_time_bound(query.closed_to, "closed_to", end=True)
        if query.closed_to
        else None,
        customer_phone=phone,
        q=query.q.strip(),
    )
    user = api_user(request)
    ranked = selectors.complaint_search(user, filters) if filters.q else None
    listed = ranked if ranked is not None else selectors.complaint_list(user, filters)
    items, count = complaint_page(listed, query.page, query.page_size)
    body = complaints_out(user, items, "api")
    return json_response(page_body(body, count, query.page, query.page_size))


def complaint_page(
    listed: QuerySet[Complaint] | Pageable[Complaint], page: int, page_size: int
) -> tuple[Sequence[Complaint | selectors.ApiRow], int]:
    """`paginate`, but a list (not a search's ranked matches, which stay complaints) reads its
    page as `ApiRow`s (`selectors.api_list_rows`), whose statement skips a deep page's offset
    over the order's index alone: skipping 50,000 rows with their five joins took 2-6 s at a
    million complaints (issue 19), the keys alone a fraction."""
    if not isinstance(listed, QuerySet):
        return paginate(listed, page, page_size)
    page_check(page, page_size)
    count = listed.count()
    start = (page - 1) * page_size
    # A page past the end is empty without asking the database (as `paginate`).
    if start >= count:
        return [], count
    return selectors.api_list_rows(listed[start : start + page_size]), count


class TimesFirstEncoder(NinjaJSONEncoder):
    """django-ninja's encoder, asked about times first: a page of 50 complaints holds about
    450 of them, and each went through ninja's checks for pydantic models, URLs, IP addresses
    and enums (an abstract class's `isinstance` among them) before Django's encoder wrote it:
    the same text, a sixth of the encoding's time at 50 rows (issue 19;
    desk/tests/test_list_rows.py compares the two encoders' answers)."""

    def default(self, o: Any) -> Any:
        if type(o) is dt.datetime:
            return DjangoJSONEncoder.default(self, o)
        return super().default(o)


def json_response(body: dict[str, object], status: int = 200) -> HttpResponse:
    """`body` as django-ninja answers it (its encoder and content type), without validating it
    again against the response schema: ninja wraps every nested dict of a list's 50 rows in
    a getter and validates it, a fifth of the API list's time (issue 19). `complaint_out` writes
    the schema's shape itself (desk/tests/test_list_rows.py checks the two answers are the
    same); the OpenAPI document still names the schema. Also the registration's answer: one
    complaint, but on the path every registration takes."""
    return HttpResponse(
        json.dumps(body, cls=TimesFirstEncoder),
        content_type="application/json; charset=utf-8",
        status=status,
    )


@router.get(
    "/{number}",
    operation_id="tousu_complaints_api_complaint_get",
    response=ComplaintDetailOut,
    summary="One complaint with its due times",
)
def complaint_get(request: HttpRequest, number: str) -> dict[str, object]:
    complaint = api_complaint(request, number)
    body = api_render(request, complaint)
    # Its repeats (R2.5): one query, on this page only — lists do not carry them.
    body["repeats"] = list(
        complaint.repeats.order_by("received_at", "pk").values_list("number", flat=True)
    )
    # Issue 15: three queries, on this page only, as on the complaint page.
    risk = customer_risk(complaint.customer)
    body["customer_risk"] = {
        "score": risk.score,
        "reasons": [reason_text(r) for r in risk.reasons],
    }
    return body


@router.get(
    "/{number}/timeline",
    operation_id="tousu_complaints_api_complaint_timeline",
    response=TimelineOut,
    summary="Every event, oldest first",
)
def complaint_timeline(request: HttpRequest, number: str) -> dict[str, object]:
    user = api_user(request)
    complaint = api_complaint(request, number)
    return {"items": events_out(user, complaint, selectors.complaint_timeline(complaint), "api")}


@router.get(
    "/{number}/similar",
    operation_id="tousu_complaints_api_complaint_similar",
    response=SimilarPage,
    summary="The most similar complaints, with outcomes",
)
def complaint_similar(request: HttpRequest, number: str) -> dict[str, object]:
    user = api_user(request)
    complaint = api_complaint(request, number)
    # Numbers, statuses, categories and outcomes: no complaint's text, nothing to mask.
    return {"items": [similar_out(s) for s in similar_complaints(complaint, user)]}


# ---- the work queue --------------------------------------------------------------------------

me_router = Router(tags=["work"])


class WorkQuery(Schema):
    waiting: bool = Field(False, description="what waits on others instead of my moves")
    page: int = 1
    page_size: int = PAGE_SIZE_DEFAULT


@me_router.get(
    "/work",
    operation_id="tousu_desk_api_my_work",
    response={200: WorkPageOut, **errors(422)},
    summary="My queue: every item waiting for my move, most urgent first",
)
def my_work(request: HttpRequest, query: Query[WorkQuery]) -> dict[str, object]:
    page_check(query.page, query.page_size, WORK_DEPTH_MAX)
    user = api_user(request)
    work = work_queue(user, page=query.page, size=query.page_size, waiting=query.waiting)
    texts = text_mask_for(user)
    items = work_items_out(work.items, texts)
    pii_reveal_log(user=user, texts=texts, subject="complaints:list", via="api", count=len(items))
    body = page_body(items, work.count, query.page, query.page_size)
    return {**body, "counts": work.counts}


# The actions on a complaint, each in the module of its domain (`desk/actions/`).
for _actions in ROUTERS:
    router.add_router("", _actions)
