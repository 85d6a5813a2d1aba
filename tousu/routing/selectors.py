"""Reads for routing: which department (and why), who can take a complaint, transfer counts."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.db.models import Count, Q
from django.utils.translation import gettext, gettext_lazy

from tousu.accounts.choices import Role
from tousu.accounts.models import Department, Region, User
from tousu.accounts.reference import DEFAULT_DEPARTMENT
from tousu.classification.models import Category
from tousu.complaints.choices import Channel, Level
from tousu.complaints.models import Complaint
from tousu.complaints.rules import OPEN_STATUSES
from tousu.core import clock
from tousu.core.reasons import Reason, each_language, in_language, reason, reason_kind
from tousu.core.refcache import RefCache
from tousu.core.rows import Columns, prepared_cursor
from tousu.core.templatetags.tousu_ui import local_name
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


def _reason(row: RoutingRule) -> Reason:
    """Rule #12: category «资费计费» + channel «regulator» → 投诉管理办公室, as a reason: the
    criteria as (field, value) pairs, a channel or level by its code, a category, region or
    department by its name in each language (`each_language`: the reason is read in the
    reader's, and the row may be renamed later)."""
    criteria: list[list[Any]] = []
    if row.category is not None:
        criteria.append(["category", _names(row.category)])
    if row.region is not None:
        criteria.append(["region", _names(row.region)])
    if row.channel:
        criteria.append(["channel", row.channel])
    if row.level:
        criteria.append(["level", row.level])
    department = _names(row.department)
    return reason("routing.rule", rule=row.pk, criteria=criteria, department=department)


def _names(row: Category | Region | Department) -> dict[str, str]:
    """A reference row's name in every language, for a stored reason."""
    return each_language(lambda: local_name(row))


def _rule_table() -> tuple[list[_Rule], Department | None]:
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
    return candidates, Department.objects.filter(code=DEFAULT_DEPARTMENT).first()


# Every registration is routed: the (small) rule table and the complaint office, per process
# (tousu.core.refcache), dropped when a rule, or a department, category or region a rule
# shows, changes.
_rules = RefCache(
    "routing rules",
    _rule_table,
    models=(
        "routing.RoutingRule",
        "accounts.Department",
        "accounts.Region",
        "classification.Category",
    ),
)


def department_for(
    category: Category | None,
    region: Region | None = None,
    channel: str = "",
    level: str = "",
) -> tuple[Department, Reason]:
    """The responsible department and why: the most specific active rule that matches (from
    the per-process copy of the small rule table), else the complaint office."""
    candidates, default = _rules.get()
    best = rules.best_rule(
        candidates,
        category.code if category else "",
        region.code if region else "",
        channel,
        level,
    )
    if best is not None:
        return best.row.department, _reason(best.row)
    if default is None:
        raise Department.DoesNotExist(f"no department {DEFAULT_DEPARTMENT}")
    return default, reason("routing.default", department=_names(default))


def repeat_route(earlier: Complaint) -> tuple[Department, User | None, Reason] | None:
    """Where a repeat complaint goes (R2.5): back to the department of the earlier complaint it
    repeats, and to its handler while they can still take it, while that one is open; None
    when it is closed (the routing rules decide then). `earlier` comes with its department and
    handler."""
    department = earlier.department
    if not earlier.is_open or department is None or not department.active:
        return None
    handler = earlier.handler
    if handler is not None and not rules.handler_fits(handler, department.pk):
        handler = None
    days = settings.TOUSU_REPEAT_WINDOW_DAYS
    back = "handler" if handler is not None else "department"
    if earlier.received_at < clock.now() - dt.timedelta(days=days):  # open, older than the window
        return department, handler, reason(f"routing.repeat_open_{back}")
    return department, handler, reason(f"routing.repeat_{back}", days=days)


def route_for(
    *,
    category: Category | None,
    region: Region | None,
    channel: str,
    level: str,
    repeat_of: Complaint | None,
) -> tuple[Department, User | None, Reason]:
    """Where a complaint being registered goes and why: a repeat back to the earlier
    complaint's department (and handler), anything else by the routing rules."""
    if repeat_of is not None and (route := repeat_route(repeat_of)) is not None:
        return route
    department, why = department_for(category, region, channel, level)
    return department, None, why


def _handlers_by_department() -> dict[int, list[User]]:
    found: dict[int, list[User]] = {}
    users = User.objects.filter(role=Role.HANDLER, is_active=True, department__isnull=False)
    for user in users.order_by("username"):
        assert user.department_id is not None
        found.setdefault(user.department_id, []).append(user)
    return found


# Every complaint left in a department's queue tells its handlers: who they are, per process
# (tousu.core.refcache), dropped when a user is saved (a login saves its time: often, and
# cheaply reloaded) or deleted.
_handlers = RefCache("department handlers", _handlers_by_department, models=("accounts.User",))


def department_handlers(department: Department) -> list[User]:
    """The department's active handlers by username (from the per-process copy: shared
    instances, not to be changed)."""
    return list(_handlers.get().get(department.pk, []))


def assignment_pool(department: Department, category: Category | None) -> list[User]:
    """The active handlers of the department by username, read in one query with what
    automatic assignment weighs: their profiles, their open complaints (`open_count`) and
    whether their skills cover the category (`skilled`; a parent category covers its
    sub-categories).

    Written as SQL, built once per process (`_pool_query`), not as a queryset: every
    registration asks, and the ORM's building of this query (a correlated COUNT and an EXISTS
    over the skills) cost about a fifth of a registration while the database ran it in a
    fraction of a millisecond (issue 19, bench/README.md "Where the time went")."""
    skills = [] if category is None else [category.pk]
    if category is not None and category.parent_id:
        skills.append(category.parent_id)
    sql, users, profiles = _pool_query(connection.alias, len(skills))
    params: list[Any] = [*OPEN_STATUSES, *skills, department.pk, Role.HANDLER, True]
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    to_user = HandlerProfile._meta.get_field("user")
    pool = []
    for row in rows:
        user = users.instance(row[: len(users)])
        profile = profiles.instance(row[len(users) : len(users) + len(profiles)])
        if profile is not None:
            to_user.set_cached_value(profile, user)
        to_user.remote_field.set_cached_value(user, profile)  # None: known to have none
        user.open_count, user.skilled = row[-2], bool(row[-1])
        pool.append(user)
    return pool


@functools.lru_cache(maxsize=8)
def _pool_query(alias: str, skills: int) -> tuple[str, Columns, Columns]:
    """`assignment_pool`'s SQL for a database and a number of skill categories (0, 1 or 2),
    with its User and HandlerProfile columns. Parameters: the open statuses, the skill
    categories, the department, the handler role and True (active)."""
    quote = connections[alias].ops.quote_name
    user, profile, complaint = User._meta, HandlerProfile._meta, Complaint._meta
    through = HandlerProfile.categories.through._meta

    def column(meta: Any, name: str) -> str:
        return quote(meta.get_field(name).column)

    users, profiles = Columns.of(User, "u", alias), Columns.of(HandlerProfile, "p", alias)
    statuses = ", ".join(["%s"] * len(OPEN_STATUSES))
    # Quoted model names, values bound: no injection (the same for the EXISTS and the SELECT).
    open_count = (
        f"(SELECT COUNT(*) FROM {quote(complaint.db_table)} c "  # noqa: S608
        f"WHERE c.{column(complaint, 'handler')} = u.{quote(user.pk.column)} "
        f"AND c.{column(complaint, 'status')} IN ({statuses}))"
    )
    skilled = "1 = 0"  # no category: nobody's skills cover it
    if skills:
        skilled = (
            f"EXISTS (SELECT 1 FROM {quote(through.db_table)} s "  # noqa: S608
            f"WHERE s.{column(through, 'handlerprofile')} = p.{quote(profile.pk.column)} "
            f"AND s.{column(through, 'category')} IN ({', '.join(['%s'] * skills)}))"
        )
    sql = (
        f"SELECT {users.sql}, {profiles.sql}, {open_count}, {skilled} "  # noqa: S608
        f"FROM {quote(user.db_table)} u LEFT JOIN {quote(profile.db_table)} p "
        f"ON p.{column(profile, 'user')} = u.{quote(user.pk.column)} "
        f"WHERE u.{column(user, 'department')} = %s AND u.{column(user, 'role')} = %s "
        f"AND u.{column(user, 'is_active')} = %s ORDER BY u.{column(user, 'username')}"
    )
    return sql, users, profiles


def handler_profile(user: User) -> HandlerProfile | None:
    """The user's assignment profile, if they have one (read with them by `assignment_pool`)."""
    try:
        return user.handler_profile
    except HandlerProfile.DoesNotExist:
        return None


def assignment_candidates(pool: list[User]) -> list[User]:
    """Of a department's `assignment_pool`, the handlers who take new complaints; of them,
    those whose skills cover the category — or all of them when nobody has the skill."""
    accepting = [u for u in pool if (p := handler_profile(u)) is None or p.accepting]
    return [u for u in accepting if u.skilled] or accepting  # type: ignore[attr-defined]


def handler_load(users: list[User]) -> list[rules.Candidate]:
    """Each handler of an `assignment_pool` with their open complaints and last assignment."""
    return [
        rules.Candidate(
            user_id=u.pk,
            username=u.username,
            open_count=u.open_count,  # type: ignore[attr-defined]
            last_assigned_at=p.last_assigned_at if (p := handler_profile(u)) is not None else None,
        )
        for u in users
    ]


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


# ---- the reasons above, in the reader's language (tousu.core.reasons) -----------------------
# Rows written before codes hold the Chinese text; `legacy` reads it back.
CRITERIA = {
    "category": gettext_lazy("category «%(value)s»"),
    "region": gettext_lazy("region «%(value)s»"),
    "channel": gettext_lazy("channel «%(value)s»"),
    "level": gettext_lazy("level «%(value)s»"),
}
CRITERIA_LABELS = {"channel": Channel, "level": Level}


def _criteria(value: Any) -> str:
    """A rule's criteria, [["category", "资费计费"], ["channel", "regulator"]], in words; the
    text of a row from before codes as it was written."""
    if isinstance(value, str):
        return value
    parts = []
    for field, item in value or []:
        choices = CRITERIA_LABELS.get(field)
        if choices is not None and item in choices.values:
            item = choices(item).label
        else:
            item = in_language(item)  # a name stored in each language, or as written
        parts.append(str(CRITERIA.get(field, "%(value)s")) % {"value": item})
    return " + ".join(parts) if parts else gettext("any complaint")


reason_kind(
    "routing.rule",
    gettext_lazy("Rule #%(rule)s: %(criteria)s → %(department)s"),
    legacy=r"规则#(?P<rule>\d+)：(?P<criteria>.*?) ?→ (?P<department>.+)",
    criteria=_criteria,
    department=in_language,
)
reason_kind(
    "routing.default",
    gettext_lazy("No routing rule matched → %(department)s"),
    legacy=r"未匹配派单规则 → (?P<department>.+)",
    department=in_language,
)
reason_kind(
    "routing.repeat_handler",
    gettext_lazy(
        "Repeat complaint: the same customer on the same issue again within %(days)s days, "
        "back to the earlier handler"
    ),
    legacy=r"重复投诉：同一客户(?P<days>\d+)天内就同一问题再次投诉，派回原处理人",
)
reason_kind(
    "routing.repeat_department",
    gettext_lazy(
        "Repeat complaint: the same customer on the same issue again within %(days)s days, "
        "back to the earlier department"
    ),
    legacy=r"重复投诉：同一客户(?P<days>\d+)天内就同一问题再次投诉，派回原处理部门",
)
reason_kind(
    "routing.recategorised",
    gettext_lazy("Dispatched again once the category was set"),
    legacy="类别确定后重新派单",
)
reason_kind(
    "routing.repeat_open_handler",
    gettext_lazy(
        "Repeat complaint: the same customer's earlier complaint on the same issue is still "
        "open, back to the earlier handler"
    ),
    legacy="重复投诉：同一客户此前就同一问题的投诉仍未办结，派回原处理人",
)
reason_kind(
    "routing.repeat_open_department",
    gettext_lazy(
        "Repeat complaint: the same customer's earlier complaint on the same issue is still "
        "open, back to the earlier department"
    ),
    legacy="重复投诉：同一客户此前就同一问题的投诉仍未办结，派回原处理部门",
)

# Notices to staff (notifications), stored as reasons and read in each reader's language.
reason_kind(
    "notice.assigned",
    gettext_lazy("Complaint %(number)s is assigned to you"),
    legacy=r"投诉单 (?P<number>\S+) 已分派给你",
)
reason_kind(
    "notice.dispatched",
    gettext_lazy("Complaint %(number)s is in the queue of %(department)s, waiting to be taken"),
    legacy=r"投诉单 (?P<number>\S+) 已派至(?P<department>.+)，待领取",
    department=in_language,
)
reason_kind(
    "notice.team",
    gettext_lazy("You have joined the expert team of complaint %(number)s (lead: %(lead)s)"),
    legacy=r"你已加入投诉单 (?P<number>\S+) 的专家团队（组长：(?P<lead>.+)）",
)
reason_kind(
    "notice.returned",
    gettext_lazy("Complaint %(number)s returned by %(by)s: %(reason)s"),
    legacy=r"投诉单 (?P<number>\S+) 被 (?P<by>.+?) 退回：(?P<reason>.*)",
)
