"""`GET /api/v1/callbacks?state=due|overdue|done` (API.md): the callbacks of the complaints the
caller may see. Thin: parse, one selector, render."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from tousu.accounts.models import User
from tousu.callbacks.choices import CallbackState
from tousu.callbacks.models import CallbackTask
from tousu.callbacks.selectors import callbacks_for_user
from tousu.core import clock
from tousu.core.api import PAGE_SIZE_DEFAULT, OneOf, errors, page_body, paginate

router = Router(tags=["callbacks"])


class CallbackQuery(Schema):
    state: Annotated[str, OneOf(CallbackState)] = Field(
        CallbackState.DUE.value,
        description="due: pending, not yet past the due time; overdue: pending past it; "
        "done: recorded (unreachable included)",
    )
    page: int = 1
    page_size: int = PAGE_SIZE_DEFAULT


class CallbackOut(Schema):
    number: str = Field(description="the complaint's number")
    status: str = Field(description="pending, done")
    due: dt.datetime = Field(description="when the callback is due")
    attempts: int = Field(description="calls made so far")
    next_attempt_at: dt.datetime | None = Field(
        description="after a failed call, when to try again (another part of the day)"
    )
    result: str | None = Field(
        description="satisfied, basically_satisfied, dissatisfied, unreachable; null until done"
    )
    scores: dict[str, int] = Field(description="timeliness, attitude, solution, simplicity: 1–5")
    overall: int | None = Field(description="overall satisfaction 1–5")
    reasons: list[str] = Field(description="coded reasons for dissatisfaction")
    done_at: dt.datetime | None
    links: dict[str, str]


class CallbackPage(Schema):
    items: list[CallbackOut]
    count: int
    page: int
    page_size: int


def _out(task: CallbackTask) -> dict[str, object]:
    number = task.complaint.number
    scores = {
        k: v
        for k in ("timeliness", "attitude", "solution", "simplicity")
        if (v := getattr(task, k)) is not None
    }
    return {
        "number": number,
        "status": task.status,
        "due": clock.local(task.due_at),
        "attempts": task.attempt_count,
        "next_attempt_at": clock.local(task.next_attempt_at) if task.next_attempt_at else None,
        "result": task.result or None,
        "scores": scores,
        "overall": task.overall,
        "reasons": list(task.reasons or []),
        "done_at": clock.local(task.done_at) if task.done_at else None,
        "links": {"complaint": f"/api/v1/complaints/{number}"},
    }


@router.get(
    "",
    operation_id="tousu_callbacks_api_callbacks",
    response={200: CallbackPage, **errors(422)},
    summary="Callbacks due, overdue or done, of the complaints I may see",
)
def callbacks(request: HttpRequest, query: Query[CallbackQuery]) -> dict[str, object]:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    qs = callbacks_for_user(user, query.state, clock.now())
    rows, count = paginate(qs, query.page, query.page_size)
    return page_body([_out(t) for t in rows], count, query.page, query.page_size)
