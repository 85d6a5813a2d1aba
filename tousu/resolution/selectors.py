from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from tousu.accounts.permissions import MANAGER_ROLES, scope_q
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.core.errors import NotFound
from tousu.resolution import rules
from tousu.resolution.choices import EvidenceKind, RemedyBasis, RemedyType
from tousu.resolution.models import (
    Approval,
    AuthorityLimit,
    ConsistencyFlag,
    Evidence,
    HandlingRecord,
    Remedy,
    StandardClause,
)

if TYPE_CHECKING:
    from tousu.accounts.models import User
    from tousu.complaints.models import Complaint

# The consistency report lists at most this many flagged outcomes, newest first.
OUTLIERS_SHOWN = 200


def authority_limit(role: str) -> Decimal | None:
    """The most a role may grant alone; None = unlimited. A role with no row may grant
    nothing with money: a missing configuration must not hand out unlimited authority."""
    row = AuthorityLimit.objects.filter(role=role, remedy_type=rules.TOTAL).first()
    if row is None:
        return Decimal(0)
    return row.max_amount


@dataclass
class Handling:
    """What the complaint page shows of the handling: S1's recorded steps, the evidence, the
    remedies granted and an approval still waiting for a decision."""

    steps: dict[str, dict[str, Any]]
    evidence: list[Evidence]
    remedies: list[Remedy]
    pending_approval: Approval | None
    clause: StandardClause | None = None
    responsible_staff: User | None = None


def pending_approval(complaint: Complaint) -> Approval | None:
    return complaint.approvals.filter(decided_at__isnull=True).first()


def complaint_handling(complaint: Complaint) -> Handling:
    record = (
        HandlingRecord.objects.filter(complaint=complaint)
        .select_related("clause", "responsible_staff")
        .first()
    )
    return Handling(
        steps=record.steps if record is not None else {},
        evidence=list(complaint.evidence.select_related("uploaded_by")),
        remedies=list(complaint.remedies.all()),
        pending_approval=pending_approval(complaint),
        clause=record.clause if record is not None else None,
        responsible_staff=record.responsible_staff if record is not None else None,
    )


def evidence_get(complaint: Complaint, pk: int) -> Evidence:
    """One attachment of a complaint the caller may already see; NotFound otherwise."""
    evidence = complaint.evidence.filter(pk=pk).first()
    if evidence is None:
        raise NotFound(_("No such evidence"))
    return evidence


def approvers(complaint: Complaint, amount: Decimal, level: str) -> list[User]:
    """Who is asked to decide an approval of `amount`: the active managers of the handling
    department holding the chain's step `level`; when nobody holds it there today, the
    department's managers whose authority covers the amount (the same rule as
    `permissions.can_approve`); when none does, the admins. Never nobody (issue 12)."""
    from tousu.accounts.choices import Role
    from tousu.accounts.models import User

    managers = list(
        User.objects.filter(
            is_active=True, role__in=MANAGER_ROLES, department=complaint.department_id
        ).order_by("username")
    )
    at_level = [u for u in managers if u.role == level]
    if at_level:
        return at_level
    limits = {role: limit for role, limit, _hours in approval_steps()}
    covering = [u for u in managers if u.role in limits and rules.covers(limits[u.role], amount)]
    if covering:
        return covering
    return list(User.objects.filter(is_active=True, role=Role.ADMIN).order_by("username"))


def authority_limits(role: str) -> dict[str, rules.Limit]:
    """A role's limits by remedy type (rules.TOTAL = all remedies together)."""
    return {
        row.remedy_type: rules.Limit(row.max_amount, row.monthly_max)
        for row in AuthorityLimit.objects.filter(role=role)
    }


def approval_steps() -> list[tuple[str, Decimal | None, int | None]]:
    """The approval chain's steps (R6.2): the manager roles' total limits and their time
    limits, (role, limit, hours)."""
    rows = AuthorityLimit.objects.filter(role__in=MANAGER_ROLES, remedy_type=rules.TOTAL)
    return [(r.role, r.max_amount, r.approval_hours) for r in rows]


def customer_month_granted(complaint: Complaint) -> dict[str, Decimal]:
    """What the complaint's customer already received this calendar month (Asia/Shanghai) on
    their other complaints, by remedy type: remedies of outcomes that stand (resolved or
    closed), not those waiting for approval or sent back."""
    start = rules.month_start(clock.now(), SHANGHAI)
    totals: dict[str, Decimal] = {}
    rows = Remedy.objects.filter(
        complaint__customer_id=complaint.customer_id,
        complaint__resolved_at__isnull=False,
        created_at__gte=start,
        amount__gt=0,
    ).exclude(complaint=complaint)
    for type_, amount in rows.values_list("type", "amount"):
        totals[type_] = totals.get(type_, Decimal(0)) + amount
    return totals


