"""Knowledge on a complaint: its handling suggestion (the API; the page shows it as a panel), and
making a case of it for the library (the page's one-click button and the API) (R6.3, R7.1)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from ninja import Field, Router, Schema
from ninja import Status as HttpStatus
from pydantic import ConfigDict

from tousu.accounts.views import staff
from tousu.core.api import errors
from tousu.core.errors import DomainError, FieldErrors
from tousu.core.pii import mask_text
from tousu.desk.actions.base import api_complaint, api_user
from tousu.desk.views import complaint_or_404
from tousu.knowledge import selectors, services
from tousu.knowledge.models import Case
from tousu.knowledge.rules import TAGS_MAX
from tousu.resolution.models import StandardClause

router = Router(tags=["knowledge"])


class SuggestedClauseOut(Schema):
    code: str
    version: int
    title: str
    text: str


class RemedyOut(Schema):
    type: str
    basis: str
    min_amount: Decimal | None
    max_amount: Decimal | None
    amount: Decimal | None
    explanation: str


class WordingOut(Schema):
    key: str
    title: str
    topic: str
    version: int
    effective_from: dt.date
    valid_until: dt.date | None
    text: str


class CaseBrief(Schema):
    id: int
    title: str
    summary: str
    tags: list[str]
    for_training: bool
    url: str


class TemplateOut(Schema):
    name: str
    text: str


class SuggestionOut(Schema):
    clause: SuggestedClauseOut | None
    remedies: list[RemedyOut]
    missing_evidence: list[str]
    wording: list[WordingOut]
    cases: list[CaseBrief]
    templates: list[TemplateOut]


def _case_url(case: Case) -> str:
    from django.urls import reverse

    return reverse("knowledge:case", args=[case.pk])


def case_brief(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "title": mask_text(case.title),
        "summary": mask_text(case.summary),
        "tags": case.tag_list,
        "for_training": case.for_training,
        "url": _case_url(case),
    }


@router.get(
    "/{number}/suggestion",
    operation_id="tousu_knowledge_api_suggestion",
    response=SuggestionOut,
    summary="The applicable clause, remedies, missing evidence, approved wording and cases",
)
def suggestion(request: HttpRequest, number: str) -> dict[str, Any]:
    user = api_user(request)
    complaint = api_complaint(request, number)
    panel = selectors.suggestion_panel(complaint, user)
    found = panel.suggestion if panel is not None else None
    # The clause, the approved wording and the reply templates are the company's own texts (a
    # hotline number in them is no one's personal data); the cases are anonymous (`case_out`).
    return {
        "clause": {
            "code": found.clause.code,
            "version": found.clause.version,
            "title": found.clause.title,
            "text": found.clause.text,
        }
        if found is not None
        else None,
        "remedies": [asdict(r) for r in found.remedies] if found is not None else [],
        "missing_evidence": found.missing_evidence if found is not None else [],
        "wording": [
            {
                "key": row.version.article.key,
                "title": row.version.article.title,
                "topic": row.version.article.topic,
                "version": row.version.number,
                "effective_from": row.version.effective_from,
                "valid_until": row.version.valid_until,
                "text": row.text,
            }
            for row in (panel.wording if panel is not None else [])
        ],
        "cases": [case_brief(c) for c in (panel.cases if panel is not None else [])],
        "templates": [
            {"name": t.template.name, "text": t.text}
            for t in (panel.templates if panel is not None else [])
        ],
    }


class CaseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    summary: str = ""
    tags: list[str] = Field(default_factory=list, max_length=TAGS_MAX)
    # Clause codes; the newest version of each is linked. Absent = the clause that applied.
    clauses: list[str] | None = Field(default=None, max_length=10)
    for_training: bool = False


class ClauseRef(Schema):
    code: str
    version: int
    title: str


class CaseOut(Schema):
    id: int
    complaint: str | None
    title: str
    status: str
    category: str | None
    channel: str
    content: str
    outcome: str
    summary: str
    finding: str
    cause: str
    remedies: list[dict[str, str]]
    clauses: list[ClauseRef]
    tags: list[str]
    for_training: bool
    created_at: dt.datetime
    url: str


def case_out(case: Case) -> dict[str, Any]:
    """A case as the API shows it. Its texts were anonymised when it was made; what that left
    (a case made before the rule caught it) is masked for every reader, who reveals nothing:
    a case is nobody's personal data."""
    return {
        "id": case.pk,
        "complaint": case.complaint.number if case.complaint is not None else None,
        "title": mask_text(case.title),
        "status": case.status,
        "category": case.category.code if case.category is not None else None,
        "channel": case.channel,
        "content": mask_text(case.content),
        "outcome": mask_text(case.outcome),
        "summary": mask_text(case.summary),
        "finding": case.finding,
        "cause": case.cause,
        "remedies": case.remedies,
        "clauses": [
            {"code": c.code, "version": c.version, "title": c.title} for c in case.clauses.all()
        ],
        "tags": case.tag_list,
        "for_training": case.for_training,
        "created_at": case.created_at,
        "url": _case_url(case),
    }


def clauses_by_code(codes: list[str], field: str = "clauses") -> list[StandardClause]:
    """The newest version of each clause code; an unknown code is an error."""
    wanted = list(dict.fromkeys(codes))
    newest = dict(
        StandardClause.objects.filter(code__in=wanted)
        .values("code")
        .annotate(v=Max("version"))
        .values_list("code", "v")
    )
    errors = FieldErrors()
    for code in wanted:
        if code not in newest:
            errors.add(field, _("Unknown clause “%(code)s”") % {"code": code})
    errors.raise_if_any(_("Unknown clause"))
    found = []
    for code in wanted:
        found.append(StandardClause.objects.get(code=code, version=newest[code]))
    return found


@router.post(
    "/{number}/case",
    operation_id="tousu_knowledge_api_case_create",
    response={201: CaseOut, **errors(403, 409)},
    summary="Turn a closed complaint into an anonymised draft case",
)
def case_create(request: HttpRequest, number: str, payload: CaseIn | None = None) -> HttpStatus:
    user = api_user(request)
    complaint = api_complaint(request, number)
    body = payload or CaseIn()
    case = services.case_create(
        complaint=complaint,
        actor=user,
        summary=body.summary,
        tags=body.tags,
        clauses=clauses_by_code(body.clauses) if body.clauses is not None else None,
        for_training=body.for_training,
    )
    return HttpStatus(201, case_out(case))


# ---- the page ------------------------------------------------------------------------------


@require_POST
def case_from_complaint(request: HttpRequest, number: str) -> HttpResponse:
    """The complaint page's one-click "make a case" button."""
    user = staff(request)
    complaint = complaint_or_404(user, number)
    try:
        case = services.case_create(complaint=complaint, actor=user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("desk:detail", number=complaint.number)
    messages.success(request, _("Case created as a draft; review and publish it."))
    return redirect("knowledge:case", pk=case.pk)
