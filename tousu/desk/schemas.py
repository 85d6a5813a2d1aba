"""API shapes of a complaint (API.md). Built from the model by `complaints_out` and `events_out`,
which alone decide whether personal data is shown — the customer's fields, and what is written
in the complaint's texts — and log it when it is (D10)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any

from django.urls import reverse
from ninja import Field, Schema

from tousu.accounts.models import User
from tousu.accounts.services import pii_reveal_log, text_mask_for
from tousu.classification.models import Category
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.complaints.selectors import ApiRow
from tousu.core import clock
from tousu.core.api import OneOf
from tousu.core.clock import local
from tousu.core.pii import TextMask, mask_name, mask_phone
from tousu.core.reasons import reason_fields, reason_text
from tousu.desk.selectors import SimilarComplaint
from tousu.desk.work import WorkKind
from tousu.sla.choices import ClockName, ClockState, DueState
from tousu.sla.models import ComplaintClock
from tousu.sla.rules import Clock
from tousu.sla.selectors import authority_clocks_of, complaint_clocks
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


class ClockOut(Schema):
    """One clock of the complaint (issue 17): the operator's first response and reply, and on
    a regulator referral the authority's first contact and reply beside them."""

    name: Annotated[str, OneOf(ClockName)]
    label: str
    due: dt.datetime
    state: Annotated[str, OneOf(ClockState)]
    met_at: dt.datetime | None
    # Who set it: null for the operator's own clocks.
    authority: str | None


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
    # Closed as a duplicate of (merged into) this complaint; null when not merged.
    duplicate_of: str | None
    region: str | None
    external_ref: str
    # The product (the customer's plan) as it stood when the complaint was registered; "" when
    # unknown.
    product: str
    received_at: dt.datetime
    registered_at: dt.datetime
    first_response_due: dt.datetime
    resolution_due: dt.datetime
    accepted_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    # Archived (R5.4): read-only from then on; every action answers 409 `archived`.
    archived_at: dt.datetime | None
    overdue: bool
    # The countdown (R4.2): seconds to the resolution limit (negative when overdue; frozen
    # while paused) and its colour; both null once the complaint is no longer open.
    time_left_seconds: int | None
    due_state: Annotated[str, OneOf(DueState)] | None
    time_limit_policy: str
    clocks: list[ClockOut]
    # The automatic assessment at registration (R2.4, R2.6); null when it was never made.
    risk: RiskOut | None
    emotion: EmotionOut | None
    links: dict[str, str]


class ComplaintDetailOut(ComplaintOut):
    """One complaint, with the complaints that repeat it (R2.5) and its customer's own risk of
    going above us (issue 15)."""

    repeats: list[str]
    customer_risk: RiskOut = Field(
        description="the customer-level risk (0..1) of taking the matter to the regulator or "
        "the media, from the customer's whole history, with its reasons"
    )


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


# The customer's fields a complaint's API shape shows whole to a role that may see them.
CUSTOMER_FIELDS = "phone,name,account"


def clock_out(c: Clock, labels: dict[str, str]) -> dict[str, Any]:
    """One clock's shape; `labels`: the clocks' names in the reader's language (`Shared`)."""
    return {
        "name": c.name,
        "label": labels[c.name],
        "due": local(c.due),
        "state": c.state,
        "met_at": local(c.met_at) if c.met_at else None,
        "authority": c.authority,
    }


LINKS = ("repeat_of", "duplicate_of")


def linked_numbers(complaints: Sequence[Complaint | ApiRow]) -> dict[int, str]:
    """The numbers of the complaints that `complaints` repeat or were merged into, where the
    rows were read without them (complaints.selectors.list_rows; `ApiRow`s carry theirs):
    one query, none if none."""
    wanted = {
        getattr(c, f"{relation}_id")
        for c in complaints
        if isinstance(c, Complaint)
        for relation in LINKS
        if getattr(c, f"{relation}_id") and not getattr(Complaint, relation).is_cached(c)
    }
    if not wanted:
        return {}
    return dict(Complaint.objects.filter(pk__in=wanted).values_list("pk", "number"))


def linked_number(
    complaint: Complaint | ApiRow, relation: str, numbers: dict[int, str]
) -> str | None:
    """The number of the complaint `complaint` repeats or was merged into (`relation`)."""
    if isinstance(complaint, ApiRow):
        number: str | None = getattr(complaint, f"{relation}_number")
        return number
    pk = getattr(complaint, f"{relation}_id")
    if pk is None:
        return None
    if pk in numbers:
        return numbers[pk]
    linked: Complaint = getattr(complaint, relation)
    return linked.number


