"""`/api/v1/complaints…`: reads and lifecycle actions. Thin: parse, call one service, render."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from tousu.accounts.models import Department, User
from tousu.callbacks.choices import DissatisfiedAction
from tousu.callbacks.services import complaint_callback_record
from tousu.complaints import selectors, services
from tousu.complaints.choices import TimeLeft
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.api import PAGE_SIZE_DEFAULT, Strict, page_body, paginate, parse_time_bound
from tousu.core.errors import NotFound, ValidationFailed
from tousu.desk.schemas import (
    ComplaintDetailOut,
    ComplaintOut,
    ComplaintPage,
    SimilarPage,
    TimelineOut,
    complaint_out,
    event_out,
    reveal_for,
    similar_out,
)
from tousu.desk.selectors import similar_complaints
from tousu.knowledge.selectors import reply_wording_check
from tousu.resolution.services import (
    RemedyInput,
    complaint_approve,
    complaint_close,
    complaint_resolve,
)
from tousu.routing.services import complaint_dispatch, complaint_return, expert_team_form
from tousu.sla.services import (
    complaint_escalate,
    complaint_pause,
    complaint_reopen,
    complaint_resume,
)

router = Router(tags=["complaints"])


class ListQuery(Schema):
    status: str = ""
    category: str = ""
    channel: str = ""
    level: str = ""
    department: str = ""
    handler: str = ""
    region: str = ""
    overdue: bool = False
    time_left: str = ""
    repeat: bool = False
    received_from: str = ""
    received_to: str = ""
    customer_phone: str = ""
    q: str = ""
    page: int = 1
    page_size: int = PAGE_SIZE_DEFAULT


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def _render(request: HttpRequest, complaint: Complaint) -> dict[str, object]:
    user = _user(request)
    try:
        fresh = selectors.get_complaint_for_user(user, complaint.number)
    except NotFound:
        # The action succeeded and took the complaint out of the caller's scope (a transfer
        # to another department): answer with its state, not a 404 for a change that was made.
        fresh = complaint
    return complaint_out(fresh, reveal=reveal_for(user, [fresh], "api"), now=clock.now())


@router.get("", response=ComplaintPage, summary="List complaints")
def complaint_list(request: HttpRequest, query: Query[ListQuery]) -> dict[str, object]:
    from tousu.core.text import normalise_phone

    phone = ""
    if query.customer_phone:
        phone = normalise_phone(query.customer_phone) or ""
        if not phone:
            raise ValidationFailed("电话号码无效", fields={"customer_phone": ["电话号码无效"]})
    if query.time_left and query.time_left not in TimeLeft.values:
        message = "剩余时限应为 " + "、".join(TimeLeft.values)
        raise ValidationFailed(message, fields={"time_left": [message]})
    filters = selectors.ComplaintFilters(
        status=query.status,
        category=query.category,
        channel=query.channel,
        level=query.level,
        department=query.department,
        handler=query.handler,
        region=query.region,
        overdue=query.overdue,
        time_left=query.time_left,
        repeat=query.repeat,
        received_from=parse_time_bound(query.received_from, "received_from")
        if query.received_from
        else None,
        received_to=parse_time_bound(query.received_to, "received_to", end=True)
        if query.received_to
        else None,
        customer_phone=phone,
        q=query.q.strip(),
    )
    user = _user(request)
    ranked = selectors.complaint_search(user, filters) if filters.q else None
    listed = ranked if ranked is not None else selectors.complaint_list(user, filters)
    items, count = paginate(listed, query.page, query.page_size)
    reveal = reveal_for(user, items, "api")
    now = clock.now()
    body = [complaint_out(c, reveal=reveal, now=now) for c in items]
    return page_body(body, count, query.page, query.page_size)


@router.get("/{number}", response=ComplaintDetailOut, summary="One complaint with its due times")
def complaint_get(request: HttpRequest, number: str) -> dict[str, object]:
    complaint = selectors.get_complaint_for_user(_user(request), number)
    body = _render(request, complaint)
    # Its repeats (R2.5): one query, on this page only — lists do not carry them.
    body["repeats"] = list(
        complaint.repeats.order_by("received_at", "pk").values_list("number", flat=True)
    )
    return body


@router.get("/{number}/timeline", response=TimelineOut, summary="Every event, oldest first")
def complaint_timeline(request: HttpRequest, number: str) -> dict[str, object]:
    complaint = selectors.get_complaint_for_user(_user(request), number)
    return {"items": [event_out(e) for e in selectors.complaint_timeline(complaint)]}


@router.get(
    "/{number}/similar", response=SimilarPage, summary="The most similar complaints, with outcomes"
)
def complaint_similar(request: HttpRequest, number: str) -> dict[str, object]:
    user = _user(request)
    complaint = selectors.get_complaint_for_user(user, number)
    return {"items": [similar_out(s) for s in similar_complaints(complaint, user)]}


def _get(request: HttpRequest, number: str) -> Complaint:
    return selectors.get_complaint_for_user(_user(request), number)


def _department(code: str, field: str) -> Department:
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise ValidationFailed("未知部门", fields={field: [f"未知部门「{code}」"]})
    return department


class DispatchIn(Strict):
    department: str
    handler: str | None = None
    reason: str | None = None


@router.post("/{number}/dispatch", response=ComplaintOut, summary="(Re)dispatch or transfer")
def dispatch(request: HttpRequest, number: str, payload: DispatchIn) -> dict[str, object]:
    complaint = _get(request, number)
    department = _department(payload.department, "department")
    handler = None
    if payload.handler:
        handler = User.objects.filter(username=payload.handler).first()
        if handler is None:
            raise ValidationFailed(
                "未知处理人", fields={"handler": [f"未知用户「{payload.handler}」"]}
            )
    complaint = complaint_dispatch(
        complaint=complaint,
        actor=_user(request),
        department=department,
        handler=handler,
        reason=payload.reason or "",
    )
    return _render(request, complaint)


class ReturnIn(Strict):
    reason: str


@router.post("/{number}/return", response=ComplaintOut, summary="Return (退单) with a reason")
def return_(request: HttpRequest, number: str, payload: ReturnIn) -> dict[str, object]:
    complaint = complaint_return(
        complaint=_get(request, number), actor=_user(request), reason=payload.reason
    )
    return _render(request, complaint)


class TeamIn(Strict):
    lead: str
    members: list[str] = Field(default_factory=list, max_length=20)


def _users(usernames: list[str], field: str) -> list[User]:
    found = {u.username: u for u in User.objects.filter(username__in=usernames)}
    unknown = [name for name in usernames if name not in found]
    if unknown:
        raise ValidationFailed(
            "未知用户", fields={field: [f"未知用户「{name}」" for name in unknown]}
        )
    return [found[name] for name in usernames]


@router.post("/{number}/team", response=ComplaintOut, summary="Form the expert team")
def team(request: HttpRequest, number: str, payload: TeamIn) -> dict[str, object]:
    complaint = _get(request, number)
    expert_team_form(
        complaint=complaint,
        actor=_user(request),
        lead=_users([payload.lead], "lead")[0],
        members=_users(payload.members, "members"),
    )
    return _render(request, complaint)


class Empty(Strict):
    pass


@router.post("/{number}/accept", response=ComplaintOut, summary="The handler starts")
def accept(request: HttpRequest, number: str, payload: Empty | None = None) -> dict[str, object]:
    complaint = services.complaint_accept(complaint=_get(request, number), actor=_user(request))
    return _render(request, complaint)


class NoteIn(Strict):
    text: str
    internal: bool = True


@router.post("/{number}/notes", response=ComplaintOut, summary="A note on the timeline")
def notes(request: HttpRequest, number: str, payload: NoteIn) -> dict[str, object]:
    complaint = services.complaint_note_add(
        complaint=_get(request, number),
        actor=_user(request),
        text=payload.text,
        internal=payload.internal,
    )
    return _render(request, complaint)


class EscalateIn(Strict):
    level: Literal["ordinary", "important", "major", "over_level"]
    reason: str


@router.post("/{number}/escalate", response=ComplaintOut, summary="Raise the level")
def escalate(request: HttpRequest, number: str, payload: EscalateIn) -> dict[str, object]:
    complaint = complaint_escalate(
        complaint=_get(request, number),
        actor=_user(request),
        level=payload.level,
        reason=payload.reason,
    )
    return _render(request, complaint)


class PauseIn(Strict):
    reason: str


@router.post("/{number}/pause", response=ComplaintOut, summary="Stop the clock (挂起)")
def pause(request: HttpRequest, number: str, payload: PauseIn) -> dict[str, object]:
    complaint = complaint_pause(
        complaint=_get(request, number), actor=_user(request), reason=payload.reason
    )
    return _render(request, complaint)


@router.post("/{number}/resume", response=ComplaintOut, summary="Restart the clock")
def resume(request: HttpRequest, number: str, payload: Empty | None = None) -> dict[str, object]:
    complaint = complaint_resume(complaint=_get(request, number), actor=_user(request))
    return _render(request, complaint)


RemedyTypeLiteral = Literal[
    "refund",
    "bill_credit",
    "data_credit",
    "apology",
    "explanation",
    "repair",
    "exchange",
    "gift",
    "discount",
]


class RemedyIn(Strict):
    type: RemedyTypeLiteral
    amount: Decimal = Field(default=Decimal(0), ge=0, le=1_000_000, decimal_places=2)
    note: str = ""


class ResolveIn(Strict):
    finding: Literal["true", "partly_true", "not_true"]
    cause: str
    responsible_department: str
    remedies: list[RemedyIn] = Field(default_factory=list, max_length=20)
    reply: str
    # Facts a standard clause computes its remedy from (issue 5); optional, additive to API.md.
    disputed_amount: Decimal | None = Field(default=None, ge=0, max_digits=10, decimal_places=2)
    outage_days: Decimal | None = Field(default=None, ge=0, le=366, max_digits=5, decimal_places=1)


@router.post("/{number}/resolve", response=ComplaintOut, summary="Record the outcome")
def resolve(request: HttpRequest, number: str, payload: ResolveIn) -> dict[str, object]:
    complaint = _get(request, number)
    reply_wording_check(payload.reply)
    complaint = complaint_resolve(
        complaint=complaint,
        actor=_user(request),
        finding=payload.finding,
        cause=payload.cause,
        responsible_department=_department(
            payload.responsible_department, "responsible_department"
        ),
        remedies=[RemedyInput(r.type, r.amount, r.note) for r in payload.remedies],
        reply=payload.reply,
        disputed_amount=payload.disputed_amount,
        outage_days=payload.outage_days,
    )
    return _render(request, complaint)


class ApproveIn(Strict):
    approved: bool
    note: str = ""


@router.post("/{number}/approve", response=ComplaintOut, summary="Approve remedies")
def approve(request: HttpRequest, number: str, payload: ApproveIn) -> dict[str, object]:
    complaint = complaint_approve(
        complaint=_get(request, number),
        actor=_user(request),
        approved=payload.approved,
        note=payload.note,
    )
    return _render(request, complaint)


class CloseIn(Strict):
    customer_accepted: bool


@router.post("/{number}/close", response=ComplaintOut, summary="Close; schedules a callback")
def close(request: HttpRequest, number: str, payload: CloseIn) -> dict[str, object]:
    complaint = complaint_close(
        complaint=_get(request, number),
        actor=_user(request),
        customer_accepted=payload.customer_accepted,
    )
    return _render(request, complaint)


class ReopenIn(Strict):
    reason: str


@router.post("/{number}/reopen", response=ComplaintOut, summary="Back to in_progress")
def reopen(request: HttpRequest, number: str, payload: ReopenIn) -> dict[str, object]:
    complaint = complaint_reopen(
        complaint=_get(request, number), actor=_user(request), reason=payload.reason
    )
    return _render(request, complaint)


class Scores(Strict):
    timeliness: int | None = Field(default=None, ge=1, le=5)
    attitude: int | None = Field(default=None, ge=1, le=5)
    solution: int | None = Field(default=None, ge=1, le=5)
    simplicity: int | None = Field(default=None, ge=1, le=5)


class CallbackIn(Strict):
    result: Literal["satisfied", "basically_satisfied", "dissatisfied", "unreachable"]
    scores: Scores | None = None
    comment: str = ""
    action: Literal["reopen", "repair"] = DissatisfiedAction.REOPEN.value  # type: ignore[assignment]


@router.post("/{number}/callback", response=ComplaintOut, summary="Record the callback")
def callback(request: HttpRequest, number: str, payload: CallbackIn) -> dict[str, object]:
    complaint = _get(request, number)
    scores = payload.scores.model_dump(exclude_none=True) if payload.scores else {}
    complaint_callback_record(
        complaint=complaint,
        actor=_user(request),
        result=payload.result,
        scores=scores,
        comment=payload.comment,
        dissatisfied_action=payload.action,
    )
    return _render(request, complaint)
