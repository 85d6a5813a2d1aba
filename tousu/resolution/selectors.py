from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, DateTimeField, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from tousu.accounts.choices import Role
from tousu.accounts.models import User
from tousu.accounts.permissions import MANAGER_ROLES, scope_q
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.core.errors import NotFound
from tousu.core.reasons import Reason
from tousu.core.templatetags.tousu_ui import name_in_language
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


def with_approval_due(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Complaints with `approval_due`: the deadline of the approval they wait for, if any (the
    lists show it beside the countdown, issue 12), in the list's own query.

    The correlated subquery is written once as SQL (`_approval_due_sql`): as a `Subquery` of
    an `OuterRef`, Django built and compiled the inner query again on every page, 4 ms of a
    list page's 30-50 (issue 19), for the same text every time. It names the complaint table
    itself, so the annotation is for a list's own query (the complaint table not aliased),
    not for a query nested in another."""
    due = RawSQL(_approval_due_sql(), (), output_field=DateTimeField())  # noqa: S611 (no value in it)
    return qs.annotate(approval_due=due)


@functools.cache
def _approval_due_sql() -> str:
    """The due time of the newest undecided approval of the outer query's complaint: what
    `Approval.objects.filter(complaint=OuterRef("pk"), decided_at__isnull=True)
    .order_by("-pk").values("due_at")[:1]` compiles to."""
    from django.db import connection

    from tousu.complaints.models import Complaint

    q = connection.ops.quote_name
    meta = Approval._meta
    column = {f.name: q(f.column) for f in meta.concrete_fields}
    outer = f"{q(Complaint._meta.db_table)}.{q(Complaint._meta.pk.column)}"
    return (
        f"SELECT {column['due_at']} FROM {q(meta.db_table)} "  # noqa: S608 (names from the models)
        f"WHERE {column['complaint']} = {outer} "
        f"AND {column['decided_at']} IS NULL ORDER BY {column['id']} DESC LIMIT 1"
    )


@dataclass(frozen=True)
class ApproverStep:
    """A step of the approval chain as a complaint would meet it: the role, its limit (None =
    unlimited) and who holds it for the complaint (the managers of its department with that
    role; administrators anywhere)."""

    role: str
    label: str
    limit: Decimal | None
    names: list[str]


def approver_steps(complaint: Complaint) -> list[ApproverStep]:
    """The approval chain for `complaint`, lowest limit first, named: whom the resolve form
    says an outcome over the handler's authority goes to ("超出授权，将提交 张三 审批"). The
    first step whose limit covers the total is the one `complaint_resolve` asks."""
    steps = sorted(approval_steps(), key=lambda s: (s[1] is None, s[1] or Decimal(0)))
    holders: dict[str, list[str]] = {}
    people = (
        User.objects.filter(is_active=True, role__in=[role for role, _, _ in steps])
        .filter(Q(department_id=complaint.department_id) | Q(role=Role.ADMIN))
        .order_by("username")
    )
    for person in people:
        holders.setdefault(person.role, []).append(str(person))
    return [
        ApproverStep(role, str(Role(role).label), limit, holders.get(role, []))
        for role, limit, _hours in steps
    ]


@dataclass(frozen=True)
class AuthorityView:
    """What the resolve form needs to tell, as the handler types, the decision
    `complaint_resolve` will make (R6.2): the actor's limits by remedy type, what the customer
    already received this month, and the approval chain."""

    limits: dict[str, rules.Limit]
    month_before: dict[str, Decimal]
    steps: list[ApproverStep]

    @property
    def total_limit(self) -> Decimal | None:
        return self.limits.get(rules.TOTAL, rules.Limit(Decimal(0))).per_complaint

    def excess(self, amounts: dict[str, Decimal]) -> list[Reason]:
        return rules.authority_excess(amounts, self.month_before, self.limits)

    def approvers(self, total: Decimal) -> ApproverStep | None:
        """The step asked for `total` over the actor's authority; None when no limit covers it."""
        chain = rules.approval_chain(total, [(s.role, s.limit) for s in self.steps])
        return next((s for s in self.steps if chain and s.role == chain[0]), None)


def authority_view(user: User, complaint: Complaint) -> AuthorityView:
    return AuthorityView(
        limits=authority_limits(user.role),
        month_before=customer_month_granted(complaint),
        steps=approver_steps(complaint),
    )


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
    rate: Decimal | None = None  # the formula's multiple or daily rate (ClauseRemedy.rate)


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
                rate=r.rate,
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
        "responsible_department__name_en",
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
    for pk, code, title, version, channel, dept, dept_name, dept_en, amount, resolved in rows:
        report = clauses.setdefault(code, ClauseReport(code, title, [], 0, 0, [], []))
        if version not in report.versions:
            report.versions.append(version)
        report.outcomes += 1
        report.flagged += pk in flagged_ids
        key = (code, channel, dept or "")
        group = groups.get(key)
        if group is None:
            label = str(Channel(channel).label) if channel in Channel.values else channel
            name = name_in_language(dept_name or "", dept_en or "")
            group = groups[key] = ClauseGroup(channel, label, dept or "", name)
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


# ---- tamper evidence (issue 11) --------------------------------------------------------------
#
# Resolution is the lowest app that may read everything the verification checks: the kernel's
# timelines and seals, accounts' audit log and its own remedies (and notify about them).


def remedies_verify(numbers: list[str] | None = None) -> list[tuple[str, int, str]]:
    """Each complaint's remedies as they stand against those of its last `resolved` event (a
    new outcome replaces the remedies; a rejection or a reopen leaves them): the same types and
    amounts, as (number, event number, problem) findings. Remedy rows are not in any chain, so
    an amount edited in the database shows only here."""
    from tousu.complaints.choices import EventType
    from tousu.complaints.models import ComplaintEvent

    recorded: dict[int, tuple[str, int, list[tuple[str, Decimal]]]] = {}
    events = ComplaintEvent.objects.filter(type=EventType.RESOLVED).order_by("complaint_id", "-seq")
    rows = Remedy.objects.order_by("complaint_id", "pk")
    if numbers:
        events = events.filter(complaint__number__in=numbers)
        rows = rows.filter(complaint__number__in=numbers)
    for complaint_id, number, seq, data in events.values_list(
        "complaint_id", "complaint__number", "seq", "data"
    ).iterator(chunk_size=2000):
        if complaint_id not in recorded:  # the last resolved event comes first
            items = data.get("remedies", []) if isinstance(data, dict) else []
            recorded[complaint_id] = (number, seq, sorted(_remedy_key(i) for i in items))
    granted: dict[int, tuple[str, list[tuple[str, Decimal]]]] = {}
    for complaint_id, number, type_, amount in rows.values_list(
        "complaint_id", "complaint__number", "type", "amount"
    ).iterator(chunk_size=2000):
        granted.setdefault(complaint_id, (number, []))[1].append((type_, _amount(amount)))
    broken = []
    for complaint_id in sorted(set(recorded) | set(granted)):
        number, seq, expected = recorded.get(complaint_id, ("", 0, []))
        number = number or granted[complaint_id][0]
        if sorted(granted.get(complaint_id, ("", []))[1]) != expected:
            broken.append((number, seq, "remedies differ from those the outcome recorded"))
    return broken


def _amount(value: Any) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except ArithmeticError:
        return Decimal(-1)


def _remedy_key(item: Any) -> tuple[str, Decimal]:
    if not isinstance(item, dict):
        return ("?", Decimal(-1))
    return (str(item.get("type", "")), _amount(item.get("amount", 0)))


@dataclass(frozen=True)
class IntegrityReport:
    """What a full verification found: complaints checked, audit entries checked, and the
    findings as (subject, event or entry number, problem); the subject is a complaint number,
    "seal N" or "audit"."""

    complaints: int
    audit_entries: int
    findings: list[tuple[str, int, str]]


def integrity_verify(numbers: list[str] | None = None) -> IntegrityReport:
    """Every check of the tamper evidence: the timelines, their facts and seals and the daily
    numbers (complaints), the remedies (resolution) and the audit log (accounts). With
    `numbers`, only those complaints (no audit log, no numbering)."""
    from tousu.accounts.selectors import audit_verify
    from tousu.complaints.selectors import seals_verify, timeline_verify

    seals = seals_verify()
    checked, findings = timeline_verify(numbers, seals=seals)
    findings += remedies_verify(numbers)
    entries = 0
    if not numbers:
        audit = audit_verify(sealed=seals.audit)
        entries = audit.checked
        findings += [("audit", seq, problem) for seq, problem in audit.broken]
    return IntegrityReport(checked, entries, findings)
