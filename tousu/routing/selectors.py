"""Reads for routing: which department (and why), who can take a complaint, transfer counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import translation

from tousu.accounts.choices import Role
from tousu.accounts.models import Department, Region, User
from tousu.accounts.reference import DEFAULT_DEPARTMENT
from tousu.classification.models import Category
from tousu.complaints.choices import Channel, Level
from tousu.complaints.models import Complaint
from tousu.complaints.rules import OPEN_STATUSES
from tousu.routing import rules
from tousu.routing.choices import TransferKind
from tousu.routing.models import ExpertTeam, HandlerProfile, RoutingRule, Transfer


@dataclass(frozen=True)
class _Rule:
    """A RoutingRule as codes, for `rules.best_rule`."""

    row: RoutingRule
    category: str
    region: str
    channel: str
    level: str
    priority: int


def _reason(row: RoutingRule) -> str:
    """`规则#12：类别「资费计费」+ 渠道「工信部申诉」→ 投诉管理办公室` — stored on the complaint
    and its timeline, so always in Chinese whatever the reader's language."""
    with translation.override("zh-hans"):
        parts = []
        if row.category is not None:
            parts.append(f"类别「{row.category.name}」")
        if row.region is not None:
            parts.append(f"地区「{row.region.name}」")
        if row.channel:
            parts.append(f"渠道「{Channel(row.channel).label}」")
        if row.level:
            parts.append(f"级别「{Level(row.level).label}」")
        criteria = "+ ".join(parts) or "任意投诉 "
        return f"规则#{row.pk}：{criteria}→ {row.department.name}"


def department_for(
    category: Category | None,
    region: Region | None = None,
    channel: str = "",
    level: str = "",
) -> tuple[Department, str]:
    """The responsible department and why: the most specific active rule that matches (one
    query over the small rule table), else the complaint office."""
    rows = (
        RoutingRule.objects.filter(active=True, department__active=True)
        .select_related("category", "region", "department")
        .order_by("pk")
    )
    candidates = [
        _Rule(
            row=row,
            category=row.category.code if row.category else "",
            region=row.region.code if row.region else "",
            channel=row.channel,
            level=row.level,
            priority=row.priority,
        )
        for row in rows
    ]
    best = rules.best_rule(
        candidates,
        category.code if category else "",
        region.code if region else "",
        channel,
        level,
    )
    if best is not None:
        return best.row.department, _reason(best.row)
    default = Department.objects.get(code=DEFAULT_DEPARTMENT)
    return default, f"未匹配派单规则 → {default.name}"


def assignment_candidates(department: Department, category: Category | None) -> list[User]:
    """The active handlers of the department who take new complaints; of them, those whose
    skills cover the category — or all of them when nobody has the skill."""
    handlers = list(
        User.objects.filter(department=department, role=Role.HANDLER, is_active=True)
        .exclude(handler_profile__accepting=False)
        .order_by("username")
    )
    if category is None or not handlers:
        return handlers
    codes = [category.code]
    if category.parent_id and category.parent is not None:
        codes.append(category.parent.code)
    skilled = set(
        HandlerProfile.objects.filter(user__in=handlers, categories__code__in=codes).values_list(
            "user_id", flat=True
        )
    )
    return [u for u in handlers if u.pk in skilled] or handlers


def handler_load(users: list[User]) -> list[rules.Candidate]:
    """Each user's open complaints and last assignment, in one query each."""
    counts = dict(
        Complaint.objects.filter(handler__in=users, status__in=OPEN_STATUSES)
        .values("handler")
        .annotate(n=Count("pk"))
        .values_list("handler", "n")
    )
    last = dict(
        HandlerProfile.objects.filter(user__in=users).values_list("user_id", "last_assigned_at")
    )
    return [
        rules.Candidate(
            user_id=u.pk,
            username=u.username,
            open_count=counts.get(u.pk, 0),
            last_assigned_at=last.get(u.pk),
        )
        for u in users
    ]


def department_handlers(department: Department) -> list[User]:
    return list(
        User.objects.filter(department=department, role=Role.HANDLER, is_active=True).order_by(
            "username"
        )
    )


def return_target(complaint: Complaint) -> Department:
    """Where a return (退单) goes: the department that sent the complaint to the one holding it
    now (the latest move into it), or the complaint office after a first dispatch."""
    last_in = (
        Transfer.objects.filter(complaint=complaint, to_department=complaint.department_id)
        .exclude(from_department__isnull=True)
        .select_related("from_department")
        .order_by("-at", "-pk")
        .first()
    )
    if last_in is not None and last_in.from_department is not None:
        return last_in.from_department
    return Department.objects.get(code=DEFAULT_DEPARTMENT)


@dataclass(frozen=True)
class TransferCount:
    department: str  # code
    transfers: int  # complaints it transferred to another department
    returns: int  # complaints it returned (退单)


def transfer_counts(start: dt.datetime, end: dt.datetime) -> dict[str, TransferCount]:
    """Per department, how many complaints it moved on in [start, end): transfers out and
    returns. A department that bounces complaints stands out in reports."""
    rows = (
        Transfer.objects.filter(at__gte=start, at__lt=end, from_department__isnull=False)
        .values("from_department__code")
        .annotate(
            transfers=Count("pk", filter=Q(kind=TransferKind.TRANSFER)),
            returns=Count("pk", filter=Q(kind=TransferKind.RETURN)),
        )
    )
    return {
        r["from_department__code"]: TransferCount(
            r["from_department__code"], r["transfers"], r["returns"]
        )
        for r in rows
    }


def expert_team(complaint: Complaint) -> ExpertTeam | None:
    """The complaint's expert team with its members (two queries), or None."""
    return (
        ExpertTeam.objects.filter(complaint=complaint)
        .select_related("lead", "lead__department", "formed_by")
        .prefetch_related("members__user__department")
        .first()
    )


def team_candidates() -> list[User]:
    """Who may sit on an expert team: active back-office staff of every department."""
    return list(
        User.objects.filter(
            is_active=True,
            department__isnull=False,
            role__in=[Role.AGENT, Role.HANDLER, Role.SUPERVISOR, Role.DEPT_HEAD, Role.ADMIN],
        )
        .select_related("department")
        .order_by("department__code", "username")
    )
