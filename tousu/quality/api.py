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
from tousu.accounts.models import Region, User
from tousu.accounts.views import api_user
from tousu.classification.models import Category
from tousu.complaints.models import Complaint
from tousu.core.api import (
    PAGE_SIZE_DEFAULT,
    Strict,
    errors,
    page_body,
    page_check,
    paginate,
)
from tousu.core.clock import local
from tousu.core.errors import FieldErrors, NotAllowed, NotFound, ValidationFailed
from tousu.core.reasons import reason_text
from tousu.quality import selectors, services
from tousu.quality.choices import CapaStatus
from tousu.quality.models import CapaAction, CorrectiveAction, Inspection

inspections_router = Router(tags=["quality"])
capa_router = Router(tags=["quality"])
documents_router = Router(tags=["quality"])

# Inspection


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
    user = api_user(request)
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
    user = api_user(request)
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
    return _one(api_user(request), id)


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
    user = api_user(request)
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
    user = api_user(request)
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
    user = api_user(request)
    services.appeal_decide(
        inspection=selectors.get_inspection_for_user(user, id),
        actor=user,
        upheld=payload.upheld,
        note=payload.note,
        points=payload.scores,
        comments=payload.comments,
    )
    return _one(user, id)


# ---- Corrective action -------------------------------------------------------------------------


class CapaActionOut(Schema):
    id: int
    title: str
    owner: str
    due_on: dt.date
    done_at: dt.datetime | None
    note: str
    overdue: bool


class CapaEffectOut(Schema):
    unit: str = Field(description="complaints_per_day, or flags_per_closed for a clause")
    days: int
    before_first: dt.date
    before_last: dt.date
    after_first: dt.date
    after_last: dt.date
    before: int
    after: int
    exposure_before: float
    exposure_after: float
    rate_before: float | None
    rate_after: float | None
    ratio: float | None = Field(description="rate after / rate before")
    interval: list[float] | None = Field(description="the ratio's exact 95% interval")
    p_value: float | None = Field(description="one-sided, of no fall (exact conditional test)")
    effective: bool
    verdict: str
    text: str


class CapaSliceOut(Schema):
    category: str | None
    region: str | None
    channel: str | None
    clause: str | None


class CapaOut(Schema):
    id: int
    title: str
    kind: str
    source: str
    source_ref: str
    slice: CapaSliceOut
    root_cause: str
    owner: str
    status: str
    due_on: dt.date
    verify_after_days: int
    opened_at: dt.datetime
    actions_done_on: dt.date | None
    verifiable_on: dt.date | None = Field(description="the first day the check may run")
    verified_at: dt.datetime | None
    complaints: list[str] = Field(description="the linked complaints the caller may open")
    complaint_count: int
    actions: list[CapaActionOut]
    effectiveness: CapaEffectOut | None
    links: dict[str, str]


class CapaPage(Schema):
    items: list[CapaOut]
    count: int
    page: int
    page_size: int


def _effect_out(result: dict[str, Any] | None) -> dict[str, Any] | None:
    if not result or "verdict" not in result:
        return None
    return {
        **{k: v for k, v in result.items() if k != "reason"},
        "text": reason_text(result["reason"]),
    }


def capa_out(capa: CorrectiveAction, numbers: list[str]) -> dict[str, Any]:
    """One corrective action's API shape (actions prefetched, counts annotated)."""
    today = selectors.today()
    periods = selectors.capa_periods(capa)
    return {
        "id": capa.pk,
        "title": capa.title,
        "kind": capa.kind,
        "source": capa.source,
        "source_ref": capa.source_ref,
        "slice": {
            "category": capa.category.code if capa.category else None,
            "region": capa.region.code if capa.region else None,
            "channel": capa.channel or None,
            "clause": capa.clause_code or None,
        },
        "root_cause": capa.root_cause,
        "owner": capa.owner.username,
        "status": capa.status,
        "due_on": capa.due_on,
        "verify_after_days": capa.verify_after_days,
        "opened_at": local(capa.opened_at),
        "actions_done_on": capa.actions_done_on,
        "verifiable_on": periods.verifiable_on if periods else None,
        "verified_at": local(capa.verified_at) if capa.verified_at else None,
        "complaints": numbers,
        "complaint_count": getattr(capa, "complaint_count", len(numbers)),
        "actions": [
            {
                "id": a.pk,
                "title": a.title,
                "owner": a.owner.username,
                "due_on": a.due_on,
                "done_at": local(a.done_at) if a.done_at else None,
                "note": a.note,
                "overdue": a.done_at is None and a.due_on < today,
            }
            for a in capa.actions.all()
        ],
        "effectiveness": _effect_out(capa.result),
        "links": {"self": f"/api/v1/capa/{capa.pk}"},
    }


