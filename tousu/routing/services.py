"""Dispatch, assignment, transfer (转派), return (退单) and expert teams (R3)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from tousu.accounts import permissions
from tousu.accounts.choices import AssignmentMode, Role
from tousu.accounts.models import Department, User
from tousu.accounts.reference import DEFAULT_DEPARTMENT
from tousu.classification.models import Category
from tousu.classification.services import complaint_category_set
from tousu.complaints import rules
from tousu.complaints.choices import EventType, Level, Status
from tousu.complaints.models import Complaint
from tousu.complaints.services import _reason, _require, complaint_lock, event_record
from tousu.core import clock
from tousu.core.errors import FieldErrors, InvalidTransition, ValidationFailed
from tousu.notifications.choices import NotificationKind
from tousu.notifications.services import notify
from tousu.routing import selectors
from tousu.routing.choices import TransferKind
from tousu.routing.models import ExpertTeam, ExpertTeamMember, HandlerProfile, Transfer
from tousu.routing.rules import pick_handler

HANDLER_ROLES = {Role.HANDLER, Role.SUPERVISOR, Role.DEPT_HEAD}
TEAM_LEVELS = (Level.MAJOR, Level.OVER_LEVEL)
# Who may sit on an expert team: staff who work complaints (analysts and quality inspectors
# read, they do not investigate).
TEAM_ROLES = {Role.AGENT, Role.HANDLER, Role.SUPERVISOR, Role.DEPT_HEAD, Role.ADMIN}
TEAM_MAX_MEMBERS = 20


def complaint_categorise(*, complaint: Complaint, actor: User, category: Category) -> Complaint:
    """Staff set the category (classification's `complaint_category_set`); a complaint still
    waiting unaccepted in the default department is then routed again by its new category."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        complaint, changed = complaint_category_set(
            complaint=complaint, actor=actor, category=category
        )
        in_default = complaint.department is not None and (
            complaint.department.code == DEFAULT_DEPARTMENT
        )
        waiting = complaint.accepted_at is None and complaint.status in (
            Status.REGISTERED,
            Status.DISPATCHED,
        )
        if changed and in_default and waiting:
            department, why = selectors.department_for(
                category, complaint.region, complaint.channel, complaint.level
            )
            if department.pk != complaint.department_id:
                complaint = complaint_dispatch(
                    complaint=complaint,
                    actor=None,
                    department=department,
                    rule=why,
                    reason="类别确定后重新派单",
                )
    return complaint


def handler_assign_auto(*, complaint: Complaint, department: Department) -> User | None:
    """The handler the department's automatic assignment picks for the complaint (by skill,
    then load, then idle time), with their last assignment time updated; None when nobody
    can take it. Precondition: inside the dispatching transaction."""
    candidates = selectors.assignment_candidates(department, complaint.category)
    chosen = pick_handler(selectors.handler_load(candidates))
    if chosen is None:
        return None
    HandlerProfile.objects.update_or_create(
        user_id=chosen.user_id, defaults={"last_assigned_at": clock.now()}
    )
    return next(u for u in candidates if u.pk == chosen.user_id)


def _valid_handler(handler: User, department: Department) -> bool:
    return (
        handler.department_id == department.pk
        and handler.role in HANDLER_ROLES
        and handler.is_active
    )


def _move(
    *,
    complaint: Complaint,
    actor: User | None,
    department: Department,
    handler: User | None,
    text: str,
    rule: str,
    kind: str | None,
) -> Complaint:
    """Put a locked complaint in `department` (and with `handler`), assign it automatically
    when it arrives in a department that works that way, record the move (a Transfer row for
    transfers and returns), the timeline event and the notifications."""
    previous = complaint.department
    arrives = complaint.status == Status.REGISTERED or complaint.department_id != department.pk
    auto = False
    if handler is None and arrives and department.assignment_mode == AssignmentMode.AUTO:
        handler = handler_assign_auto(complaint=complaint, department=department)
        auto = handler is not None
    complaint.status = rules.next_status("dispatch", complaint.status)
    complaint.department = department
    complaint.handler = handler
    fields = ["status", "department", "handler", "updated_at"]
    if rule:
        complaint.routing_reason = rule[:200]
        fields.append("routing_reason")
    complaint.save(update_fields=fields)
    data: dict[str, object] = {
        "department": department.code,
        "department_name": department.name,
        "handler": handler.username if handler else None,
    }
    if auto:
        data["assigned"] = "auto"
    if rule:
        data["rule"] = rule
    if text:
        data["reason"] = text
    if kind is not None:
        data["from_department"] = previous.code if previous else None
        Transfer.objects.create(
            complaint=complaint,
            from_department=previous,
            to_department=department,
            kind=kind,
            reason=text,
            actor=actor,
            at=clock.now(),
        )
    event_type = (
        EventType.DISPATCHED
        if kind is None
        else EventType.RETURNED
        if kind == TransferKind.RETURN
        else EventType.TRANSFERRED
    )
    event_record(complaint=complaint, type=event_type, actor=actor, data=data)
    if handler is not None and handler != actor:
        notify(
            users=[handler],
            kind=NotificationKind.ASSIGNED,
            text=f"投诉单 {complaint.number} 已分派给你",
            complaint=complaint,
        )
    elif handler is None and arrives:
        notify(
            users=[u for u in selectors.department_handlers(department) if u != actor],
            kind=NotificationKind.DISPATCHED,
            text=f"投诉单 {complaint.number} 已派至{department.name}，待领取",
            complaint=complaint,
        )
    return complaint


