"""Reads of repair cases, scoped like complaints: another department's case is not found."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Min, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.core.errors import NotFound
from tousu.repair.choices import ACTIVE_STATUSES
from tousu.repair.models import RepairAction, RepairCase, RepairCaseSource

LIST_RELATED = ("customer", "customer__region", "department", "owner", "complaint")


@dataclass(frozen=True)
class CaseFilters:
    status: str = ""
    type: str = ""
    source: str = ""
    department: str = ""  # code
    mine: bool = False
    unassigned: bool = False


def case_rows() -> QuerySet[RepairCase]:
    return RepairCase.objects.select_related(*LIST_RELATED)


def case_list(user: User, filters: CaseFilters | None = None) -> QuerySet[RepairCase]:
    """The cases the user may see, active ones first by due time, then the latest closed."""
    f = filters or CaseFilters()
    qs = case_rows().filter(permissions.repair_scope_q(user))
    if f.status == "active":
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.type:
        qs = qs.filter(type=f.type)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.department:
        qs = qs.filter(department__code=f.department)
    if f.mine:
        qs = qs.filter(owner=user)
    if f.unassigned:
        qs = qs.filter(owner__isnull=True)
    return (
        qs.order_by("closed_at", "due_at", "-pk")
        if f.status == "active"
        else qs.order_by("-opened_at", "-pk")
    )


def case_owners(case: RepairCase) -> QuerySet[User]:
    """Who may own the case: the active back office of its owner department, by name."""
    return User.objects.filter(
        is_active=True,
        department=case.department_id,
        role__in=permissions.REPAIR_OWNER_ROLES,
    ).order_by("username")


def get_case_for_user(user: User, pk: int) -> RepairCase:
    """The case with its plan, contacts and sources; NotFound when out of the user's scope."""
    case = (
        case_rows()
        .filter(permissions.repair_scope_q(user), pk=pk)
        .prefetch_related(
            Prefetch("actions", RepairAction.objects.select_related("department", "done_by")),
            "contacts__by",
            Prefetch("sources", RepairCaseSource.objects.select_related("complaint")),
        )
        .first()
    )
    if case is None:
        raise NotFound(_("No such repair case"))
    return case


def repair_work(user: User) -> QuerySet[RepairCase]:
    """The active cases whose move is the user's: theirs; their department's that nobody has
    taken (back office); and those with a step of their department still to do. Annotated with
    `next_due`, the due time of the earliest step left (else the case's)."""
    annotated = RepairCase.objects.annotate(
        next_due=Min("actions__due_at", filter=Q(actions__done_at__isnull=True))
    )
    if user.role not in permissions.BACK_OFFICE_ROLES:
        return annotated.none()
    mine = Q(owner=user)
    if user.department_id:
        # Steps of another department than the case's: its own steps are the owner's.
        steps = (
            RepairAction.objects.filter(department=user.department_id, done_at__isnull=True)
            .exclude(case__department=user.department_id)
            .values("case")
        )
        mine |= Q(owner__isnull=True, department=user.department_id) | Q(pk__in=steps)
    return annotated.filter(mine, status__in=ACTIVE_STATUSES).filter(
        permissions.repair_scope_q(user)
    )


def customer_cases(customer_id: int, user: User) -> list[RepairCase]:
    """The customer's cases the user may see, latest first (for the customer's page)."""
    return list(
        RepairCase.objects.filter(permissions.repair_scope_q(user), customer=customer_id)
        .select_related("department")
        .order_by("-opened_at")[:10]
    )


def complaint_cases(complaint_id: int, user: User) -> list[RepairCase]:
    """The cases a complaint found (or its customer's active one), for the complaint page."""
    return list(
        RepairCase.objects.filter(permissions.repair_scope_q(user))
        .filter(Q(sources__complaint=complaint_id) | Q(complaint=complaint_id))
        .select_related("department")
        .distinct()
        .order_by("-opened_at")[:5]
    )