def _numbers(user: User, capas: list[CorrectiveAction]) -> dict[int, list[str]]:
    """Per corrective action, the numbers of its linked complaints the user may open (one
    query for the page)."""
    through = CorrectiveAction.complaints.through.objects.filter(correctiveaction__in=capas).filter(
        permissions.scope_q(user, "complaint__")
    )
    out: dict[int, list[str]] = {c.pk: [] for c in capas}
    for capa_id, number in through.values_list("correctiveaction_id", "complaint__number").order_by(
        "complaint__number"
    ):
        out[capa_id].append(number)
    return out


def _capa_one(user: User, pk: int) -> dict[str, Any]:
    capa = selectors.get_capa_for_user(user, pk)
    return capa_out(capa, _numbers(user, [capa])[capa.pk])


def _may_see_capa(user: User) -> None:
    if not user.is_active:
        raise NotAllowed(_("Your role may not see corrective actions"))


class CapaQuery(Schema):
    status: str = Field("", description="open, actions_done, closed_effective, "
                        "closed_not_effective, or active (open and actions_done)")  # fmt: skip
    page: int = 1
    page_size: int = PAGE_SIZE_DEFAULT


@capa_router.get(
    "",
    operation_id="tousu_quality_api_capa_list",
    response={200: CapaPage, **errors(403, 422)},
    summary="Corrective actions I may see, active ones first",
)
def capa_list(request: HttpRequest, query: Query[CapaQuery]) -> dict[str, Any]:
    user = api_user(request)
    _may_see_capa(user)
    if query.status and query.status != "active" and query.status not in CapaStatus.values:
        problems = FieldErrors()
        problems.add("status", _("One of: %(values)s") % {"values": ", ".join(
            ["active", *CapaStatus.values])})  # fmt: skip
        problems.raise_if_any()
    qs = selectors.capa_list(user, query.status).prefetch_related("actions__owner")
    page, count = paginate(qs, query.page, query.page_size)
    numbers = _numbers(user, page)
    return page_body([capa_out(c, numbers[c.pk]) for c in page], count, query.page, query.page_size)


class CapaActionIn(Strict):
    title: str
    owner: str = Field("", description="a username; empty: the corrective action's owner")
    due_on: dt.date


class CapaIn(Strict):
    title: str
    kind: str = "corrective"
    source: str = Field(description="term, category, clause, alert, inspection, incident, manual")
    source_ref: str = Field("", description="the word, the alert's id, the clause code …")
    category: str = Field("", description="a category code (includes sub-categories)")
    region: str = ""
    channel: str = ""
    clause: str = Field("", description="a standard clause code: compares its flag rate")
    complaints: list[str] = Field(default_factory=list, description="complaint numbers to link")
    root_cause: str
    owner: str = Field("", description="a username; empty: the caller")
    due_on: dt.date | None = None
    verify_after_days: int = 30
    actions: list[CapaActionIn] = Field(default_factory=list)


def _staff(username: str, field: str, problems: FieldErrors, default: User) -> User | None:
    if not username:
        return default
    found = User.objects.filter(username=username, is_active=True).first()
    if found is None:
        problems.add(field, _("No such member of staff"))
    return found


