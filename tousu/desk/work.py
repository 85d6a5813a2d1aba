"""The work queue (我的待办, issue 12): every item that waits for the user's move, most urgent
first, each with its kind and due time, and apart from it what the user waits on others for.

The items come from sources — complaints whose move is the user's, approvals their authority
covers, callbacks due, complaints to classify, overdue and high-risk complaints of the
department. Each source is a queryset ordered by due time (nulls last); a page is the merge of
the sources' heads, so that a page costs a fixed number of queries however long the queue is:
per source one COUNT, one read of the keys of the first `page × size` items and one read of
the rows of those on the page. Sources over complaints exclude the complaints of the sources
before them, so a complaint appears once, for its most actionable reason. Later domains
(repair, inspections, corrective actions, incidents, proactive care) add their sources to
`_sources`.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from tousu.accounts import permissions
from tousu.accounts.choices import Role
from tousu.accounts.models import User
from tousu.callbacks.choices import CallbackStatus
from tousu.callbacks.models import CallbackTask
from tousu.callbacks.selectors import (
    callbacks_overseen_by,
    in_callback_team,
    overdue_callbacks,
    with_last_call,
)
from tousu.classification.selectors import triage_queue
from tousu.complaints.choices import Status
from tousu.complaints.models import Complaint
from tousu.complaints.rules import OPEN_STATUSES
from tousu.complaints.selectors import complaint_rows
from tousu.core import clock
from tousu.early_warning.models import CareItem, Incident
from tousu.early_warning.selectors import care_work, incident_work
from tousu.quality.choices import InspectionStatus
from tousu.quality.models import CapaAction, CorrectiveAction, Inspection
from tousu.quality.selectors import capa_open_actions, capa_verification_due, inspection_work
from tousu.repair.models import RepairCase
from tousu.repair.selectors import repair_work
from tousu.resolution.models import Approval
from tousu.resolution.selectors import authority_limit

# How deep into the queue a page may reach: each source's keys are read down to the page's
# end, and nobody works the 5,001st item of a queue before the first.
WORK_DEPTH_MAX = 5_000


class WorkKind(models.TextChoices):
    """Why an item is in the queue: what the user is to do (or, apart, waits for)."""

    DISPATCH = "dispatch", _("To dispatch")
    ACCEPT = "accept", _("To accept")
    HANDLE = "handle", _("To handle")
    CLOSE = "close", _("To close")
    APPROVE = "approve", _("To approve")
    CALLBACK = "callback", _("To call back")
    CALLBACK_OVERDUE = "callback_overdue", _("Callback overdue")
    TRIAGE = "triage", _("To classify")
    OVERDUE = "overdue", _("Overdue")
    FIRST_RESPONSE_OVERDUE = "first_response_overdue", _("First response overdue")
    WATCH = "watch", _("High risk")
    AWAITING_APPROVAL = "awaiting_approval", _("Waiting for approval")
    AWAITING_CUSTOMER = "awaiting_customer", _("Waiting for the customer")
    REPAIR = "repair", _("To repair")
    CARE = "care", _("Proactive care")
    INCIDENT = "incident", _("Incident")
    INSPECTION = "inspection", _("Quality inspection")

    CAPA = "capa", _("Corrective action")


# What the due time of an item is the limit of.
DUE_LABELS = {
    "first_response": _("First response due"),
    "resolution": _("Reply due"),
    "approval": _("Decide by"),
    "callback": _("Call back by"),
    "repair": _("Next repair step by"),
    "care": _("Call by"),
    "incident": _("Proposals or a statement to decide"),
    "inspection": _("Score by"),
    "appeal": _("Appeal by"),
    "appeal_decision": _("Appealed on"),
    "capa_action": _("Action due"),
    "capa_verify": _("Check the effect from"),
}


@dataclass
class WorkItem:
    """One line of the queue, about one complaint, or about a repair case (whose customer may
    have been found by a survey, without a complaint), or a customer to call about a known
    fault before they complain (a care item)."""

    kind: str
    complaint: Complaint | None
    due_at: dt.datetime | None
    due_kind: str  # a key of DUE_LABELS: which limit `due_at` is
    approval: Approval | None = None
    callback: CallbackTask | None = None
    repair: RepairCase | None = None
    care: CareItem | None = None
    incident: Incident | None = None
    inspection: Inspection | None = None
    # A corrective action: one of its actions to do, or (no action) its effect to check.
    capa: CorrectiveAction | None = None
    capa_action: CapaAction | None = None

    @property
    def kind_label(self) -> str:
        return str(WorkKind(self.kind).label)

    @property
    def due_label(self) -> str:
        return str(DUE_LABELS[self.due_kind])

    @property
    def overdue(self) -> bool:
        return self.due_at is not None and self.due_at < clock.now()

    @property
    def waiting(self) -> bool:
        return self.kind in WAITING_KINDS


WAITING_KINDS = {WorkKind.AWAITING_APPROVAL, WorkKind.AWAITING_CUSTOMER}


@dataclass
class Source:
    """A queryset of one kind of work, ordered by `due` (annotated, nulls last) then pk, and
    how to make its rows into items."""

    name: str
    qs: QuerySet[Any]
    item: Callable[[Any], WorkItem]


@dataclass
class WorkPage:
    items: list[WorkItem]
    count: int
    counts: dict[str, int]  # per kind, of the whole queue (my move and waiting alike)


# ---- complaints whose move is the user's ---------------------------------------------------

# A complaint whose running clock is the first response: nobody has accepted it yet.
_AWAITS_FIRST_RESPONSE = Q(
    accepted_at__isnull=True, status__in=[Status.REGISTERED, Status.DISPATCHED]
)

_DUE = Case(
    When(_AWAITS_FIRST_RESPONSE, then=F("first_response_due")),
    When(status=Status.RESOLVED, then=Value(None)),
    default=F("resolution_due"),
    output_field=models.DateTimeField(),
)


def _mine_q(user: User) -> Q:
    """The complaints that are the user's to move: theirs, their expert teams', and — for
    the back office — their department's that nobody holds yet."""
    mine = Q(handler=user) | permissions.team_q(user)
    if user.department_id and user.role in permissions.BACK_OFFICE_ROLES:
        mine |= Q(department=user.department_id, handler__isnull=True)
    return mine


