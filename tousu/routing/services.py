"""Dispatch, assignment, transfer (转派), return (退单) and expert teams (R3)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from tousu.accounts import permissions
from tousu.accounts.choices import AssignmentMode, Role
from tousu.accounts.models import Department, Region, User
from tousu.accounts.reference import DEFAULT_DEPARTMENT
from tousu.classification.models import Category
from tousu.classification.services import complaint_category_set
from tousu.complaints import rules
from tousu.complaints import services as complaint_services
from tousu.complaints.choices import EventType, Level, Status
from tousu.complaints.models import Complaint
from tousu.complaints.services import (
    EventDraft,
    _reason,
    _require,
    complaint_lock,
    event_record,
)
from tousu.core import clock
from tousu.core.errors import FieldErrors, InvalidTransition, ValidationFailed
from tousu.core.reasons import Reason, each_language, reason, reason_office_text
from tousu.core.templatetags.tousu_ui import local_name
from tousu.notifications.choices import NotificationKind
from tousu.notifications.services import (
    NotificationDraft,
    notify,
    notify_many,
    webhook_emit,
)
from tousu.routing import selectors
from tousu.routing.choices import TransferKind
from tousu.routing.models import ExpertTeam, ExpertTeamMember, HandlerProfile, Transfer
from tousu.routing.rules import HANDLER_ROLES as HANDLER_ROLES  # the dispatch form's import
from tousu.routing.rules import handler_fits, pick_handler

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
                    reason=reason("routing.recategorised"),
                )
    return complaint


@dataclass
class Route:
    """Where a complaint goes and why (R3.1): the department, the handler (given, or picked
    by automatic assignment, R3.2), and the rule that sent it there."""

    department: Department
    handler: User | None = None
    rule: Reason | str = ""
    auto: bool = False  # the handler was picked by automatic assignment
    # The department's handlers, once read (for automatic assignment): those told of a
    # complaint waiting in its queue.
    handlers: list[User] | None = None

    @property
    def to_assign(self) -> bool:
        """No handler yet, in a department that assigns automatically."""
        return self.handler is None and self.department.assignment_mode == AssignmentMode.AUTO


def handler_assign_auto(
    *, category: Category | None, department: Department, pool: list[User] | None = None
) -> User | None:
    """The handler the department's automatic assignment picks for a complaint of `category`
    (by skill, then load, then idle time), with their last assignment time updated; None
    when nobody can take it. `pool` is the department's `assignment_pool` for the category,
    when already read. Precondition: inside the dispatching transaction."""
    if pool is None:
        pool = selectors.assignment_pool(department, category)
    candidates = selectors.assignment_candidates(pool)
    chosen = pick_handler(selectors.handler_load(candidates))
    if chosen is None:
        return None
    user = next(u for u in candidates if u.pk == chosen.user_id)
    now = clock.now()
    # One upsert, whether or not the handler has a profile yet (the first assignment makes it).
    HandlerProfile.objects.bulk_create(
        [HandlerProfile(user=user, last_assigned_at=now)],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["last_assigned_at"],
    )
    if (profile := selectors.handler_profile(user)) is not None:
        profile.last_assigned_at = now
    return user


def _destination_check(department: Department, handler: User | None) -> None:
    if not department.active:
        raise ValidationFailed.for_field(
            "department",
            _("This department is inactive"),
            message=_("The department is inactive"),
        )
    if handler is not None and not handler_fits(handler, department.pk):
        raise ValidationFailed.for_field(
            "handler",
            _("%(handler)s is not a handler of %(department)s")
            % {"handler": handler, "department": department.name},
            message=_("The handler is not in this department"),
        )


def _arrive(route: Route, category: Category | None) -> Route:
    """A complaint arriving without a handler in a department that assigns automatically goes
    to a handler by skill and load."""
    if route.to_assign:
        route.handlers = selectors.assignment_pool(route.department, category)
        route.handler = handler_assign_auto(
            category=category, department=route.department, pool=route.handlers
        )
        route.auto = route.handler is not None
    return route


def _route_data(route: Route) -> dict[str, object]:
    department, handler = route.department, route.handler
    data: dict[str, object] = {
        "department": department.code,
        "department_name": department.name,
        "handler": handler.username if handler else None,
    }
    if route.auto:
        data["assigned"] = "auto"
    if route.rule:
        data["rule"] = route.rule
    return data


def _route_notices(
    complaint: Complaint, route: Route, *, actor: User | None, arrives: bool
) -> list[NotificationDraft]:
    """The handler is told of a complaint given to them by someone else; a department, of one
    arriving in its queue."""
    department, handler = route.department, route.handler
    if handler is not None and handler != actor:
        text = reason("notice.assigned", number=complaint.number)
        return [NotificationDraft([handler], NotificationKind.ASSIGNED, text, complaint)]
    if handler is None and arrives:
        handlers = route.handlers
        if handlers is None:
            handlers = selectors.department_handlers(department)
        name = each_language(lambda: local_name(department))
        text = reason("notice.dispatched", number=complaint.number, department=name)
        users = [u for u in handlers if u != actor]
        return [NotificationDraft(users, NotificationKind.DISPATCHED, text, complaint)]
    return []


def route_decide(
    *,
    category: Category | None,
    region: Region | None,
    channel: str,
    level: str,
    repeat_of: Complaint | None,
) -> Route:
    """Where a complaint being registered goes, decided before its row is written: back to
    the earlier complaint's department (and handler) for a repeat (R2.5), else by the routing
    rules (R3.1); assigned automatically in a department that works that way (R3.2).
    Precondition: inside the registering transaction (an automatic assignment is recorded on
    the handler's profile)."""
    department, handler, why = selectors.route_for(
        category=category, region=region, channel=channel, level=level, repeat_of=repeat_of
    )
    _destination_check(department, handler)
    return _arrive(Route(department, handler, why), category)


def _place(complaint: Complaint, route: Route) -> list[str]:
    """Dispatch the complaint along `route`, in memory; returns the fields changed."""
    complaint.status = rules.next_status("dispatch", complaint.status)
    complaint.department = route.department
    complaint.handler = route.handler
    fields = ["status", "department", "handler", "updated_at"]
    if route.rule:
        complaint.routing_reason = route.rule
        fields.append("routing_reason")
    return fields


def route_apply(complaint: Complaint, route: Route) -> Complaint:
    """Dispatch a complaint being registered, not yet written, along `route`."""
    _place(complaint, route)
    return complaint


def dispatch_drafts(
    complaint: Complaint, route: Route
) -> tuple[EventDraft, list[NotificationDraft]]:
    """The `dispatched` event of a complaint registered along `route` (`route_apply`), and who
    is told of it: what `complaint_dispatch` writes, without locking and updating the row the
    registration has just inserted."""
    event = EventDraft(complaint, EventType.DISPATCHED, data=_route_data(route))
    return event, _route_notices(complaint, route, actor=None, arrives=True)


def _move(
    *,
    complaint: Complaint,
    actor: User | None,
    department: Department,
    handler: User | None,
    text: Reason | str,
    rule: Reason | str,
    kind: str | None,
) -> Complaint:
    """Put a locked complaint in `department` (and with `handler`), assign it automatically
    when it arrives in a department that works that way, record the move (a Transfer row for
    transfers and returns), the timeline event and the notifications."""
    previous = complaint.department
    arrives = complaint.status == Status.REGISTERED or complaint.department_id != department.pk
    route = Route(department, handler, rule)
    if arrives and route.to_assign:  # the category is read only then
        route = _arrive(route, complaint.category)
    complaint.save(update_fields=_place(complaint, route))
    data = _route_data(route)
    if text:
        data["reason"] = text
    if kind is not None:
        data["from_department"] = previous.code if previous else None
        Transfer.objects.create(
            complaint=complaint,
            from_department=previous,
            to_department=department,
            kind=kind,
            reason=reason_office_text(text),
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
    notify_many(_route_notices(complaint, route, actor=actor, arrives=arrives))
    hook: dict[str, object] = {
        "department": department.code,
        "handler": complaint.handler.username if complaint.handler else None,
    }
    if kind is not None:
        hook["from_department"] = previous.code if previous else None
        hook["reason"] = text  # as text, with its code beside it (webhook_emit)
    webhook_emit(event=event_type, complaint=complaint, data=hook)
    return complaint


def complaint_accept(*, complaint: Complaint, actor: User) -> Complaint:
    """The handler starts work (the kernel's `complaint_accept`: the first response time is
    recorded), and other systems hear of it; the kernel cannot tell them itself."""
    with transaction.atomic():
        complaint = complaint_services.complaint_accept(complaint=complaint, actor=actor)
        accepted_at = complaint.accepted_at
        handler = actor if complaint.handler_id == actor.pk else complaint.handler
        webhook_emit(
            event=EventType.ACCEPTED,
            complaint=complaint,
            data={
                "handler": handler.username if handler else None,
                "on_time": accepted_at is not None and accepted_at <= complaint.first_response_due,
            },
        )
    return complaint


def complaint_dispatch(
    *,
    complaint: Complaint,
    actor: User | None,
    department: Department,
    handler: User | None = None,
    reason: Reason | str = "",
    rule: Reason | str = "",
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
        _destination_check(department, handler)
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
        _return_notify(complaint, actor=actor, why=text)
    return complaint


def _return_notify(complaint: Complaint, *, actor: User, why: str) -> None:
    """The managers of the department it comes back to hear why, so that it is dispatched
    again rather than waiting among new arrivals (its handlers hear of it as of any arrival)."""
    managers = User.objects.filter(
        is_active=True, role__in=permissions.MANAGER_ROLES, department=complaint.department_id
    ).exclude(pk=actor.pk)
    text = reason("notice.returned", number=complaint.number, by=str(actor), reason=why)
    notify(users=managers, kind=NotificationKind.RETURNED, text=text, complaint=complaint)


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
            text=reason("notice.team", number=complaint.number, lead=str(lead)),
            complaint=complaint,
        )
    return team
