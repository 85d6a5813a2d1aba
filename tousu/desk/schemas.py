"""API shapes of a complaint (API.md). Built from the model by `complaint_out`, which alone
decides whether personal data is shown."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema

from tousu.accounts.models import User
from tousu.accounts.permissions import can_view_pii
from tousu.accounts.services import pii_access_log
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.core.api import OneOf
from tousu.core.clock import local
from tousu.core.pii import mask_name, mask_phone
from tousu.desk.selectors import SimilarComplaint
from tousu.sla.choices import DueState
from tousu.sla.selectors import countdown as sla_countdown


class CustomerOut(Schema):
    phone: str
    name: str
    account: str | None = None
    region: str | None = None


class CategoryOut(Schema):
    code: str
    name: str
    confidence: float | None
    source: str


class DepartmentOut(Schema):
    code: str
    name: str


class RiskOut(Schema):
    score: float
    reasons: list[str]


class EmotionOut(Schema):
    anger: float
    urgency: float


class ComplaintOut(Schema):
    number: str
    status: str
    channel: str
    content: str
    demand: str
    customer: CustomerOut
    category: CategoryOut | None
    level: str
    department: DepartmentOut | None
    handler: str | None
    repeat_of: str | None
    region: str | None
    external_ref: str
    received_at: dt.datetime
    registered_at: dt.datetime
    first_response_due: dt.datetime
    resolution_due: dt.datetime
    accepted_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    overdue: bool
    # The countdown (R4.2): seconds to the resolution limit (negative when overdue; frozen
    # while paused) and its colour; both null once the complaint is no longer open.
    time_left_seconds: int | None
    due_state: Annotated[str, OneOf(DueState)] | None
    time_limit_policy: str
    # The automatic assessment at registration (R2.4, R2.6); null when it was never made.
    risk: RiskOut | None
    emotion: EmotionOut | None
    links: dict[str, str]


class ComplaintDetailOut(ComplaintOut):
    """One complaint, with the complaints that repeat it (R2.5)."""

    repeats: list[str]


class EventOut(Schema):
    at: dt.datetime
    type: str
    actor: str
    data: dict[str, Any]


class TimelineOut(Schema):
    items: list[EventOut]


class SimilarRemedyOut(Schema):
    type: str
    amount: Decimal


class SimilarOut(Schema):
    number: str
    status: str
    category: str | None
    received_at: dt.datetime
    score: float
    remedies: list[SimilarRemedyOut]
    # The result of the latest done callback (satisfied, dissatisfied, …); null without one.
    satisfaction: str | None


class SimilarPage(Schema):
    items: list[SimilarOut]


class ComplaintPage(Schema):
    items: list[ComplaintOut]
    count: int
    page: int
    page_size: int


def complaint_out(complaint: Complaint, *, reveal: bool, now: dt.datetime) -> dict[str, Any]:
    customer = complaint.customer
    category = complaint.category
    department = complaint.department
    countdown = sla_countdown(complaint, now)
    return {
        "number": complaint.number,
        "status": complaint.status,
        "channel": complaint.channel,
        "content": complaint.content,
        "demand": complaint.demand,
        "customer": {
            "phone": customer.phone if reveal else mask_phone(customer.phone),
            "name": customer.name if reveal else mask_name(customer.name),
            "account": (customer.account if reveal else None) or None,
            "region": complaint.region.code if complaint.region else None,
        },
        "category": {
            "code": category.code,
            "name": category.path_name,
            "confidence": complaint.category_confidence,
            "source": complaint.category_source,
        }
        if category
        else None,
        "level": complaint.level,
        "department": {"code": department.code, "name": department.name} if department else None,
        "handler": complaint.handler.username if complaint.handler else None,
        "repeat_of": complaint.repeat_of.number if complaint.repeat_of else None,
        "region": complaint.region.code if complaint.region else None,
        "external_ref": complaint.external_ref,
        "received_at": local(complaint.received_at),
        "registered_at": local(complaint.registered_at),
        "first_response_due": local(complaint.first_response_due),
        "resolution_due": local(complaint.resolution_due),
        "accepted_at": local(complaint.accepted_at) if complaint.accepted_at else None,
        "resolved_at": local(complaint.resolved_at) if complaint.resolved_at else None,
        "closed_at": local(complaint.closed_at) if complaint.closed_at else None,
        "overdue": complaint.is_open and complaint.resolution_due < now,
        "time_left_seconds": countdown.seconds,
        "due_state": countdown.state,
        "time_limit_policy": complaint.time_limit_policy,
        "risk": {"score": complaint.risk_score, "reasons": list(complaint.risk_reasons or [])}
        if complaint.risk_score is not None
        else None,
        "emotion": {"anger": complaint.anger, "urgency": complaint.urgency or 0.0}
        if complaint.anger is not None
        else None,
        "links": {"self": f"/api/v1/complaints/{complaint.number}"},
    }


def similar_out(similar: SimilarComplaint) -> dict[str, Any]:
    c = similar.complaint
    return {
        "number": c.number,
        "status": c.status,
        "category": c.category.code if c.category else None,
        "received_at": local(c.received_at),
        "score": similar.score,
        "remedies": [{"type": r.type, "amount": r.amount} for r in similar.remedies],
        "satisfaction": similar.satisfaction,
    }


def reveal_for(user: User, complaints: list[Complaint], via: str) -> bool:
    """Whether `user` sees personal data in this response; when they do, it is logged."""
    if not complaints or not can_view_pii(user):
        return False
    subject = complaints[0].number if len(complaints) == 1 else "complaints:list"
    pii_access_log(
        user=user, subject=subject, fields="phone,name,account", via=via, count=len(complaints)
    )
    return True


def event_out(event: ComplaintEvent) -> dict[str, Any]:
    return {
        "at": local(event.at),
        "type": event.type,
        "actor": event.actor_name,
        "data": event.data,
    }