@capa_router.post(
    "",
    operation_id="tousu_quality_api_capa_open",
    response={201: CapaOut, **errors(403)},
    summary="Open a corrective action on a slice or a standard clause",
)
def capa_open(request: HttpRequest, payload: CapaIn) -> HttpStatus:
    user = api_user(request)
    if not permissions.can_manage_capa(user):
        raise NotAllowed(_("Your role may not open corrective actions"))
    problems = FieldErrors()
    category = region = None
    if payload.category:
        category = Category.objects.filter(code=payload.category).first()
        if category is None:
            problems.add("category", _("No such category"))
    if payload.region:
        region = Region.objects.filter(code=payload.region).first()
        if region is None:
            problems.add("region", _("No such region"))
    owner = _staff(payload.owner, "owner", problems, user)
    wanted = list(dict.fromkeys(payload.complaints))
    complaints = list(Complaint.objects.filter(permissions.scope_q(user), number__in=wanted))
    missing = sorted(set(wanted) - {c.number for c in complaints})
    if missing:
        problems.add(
            "complaints", _("No such complaint: %(numbers)s") % {"numbers": ", ".join(missing[:5])}
        )
    drafts = []
    for i, a in enumerate(payload.actions):
        action_owner = _staff(a.owner, f"actions[{i}].owner", problems, owner or user)
        drafts.append(services.ActionDraft(a.title, action_owner, a.due_on))
    problems.raise_if_any(_("The corrective action has errors"))
    capa = services.capa_open(
        actor=user,
        title=payload.title,
        kind=payload.kind,
        source=payload.source,
        source_ref=payload.source_ref,
        category=category,
        region=region,
        channel=payload.channel,
        clause_code=payload.clause,
        complaints=complaints,
        root_cause=payload.root_cause,
        owner=owner,
        due_on=payload.due_on,
        verify_after_days=payload.verify_after_days,
        actions=drafts,
    )
    return HttpStatus(201, _capa_one(user, capa.pk))


@capa_router.get(
    "/{id}",
    operation_id="tousu_quality_api_capa",
    response={200: CapaOut, **errors(422)},
    summary="One corrective action with its actions and effectiveness",
)
def capa_detail(request: HttpRequest, id: int) -> dict[str, Any]:
    return _capa_one(api_user(request), id)


@capa_router.post(
    "/{id}/actions",
    operation_id="tousu_quality_api_capa_action_add",
    response={201: CapaOut, **errors(403, 409)},
    summary="Add an action to an open corrective action",
)
def capa_action_add(request: HttpRequest, id: int, payload: CapaActionIn) -> HttpStatus:
    user = api_user(request)
    # The day first: a day out of range is the input's fault, whatever the id.
    if problem := services.due_error(payload.due_on, selectors.today()):
        raise ValidationFailed.for_field("due_on", problem)
    capa = selectors.get_capa_for_user(user, id)
    problems = FieldErrors()
    owner = _staff(payload.owner, "owner", problems, capa.owner)
    problems.raise_if_any(_("The action has errors"))
    services.capa_action_add(
        capa=capa, actor=user, title=payload.title, owner=owner, due_on=payload.due_on
    )
    return HttpStatus(201, _capa_one(user, id))


class CapaDoneIn(Strict):
    note: str = ""


@capa_router.post(
    "/{id}/actions/{action_id}/done",
    operation_id="tousu_quality_api_capa_action_done",
    response={200: CapaOut, **errors(403, 409)},
    summary="Record an action done (the last one starts the watched period)",
)
def capa_action_done(
    request: HttpRequest, id: int, action_id: int, payload: CapaDoneIn
) -> dict[str, Any]:
    user = api_user(request)
    capa = selectors.get_capa_for_user(user, id)
    action = CapaAction.objects.filter(capa=capa, pk=action_id).select_related("capa").first()
    if action is None:
        raise NotFound(_("No such action"))
    services.capa_action_done(action=action, actor=user, note=payload.note)
    return _capa_one(user, id)


@capa_router.post(
    "/{id}/verify",
    operation_id="tousu_quality_api_capa_verify",
    response={200: CapaOut, **errors(403, 409)},
    summary="Check the effect after the watched period and close the corrective action",
)
def capa_verify(request: HttpRequest, id: int) -> dict[str, Any]:
    user = api_user(request)
    capa = selectors.get_capa_for_user(user, id)
    services.capa_verify(capa=capa, actor=user)
    return _capa_one(user, id)


# ---- Controlled documents ----------------------------------------------------------------------


class DocumentVersionOut(Schema):
    version: int
    status: str
    effective_from: dt.date
    review_by: dt.date
    author: str
    approver: str
    approved_at: dt.datetime
    change_note: str


