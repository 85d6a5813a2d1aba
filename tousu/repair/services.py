"""Writes of the repair programme (R9): identification opens or extends a customer's case,
the plan's actions are done, contacts logged, the case closed with the new satisfaction.
Each is atomic; where a complaint is concerned its timeline gets an event in the same
transaction (D8)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tousu.accounts import permissions
from tousu.accounts.choices import AuditAction
from tousu.accounts.models import Department, User
from tousu.accounts.services import audit_record
from tousu.callbacks.models import CallbackTask, SurveyResponse
from tousu.complaints.choices import EventType
from tousu.complaints.models import Complaint
from tousu.complaints.services import Archived, complaint_lock, event_record
from tousu.core import actors, clock
from tousu.core.errors import (
    FieldErrors,
    InvalidTransition,
    NotAllowed,
    one_of_message,
    too_long_message,
)
from tousu.core.reasons import reason
from tousu.core.text import clean_text
from tousu.customers.models import Customer
from tousu.notifications.choices import NotificationKind
from tousu.notifications.services import notify
from tousu.repair import rules
from tousu.repair.choices import (
    ACTIVE_STATUSES,
    ContactOutcome,
    RepairSource,
    RepairStatus,
    RepairType,
)
from tousu.repair.models import (
    Playbook,
    PlaybookStep,
    RepairAction,
    RepairCase,
    RepairCaseSource,
    RepairContact,
    RepairFact,
)
from tousu.repair.reference import PLAYBOOKS

NOTE_MAX_CHARS = 2_000


def playbooks_load() -> int:
    """The default playbooks, for types that have none yet (an edited playbook is kept).
    Returns how many were created."""
    made = 0
    for row in PLAYBOOKS:
        if Playbook.objects.filter(type=row.type).exists():
            continue
        book = Playbook.objects.create(
            type=row.type,
            department=Department.objects.get(code=row.department),
            due_days=row.due_days,
        )
        for sort, step in enumerate(row.steps):
            PlaybookStep.objects.create(
                playbook=book,
                code=step.code,
                title=step.title,
                title_en=step.title_en,
                department=Department.objects.get(code=step.department)
                if step.department
                else None,
                due_days=step.due_days,
                sort=sort,
            )
        made += 1
    return made


@dataclass(frozen=True)
class Finding:
    """One record that finds a customer dissatisfied: what it is and what it tells."""

    customer: Customer
    source: str
    key: str
    at: dt.datetime
    type: str
    before: int | None = None
    complaint: Complaint | None = None
    callback: CallbackTask | None = None
    survey: SurveyResponse | None = None


def _playbook(kind: str) -> Playbook:
    book = Playbook.objects.filter(type=kind).select_related("department").first()
    if book is None:
        playbooks_load()
        book = Playbook.objects.select_related("department").get(type=kind)
    return book


def _plan(case: RepairCase, book: Playbook) -> None:
    steps = book.steps.filter(active=True).select_related("department")
    RepairAction.objects.bulk_create(
        RepairAction(
            case=case,
            step=s.code,
            title=s.title,
            title_en=s.title_en,
            department=s.department or case.department,
            due_at=case.opened_at + dt.timedelta(days=s.due_days),
            sort=s.sort,
        )
        for s in steps
    )


def _complaint_event(
    complaint: Complaint | None, type: str, actor: User | None, data: dict[str, object]
) -> None:
    if complaint is None:
        return
    try:
        locked = complaint_lock(complaint)
    except Archived:
        return  # read-only (R5.4): the repair case keeps its own record of this
    event_record(
        complaint=locked,
        type=type,
        actor=actor,
        data=data,
        actor_name=None if actor else actors.REPAIR,
    )


def repair_case_find(*, finding: Finding, actor: User | None = None) -> RepairCase | None:
    """Put the customer of `finding` in a repair case: a new one with its plan, or their open
    case with this source added. Nothing when the record was added before (idempotent), or
    when the customer's repair closed after the record (it is what was repaired). Returns the
    case when something changed."""
    try:
        with transaction.atomic():
            return _find(finding, actor)
    except IntegrityError:
        # A concurrent run added the same source or opened the customer's case first.
        return None


def _find(f: Finding, actor: User | None) -> RepairCase | None:
    if RepairCaseSource.objects.filter(key=f.key).exists():
        return None
    customer = Customer.objects.select_for_update().get(pk=f.customer.pk)
    case = RepairCase.objects.filter(customer=customer, status__in=ACTIVE_STATUSES).first()
    if case is None:
        if RepairCase.objects.filter(
            customer=customer, status=RepairStatus.CLOSED, closed_at__gte=f.at
        ).exists():
            return None
        case = _open(f, customer, actor)
    RepairCaseSource.objects.create(
        case=case,
        source=f.source,
        key=f.key,
        complaint=f.complaint,
        callback=f.callback,
        survey=f.survey,
        at=f.at,
    )
    _complaint_event(
        f.complaint,
        EventType.REPAIR_OPENED,
        actor,
        {"case": case.pk, "type": case.type, "source": f.source},
    )
    return case


def _open(f: Finding, customer: Customer, actor: User | None) -> RepairCase:
    book = _playbook(f.type)
    now = clock.now()
    case = RepairCase.objects.create(
        customer=customer,
        type=f.type,
        source=f.source,
        complaint=f.complaint,
        callback=f.callback,
        survey=f.survey,
        department=book.department,
        due_at=now + dt.timedelta(days=book.due_days),
        satisfaction_before=f.before,
        opened_at=now,
        opened_by=actor,
    )
    _plan(case, book)
    RepairFact.objects.create(
        case=case,
        type=case.type,
        value_tier=customer.value_tier,
        region_id=customer.region_id,
        index_at=now,
        before=f.before,
    )
    return case


# ---- findings from each source --------------------------------------------------------------


def finding_of_callback(task: CallbackTask) -> Finding | None:
    complaint = task.complaint
    source = rules.callback_source(task.result, task.overall)
    if source is None:
        return None
    scores = {k: getattr(task, k) for k in ("timeliness", "attitude", "solution", "simplicity")}
    return Finding(
        customer=complaint.customer,
        source=source,
        key=f"callback:{task.pk}",
        at=task.done_at or clock.now(),
        type=rules.repair_type(
            reasons=task.reasons or [],
            category=complaint.category.code if complaint.category else "",
            content=complaint.content,
        ),
        before=rules.satisfaction_of(task.overall, scores),
        complaint=complaint,
        callback=task,
    )


def finding_of_survey(survey: SurveyResponse) -> Finding | None:
    scores = {k: v for k, v in (survey.scores or {}).items() if rules.score_valid(v)}
    if not rules.survey_finds(survey.overall, scores):
        return None
    return Finding(
        customer=survey.customer,
        source=RepairSource.SURVEY,
        key=f"survey:{survey.pk}",
        at=survey.surveyed_at,
        type=rules.repair_type(factor_scores=scores),
        before=survey.overall,
        survey=survey,
    )


def finding_of_complaint(complaint: Complaint, source: str, at: dt.datetime) -> Finding:
    """A reopened or repeat complaint: the customer is dissatisfied, score unknown."""
    return Finding(
        customer=complaint.customer,
        source=source,
        key=f"{source}:{complaint.pk}",
        at=at,
        type=rules.repair_type(
            category=complaint.category.code if complaint.category else "",
            content=complaint.content,
        ),
        complaint=complaint,
    )


# ---- opening by hand, acting, closing -------------------------------------------------------


def repair_case_open(
    *,
    actor: User,
    customer: Customer,
    type: str,
    complaint: Complaint | None = None,
    note: str = "",
) -> RepairCase:
    """Open a case by hand (a supervisor who knows of a dissatisfied customer)."""
    if not permissions.can_open_repair(actor):
        raise NotAllowed(_("Your role may not open repair cases"))
    errors = FieldErrors()
    if type not in RepairType.values:
        errors.add("type", one_of_message(RepairType.values))
    if complaint is not None and complaint.customer_id != customer.pk:
        errors.add("complaint", _("The complaint is not this customer's"))
    errors.raise_if_any(_("The repair case has errors"))
    with transaction.atomic():
        if RepairCase.objects.filter(customer=customer, status__in=ACTIVE_STATUSES).exists():
            raise InvalidTransition(_("The customer already has an open repair case"))
        now = clock.now()
        finding = Finding(
            customer=customer,
            source=RepairSource.MANUAL,
            key=f"manual:{customer.pk}:{now.timestamp():.6f}",
            at=now,
            type=type,
            complaint=complaint,
        )
        case = _find(finding, actor)
        assert case is not None
        if note:
            case.outcome = clean_text(note)[:NOTE_MAX_CHARS]
            case.save(update_fields=["outcome"])
    return case


def _require_active(case: RepairCase) -> None:
    if not case.active:
        raise InvalidTransition(_("The repair case is closed"))


def _note(text: str, errors: FieldErrors, field: str = "note") -> str:
    clean = clean_text(text or "")
    if len(clean) > NOTE_MAX_CHARS:
        errors.add(field, too_long_message(NOTE_MAX_CHARS))
    return clean


def _take(case: RepairCase, actor: User) -> None:
    """Whoever of the owner department acts first takes the case; it is then in progress."""
    fields = []
    if case.status == RepairStatus.OPEN:
        case.status = RepairStatus.IN_PROGRESS
        fields.append("status")
    if case.owner_id is None and actor.department_id == case.department_id:
        case.owner = actor
        fields.append("owner")
    if fields:
        case.save(update_fields=fields)


def repair_case_assign(*, case: RepairCase, actor: User, owner: User | None) -> RepairCase:
    """Give the case its owner, or another one: a supervisor or the head of its owner
    department (an administrator), or a handler of that department taking a case nobody owns.
    The owner is of the back office of the owner department. The complaint that found the
    customer gets the event, the audit log the change, in the same transaction; the new owner
    is notified (in-app now, by e-mail after commit). A closed case is not assigned (409)."""
    with transaction.atomic():
        case = RepairCase.objects.select_for_update().get(pk=case.pk)
        _require_active(case)
        taking = owner is not None and owner.pk == actor.pk
        if not (
            permissions.can_assign_repair(actor, case)
            or (taking and permissions.can_take_repair(actor, case))
        ):
            raise NotAllowed(_("You may not assign this repair case"))
        errors = FieldErrors()
        if owner is None:
            errors.add("owner", _("Choose who owns the case"))
        elif not permissions.may_own_repair(owner, case):
            errors.add("owner", _("The owner must be of the case's department"))
        elif owner.pk == case.owner_id:
            errors.add("owner", _("This is the case's owner already"))
        errors.raise_if_any(_("The repair case cannot be assigned"))
        assert owner is not None
        before = case.owner
        case.owner = owner
        case.save(update_fields=["owner"])
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            obj=case,
            changes={"owner": [before.get_username() if before else None, owner.get_username()]},
        )
        _complaint_event(
            case.complaint,
            EventType.REPAIR_ASSIGNED,
            actor,
            {"case": case.pk, "handler": owner.get_username()},
        )
        if owner.pk != actor.pk:
            notify(
                users=[owner],
                kind=NotificationKind.ASSIGNED,
                text=reason("notice.repair_assigned", case=str(case), by=str(actor)),
                complaint=case.complaint,
            )
    return case


def repair_action_record(
    *,
    case: RepairCase,
    actor: User,
    step: str = "",
    note: str = "",
    contact_outcome: str = "",
) -> RepairCase:
    """Complete a step of the plan (`step`), log a contact (`contact_outcome`), or both: a
    step done on a call. A closed case takes nothing (409)."""
    with transaction.atomic():
        case = RepairCase.objects.select_for_update().get(pk=case.pk)
        _require_active(case)
        if not permissions.can_act_repair(actor, case):
            raise NotAllowed(_("You may not act on this repair case"))
        errors = FieldErrors()
        text = _note(note, errors)
        action = None
        if step:
            action = case.actions.filter(step=step).first()
            if action is None:
                errors.add("step", one_of_message(case.actions.values_list("step", flat=True)))
            elif action.done_at is not None:
                errors.add("step", _("This step is done already"))
        elif not contact_outcome:
            errors.add("step", _("Name a step to complete or a contact outcome"))
        if contact_outcome and contact_outcome not in ContactOutcome.values:
            errors.add("contact_outcome", one_of_message(ContactOutcome.values))
        errors.raise_if_any(_("The repair action has errors"))
        now = clock.now()
        if action is not None:
            action.done_at = now
            action.done_by = actor
            action.note = text
            action.contact_outcome = contact_outcome
            action.save(update_fields=["done_at", "done_by", "note", "contact_outcome"])
        if contact_outcome:
            RepairContact.objects.create(
                case=case, at=now, by=actor, outcome=contact_outcome, note=text, action=action
            )
        _take(case, actor)
    return case


def repair_case_close(
    *, case: RepairCase, actor: User, satisfaction_after: object, outcome: str = ""
) -> RepairCase:
    """Close the case with the customer's new satisfaction (1–5), asked on the last call."""
    with transaction.atomic():
        case = RepairCase.objects.select_for_update().get(pk=case.pk)
        _require_active(case)
        if not permissions.can_act_repair(actor, case):
            raise NotAllowed(_("You may not act on this repair case"))
        errors = FieldErrors()
        if not rules.score_valid(satisfaction_after):
            errors.add("satisfaction_after", _("A whole number from 1 to 5"))
        text = _note(outcome, errors, "outcome")
        errors.raise_if_any(_("The repair case cannot be closed"))
        assert isinstance(satisfaction_after, int)
        now = clock.now()
        case.status = RepairStatus.CLOSED
        case.satisfaction_after = satisfaction_after
        case.closed_at = now
        case.outcome = text or case.outcome
        if case.owner_id is None:
            case.owner = actor
        case.save()
        RepairFact.objects.filter(case=case).update(
            repaired=True, index_at=now, after=satisfaction_after, repeat_90d=None
        )
        _complaint_event(
            case.complaint,
            EventType.REPAIR_CLOSED,
            actor,
            {"case": case.pk, "satisfaction_after": satisfaction_after},
        )
    return case


def repair_case_cancel(*, case: RepairCase, actor: User, reason: str) -> RepairCase:
    """Cancel a case opened in error (the customer is not dissatisfied after all)."""
    with transaction.atomic():
        case = RepairCase.objects.select_for_update().get(pk=case.pk)
        _require_active(case)
        if not permissions.can_act_repair(actor, case):
            raise NotAllowed(_("You may not act on this repair case"))
        errors = FieldErrors()
        text = _note(reason, errors, "reason")
        if not text:
            errors.add("reason", _("Say why"))
        errors.raise_if_any(_("The repair case cannot be cancelled"))
        case.status = RepairStatus.CANCELLED
        case.closed_at = clock.now()
        case.outcome = text
        case.save(update_fields=["status", "closed_at", "outcome"])
    return case