def _waiting_q() -> Q:
    return Q(status=Status.AWAITING_APPROVAL) | Q(status__in=OPEN_STATUSES, paused_at__isnull=False)


def _mine(user: User) -> QuerySet[Complaint]:
    return (
        complaint_rows()
        .filter(permissions.scope_q(user))
        .filter(_mine_q(user), status__in=[*OPEN_STATUSES, Status.RESOLVED])
    )


def _ordered(qs: QuerySet[Any], due: Any = None) -> QuerySet[Any]:
    return qs.annotate(due=due if due is not None else F("resolution_due")).order_by(
        F("due").asc(nulls_last=True), "pk"
    )


def _move_kind(user: User, complaint: Complaint) -> str:
    if complaint.status == Status.RESOLVED:
        return WorkKind.CLOSE
    if complaint.status == Status.REGISTERED:
        return WorkKind.DISPATCH
    if complaint.status == Status.DISPATCHED:
        # A manager's move on an unassigned complaint is to give it to someone.
        if complaint.handler_id is None and user.role in permissions.MANAGER_ROLES:
            return WorkKind.DISPATCH
        return WorkKind.ACCEPT
    return WorkKind.HANDLE


def _complaint_item(kind: str, complaint: Complaint) -> WorkItem:
    due_at = getattr(complaint, "due", None)
    first = complaint.accepted_at is None and complaint.status in (
        Status.REGISTERED,
        Status.DISPATCHED,
    )
    return WorkItem(kind, complaint, due_at, "first_response" if first else "resolution")


