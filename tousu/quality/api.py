"""`/api/v1/inspections…`, `/api/v1/capa…`, `/api/v1/documents…` (API.md). Thin: parse, call,
render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja import Status as HttpStatus

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.core.api import PAGE_SIZE_DEFAULT, Strict, errors, page_body, paginate
from tousu.core.clock import local
from tousu.core.errors import FieldErrors
from tousu.quality import selectors, services
from tousu.quality.models import Inspection

inspections_router = Router(tags=["quality"])
capa_router = Router(tags=["quality"])
documents_router = Router(tags=["quality"])

# Inspection


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


class SheetItemOut(Schema):
    code: str
    title: str
    weight: int
    max_points: int
    fatal: bool


class SheetOut(Schema):
    code: str
    version: int
    name: str
    items: list[SheetItemOut]


class ItemScoreOut(Schema):
    item: str
    points: int
    comment: str


class DepartmentOut(Schema):
    code: str
    name: str


class AppealOut(Schema):
    status: str = Field(description="pending, upheld or rejected")
    by: str
    reason: str
    created_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    note: str
    total_before: float
    total_after: float | None


class InspectionOut(Schema):
    id: int
    complaint: str = Field(description="the complaint's number")
    reason: str = Field(
        description="random, over_level, reopened, out_of_standard, dissatisfied, manual, "
        "calibration"
    )
    status: str = Field(description="open (to score) or scored")
    inspector: str
    handler: str | None = Field(description="whose handling is scored")
    department: DepartmentOut | None
    sheet: SheetOut
    scores: list[ItemScoreOut]
    total: float | None = Field(description="out of 100; 0 when a fatal item failed")
    fatal: bool
    comment: str
    created_at: dt.datetime
    due_at: dt.datetime
    scored_at: dt.datetime | None
    appeal_due_at: dt.datetime | None
    appeal: AppealOut | None
    links: dict[str, str]


class InspectionPage(Schema):
    items: list[InspectionOut]
    count: int
    page: int
    page_size: int


def _when(moment: dt.datetime | None) -> dt.datetime | None:
    return local(moment) if moment else None


def _appeal_out(inspection: Inspection) -> dict[str, Any] | None:
    appeal = selectors.appeal_of(inspection)
    if appeal is None:
        return None
    return {
        "status": appeal.status,
        "by": appeal.by.username,
        "reason": appeal.reason,
        "created_at": local(appeal.created_at),
        "decided_by": appeal.decided_by.username if appeal.decided_by else None,
        "decided_at": _when(appeal.decided_at),
        "note": appeal.decision_note,
        "total_before": float(appeal.total_before),
        "total_after": float(appeal.total_after) if appeal.total_after is not None else None,
    }


def inspection_out(inspection: Inspection) -> dict[str, Any]:
    """One inspection's API shape (its sheet's items and its scores prefetched)."""
    sheet = inspection.sheet
    department = inspection.department
    return {
        "id": inspection.pk,
        "complaint": inspection.complaint.number,
        "reason": inspection.reason,
        "status": inspection.status,
        "inspector": inspection.inspector.username,
        "handler": inspection.handler.username if inspection.handler else None,
        "department": {"code": department.code, "name": department.name} if department else None,
        "sheet": {
            "code": sheet.code,
            "version": sheet.version,
            "name": sheet.name,
            "items": [
                {
                    "code": i.code,
                    "title": i.title,
                    "weight": i.weight,
                    "max_points": i.max_points,
                    "fatal": i.fatal,
                }
                for i in sheet.items.all()
            ],
        },
        "scores": [
            {"item": s.item.code, "points": s.points, "comment": s.comment}
            for s in inspection.scores.all()
        ],
        "total": float(inspection.total) if inspection.total is not None else None,
        "fatal": inspection.fatal,
        "comment": inspection.comment,
        "created_at": local(inspection.created_at),
        "due_at": local(inspection.due_at),
        "scored_at": _when(inspection.scored_at),
        "appeal_due_at": _when(inspection.appeal_due_at),
        "appeal": _appeal_out(inspection),
        "links": {"self": f"/api/v1/inspections/{inspection.pk}"},
    }


def _one(user: User, pk: int) -> dict[str, Any]:
    return inspection_out(selectors.get_inspection_for_user(user, pk))


class InspectionQuery(Schema):
    status: str = Field("", description="open, scored, or appeal (an appeal pending)")
    reason: str = ""
    inspector: str = Field("", description="username")
    handler: str = Field("", description="username")
    department: str = Field("", description="department code")
    complaint: str = Field("", description="complaint number")
    mine: bool = Field(False, description="only the tasks assigned to me")
    page: int = 1
    page_size: int = PAGE_SIZE_DEFAULT


@inspections_router.get(
    "",
    operation_id="tousu_quality_api_inspections",
    response={200: InspectionPage, **errors(422)},
    summary="Quality inspections in my scope, open ones first",
)
def inspections(request: HttpRequest, query: Query[InspectionQuery]) -> dict[str, object]:
    user = _user(request)
    filters = selectors.InspectionFilters(
        status=query.status,
        reason=query.reason,
        inspector=query.inspector,
        handler=query.handler,
        department=query.department,
        complaint=query.complaint,
        mine=query.mine,
    )
    qs = selectors.inspection_list(user, filters).prefetch_related("sheet__items", "scores__item")
    page, count = paginate(qs, query.page, query.page_size)
    return page_body([inspection_out(i) for i in page], count, query.page, query.page_size)


class InspectionIn(Strict):
    complaint: str = Field(description="the number of a resolved or closed complaint")
    inspector: str = Field("", description="username of a quality inspector; default: by load")


@inspections_router.post(
    "",
    operation_id="tousu_quality_api_inspection_create",
    response={201: InspectionOut, **errors(403, 409)},
    summary="Create an inspection task for a complaint by hand",
)
def inspection_create(request: HttpRequest, payload: InspectionIn) -> HttpStatus:
    user = _user(request)
    problems = FieldErrors()
    complaint = Complaint.objects.filter(
        permissions.scope_q(user), number=payload.complaint
    ).first()
    if complaint is None:
        problems.add("complaint", _("No such complaint"))
    inspector = None
    if payload.inspector:
        inspector = User.objects.filter(username=payload.inspector).first()
        if inspector is None:
            problems.add("inspector", _("No such user"))
    problems.raise_if_any(_("The inspection cannot be created"))
    assert complaint is not None
    task = services.inspection_create(actor=user, complaint=complaint, inspector=inspector)
    return HttpStatus(201, _one(user, task.pk))


@inspections_router.get(
    "/{id}",
    operation_id="tousu_quality_api_inspection",
    response={200: InspectionOut, **errors(422)},
    summary="One inspection with its sheet, scores and appeal",
)
def inspection_detail(request: HttpRequest, id: int) -> dict[str, Any]:
    return _one(_user(request), id)


class ScoreIn(Strict):
    scores: dict[str, Any] = Field(
        description="item code → points, a whole number from 0 to the item's max_points; "
        "every item of the sheet"
    )
    comments: dict[str, str] = Field(default_factory=dict, description="item code → comment")
    comment: str = ""


@inspections_router.post(
    "/{id}/score",
    operation_id="tousu_quality_api_inspection_score",
    response={200: InspectionOut, **errors(403, 409)},
    summary="Score an inspection task assigned to me (once)",
)
def inspection_score(request: HttpRequest, id: int, payload: ScoreIn) -> dict[str, Any]:
    user = _user(request)
    services.inspection_score(
        inspection=selectors.get_inspection_for_user(user, id),
        actor=user,
        points=payload.scores,
        comments=payload.comments,
        comment=payload.comment,
    )
    return _one(user, id)


class AppealIn(Strict):
    reason: str = Field(description="why the score is wrong")


@inspections_router.post(
    "/{id}/appeal",
    operation_id="tousu_quality_api_inspection_appeal",
    response={200: InspectionOut, **errors(403, 409)},
    summary="Appeal the score of my handling, within the appeal deadline",
)
def inspection_appeal(request: HttpRequest, id: int, payload: AppealIn) -> dict[str, Any]:
    user = _user(request)
    services.inspection_appeal(
        inspection=selectors.get_inspection_for_user(user, id),
        actor=user,
        reason_text=payload.reason,
    )
    return _one(user, id)


class DecideIn(Strict):
    upheld: bool = Field(description="true: the score is revised to `scores`; false: it stands")
    note: str = Field(description="the reason of the decision")
    scores: dict[str, Any] = Field(
        default_factory=dict, description="upheld: the revised points of every item"
    )
    comments: dict[str, str] = Field(default_factory=dict)


@inspections_router.post(
    "/{id}/appeal/decide",
    operation_id="tousu_quality_api_appeal_decide",
    response={200: InspectionOut, **errors(403, 409)},
    summary="Decide an appeal (another inspector than the one who scored)",
)
def appeal_decide(request: HttpRequest, id: int, payload: DecideIn) -> dict[str, Any]:
    user = _user(request)
    services.appeal_decide(
        inspection=selectors.get_inspection_for_user(user, id),
        actor=user,
        upheld=payload.upheld,
        note=payload.note,
        points=payload.scores,
        comments=payload.comments,
    )
    return _one(user, id)
