"""`GET /api/v1/alerts` (issue 15): the spike alerts raised in a period."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router
from ninja import Status as HttpStatus

from tousu.accounts import permissions
from tousu.accounts.models import Department, User
from tousu.accounts.views import api_user
from tousu.core import clock
from tousu.core.api import (
    PAGE_SIZE_DEFAULT,
    TIME_BOUND_DESCRIPTION,
    OneOf,
    Strict,
    errors,
    page_body,
    paginate,
    parse_period,
)
from tousu.core.errors import NotAllowed, NotFound, ValidationFailed
from tousu.core.reasons import reason_text
from tousu.early_warning import selectors, services
from tousu.early_warning.choices import AlertKind, IncidentActionKind, IncidentStatus
from tousu.early_warning.models import Alert, Incident, IncidentAction, IncidentApplication
from tousu.resolution.services import RemedyInput

router = Router(tags=["alerts"])


def _time(value: Any) -> str | None:
    return clock.local(value).isoformat() if value else None


@router.get(
    "",
    operation_id="tousu_early_warning_api_alerts",
    response={200: dict[str, Any], **errors(403, 422)},
    summary="Spike alerts raised in a period, newest first",
)
def alerts_list(
    request: HttpRequest,
    from_: str = Query("", alias="from", description=TIME_BOUND_DESCRIPTION),
    to: str = Query("", description=TIME_BOUND_DESCRIPTION),
    kind: Annotated[str, OneOf(AlertKind.values)] | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE_DEFAULT,
) -> dict[str, Any]:
    """The alerts detected in [from, to], newest first, a page at a time: the slice by codes
    and by name, the window, observed and expected complaints, whether it goes on, its rising
    terms and sample complaint numbers. For those who may see the dashboard."""
    user = request.auth  # type: ignore[attr-defined]
    if not permissions.can_view_dashboard(user):
        raise NotAllowed(_("Your role may not view the alerts."))
    start, end = parse_period(from_, to)
    found, count = paginate(
        selectors.alerts(start=start, end=end, kind=kind or ""), page, page_size
    )
    rows = selectors.alert_rows(found)
    items = [
        {
            **{k: v for k, v in row.items() if k != "alert"},
            "detected_at": _time(row["detected_at"]),
            "ended_at": _time(row["ended_at"]),
        }
        for row in rows
    ]
    return {"from": from_, "to": to, **page_body(items, count, page, page_size)}


forecast_router = Router(tags=["forecast"])


@forecast_router.get(
    "/backlog",
    operation_id="tousu_early_warning_api_backlog_forecast",
    response={200: dict[str, Any], **errors(403)},
    summary="Backlog forecast: expected resolution-limit breaches in the next 24 hours",
)
def backlog_forecast(request: HttpRequest) -> dict[str, Any]:
    """Of the open complaints in your data scope: per department, open, overdue now (past
    the reply limit, or not accepted within the first-response limit), due within 24 hours,
    and the expected breaches among those (the sum of each one's probability of being
    settled after its limit, by the newest model; null while no model has been trained);
    and `complaints`, those due within 24 hours with their `breach_probability`, most
    likely first (at most 200 of `complaints_count`; null probabilities, soonest due first,
    without a model). `model` says when the model was trained, on how many rows, and
    its Brier score on the newest 20 % of its history."""
    user = request.auth  # type: ignore[attr-defined]
    if not permissions.can_view_dashboard(user):
        raise NotAllowed(_("Your role may not view the backlog forecast."))
    result = selectors.backlog_forecast(user)
    stored = result["model"]
    model = (
        {
            "trained_at": _time(stored.trained_at),
            "rows": stored.rows,
            "base_rate": round(stored.base_rate, 4),
            "brier": round(stored.brier, 4),
            "calibration": stored.calibration,
        }
        if stored
        else None
    )
    departments = [
        {
            **row,
            "expected_breaches_24h": None
            if row["expected_breaches_24h"] is None
            else round(row["expected_breaches_24h"], 2),
        }
        for row in result["departments"]
    ]
    complaints = [
        {
            "number": c["number"],
            "department": c["department"],
            "resolution_due": _time(c["resolution_due"]),
            "breach_probability": None
            if c["breach_probability"] is None
            else round(c["breach_probability"], 4),
            "links": {"self": f"/api/v1/complaints/{c['number']}"},
        }
        for c in result["at_risk"]
    ]
    return {
        "as_of": _time(result["as_of"]),
        "model": model,
        "departments": departments,
        "complaints": complaints,
        "complaints_count": result["at_risk_count"],
    }


# ---- incidents (R10.4) ---------------------------------------------------------------------------

incidents_router = Router(tags=["incidents"])
INCIDENTS_MAX = 200


def _incident(user: User, pk: int) -> Incident:
    incident = selectors.incident_get(pk)
    if not (permissions.can_view_incidents(user) or incident.owner_id == user.pk):
        raise NotAllowed(_("Your role may not see incidents."))
    return incident


def _incident_out(incident: Incident, *, full: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": incident.pk,
        "number": incident.number,
        "title": incident.title,
        "level": incident.level,
        "status": incident.status,
        "owner": incident.owner.username,
        "department": incident.department.code if incident.department else None,
        "slice": dict(incident.slice),
        "terms": incident.terms,
        "alert": incident.alert_id,
        "opened_at": _time(incident.opened_at),
        "resolved_at": _time(incident.resolved_at),
        "closed_at": _time(incident.closed_at),
        "children": getattr(incident, "children", None),
        "open_children": getattr(incident, "open_children", None),
        "pending_proposals": getattr(incident, "pending", None),
        "links": {"self": f"/api/v1/incidents/{incident.pk}"},
    }
    if not full:
        return out
    view = selectors.incident_view(incident)
    out.update(
        {
            "review": {
                "cause": incident.review_cause,
                "went_well": incident.review_went_well,
                "to_improve": incident.review_to_improve,
                "follow_up": incident.review_follow_up,
            },
            "children": [
                {
                    "number": c.number,
                    "status": c.status,
                    "department": c.department.code if c.department else None,
                    "received_at": _time(c.received_at),
                }
                for c in view.children
            ],
            "statement_in_force": view.in_force.version if view.in_force else None,
            "statements": [
                {
                    "version": s.version,
                    "text": s.text,
                    "author": s.author.username,
                    "created_at": _time(s.created_at),
                    "approved": s.approved,
                    "approved_by": s.approved_by.username if s.approved_by else None,
                    "approved_at": _time(s.approved_at),
                }
                for s in view.statements
            ],
            "media": [
                {
                    "outlet": m.outlet,
                    "at": _time(m.at),
                    "summary": m.summary,
                    "link": m.link,
                    "reach": m.reach,
                    "tone": m.tone,
                }
                for m in view.media
            ],
            "proposals": [
                {
                    "number": p.complaint.number,
                    "terms": p.terms,
                    "proposed_at": _time(p.proposed_at),
                }
                for p in view.proposals
            ],
            "actions": [_action_out(a, view.skipped.get(a.pk, [])) for a in view.actions],
            "reach": view.targets,
            "timeline": [
                {
                    "at": _time(e.at),
                    "type": e.type,
                    "actor": e.actor.username if e.actor else None,
                    "data": e.data,
                }
                for e in view.events
            ],
        }
    )
    return out


def _action_out(action: IncidentAction, skipped: list[Any]) -> dict[str, Any]:
    return {
        "id": action.pk,
        "kind": action.kind,
        "statement": action.statement.version if action.statement else None,
        "started_at": _time(action.started_at),
        "finished": action.done,
        "reach": action.reach,
        "applied": action.applied,
        "skipped": action.skipped,
        "skipped_children": [
            {"number": r.complaint.number, "reason": reason_text(r.reason)} for r in skipped
        ],
    }


class IncidentIn(Strict):
    title: str
    level: str = Field(
        description="general, serious, major or extraordinary (一般/较大/重大/特别重大)"
    )
    owner: str = Field("", description="username of the owner; default: the caller")
    alert: int | None = Field(
        None,
        description="an alert to open it from: its slice and terms, its examples and the open "
        "complaints of its slice since its window began that use one of the terms",
    )
    terms: list[str] = Field(default_factory=list, description="words its complaints use")
    numbers: list[str] = Field(default_factory=list, description="complaints to add as children")


def _owner(username: str) -> User | None:
    if not username:
        return None
    owner = User.objects.filter(username=username, is_active=True).first()
    if owner is None:
        raise ValidationFailed.for_field("owner", _("No such user"))
    return owner


@incidents_router.get(
    "",
    operation_id="tousu_early_warning_api_incidents",
    response={200: dict[str, Any], **errors(403, 422)},
    summary="Incidents, newest first",
)
def incidents_list(
    request: HttpRequest,
    status: Annotated[str, OneOf(IncidentStatus.values)] | None = None,
) -> dict[str, Any]:
    """Incidents (at most INCIDENTS_MAX, newest first) with their counts of children, open
    children and pending proposals."""
    user = api_user(request)
    if not permissions.can_view_incidents(user):
        raise NotAllowed(_("Your role may not see incidents."))
    rows = selectors.incidents(status=status or "")[:INCIDENTS_MAX]
    items = [_incident_out(i, full=False) for i in rows]
    return {"items": items, "count": len(items)}


@incidents_router.post(
    "",
    operation_id="tousu_early_warning_api_incident_open",
    response={201: dict[str, Any], **errors(403, 409)},
    summary="Open an incident by hand or from an alert",
)
def incident_open(request: HttpRequest, payload: IncidentIn) -> HttpStatus:
    user = api_user(request)
    owner = _owner(payload.owner)
    if payload.alert is not None:
        alert = Alert.objects.filter(pk=payload.alert).first()
        if alert is None:
            raise ValidationFailed.for_field("alert", _("No such alert"))
        terms = payload.terms or [t["term"] for t in alert.terms]
        incident = services.incident_from_alert(
            alert=alert, actor=user, title=payload.title, level=payload.level, owner=owner,
            terms=terms,
        )  # fmt: skip
        if payload.numbers:
            services.incident_complaints_add(incident=incident, actor=user, numbers=payload.numbers)
    else:
        incident = services.incident_open(
            actor=user, title=payload.title, level=payload.level, owner=owner,
            terms=payload.terms, numbers=payload.numbers,
        )  # fmt: skip
    return HttpStatus(201, _incident_out(selectors.incident_get(incident.pk), full=True))


@incidents_router.get(
    "/{id}",
    operation_id="tousu_early_warning_api_incident",
    response={200: dict[str, Any], **errors(403, 422)},
    summary="One incident: children, statements, media log, actions, proposals, timeline",
)
def incident_detail(request: HttpRequest, id: int) -> dict[str, Any]:
    return _incident_out(_incident(api_user(request), id), full=True)


class IncidentNumbersIn(Strict):
    numbers: list[str] = Field(description="complaint numbers; all are added or none")


@incidents_router.post(
    "/{id}/complaints",
    operation_id="tousu_early_warning_api_incident_complaints",
    response={200: dict[str, Any], **errors(403, 409)},
    summary="Add complaints to the incident by number",
)
def incident_complaints(
    request: HttpRequest, id: int, payload: IncidentNumbersIn
) -> dict[str, Any]:
    """All or nothing: an unknown number is a 422, a complaint already in another incident a
    409, and nothing is added."""
    user = api_user(request)
    incident = _incident(user, id)
    added = services.incident_complaints_add(incident=incident, actor=user, numbers=payload.numbers)
    return {"added": added, **_incident_out(selectors.incident_get(id), full=True)}


class IncidentStatementIn(Strict):
    text: str = Field(description="the external statement (对外口径), at most 2,000 characters")


@incidents_router.post(
    "/{id}/statement",
    operation_id="tousu_early_warning_api_incident_statement",
    response={201: dict[str, Any], **errors(403, 409)},
    summary="Write a new version of the external statement (a draft: NOT approved yet)",
)
def incident_statement(request: HttpRequest, id: int, payload: IncidentStatementIn) -> HttpStatus:
    """A new version, not approved: nothing is sent until a department head or administrator
    other than its author approves it (`…/statement/{version}/approve`); the latest approved
    version is the statement in force. 409 on a closed incident."""
    user = api_user(request)
    statement = services.statement_draft(
        incident=_incident(user, id), actor=user, text=payload.text
    )
    return HttpStatus(201, {"version": statement.version, "approved": False})


@incidents_router.post(
    "/{id}/statement/{version}/approve",
    operation_id="tousu_early_warning_api_incident_statement_approve",
    response={200: dict[str, Any], **errors(403, 409, 422)},
    summary="Approve a version of the statement: it becomes the statement in force",
)
def incident_statement_approve(request: HttpRequest, id: int, version: int) -> dict[str, Any]:
    user = api_user(request)
    incident = _incident(user, id)
    statement = incident.statements.filter(version=version).first()
    if statement is None:
        raise NotFound(_("No such version"))
    services.statement_approve(statement=statement, actor=user)
    return {"version": version, "approved": True}


def _run(user: User, incident: Incident, kind: str, **outcome: Any) -> dict[str, Any]:
    action = services.incident_action_start(incident=incident, actor=user, kind=kind, **outcome)
    fresh = IncidentAction.objects.select_related("statement").get(pk=action.pk)
    skipped = list(
        IncidentApplication.objects.filter(action=fresh, applied=False).select_related("complaint")
    )
    return _action_out(fresh, skipped)


ACTION_DESCRIPTION = (
    " Applied by a background job, each child exactly once: the answer has `reach` (children "
    "it is for), and once `finished`, `applied`, `skipped` and each skipped child with why "
    "(GET the incident for an action still running)."
)


@incidents_router.post(
    "/{id}/reply",
    operation_id="tousu_early_warning_api_incident_reply",
    response={200: dict[str, Any], **errors(403, 409, 422)},
    summary="Send the statement in force to every open child as a progress reply",
    description="Each version once; 409 when none is approved." + ACTION_DESCRIPTION,
)
def incident_reply(request: HttpRequest, id: int) -> dict[str, Any]:
    user = api_user(request)
    return _run(user, _incident(user, id), IncidentActionKind.REPLY)


class IncidentRemedyIn(Strict):
    type: str
    amount: Decimal = Decimal(0)
    note: str = ""


class IncidentResolveIn(Strict):
    finding: str = Field(description="true, partly_true or not_true")
    cause: str
    responsible_department: str = Field(description="department code")
    remedies: list[IncidentRemedyIn] = Field(default_factory=list)


@incidents_router.post(
    "/{id}/resolve",
    operation_id="tousu_early_warning_api_incident_resolve",
    response={200: dict[str, Any], **errors(403, 409)},
    summary="Resolve every child in progress with a common remedy, the statement as the reply",
    description="The remedy must be within the caller's authority for one complaint (422 "
    "otherwise, nothing changes); children not in progress are skipped with why."
    + ACTION_DESCRIPTION,
)
def incident_resolve(request: HttpRequest, id: int, payload: IncidentResolveIn) -> dict[str, Any]:
    user = api_user(request)
    incident = _incident(user, id)
    department = Department.objects.filter(code=payload.responsible_department).first()
    if department is None:
        raise ValidationFailed.for_field("responsible_department", _("Unknown department"))
    return _run(
        user,
        incident,
        IncidentActionKind.RESOLVE,
        finding=payload.finding,
        cause=payload.cause,
        responsible_department=department,
        remedies=[RemedyInput(r.type, r.amount, r.note) for r in payload.remedies],
    )


class IncidentCloseIn(Strict):
    cause: str = Field(description="after-action review: the root cause")
    went_well: str
    to_improve: str
    follow_up: str


@incidents_router.post(
    "/{id}/close",
    operation_id="tousu_early_warning_api_incident_close",
    response={200: dict[str, Any], **errors(403, 409)},
    summary="Close the incident with its after-action review; its resolved children close too",
)
def incident_close(request: HttpRequest, id: int, payload: IncidentCloseIn) -> dict[str, Any]:
    user = api_user(request)
    services.incident_close(
        incident=_incident(user, id), actor=user, cause=payload.cause,
        went_well=payload.went_well, to_improve=payload.to_improve, follow_up=payload.follow_up,
    )  # fmt: skip
    return _incident_out(selectors.incident_get(id), full=True)