# ---- standard clauses (R6.1) -----------------------------------------------------------------


@dataclass(frozen=True)
class RemedySuggestion:
    type: str  # a RemedyType value
    basis: str  # a RemedyBasis value: "fixed" | "disputed_amount" | "per_day" | "none"
    min_amount: Decimal | None
    max_amount: Decimal | None
    amount: Decimal | None  # computed for this complaint when the formula applies
    explanation: str  # in the reader's language, e.g. "按争议金额全额退还：58 元"


@dataclass(frozen=True)
class Suggestion:
    clause: StandardClause  # the applicable version
    remedies: list[RemedySuggestion]
    missing_evidence: list[str]  # labels of required evidence not yet attached/recorded


def clause_terms(clause: StandardClause) -> rules.ClauseTerms:
    return rules.ClauseTerms(
        key=clause.pk,
        category_code=clause.category.code if clause.category_id and clause.category else None,
        effective_from=clause.effective_from,
        effective_to=clause.effective_to,
        active=clause.active,
        findings=tuple(clause.findings or ()),
        causes=tuple(clause.causes or ()),
        segments=tuple(clause.customer_segments or ()),
        disputed_min=clause.disputed_min,
        disputed_max=clause.disputed_max,
        outage_days_min=clause.outage_days_min,
        outage_days_max=clause.outage_days_max,
        version=clause.version,
    )


def complaint_situation(complaint: Complaint, record: HandlingRecord | None) -> rules.Situation:
    """The facts a clause looks at: category, finding, cause, the customer's value tier, and
    the amount in dispute and days of outage recorded in the handling record; the day is the
    complaint's receipt in Shanghai (the clause in force when the customer complained)."""
    return rules.Situation(
        category_code=complaint.category.code if complaint.category is not None else "",
        day=complaint.received_at.astimezone(SHANGHAI).date(),
        finding=complaint.finding,
        cause=complaint.cause,
        segment=complaint.customer.value_tier if complaint.customer_id else "",
        disputed_amount=record.disputed_amount if record else None,
        outage_days=record.outage_days if record else None,
    )


def clause_for(complaint: Complaint, record: HandlingRecord | None) -> StandardClause | None:
    """The applicable clause version: the most specific one whose conditions hold, in force
    on the day the complaint was received."""
    if not complaint.category_id or complaint.category is None:
        return None
    code = complaint.category.code
    prefixes = [code[:i] for i, ch in enumerate(code) if ch == "."] + [code]
    candidates = list(
        StandardClause.objects.filter(active=True)
        .filter(Q(category__isnull=True) | Q(category__code__in=prefixes))
        .select_related("category")
    )
    picked = rules.clause_pick(
        [clause_terms(c) for c in candidates], complaint_situation(complaint, record)
    )
    return next((c for c in candidates if picked and c.pk == picked.key), None)


def remedy_suggestions(
    clause: StandardClause, record: HandlingRecord | None
) -> list[RemedySuggestion]:
    out = []
    for r in clause.remedies.all():
        computed = rules.remedy_compute(
            basis=r.basis,
            min_amount=r.min_amount,
            max_amount=r.max_amount,
            rate=r.rate,
            disputed_amount=record.disputed_amount if record else None,
            outage_days=record.outage_days if record else None,
        )
        explanation = computed.explanation
        if r.note:
            explanation = (
                _("%(explanation)s; %(note)s") % {"explanation": explanation, "note": r.note}
                if r.basis != RemedyBasis.NONE
                else r.note
            )
        out.append(
            RemedySuggestion(
                type=r.type,
                basis=r.basis,
                min_amount=r.min_amount,
                max_amount=r.max_amount,
                amount=computed.amount,
                explanation=explanation,
            )
        )
    return out


def missing_evidence(clause: StandardClause, complaint: Complaint) -> list[str]:
    """Labels of the evidence the clause requires that no attachment of that kind covers."""
    present = set(complaint.evidence.values_list("kind", flat=True))
    return [
        str(EvidenceKind(kind).label)
        for kind in clause.required_evidence or []
        if kind in EvidenceKind.values and kind not in present
    ]


def complaint_suggestion(complaint: Complaint) -> Suggestion | None:
    """What the standard says for this complaint (R6.1, R6.3): the clause version it was
    resolved under, or else the one that applies now; its remedies worked out with the
    complaint's facts; the required evidence still missing. None when no clause applies."""
    record = (
        HandlingRecord.objects.filter(complaint=complaint)
        .select_related("clause__category")
        .first()
    )
    clause = record.clause if record is not None and record.clause_id else None
    if clause is None:
        clause = clause_for(complaint, record)
    if clause is None:
        return None
    return Suggestion(
        clause=clause,
        remedies=remedy_suggestions(clause, record),
        missing_evidence=missing_evidence(clause, complaint),
    )