class DocumentOut(Schema):
    code: str
    title: str
    kind: str = Field(description="a part of the manual, or clause / wording (their own tables)")
    version: int | None = Field(description="the version in force")
    effective_from: dt.date | None
    review_by: dt.date | None
    review: str = Field(description="overdue, due (within 30 days) or empty")
    acknowledged: bool | None = Field(description="by the caller; null: it does not apply to them")
    links: dict[str, str]


class DocumentPage(Schema):
    items: list[DocumentOut]
    count: int
    page: int
    page_size: int


class DocumentQuery(Schema):
    kind: str = Field("", description="manual (the manual's parts), clause, wording; empty: all")
    page: int = 1
    page_size: int = PAGE_SIZE_DEFAULT


def _register(user: User, kind: str) -> list[selectors.RegisterRow]:
    rows: list[selectors.RegisterRow] = []
    if kind in ("", "manual"):
        rows += selectors.manual_rows(user)
    if kind in ("", "clause"):
        rows += selectors.clauses_in_force()
    if kind in ("", "wording"):
        rows += selectors.wording_in_force()
    return rows


def _document_out(row: selectors.RegisterRow) -> dict[str, Any]:
    link = f"/api/v1/documents/{row.code}" if row.document else ""
    return {
        "code": row.code,
        "title": row.title,
        "kind": row.kind,
        "version": row.version,
        "effective_from": row.effective_from,
        "review_by": row.review_by,
        "review": row.review,
        "acknowledged": row.acknowledged,
        "links": {"self": link} if link else {},
    }


@documents_router.get(
    "",
    operation_id="tousu_quality_api_documents",
    response={200: DocumentPage, **errors(422)},
    summary="The register of controlled documents with the version in force",
)
def documents(request: HttpRequest, query: Query[DocumentQuery]) -> dict[str, Any]:
    user = api_user(request)
    if query.kind not in ("", "manual", "clause", "wording"):
        problems = FieldErrors()
        problems.add("kind", _("One of: %(values)s") % {"values": "manual, clause, wording"})
        problems.raise_if_any()
    rows = _register(user, query.kind)
    page_check(query.page, query.page_size)
    start = (query.page - 1) * query.page_size
    page = rows[start : start + query.page_size]
    return page_body([_document_out(r) for r in page], len(rows), query.page, query.page_size)


class DocumentDetailOut(Schema):
    code: str
    title: str
    kind: str
    version: int | None
    text: str
    acknowledged: bool | None
    versions: list[DocumentVersionOut]


def _detail(user: User, code: str) -> dict[str, Any]:
    doc = selectors.get_document(code)
    versions = list(doc.versions.all())
    current = next((v for v in versions if v.status == "in_force"), None)
    acked = bool(current and current.acknowledgements.filter(user=user).exists())
    return {
        "code": doc.code,
        "title": doc.title,
        "kind": doc.kind,
        "version": current.number if current else None,
        "text": current.text if current else "",
        "acknowledged": acked if current and selectors.document_applies(doc, user) else None,
        "versions": [
            {
                "version": v.number,
                "status": v.status,
                "effective_from": v.effective_from,
                "review_by": v.review_by,
                "author": v.author.username,
                "approver": v.approver.username,
                "approved_at": local(v.approved_at),
                "change_note": v.change_note,
            }
            for v in versions
        ],
    }


@documents_router.get(
    "/{code}",
    operation_id="tousu_quality_api_document",
    response={200: DocumentDetailOut, **errors(422)},
    summary="A controlled document: the text in force and every version",
)
def document(request: HttpRequest, code: str) -> dict[str, Any]:
    return _detail(api_user(request), code)


class AcknowledgeIn(Strict):
    version: int | None = Field(
        None, description="the version read; if given, it must be the one in force (else 409)"
    )


@documents_router.post(
    "/{code}/acknowledge",
    operation_id="tousu_quality_api_document_acknowledge",
    response={200: DocumentDetailOut, **errors(409)},
    summary="Acknowledge reading the version in force (twice is once)",
)
def document_acknowledge(request: HttpRequest, code: str, payload: AcknowledgeIn) -> dict[str, Any]:
    user = api_user(request)
    doc = selectors.get_document(code)
    services.document_acknowledge(document=doc, user=user, version=payload.version)
    return _detail(user, code)