def _moves(user: User) -> Source:
    qs = _ordered(_mine(user).exclude(_waiting_q()), _DUE)
    return Source("moves", qs, lambda c: _complaint_item(_move_kind(user, c), c))


def _waiting(user: User) -> Source:
    qs = _ordered(_mine(user).filter(_waiting_q()))

    def item(c: Complaint) -> WorkItem:
        if c.status == Status.AWAITING_APPROVAL:
            return _complaint_item(WorkKind.AWAITING_APPROVAL, c)
        return _complaint_item(WorkKind.AWAITING_CUSTOMER, c)

    return Source("waiting", qs, item)


# ---- approvals, callbacks ---------------------------------------------------------------------


def approvals_for(user: User) -> QuerySet[Approval]:
    """Approvals waiting for a decision that the user's authority and scope cover (the same
    rule as `permissions.can_approve`), but not their own requests."""
    if user.role not in permissions.MANAGER_ROLES:
        return Approval.objects.none()
    qs = Approval.objects.filter(
        decided_at__isnull=True, complaint__status=Status.AWAITING_APPROVAL
    ).exclude(requested_by=user)
    if user.role != Role.ADMIN:
        if not user.department_id:
            return Approval.objects.none()
        qs = qs.filter(complaint__department=user.department_id)
    limit: Decimal | None = authority_limit(user.role)
    if limit is not None:
        qs = qs.filter(amount__lte=limit)
    return qs.filter(permissions.scope_q(user, "complaint__"))


def _approvals(user: User) -> Source:
    qs = _ordered(approvals_for(user), F("due_at")).select_related(
        *(f"complaint__{name}" for name in _COMPLAINT_RELATED)
    )

    def item(a: Approval) -> WorkItem:
        return WorkItem(WorkKind.APPROVE, a.complaint, a.due_at, "approval", approval=a)

    return Source("approvals", qs, item)


def _callbacks(user: User) -> Source:
    """The callback team's callbacks (settings.TOUSU_CALLBACK_TEAM; managers may call too, but
    it is not their queue): every pending one, due and overdue alike — callbacks fall due
    within days of closing, so these are the calls of the next day or two, soonest due first,
    each with its calls so far."""
    if not in_callback_team(user):
        qs = CallbackTask.objects.none()
    else:
        qs = CallbackTask.objects.filter(status=CallbackStatus.PENDING).filter(
            permissions.scope_q(user, "complaint__")
        )
    qs = with_last_call(_ordered(qs, F("due_at"))).select_related(
        *(f"complaint__{name}" for name in _COMPLAINT_RELATED)
    )

    def item(t: CallbackTask) -> WorkItem:
        return WorkItem(WorkKind.CALLBACK, t.complaint, t.due_at, "callback", callback=t)

    return Source("callbacks", qs, item)


def _overdue_callbacks(user: User) -> Source:
    """For managers, as `_overdue` for complaints: the callbacks past their due time of their
    department's complaints, and for those told of overdue callbacks (the callback team's
    supervisors, `callbacks_overseen_by`) and administrators every one in their scope — the
    longest overdue first, with the calls so far and who called last. The notice tells once;
    the queue keeps the callback until someone records it. Not for a member of the team, whose
    callbacks source holds it already."""
    if in_callback_team(user) or user.role not in permissions.MANAGER_ROLES:
        qs = CallbackTask.objects.none()
    else:
        qs = overdue_callbacks(clock.now()).filter(permissions.scope_q(user, "complaint__"))
        if user.role != Role.ADMIN and not callbacks_overseen_by(user):
            qs = qs.filter(complaint__department=user.department_id)
    qs = with_last_call(_ordered(qs, F("due_at"))).select_related(
        *(f"complaint__{name}" for name in _COMPLAINT_RELATED)
    )

    def item(t: CallbackTask) -> WorkItem:
        return WorkItem(WorkKind.CALLBACK_OVERDUE, t.complaint, t.due_at, "callback", callback=t)

    return Source("overdue_callbacks", qs, item)