def complaint_dispatch(
    *,
    complaint: Complaint,
    actor: User | None,
    department: Department,
    handler: User | None = None,
    reason: str = "",
    rule: str = "",
) -> Complaint:
    """Hand the complaint to a department (and optionally a handler).

    The first dispatch needs no reason; moving it to another department afterwards is a
    transfer (转派) and needs one (R3.3). A complaint arriving in a department that assigns
    automatically goes to a handler by skill and load (R3.2); otherwise it waits in the
    department queue (a transferred one for the new department to accept it). Dispatching
    within the department without a handler puts it back in the queue.
    """
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        if actor is not None:
            _require(permissions.can_dispatch(actor, complaint))
        if not department.active:
            raise ValidationFailed.for_field(
                "department",
                _("This department is inactive"),
                message=_("The department is inactive"),
            )
        if handler is not None and not _valid_handler(handler, department):
            raise ValidationFailed.for_field(
                "handler",
                _("%(handler)s is not a handler of %(department)s")
                % {"handler": handler, "department": department.name},
                message=_("The handler is not in this department"),
            )
        is_transfer = (
            complaint.status != Status.REGISTERED and complaint.department_id != department.pk
        )
        text = _reason(reason, required=is_transfer and actor is not None)
        complaint = _move(
            complaint=complaint,
            actor=actor,
            department=department,
            handler=handler,
            text=text,
            rule=rule,
            kind=TransferKind.TRANSFER if is_transfer else None,
        )
    return complaint


def complaint_return(*, complaint: Complaint, actor: User, reason: str) -> Complaint:
    """Return (退单): the handling department sends the complaint back, with a reason, to the
    department that sent it to them — or to the complaint office after a first dispatch."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        _require(permissions.can_return(actor, complaint))
        if complaint.status not in (Status.DISPATCHED, Status.IN_PROGRESS):
            raise InvalidTransition(
                _("Not possible to return the complaint in its current status (%(status)s)")
                % {"status": Status(complaint.status).label}
            )
        text = _reason(reason)
        target = selectors.return_target(complaint)
        if target.pk == complaint.department_id:
            raise InvalidTransition(
                _("The complaint is with the receiving department: there is nowhere to return it")
            )
        if not target.active:
            raise InvalidTransition(
                _("%(department)s is inactive: the complaint cannot go back there")
                % {"department": target.name}
            )
        complaint = _move(
            complaint=complaint,
            actor=actor,
            department=target,
            handler=None,
            text=text,
            rule="",
            kind=TransferKind.RETURN,
        )
    return complaint


def _team_members_check(people: dict[int, User]) -> None:
    """Every member may sit on a team, there are not too many, and they come from several
    departments: a team of one department is that department's ordinary work."""
    errors = FieldErrors()
    for user in people.values():
        if not user.is_active or user.role not in TEAM_ROLES or user.department_id is None:
            errors.add(
                "members",
                _("%(user)s cannot join an expert team (inactive, or not a role that handles)")
                % {"user": user},
            )
    if len(people) > TEAM_MAX_MEMBERS:
        errors.add(
            "members", _("An expert team has at most %(n)s members") % {"n": TEAM_MAX_MEMBERS}
        )
    errors.raise_if_any(_("The expert team's members are not valid"))
    if len({u.department_id for u in people.values()}) < 2:
        raise ValidationFailed.for_field(
            "members",
            _("Choose members from at least two departments"),
            message=_("An expert team is made of people from several departments"),
        )


def expert_team_form(
    *, complaint: Complaint, actor: User, lead: User, members: list[User]
) -> ExpertTeam:
    """Form (or re-form) the expert team of a major or over-level complaint (R3.4): a lead and
    members from several departments, who then see the complaint in their queue and write on
    its timeline. Precondition: `actor` may see the complaint."""
    complaint.__dict__.pop("_team_user_ids", None)  # the membership cache of `on_team`
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        _require(
            permissions.can_form_team(actor, complaint),
            _(
                "Only a supervisor, department head or administrator who may see the complaint "
                "forms an expert team"
            ),
        )
        if complaint.level not in TEAM_LEVELS:
            raise InvalidTransition(_("Only major and over-level complaints get an expert team"))
        if not complaint.is_open:
            raise InvalidTransition(_("The complaint is finished: no expert team can be formed"))
        people = {u.pk: u for u in [lead, *members]}
        _team_members_check(people)
        now = clock.now()
        team, created = ExpertTeam.objects.update_or_create(
            complaint=complaint, defaults={"lead": lead, "formed_by": actor, "formed_at": now}
        )
        before = set(team.members.values_list("user_id", flat=True))
        team.members.exclude(user_id__in=people).delete()
        ExpertTeamMember.objects.bulk_create(
            [ExpertTeamMember(team=team, user=u) for pk, u in people.items() if pk not in before]
        )
        ordered = sorted(people.values(), key=lambda u: u.username)
        event_record(
            complaint=complaint,
            type=EventType.TEAM_FORMED,
            actor=actor,
            data={
                "lead": lead.username,
                "members": [u.username for u in ordered],
                "departments": sorted(
                    {u.department.code for u in ordered if u.department is not None}
                ),
                "reformed": not created,
            },
        )
        notify(
            users=[u for u in ordered if u.pk not in before and u != actor],
            kind=NotificationKind.TEAM,
            text=f"你已加入投诉单 {complaint.number} 的专家团队（组长：{lead}）",
            complaint=complaint,
        )
    return team