@dataclass(slots=True)
class Shared:
    """What the complaints of one answer share, read or looked up once for them all
    (`shared_by`): the reader's mask, the moment, the regulator's clocks and the linked
    complaints' numbers (a query each), and the words of the reader's language that every
    row would look up again — the clocks' labels and the categories' path names (a
    translation lookup each: a fifth of a 50-row answer's own time, issue 19)."""

    texts: TextMask
    now: dt.datetime
    authority_clocks: dict[int, list[ComplaintClock]]
    numbers: dict[int, str]
    labels: dict[str, str]
    paths: dict[int, str] = field(default_factory=dict)

    def path_name(self, category: Category) -> str:
        found = self.paths.get(category.pk)
        if found is None:
            found = self.paths[category.pk] = category.path_name
        return found


def shared_by(user: User, complaints: Sequence[Complaint | ApiRow]) -> Shared:
    return Shared(
        texts=text_mask_for(user),
        now=clock.now(),
        # The regulator's clocks of the referrals among them, in one query (none without any).
        authority_clocks=authority_clocks_of(complaints),
        numbers=linked_numbers(complaints),
        labels={name: str(ClockName(name).label) for name in ClockName},
    )


def complaint_out(complaint: Complaint | ApiRow, shared: Shared) -> dict[str, Any]:
    """One complaint's API shape; `shared.texts` decides for the customer's fields and the free
    text alike (see `complaints_out`, which also logs what was shown)."""
    texts = shared.texts
    now = shared.now
    reveal = texts.reveal
    customer = complaint.customer
    category = complaint.category
    department = complaint.department
    countdown = sla_countdown(complaint, now)
    clocks = complaint_clocks(complaint, now, shared.authority_clocks.get(complaint.pk, []))
    return {
        "number": complaint.number,
        "status": complaint.status,
        "channel": complaint.channel,
        "content": texts.text(complaint.content),
        "demand": texts.text(complaint.demand),
        "customer": {
            "phone": customer.phone if reveal else mask_phone(customer.phone),
            "name": customer.name if reveal else mask_name(customer.name),
            "account": (customer.account if reveal else None) or None,
            "region": complaint.region.code if complaint.region else None,
        },
        "category": {
            "code": category.code,
            "name": shared.path_name(category),
            "confidence": complaint.category_confidence,
            "source": complaint.category_source,
        }
        if category
        else None,
        "level": complaint.level,
        "department": {"code": department.code, "name": department.name} if department else None,
        "handler": complaint.handler.username if complaint.handler else None,
        "repeat_of": linked_number(complaint, "repeat_of", shared.numbers),
        "duplicate_of": linked_number(complaint, "duplicate_of", shared.numbers),
        "region": complaint.region.code if complaint.region else None,
        "external_ref": complaint.external_ref,
        "product": complaint.product,
        "received_at": local(complaint.received_at),
        "registered_at": local(complaint.registered_at),
        "first_response_due": local(complaint.first_response_due),
        "resolution_due": local(complaint.resolution_due),
        "accepted_at": local(complaint.accepted_at) if complaint.accepted_at else None,
        "resolved_at": local(complaint.resolved_at) if complaint.resolved_at else None,
        "closed_at": local(complaint.closed_at) if complaint.closed_at else None,
        "archived_at": local(complaint.archived_at) if complaint.archived_at else None,
        "overdue": complaint.is_open and complaint.resolution_due < now,
        "time_left_seconds": countdown.seconds,
        "due_state": countdown.state,
        "time_limit_policy": complaint.time_limit_policy,
        "clocks": [clock_out(c, shared.labels) for c in clocks],
        "risk": {
            "score": complaint.risk_score,
            "reasons": [reason_text(r) for r in complaint.risk_reasons or []],
        }
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


def complaints_out(
    user: User, complaints: Sequence[Complaint | ApiRow], via: str
) -> list[dict[str, Any]]:
    """The complaints as an API answer shows them to `user`, and the answer's one access-log
    row when it showed personal data: the customer's fields whenever the role may see them,
    and the text when the content or demand it showed held some."""
    shared = shared_by(user, complaints)
    texts = shared.texts
    body = [complaint_out(c, shared) for c in complaints]
    if complaints and texts.reveal:
        pii_reveal_log(
            user=user,
            texts=texts,
            subject=complaints[0].number if len(complaints) == 1 else "complaints:list",
            via=via,
            fields=CUSTOMER_FIELDS,
            count=len(complaints),
        )
    return body


def event_out(event: ComplaintEvent, texts: TextMask) -> dict[str, Any]:
    return {
        "at": local(event.at),
        "type": event.type,
        "actor": event.actor_name,
        # Every string of the data: notes, reasons, the reply, remedies' notes, file names…
        # Generated reasons in the request's language, their codes beside them.
        "data": texts.data(reason_fields(event.data)),
    }


def events_out(
    user: User, complaint: Complaint, events: Iterable[ComplaintEvent], via: str
) -> list[dict[str, Any]]:
    """The complaint's events as an API answer shows them to `user`, logged once when their
    text showed personal data."""
    texts = text_mask_for(user, [complaint.customer.name])
    items = [event_out(e, texts) for e in events]
    pii_reveal_log(user=user, texts=texts, subject=complaint.number, via=via)
    return items


# ---- the work queue (`GET /api/v1/me/work`, issue 12) -----------------------------------------


class WorkApprovalOut(Schema):
    amount: str
    level: str = Field(description="the approver role now asked to decide")


class WorkCallbackOut(Schema):
    attempts: int = Field(description="calls made so far")
    next_attempt_at: dt.datetime | None = Field(
        description="after a failed call, when to try again (another part of the day)"
    )


# API.md's kinds of work item. The queue's own reasons (`WorkKind`: to dispatch, accept, handle,
# close, …) are finer; the API gives them as `action`.
API_KINDS: dict[str, str] = {
    WorkKind.DISPATCH: "complaint",
    WorkKind.ACCEPT: "complaint",
    WorkKind.HANDLE: "complaint",
    WorkKind.CLOSE: "complaint",
    WorkKind.OVERDUE: "complaint",
    WorkKind.FIRST_RESPONSE_OVERDUE: "complaint",
    WorkKind.AWAITING_CUSTOMER: "complaint",
    WorkKind.APPROVE: "approval",
    WorkKind.AWAITING_APPROVAL: "approval",
    WorkKind.CALLBACK: "callback",
    WorkKind.CALLBACK_OVERDUE: "callback",
    WorkKind.TRIAGE: "triage",
    WorkKind.WATCH: "watch",
    WorkKind.REPAIR: "repair",
    WorkKind.CARE: "care",
    WorkKind.INCIDENT: "incident",
    WorkKind.INSPECTION: "inspection",
    WorkKind.CAPA: "capa",
}


class WorkItemOut(Schema):
    kind: str = Field(
        description="complaint, approval, callback, triage, watch, repair, inspection, capa, "
        "incident or care"
    )
    action: str = Field(
        description="what is to be done: dispatch, accept, handle, close, approve, callback, "
        "callback_overdue (a supervisor's: a callback past its due time), triage, overdue, "
        "first_response_overdue (a supervisor's: a complaint nobody accepted in time), "
        "watch, repair, care, incident, inspection, capa; or, waiting for others, "
        "awaiting_approval, awaiting_customer"
    )
    action_label: str
    number: str | None = Field(description="the complaint's; a repair case may have none")
    id: int | None = Field(
        None,
        description="the repair case's (kind repair), the care item's (care), the incident's "
        "(incident), the inspection's (inspection) or the corrective action's (capa)",
    )
    title: str = Field(
        description="what the item is about: the start of the complaint's content (masked "
        "unless the role may see personal data), the repair or fault, the inspection's reason, "
        "the incident's or corrective action's number and title"
    )
    status: str
    level: str | None
    department: str | None
    handler: str | None
    due: dt.datetime | None = Field(description="when the item is due (see due_limit)")
    due_limit: str = Field(
        description="which limit `due` is: first_response, resolution, approval, callback, "
        "repair, care, incident; inspection (score by), appeal (appeal by), appeal_decision "
        "(appealed on); capa_action, capa_verify"
    )
    overdue: bool
    high_risk: bool
    waiting_for_others: bool = Field(
        description="true for what waits on others (an approval asked, the customer's answer): "
        "the items of `?waiting=true`"
    )
    approval: WorkApprovalOut | None = None
    callback: WorkCallbackOut | None = None
    links: dict[str, str]


class WorkPageOut(Schema):
    items: list[WorkItemOut]
    count: int
    page: int
    page_size: int
    counts: dict[str, int] = Field(description="items per action in the whole queue")


TITLE_CHARS = 80


def work_items_out(items: list[Any], texts: TextMask) -> list[dict[str, Any]]:
    """The queue's items as the API shows them (`texts` masks their titles, masked before
    they are cut so that no half of a number escapes the mask)."""
    return [_work_item_out(item, texts) for item in items]


def _work_item_out(item: Any, texts: TextMask) -> dict[str, Any]:
    if item.repair is not None:
        about = _repair_item(item, texts)
    elif item.care is not None:
        about = _care_item(item, texts)
    elif item.incident is not None:
        about = _incident_item(item)
    elif item.inspection is not None:
        about = _inspection_item(item)
    elif item.capa is not None:
        about = _capa_item(item)
    else:
        about = _complaint_item(item, texts)
    return {
        "kind": API_KINDS[item.kind],
        "action": item.kind,
        "action_label": item.kind_label,
        "due": local(item.due_at) if item.due_at else None,
        "due_limit": item.due_kind,
        "overdue": item.overdue,
        "waiting_for_others": item.waiting,
        "high_risk": False,
        "approval": None,
        "callback": None,
        "id": None,
        **about,
    }


def _complaint_item(item: Any, texts: TextMask) -> dict[str, Any]:
    c = item.complaint
    assert c is not None
    approval = item.approval
    task = item.callback
    return {
        "number": c.number,
        "title": texts.text(c.content)[:TITLE_CHARS],
        "status": c.status,
        "level": c.level,
        "department": c.department.code if c.department else None,
        "handler": c.handler.username if c.handler else None,
        "high_risk": c.high_risk,
        "approval": (
            {"amount": str(approval.amount), "level": approval.level} if approval else None
        ),
        "callback": (
            {
                "attempts": task.attempt_count,
                "next_attempt_at": local(task.next_attempt_at) if task.next_attempt_at else None,
            }
            if task
            else None
        ),
        "links": {"self": f"/api/v1/complaints/{c.number}"},
    }


def _incident_item(item: Any) -> dict[str, Any]:
    """An incident in the queue (its owner's, or a draft statement's approver's)."""
    incident = item.incident
    return {
        "number": None,
        "id": incident.pk,
        "title": f"{incident.number} {incident.title}"[:TITLE_CHARS],
        "status": incident.status,
        "level": incident.level,
        "department": None,
        "handler": incident.owner.username,
        "links": {"self": f"/api/v1/incidents/{incident.pk}"},
    }


def _repair_item(item: Any, texts: TextMask) -> dict[str, Any]:
    """A repair case in the queue: its complaint's number when it has one, its id, and what
    kind of repair it is as the title."""
    case = item.repair
    complaint = case.complaint
    title = f"{case.get_type_display()} · {case.get_source_display()}"
    return {
        "number": complaint.number if complaint else None,
        "id": case.pk,
        "title": texts.text(title)[:TITLE_CHARS],
        "status": case.status,
        "level": None,
        "department": case.department.code,
        "handler": case.owner.username if case.owner else None,
        "links": {"self": f"/api/v1/repair/cases/{case.pk}"},
    }


def _care_item(item: Any, texts: TextMask) -> dict[str, Any]:
    """A customer to call about a known fault: the care item's id, the fault's title as the
    title, and a link to the fault's care list (issue 15)."""
    care = item.care
    title = f"{care.fault.get_kind_display()} · {care.fault.title}"
    return {
        "number": None,
        "id": care.pk,
        "title": texts.text(title)[:TITLE_CHARS],
        "status": care.status,
        "level": None,
        "department": care.department.code,
        "handler": None,
        "high_risk": care.high_risk,
        "links": {
            "self": reverse("early_warning:fault", args=[care.fault_id]) + f"#care-{care.pk}"
        },
    }


def _inspection_item(item: Any) -> dict[str, Any]:
    """An inspection in the queue: its complaint's number, its id, why it was sampled and,
    once scored, the score as the title (no personal data)."""
    inspection = item.inspection
    title = inspection.get_reason_display()
    if inspection.total is not None:
        title += f" · {inspection.total}"
    return {
        "number": inspection.complaint.number,
        "id": inspection.pk,
        "title": title[:TITLE_CHARS],
        "status": inspection.status,
        "level": None,
        "department": inspection.department.code if inspection.department else None,
        "handler": inspection.handler.username if inspection.handler else None,
        "links": {"self": f"/api/v1/inspections/{inspection.pk}"},
    }


def _capa_item(item: Any) -> dict[str, Any]:
    """A corrective action in the queue: an action of it to do (its title in the title) or
    its effect to check."""
    capa = item.capa
    action = item.capa_action
    title = f"CA{capa.pk} {capa.title}" + (f" · {action.title}" if action else "")
    return {
        "number": None,
        "id": capa.pk,
        "title": title[:TITLE_CHARS],
        "status": capa.status,
        "level": None,
        "department": None,
        "handler": None,
        "links": {"self": f"/api/v1/capa/{capa.pk}"},
    }