def _repair(user: User) -> Source:
    """Repair cases whose next move is the user's (issue 14), by their next step's due time."""
    qs = repair_work(user).annotate(due=Coalesce(F("next_due"), F("due_at")))
    qs = qs.order_by(F("due").asc(nulls_last=True), "pk").select_related(
        "customer", "department", "owner", "complaint"
    )

    def item(case: RepairCase) -> WorkItem:
        due_at = getattr(case, "due", None)
        return WorkItem(WorkKind.REPAIR, case.complaint, due_at, "repair", repair=case)

    return Source("repair", qs, item)


def _care(user: User) -> Source:
    """Customers hit by a known fault for the owning department to call (issue 15), by the
    time they are to be called by."""
    qs = _ordered(care_work(user), F("due_at")).select_related(
        "customer", "customer__region", "fault", "department"
    )

    def item(care: CareItem) -> WorkItem:
        return WorkItem(WorkKind.CARE, None, care.due_at, "care", care=care)

    return Source("care", qs, item)


def _incidents(user: User) -> Source:
    """Incidents whose next move is the user's (R10.4): their own open ones with complaints
    proposed at registration or a draft statement, and for approvers the drafts to approve.
    No deadline of their own: they come after the items that have one."""
    qs = incident_work(user).annotate(due=Value(None, output_field=models.DateTimeField()))
    qs = qs.order_by("pk").select_related("owner")

    def item(incident: Incident) -> WorkItem:
        return WorkItem(WorkKind.INCIDENT, None, None, "incident", incident=incident)

    return Source("incidents", qs, item)


def _inspections(user: User) -> Source:
    """Inspections whose move is the user's (issue 16): an inspector's tasks to score, the
    appeals another inspector decides, a handler's scores they may still appeal."""
    qs = inspection_work(user).order_by(F("due").asc(nulls_last=True), "pk")
    qs = qs.select_related(
        "complaint", "complaint__category", "complaint__customer", "handler", "department", "appeal"
    )

    def item(i: Inspection) -> WorkItem:
        if i.status == InspectionStatus.OPEN:
            due_kind = "inspection"
        elif i.handler_id == user.pk and i.inspector_id != user.pk:
            due_kind = "appeal"
        else:
            due_kind = "appeal_decision"
        return WorkItem(
            WorkKind.INSPECTION, i.complaint, getattr(i, "due", None), due_kind, inspection=i
        )

    return Source("inspection", qs, item)


def _capa_actions(user: User) -> Source:
    """The user's actions of corrective actions still to do (issue 16), by due day."""
    qs = (
        capa_open_actions(user)
        .annotate(due=F("due_at"))
        .order_by(F("due").asc(nulls_last=True), "pk")
        .select_related("capa", "capa__category", "capa__category__parent")
    )

    def item(action: CapaAction) -> WorkItem:
        return WorkItem(
            WorkKind.CAPA, None, action.due_at, "capa_action", capa=action.capa,
            capa_action=action,
        )  # fmt: skip

    return Source("capa_actions", qs, item)


def _capa_verify(user: User) -> Source:
    """The user's corrective actions whose actions are done: their effect to check once the
    watched period is over."""
    qs = (
        capa_verification_due(user)
        .annotate(due=F("verify_from"))
        .order_by(F("due").asc(nulls_last=True), "pk")
        .select_related("category", "category__parent")
    )

    def item(capa: CorrectiveAction) -> WorkItem:
        return WorkItem(WorkKind.CAPA, None, capa.verify_from, "capa_verify", capa=capa)

    return Source("capa_verify", qs, item)


_COMPLAINT_RELATED = (
    "customer",
    "category",
    "category__parent",
    "department",
    "handler",
    "region",
    "repeat_of",
)


# ---- complaints to classify, overdue and high-risk ones ---------------------------------------


