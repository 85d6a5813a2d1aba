"""Reads of callback tasks, and who the callback team is."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf

from tousu.accounts import permissions
from tousu.accounts.choices import Role
from tousu.accounts.models import User
from tousu.callbacks import rules
from tousu.callbacks.choices import CallbackState, CallbackStatus
from tousu.callbacks.models import CallbackAttempt, CallbackTask

if TYPE_CHECKING:
    from tousu.complaints.models import Complaint


def complaint_callbacks(complaint: Complaint) -> list[CallbackTask]:
    """Every callback of the complaint, oldest due first, with who did it."""
    return list(complaint.callbacks.select_related("done_by"))


def pending_callback(complaint: Complaint) -> CallbackTask | None:
    return complaint.callbacks.filter(status=CallbackStatus.PENDING).first()


def callback_attempts(task: CallbackTask) -> list[CallbackAttempt]:
    return list(task.attempts.select_related("by"))


# ---- the callback team ------------------------------------------------------------------------


def callback_team() -> rules.CallbackTeam:
    return rules.team_parse(settings.TOUSU_CALLBACK_TEAM)


def _team_q(team: rules.CallbackTeam) -> Q:
    return Q(role__in=team.roles) | Q(department__code__in=team.departments)


def in_callback_team(user: User) -> bool:
    """Whether the callbacks are in the user's work queue (settings.TOUSU_CALLBACK_TEAM). No
    query unless the team names departments."""
    team = callback_team()
    if not user.is_active:
        return False
    if user.role in team.roles:
        return True
    if not team.departments or user.department_id is None:
        return False
    return user.department is not None and user.department.code in team.departments


def callback_team_members() -> list[User]:
    return list(
        User.objects.filter(_team_q(callback_team()), is_active=True)
        .select_related("department")
        .order_by("username")
    )


def callback_team_supervisors() -> list[User]:
    """Who is told of an overdue callback: the supervisors of the team's departments (those it
    names, and those its members belong to); without any, their heads; without those, the
    administrators — an overdue callback never notifies nobody."""
    team = callback_team()
    departments = User.objects.filter(_team_q(team), is_active=True).values("department")
    users = User.objects.filter(is_active=True).order_by("username")
    for people in (
        users.filter(role=Role.SUPERVISOR, department__in=departments),
        users.filter(role=Role.DEPT_HEAD, department__in=departments),
        users.filter(role=Role.ADMIN),
    ):
        if found := list(people):
            return found
    return []


def callbacks_overseen_by(user: User) -> bool:
    """Whether overdue callbacks are the user's to chase: they are one of those told of them
    (`callback_team_supervisors`). No query for a role that is never told."""
    if not user.is_active or user.role not in (Role.SUPERVISOR, Role.DEPT_HEAD, Role.ADMIN):
        return False
    return any(u.pk == user.pk for u in callback_team_supervisors())


# ---- the callback lists ---------------------------------------------------------------------


def state_q(state: str, now: dt.datetime) -> Q:
    """The callbacks of one state of the list (CallbackState)."""
    if state == CallbackState.DONE:
        return Q(status=CallbackStatus.DONE)
    pending = Q(status=CallbackStatus.PENDING)
    if state == CallbackState.OVERDUE:
        return pending & Q(due_at__lt=now)
    return pending & Q(due_at__gte=now)


def callbacks_for_user(user: User, state: str, now: dt.datetime) -> QuerySet[CallbackTask]:
    """The callbacks in `state` of the complaints the user may see: due and overdue ones the
    soonest due first, done ones the latest first."""
    qs = CallbackTask.objects.filter(state_q(state, now)).filter(
        permissions.scope_q(user, "complaint__")
    )
    order = ("-done_at", "-pk") if state == CallbackState.DONE else ("due_at", "pk")
    return qs.select_related("complaint").order_by(*order)


def due_for_reminder(now: dt.datetime) -> QuerySet[CallbackTask]:
    """Pending callbacks not reminded yet that fall due within the reminder's lead time
    (index: status, due_at)."""
    lead = dt.timedelta(hours=settings.TOUSU_CALLBACK_REMIND_HOURS)
    return CallbackTask.objects.filter(
        status=CallbackStatus.PENDING,
        due_at__gt=now,
        due_at__lte=now + lead,
        reminded_at__isnull=True,
    )


def due_for_escalation(now: dt.datetime) -> QuerySet[CallbackTask]:
    """Pending callbacks past their due time whose supervisors were not told yet."""
    return CallbackTask.objects.filter(
        status=CallbackStatus.PENDING, due_at__lte=now, escalated_at__isnull=True
    )


def overdue_callbacks(now: dt.datetime) -> QuerySet[CallbackTask]:
    """Pending callbacks past their due time (index: status, due_at)."""
    return CallbackTask.objects.filter(state_q(CallbackState.OVERDUE, now))


def with_last_call(qs: QuerySet[CallbackTask]) -> QuerySet[CallbackTask]:
    """`qs` with who made the latest call of each callback and when (`last_caller`, the
    caller's display name or else username; `last_call_at`; None before the first call), read
    in the same statement as the rows: a worklist shows them without a query per line."""
    latest = CallbackAttempt.objects.filter(task=OuterRef("pk")).order_by("-at", "-pk")
    name = Coalesce(NullIf(F("by__display_name"), Value("")), F("by__username"))
    return qs.annotate(
        last_caller=Subquery(latest.annotate(name=name).values("name")[:1]),
        last_call_at=Subquery(latest.values("at")[:1]),
    )