# ---- consistency (R6.3) ----------------------------------------------------------------------


def consistency_flags(complaint: Complaint) -> list[ConsistencyFlag]:
    """The consistency flags raised on the complaint's latest outcome (R6.3)."""
    return list(complaint.consistency_flags.select_related("clause"))


@dataclass
class ClauseGroup:
    """The outcomes of one clause given by one channel and department."""

    channel: str
    channel_label: str
    department: str
    department_name: str
    outcomes: int = 0
    total: Decimal = Decimal(0)
    min: Decimal | None = None
    max: Decimal | None = None

    @property
    def average(self) -> Decimal:
        return (
            (self.total / self.outcomes).quantize(Decimal("0.01")) if self.outcomes else Decimal(0)
        )


@dataclass
class RemedyCount:
    type: str
    label: str
    count: int
    amount: Decimal


@dataclass
class ClauseReport:
    code: str
    title: str
    versions: list[int]
    outcomes: int
    flagged: int
    remedies: list[RemedyCount]
    groups: list[ClauseGroup]


@dataclass
class ConsistencyReport:
    clauses: list[ClauseReport]
    outliers: list[ConsistencyFlag]
    trend: list[tuple[dt.date, int, int]]  # (week starting, outcomes, flagged outcomes)


def consistency_report(user: User, start: dt.datetime, end: dt.datetime) -> ConsistencyReport:
    """Per clause, the remedies and amounts by channel and department of the outcomes resolved
    in [start, end) that the user may see; the flagged outliers; a weekly trend (R6.3)."""
    from tousu.complaints.choices import Channel
    from tousu.complaints.models import Complaint

    scope = scope_q(user)
    complaints = Complaint.objects.filter(
        scope, handling__clause__isnull=False, resolved_at__gte=start, resolved_at__lt=end
    )
    rows = complaints.annotate(amount=Coalesce(Sum("remedies__amount"), Decimal(0))).values_list(
        "pk",
        "handling__clause__code",
        "handling__clause__title",
        "handling__clause__version",
        "channel",
        "responsible_department__code",
        "responsible_department__name",
        "amount",
        "resolved_at",
    )
    flagged_ids = set(
        ConsistencyFlag.objects.filter(complaint__in=complaints).values_list(
            "complaint_id", flat=True
        )
    )
    clauses: dict[str, ClauseReport] = {}
    groups: dict[tuple[str, str, str], ClauseGroup] = {}
    trend: dict[dt.date, list[int]] = {}
    for pk, code, title, version, channel, dept, dept_name, amount, resolved in rows:
        report = clauses.setdefault(code, ClauseReport(code, title, [], 0, 0, [], []))
        if version not in report.versions:
            report.versions.append(version)
        report.outcomes += 1
        report.flagged += pk in flagged_ids
        key = (code, channel, dept or "")
        group = groups.get(key)
        if group is None:
            label = str(Channel(channel).label) if channel in Channel.values else channel
            group = groups[key] = ClauseGroup(channel, label, dept or "", dept_name or "")
            report.groups.append(group)
        group.outcomes += 1
        group.total += amount
        group.min = amount if group.min is None else min(group.min, amount)
        group.max = amount if group.max is None else max(group.max, amount)
        day = (resolved or start).astimezone(SHANGHAI).date()
        week = trend.setdefault(day - dt.timedelta(days=day.weekday()), [0, 0])
        week[0] += 1
        week[1] += pk in flagged_ids
    remedies = (
        Remedy.objects.filter(complaint__in=complaints)
        .values_list("complaint__handling__clause__code", "type")
        .annotate(n=Count("pk"), amount=Coalesce(Sum("amount"), Decimal(0)))
        .order_by("complaint__handling__clause__code", "type")
    )
    for code, type_, n, amount in remedies:
        label = str(RemedyType(type_).label) if type_ in RemedyType.values else type_
        clauses[code].remedies.append(RemedyCount(type_, label, n, amount))
    for report in clauses.values():
        report.versions.sort()
        report.groups.sort(key=lambda g: (g.channel, g.department))
    outliers = list(
        ConsistencyFlag.objects.filter(complaint__in=complaints)
        .select_related("complaint__responsible_department", "clause")
        .order_by("-created_at", "pk")[:OUTLIERS_SHOWN]
    )
    return ConsistencyReport(
        clauses=sorted(clauses.values(), key=lambda c: c.code),
        outliers=outliers,
        trend=[(week, n, k) for week, (n, k) in sorted(trend.items())],
    )