def _triage(user: User, before: Iterable[QuerySet[Any, Any]]) -> Source:
    qs = triage_queue(user) if permissions.can_triage(user) else Complaint.objects.none()
    qs = _exclude(qs.select_related(*_COMPLAINT_RELATED), before)
    return Source("triage", _ordered(qs, F("first_response_due")), _item_of(WorkKind.TRIAGE))


def _managed(user: User) -> QuerySet[Complaint]:
    """For managers, the open complaints they answer for whose clock runs: their
    department's within their scope; an admin's, every one in scope. None for others."""
    if user.role not in permissions.MANAGER_ROLES or (
        user.role != Role.ADMIN and not user.department_id
    ):
        return Complaint.objects.none()
    qs = complaint_rows().filter(
        permissions.scope_q(user), status__in=OPEN_STATUSES, paused_at__isnull=True
    )
    if user.role != Role.ADMIN:
        qs = qs.filter(department=user.department_id)
    return qs


def _overdue(user: User, before: Iterable[QuerySet[Any, Any]]) -> Source:
    """For managers: the complaints they answer for past the reply limit (the ladder has
    told them)."""
    qs = _managed(user).filter(resolution_due__lt=clock.now())
    return Source("overdue", _ordered(_exclude(qs, before)), _item_of(WorkKind.OVERDUE))


def _first_response_overdue(user: User, before: Iterable[QuerySet[Any, Any]]) -> Source:
    """For managers: the complaints they answer for that nobody accepted within the first-
    response limit, whoever holds them (the alert, `sla.first_response_scan`, tells once;
    the queue keeps them until someone accepts), the longest overdue first."""
    qs = _managed(user).filter(_AWAITS_FIRST_RESPONSE, first_response_due__lt=clock.now())
    qs = _ordered(_exclude(qs, before), F("first_response_due"))
    item = _item_of(WorkKind.FIRST_RESPONSE_OVERDUE, "first_response")
    return Source("first_response_overdue", qs, item)


def _watch(user: User, before: Iterable[QuerySet[Any, Any]]) -> Source:
    if not permissions.can_watch(user):
        qs = Complaint.objects.none()
    else:
        qs = complaint_rows().filter(
            permissions.scope_q(user),
            status__in=OPEN_STATUSES,
            risk_score__gte=settings.TOUSU_RISK_HIGH,
        )
    return Source("watch", _ordered(_exclude(qs, before)), _item_of(WorkKind.WATCH))


def _exclude(qs: QuerySet[Complaint], before: Iterable[QuerySet[Any, Any]]) -> QuerySet[Complaint]:
    """`qs` without the complaints of the querysets `before` (of complaints, or of one
    complaint column)."""
    for earlier in before:
        column = earlier if earlier.query.values_select else earlier.values("pk")
        qs = qs.exclude(pk__in=column)
    return qs


def _item_of(kind: str, due_kind: str = "resolution") -> Callable[[Complaint], WorkItem]:
    def item(c: Complaint) -> WorkItem:
        return WorkItem(kind, c, getattr(c, "due", None), due_kind)

    return item


# ---- the queue -----------------------------------------------------------------------------------


def _sources(user: User) -> tuple[list[Source], Source]:
    """The sources of the user's moves, in order of precedence, and of what they wait for."""
    mine = _mine(user)
    approvals = _approvals(user)
    # A complaint whose approval is the user's to give appears once, as that approval.
    approving = approvals_for(user).values("complaint")
    triage = _triage(user, [mine, approving])
    overdue = _overdue(user, [mine, approving, triage.qs])
    # Past the reply limit too: that is the graver lateness, shown as overdue.
    late_first = _first_response_overdue(user, [mine, approving, triage.qs, overdue.qs])
    watch = _watch(user, [mine, approving, triage.qs, overdue.qs, late_first.qs])
    moves = [
        _moves(user),
        approvals,
        _callbacks(user),
        _overdue_callbacks(user),
        _repair(user),
        _care(user),
        _incidents(user),
        _inspections(user),
        _capa_actions(user),
        _capa_verify(user),
        triage,
        overdue,
        late_first,
        watch,
    ]
    return moves, _waiting(user)


SOURCE_KINDS = {
    "approvals": WorkKind.APPROVE,
    "callbacks": WorkKind.CALLBACK,
    "overdue_callbacks": WorkKind.CALLBACK_OVERDUE,
    "repair": WorkKind.REPAIR,
    "care": WorkKind.CARE,
    "incidents": WorkKind.INCIDENT,
    "inspection": WorkKind.INSPECTION,
    "capa_actions": WorkKind.CAPA,
    "capa_verify": WorkKind.CAPA,
    "triage": WorkKind.TRIAGE,
    "overdue": WorkKind.OVERDUE,
    "first_response_overdue": WorkKind.FIRST_RESPONSE_OVERDUE,
    "watch": WorkKind.WATCH,
}


def _own_counts(user: User) -> dict[str, int]:
    """How many of the user's own complaints wait for their move, per kind, and how many
    wait on others: one COUNT grouped by what decides the kind."""
    paused = Case(When(paused_at__isnull=False, then=Value(1)), default=Value(0))
    rows = (
        _mine(user)
        .order_by()
        .annotate(paused=paused)
        .values_list("status", "paused")
        .annotate(n=models.Count("pk"), unassigned=models.Count("pk", filter=Q(handler=None)))
    )
    counts: dict[str, int] = {}
    for status, is_paused, n, unassigned in rows:
        if status == Status.AWAITING_APPROVAL:
            parts: list[tuple[str, int]] = [(WorkKind.AWAITING_APPROVAL, n)]
        elif is_paused and status in OPEN_STATUSES:
            parts = [(WorkKind.AWAITING_CUSTOMER, n)]
        else:
            parts = [
                (_move_kind(user, Complaint(status=status, handler=user)), n - unassigned),
                (_move_kind(user, Complaint(status=status)), unassigned),
            ]
        for kind, number in parts:
            if number:
                counts[kind] = counts.get(kind, 0) + number
    return counts


def _source_count(source: Source) -> dict[str, int]:
    count = source.qs.count()
    return {SOURCE_KINDS[source.name]: count} if count else {}


def _merged(sources: list[Source], page: int, size: int) -> list[WorkItem]:
    """Items `(page-1)·size … page·size` of the sources merged by due time: the keys of each
    source's first `page·size` items, merged, then the rows of those on the page only."""
    depth = page * size
    far = dt.datetime.max.replace(tzinfo=dt.UTC)

    def keys(index: int, source: Source) -> Iterable[tuple[bool, dt.datetime, int, int]]:
        for pk, due in source.qs.values_list("pk", "due")[:depth]:
            yield (due is None, due or far, index, pk)

    merged = list(heapq.merge(*(keys(i, s) for i, s in enumerate(sources))))
    chosen = merged[(page - 1) * size : depth]
    wanted: dict[int, list[int]] = {}
    for _missing, _due, index, pk in chosen:
        wanted.setdefault(index, []).append(pk)
    rows = {index: sources[index].qs.in_bulk(pks) for index, pks in wanted.items()}
    return [sources[index].item(rows[index][pk]) for _m, _d, index, pk in chosen]


def work_queue(user: User, *, page: int = 1, size: int = 50, waiting: bool = False) -> WorkPage:
    """One page of the user's queue: their moves, or (`waiting`) what waits on others."""
    moves, waits = _sources(user)
    counts = _own_counts(user)
    for source in moves:
        if source.name in SOURCE_KINDS:
            # Two sources may count one kind (a corrective action's steps and its checks).
            for kind, n in _source_count(source).items():
                counts[kind] = counts.get(kind, 0) + n
    chosen = [waits] if waiting else moves
    total = sum(n for kind, n in counts.items() if (kind in WAITING_KINDS) == waiting)
    return WorkPage(_merged(chosen, page, size), total, counts)
