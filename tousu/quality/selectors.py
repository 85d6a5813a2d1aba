"""Reads of the quality app, scoped by `permissions.inspection_scope_q`.

Reads of the quality app: corrective actions with what their pages show and the figures of
their effectiveness check (from the count tables, D11); the register of controlled documents,
with the standard clauses and approved wording read from their own versioned tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils.translation import gettext as _

from tousu.accounts import permissions
from tousu.accounts.choices import Role
from tousu.accounts.models import Department, User
from tousu.analytics.selectors import KpiFilters, daily_volume
from tousu.classification.models import Category
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.complaints.selectors import ComplaintFilters, complaint_list, complaint_rows
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.core.errors import NotFound
from tousu.core.templatetags.tousu_ui import local_name, name_in_language
from tousu.knowledge.models import WordingVersion
from tousu.knowledge.services import MESSAGE_WORDING_SINCE
from tousu.quality import rules
from tousu.quality.choices import (
    CAPA_ACTIVE,
    AppealStatus,
    CapaStatus,
    InspectionStatus,
    VersionStatus,
)
from tousu.quality.models import (
    CalibrationRound,
    CapaAction,
    ControlledDocument,
    CorrectiveAction,
    DocumentAcknowledgement,
    DocumentVersion,
    Inspection,
    InspectionScore,
    ScoringItem,
)
from tousu.resolution.models import ConsistencyFlag, StandardClause

LIST_RELATED = (
    "complaint",
    "complaint__category",
    "complaint__category__parent",
    "inspector",
    "handler",
    "department",
    "sheet",
    "appeal",
    "appeal__by",
    "appeal__decided_by",
)


@dataclass(frozen=True)
class InspectionFilters:
    status: str = ""  # open, scored, or appeal (an appeal pending)
    reason: str = ""
    inspector: str = ""  # username
    handler: str = ""  # username
    department: str = ""  # code
    complaint: str = ""  # number
    mine: bool = False  # assigned to me


def inspection_rows() -> QuerySet[Inspection]:
    return Inspection.objects.select_related(*LIST_RELATED)


def inspection_list(user: User, filters: InspectionFilters | None = None) -> QuerySet[Inspection]:
    """The inspections the user may see: open ones by due time first, then the latest
    scored. Calibration tasks are in the list of their round, not here."""
    f = filters or InspectionFilters()
    qs = inspection_rows().filter(permissions.inspection_scope_q(user), calibration__isnull=True)
    if f.status == "appeal":
        qs = qs.filter(appeal__status=AppealStatus.PENDING)
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.reason:
        qs = qs.filter(reason=f.reason)
    if f.inspector:
        qs = qs.filter(inspector__username=f.inspector)
    if f.handler:
        qs = qs.filter(handler__username=f.handler)
    if f.department:
        qs = qs.filter(department__code=f.department)
    if f.complaint:
        qs = qs.filter(complaint__number=f.complaint)
    if f.mine:
        qs = qs.filter(inspector=user)
    open_first = Case(When(status=InspectionStatus.OPEN, then=Value(0)), default=Value(1))
    return qs.order_by(open_first, "due_at", "-scored_at", "-pk")


def get_inspection_for_user(user: User, pk: int) -> Inspection:
    """The inspection with its sheet's items, its scores and its appeal; NotFound out of the
    user's scope."""
    inspection = (
        inspection_rows()
        .select_related(
            "complaint__customer",
            "complaint__responsible_department",
            "calibration",
        )
        .prefetch_related("sheet__items", "scores__item")
        .filter(permissions.inspection_scope_q(user), pk=pk)
        .first()
    )
    if inspection is None:
        raise NotFound(_("No such inspection"))
    return inspection


def appeal_of(inspection: Inspection) -> Any:
    """The inspection's appeal, or None (the reverse one-to-one raises when there is none)."""
    try:
        return inspection.appeal
    except Inspection.appeal.RelatedObjectDoesNotExist:
        return None


def appeal_deciders(inspection: Inspection) -> QuerySet[User]:
    """The inspectors who may decide an appeal of the inspection: every active one but the one
    who scored it (`permissions.can_decide_appeal`; administrators may too, and are not
    listed: they are not the quality team the appeal waits on)."""
    return (
        User.objects.filter(is_active=True, role=Role.QUALITY)
        .exclude(pk=inspection.inspector_id)
        .order_by("username")
    )


def may_appeal(user: User, inspection: Inspection) -> bool:
    """Whether the user may appeal the score now (theirs, scored, not appealed, in time)."""
    return (
        permissions.can_appeal_inspection(user, inspection)
        and inspection.status == InspectionStatus.SCORED
        and inspection.appeal_due_at is not None
        and clock.now() <= inspection.appeal_due_at
        and appeal_of(inspection) is None
    )


def my_scores(user: User) -> QuerySet[Inspection]:
    """The scores given to the user's handling, latest first."""
    return (
        inspection_rows()
        .filter(handler=user, status=InspectionStatus.SCORED, calibration__isnull=True)
        .order_by("-scored_at", "-pk")
    )


def complaint_inspections(complaint_id: int, user: User) -> list[Inspection]:
    """The scored inspections of a complaint the user may see (for the complaint page)."""
    return list(
        Inspection.objects.filter(
            permissions.inspection_scope_q(user),
            complaint=complaint_id,
            calibration__isnull=True,
            status=InspectionStatus.SCORED,
        )
        .select_related("inspector", "appeal")
        .order_by("-scored_at")
    )


def inspection_work(user: User) -> QuerySet[Inspection]:
    """The inspections whose move is the user's, annotated with `due`: the inspector's open
    tasks (by their due time), the pending appeals another inspector decides (from when
    appealed), and the handler's scores they may still appeal (by the appeal deadline)."""
    now = clock.now()
    mine = Q(inspector=user, status=InspectionStatus.OPEN)
    appealable = Q(
        handler=user,
        status=InspectionStatus.SCORED,
        appeal_due_at__gte=now,
        appeal__isnull=True,
        calibration__isnull=True,
    )
    wanted = mine | appealable
    if permissions.can_inspect(user):
        wanted |= Q(appeal__status=AppealStatus.PENDING) & ~Q(inspector=user)
    due = Case(
        When(status=InspectionStatus.OPEN, then=F("due_at")),
        When(appeal__status=AppealStatus.PENDING, then=F("appeal__created_at")),
        default=F("appeal_due_at"),
        output_field=DateTimeField(),
    )
    return Inspection.objects.filter(wanted).annotate(due=due)


# ---- whose handling is inspected ----------------------------------------------------------------


@dataclass(frozen=True)
class Handled:
    """Whose handling of a complaint an inspection scores, and their department."""

    handler_id: int | None
    department_id: int | None


def inspected_handlers(ids: Iterable[int]) -> dict[int, Handled]:
    """Per complaint of `ids`: the person an inspection of it scores (`rules.inspected_handler`,
    from its timeline) and the department they work in (the complaint's when they have none,
    or nobody handled it). Three queries, whatever the number of complaints."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    events: dict[int, list[tuple[str, int | None]]] = {}
    rows = (
        ComplaintEvent.objects.filter(complaint__in=wanted, type__in=rules.HANDLING_EVENTS)
        .order_by("complaint_id", "seq")
        .values_list("complaint_id", "type", "actor_id")
    )
    for complaint_id, kind, actor_id in rows:
        events.setdefault(complaint_id, []).append((kind, actor_id))
    assigned = Complaint.objects.filter(pk__in=wanted).values_list(
        "pk", "handler_id", "department_id"
    )
    who = {
        pk: (rules.inspected_handler(events.get(pk, ()), handler_id), department_id)
        for pk, handler_id, department_id in assigned
    }
    people = {h for h, _d in who.values() if h is not None}
    departments = dict(User.objects.filter(pk__in=people).values_list("pk", "department_id"))
    return {
        pk: Handled(
            handler_id,
            (departments.get(handler_id) if handler_id else None) or department_id,
        )
        for pk, (handler_id, department_id) in who.items()
    }


# ---- quality scores per handler and department -------------------------------------------------


@dataclass
class ScoreRow:
    """The scores of one handler or department in a period."""

    key: Any
    label: str
    department: str
    n: int
    mean: Decimal | None
    fatal: int

    @property
    def fatal_rate(self) -> float:
        return self.fatal / self.n if self.n else 0.0


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=clock.SHANGHAI)


def scored_between(first: dt.date, last: dt.date) -> QuerySet[Inspection]:
    """Every score given in [first, last] (local days), calibration aside."""
    return Inspection.objects.filter(
        status=InspectionStatus.SCORED,
        calibration__isnull=True,
        scored_at__gte=_day_start(first),
        scored_at__lt=_day_start(last + dt.timedelta(days=1)),
    )


def scored_in(user: User, first: dt.date, last: dt.date) -> QuerySet[Inspection]:
    """The scores given in [first, last] (local days) the user may see, calibration aside."""
    return scored_between(first, last).filter(permissions.inspection_scope_q(user))


def _aggregate(qs: QuerySet[Inspection], *keys: str) -> list[dict[str, Any]]:
    return list(
        qs.order_by()
        .values(*keys)
        .annotate(n=Count("pk"), mean=Avg("total"), fatal_n=Count("pk", filter=Q(fatal=True)))
    )


def _mean(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(rules.ONE_DECIMAL)


def scores_by_department(user: User, first: dt.date, last: dt.date) -> list[ScoreRow]:
    """Mean score, count and fatal failures per department, best first: one grouped query
    and one read of the departments' names."""
    return department_rows(scored_in(user, first, last))


def department_rows(scored: QuerySet[Inspection]) -> list[ScoreRow]:
    """`scored` grouped per department (see scores_by_department)."""
    rows = _aggregate(scored, "department")
    names = Department.objects.in_bulk([r["department"] for r in rows if r["department"]])
    out = [
        ScoreRow(
            key=r["department"],
            label=local_name(names[r["department"]]) if r["department"] in names else "—",
            department=names[r["department"]].code if r["department"] in names else "",
            n=r["n"],
            mean=_mean(r["mean"]),
            fatal=r["fatal_n"],
        )
        for r in rows
    ]
    return sorted(out, key=lambda r: (-(r.mean or 0), r.label))


def scores_by_handler(user: User, first: dt.date, last: dt.date) -> list[ScoreRow]:
    """Mean score, count and fatal failures per handler, best first."""
    rows = _aggregate(
        scored_in(user, first, last),
        "handler",
        "handler__username",
        "handler__display_name",
        "department__name",
        "department__name_en",
    )
    out = [
        ScoreRow(
            key=r["handler"],
            label=r["handler__display_name"] or r["handler__username"] or "—",
            department=name_in_language(r["department__name"] or "", r["department__name_en"]),
            n=r["n"],
            mean=_mean(r["mean"]),
            fatal=r["fatal_n"],
        )
        for r in rows
    ]
    return sorted(out, key=lambda r: (-(r.mean or 0), r.label))


def scores_overall(user: User, first: dt.date, last: dt.date) -> ScoreRow:
    return overall_row(scored_in(user, first, last))


def overall_row(scored: QuerySet[Inspection]) -> ScoreRow:
    row = scored.aggregate(
        n=Count("pk"), mean=Avg("total"), fatal_n=Count("pk", filter=Q(fatal=True))
    )
    return ScoreRow(None, "", "", row["n"], _mean(row["mean"]), row["fatal_n"])


# ---- calibration ---------------------------------------------------------------------------------


@dataclass
class ItemAgreement:
    code: str
    title: str
    title_en: str
    mad: float | None  # mean absolute difference in points between two inspectors
    alpha: float | None


@dataclass
class Agreement:
    """How far a round's inspectors agree: per item and on the total."""

    round: CalibrationRound
    inspectors: list[User]
    # Per complaint: its number and each inspector's total (None: not scored yet).
    rows: list[tuple[str, list[Decimal | None]]]
    items: list[ItemAgreement]
    total_mad: float | None
    total_alpha: float | None
    scored: int
    tasks: int
    notes: list[str] = field(default_factory=list)


def calibration_rounds() -> QuerySet[CalibrationRound]:
    return (
        CalibrationRound.objects.select_related("sheet", "created_by")
        .annotate(
            tasks=Count("inspections"),
            scored=Count("inspections", filter=Q(inspections__status=InspectionStatus.SCORED)),
        )
        .order_by("-created_at", "-pk")
    )


def calibration_agreement(round_: CalibrationRound) -> Agreement:
    """The agreement of a round, from its scored tasks (three queries)."""
    tasks = list(
        round_.inspections.select_related("complaint", "inspector").order_by(
            "complaint__number", "inspector__username"
        )
    )
    people = sorted({t.inspector for t in tasks}, key=lambda u: u.username)
    numbers = sorted({t.complaint.number for t in tasks})
    totals: dict[tuple[str, int], Decimal | None] = {
        (t.complaint.number, t.inspector_id): t.total for t in tasks
    }
    rows = [(n, [totals.get((n, u.pk)) for u in people]) for n in numbers]
    units_total = [[float(v) for v in values if v is not None] for _n, values in rows]
    points: dict[tuple[int, int], list[float]] = {}  # (item, complaint) → points
    for s in InspectionScore.objects.filter(inspection__calibration=round_).values_list(
        "item_id", "inspection__complaint_id", "points"
    ):
        points.setdefault((s[0], s[1]), []).append(float(s[2]))
    items = []
    for item in ScoringItem.objects.filter(sheet=round_.sheet_id).order_by("sort", "pk"):
        units = [v for (item_id, _c), v in points.items() if item_id == item.pk]
        items.append(
            ItemAgreement(
                item.code,
                item.title,
                item.title_en,
                rules.mean_absolute_difference(units),
                rules.krippendorff_alpha_interval(units),
            )
        )
    scored = sum(1 for t in tasks if t.status == InspectionStatus.SCORED)
    return Agreement(
        round=round_,
        inspectors=people,
        rows=rows,
        items=items,
        total_mad=rules.mean_absolute_difference(units_total),
        total_alpha=rules.krippendorff_alpha_interval(units_total),
        scored=scored,
        tasks=len(tasks),
    )


CAPA_RELATED = ("category", "category__parent", "region", "owner", "opened_by")
# How many complaints of a cluster the opening form offers to link.
CLUSTER_SHOWN = 50


def today() -> dt.date:
    return clock.local(clock.now()).date()


def capa_rows() -> QuerySet[CorrectiveAction]:
    """Corrective actions with what a list row shows: the slice, owner, counts of actions
    (open ones) and of linked complaints, in one query."""
    return CorrectiveAction.objects.select_related(*CAPA_RELATED).annotate(
        action_count=Count("actions", distinct=True),
        open_action_count=Count("actions", filter=Q(actions__done_at__isnull=True), distinct=True),
        complaint_count=Count("complaints", distinct=True),
    )


def capa_list(user: User, status: str = "") -> QuerySet[CorrectiveAction]:
    """The corrective actions the user may see: active ones first by due day, then the
    closed, latest first. `status` "active" for open and watched ones only."""
    qs = capa_rows().filter(permissions.capa_scope_q(user))
    if status == "active":
        qs = qs.filter(status__in=CAPA_ACTIVE)
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("verified_at", "due_on", "-pk")


def get_capa_for_user(user: User, pk: int) -> CorrectiveAction:
    """The corrective action with its actions; NotFound when the user may not see it."""
    capa = (
        capa_rows()
        .filter(permissions.capa_scope_q(user), pk=pk)
        .prefetch_related(Prefetch("actions", CapaAction.objects.select_related("owner")))
        .first()
    )
    if capa is None:
        raise NotFound(_("No such corrective action"))
    return capa


def capa_complaints(user: User, capa: CorrectiveAction) -> list[Complaint]:
    """The linked complaints the user may open (the others are counted, not shown)."""
    return list(
        complaint_rows()
        .filter(permissions.scope_q(user), corrective_actions=capa)
        .order_by("-received_at")
    )


def capa_periods(capa: CorrectiveAction) -> rules.Periods | None:
    """The check's periods, once the actions are done."""
    if capa.actions_done_on is None:
        return None
    opened_on = clock.local(capa.opened_at).date()
    return rules.periods(opened_on, capa.actions_done_on, capa.verify_after_days)


def _slice(capa: CorrectiveAction) -> KpiFilters:
    return KpiFilters(
        category=capa.category.code if capa.category else None,
        region=capa.region.code if capa.region else None,
        channel=capa.channel or None,
    )


def _sum(first: dt.date, last: dt.date, filters: KpiFilters, measure: str) -> int:
    return sum(daily_volume(first, last, filters, measure).values())


def _flags(code: str, first: dt.date, last: dt.date) -> int:
    """Consistency flags of the clause (every version) raised on the days: the flag rows are
    themselves the record of flags (no count table holds them), read with one COUNT."""
    start = dt.datetime.combine(first, dt.time(), tzinfo=SHANGHAI)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)
    return ConsistencyFlag.objects.filter(
        clause__code=code, created_at__gte=start, created_at__lt=end
    ).count()


@dataclass(frozen=True)
class Measured:
    """What the check compares: counts over exposures, and what they are."""

    periods: rules.Periods
    before: int
    after: int
    exposure_before: float
    exposure_after: float
    unit: str  # "complaints_per_day" or "flags_per_closed"


def capa_measure(capa: CorrectiveAction) -> Measured | None:
    """The counts of the check's two periods, from the count tables: the slice's complaints
    received per day; for a clause, its flags per complaint closed in the clause's category
    (the closed count from DailyCount)."""
    p = capa_periods(capa)
    if p is None:
        return None
    if capa.clause_based:
        clause = StandardClause.objects.filter(code=capa.clause_code).order_by("-version").first()
        category = clause.category.code if clause and clause.category else None
        scope = KpiFilters(category=category)
        return Measured(
            p,
            _flags(capa.clause_code, p.before_first, p.before_last),
            _flags(capa.clause_code, p.after_first, p.after_last),
            float(_sum(p.before_first, p.before_last, scope, "closed")),
            float(_sum(p.after_first, p.after_last, scope, "closed")),
            "flags_per_closed",
        )
    filters = _slice(capa)
    return Measured(
        p,
        _sum(p.before_first, p.before_last, filters, "registered"),
        _sum(p.after_first, p.after_last, filters, "registered"),
        float(p.days),
        float(p.days),
        "complaints_per_day",
    )


def capa_verification_due(user: User) -> QuerySet[CorrectiveAction]:
    """The user's corrective actions whose actions are done (their effect being watched),
    for the work queue: the day the check may run is `actions_done_on` + 1 + the period."""
    return CorrectiveAction.objects.filter(owner=user, status=CapaStatus.ACTIONS_DONE)


def capa_open_actions(user: User) -> QuerySet[CapaAction]:
    """The user's actions still to do, of active corrective actions, for the work queue."""
    return CapaAction.objects.filter(owner=user, done_at__isnull=True, capa__status__in=CAPA_ACTIVE)


# The clusters a corrective action is opened from: the complaints it offers to link.


@dataclass
class Cluster:
    """Where a corrective action comes from, as the opening form shows it: the source, its
    reference, the slice proposed and the complaints proposed for linking."""

    source: str
    ref: str = ""
    title: str = ""
    category: Category | None = None
    region_code: str = ""
    channel: str = ""
    clause_code: str = ""
    complaints: list[Complaint] = field(default_factory=list)


def cluster_of_slice(
    user: User,
    *,
    source: str,
    ref: str,
    title: str,
    filters: dict[str, str],
    first: dt.date,
    last: dt.date,
    term: str = "",
) -> Cluster:
    """The complaints received on the days (Asia/Shanghai, both included) in the slice, that
    use `term` when given: what the root-cause page's word or an alert's row links to."""
    start = dt.datetime.combine(first, dt.time(), tzinfo=SHANGHAI)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)
    found = complaint_list(
        user,
        ComplaintFilters(
            q=term,
            category=filters.get("category", ""),
            region=filters.get("region", ""),
            channel=filters.get("channel", ""),
            received_from=start,
            received_to=end,
        ),
    ).order_by("-received_at")
    complaints = list(found[:CLUSTER_SHOWN])
    return Cluster(
        source=source,
        ref=ref,
        title=title,
        category=_common_category(complaints, filters.get("category", "")),
        region_code=filters.get("region", ""),
        channel=filters.get("channel", ""),
        complaints=complaints,
    )


def _common_category(complaints: list[Complaint], code: str) -> Category | None:
    """The given category; else the top-level category most of the complaints are in."""
    if code:
        return Category.objects.filter(code=code).first()
    tops: dict[str, int] = {}
    for c in complaints:
        if c.category is not None:
            top = c.category.code.split(".")[0]
            tops[top] = tops.get(top, 0) + 1
    if not tops:
        return None
    best = max(tops, key=lambda k: (tops[k], k))
    return Category.objects.filter(code=best).first()


def cluster_of_clause(user: User, code: str) -> Cluster:
    """A standard clause's flagged complaints (every version), latest first."""
    clause = (
        StandardClause.objects.filter(code=code).select_related("category").order_by("-version")
    ).first()
    if clause is None:
        raise NotFound(_("No such standard clause"))
    flagged = ConsistencyFlag.objects.filter(clause__code=code).values("complaint")
    found = (
        complaint_rows().filter(permissions.scope_q(user), pk__in=flagged).order_by("-received_at")
    )
    return Cluster(
        source="clause",
        ref=code,
        title=_("Departures from %(clause)s") % {"clause": clause.title},
        category=clause.category,
        clause_code=code,
        complaints=list(found[:CLUSTER_SHOWN]),
    )


def clause_flag_counts(user: User) -> list[dict[str, Any]]:
    """Standard clauses by number of consistency flags (most first), for opening a corrective
    action from one."""
    rows = (
        ConsistencyFlag.objects.filter(clause__isnull=False)
        .filter(permissions.scope_q(user, "complaint__"))
        .values("clause__code")
        .annotate(n=Count("pk"), complaints=Count("complaint", distinct=True))
        .order_by("-n", "clause__code")
    )
    # A clause already under a corrective action links to it rather than offer a second one.
    active = dict(
        CorrectiveAction.objects.filter(status__in=CAPA_ACTIVE)
        .exclude(clause_code="")
        .order_by("-pk")
        .values_list("clause_code", "pk")
    )
    return [
        {
            "code": r["clause__code"],
            "flags": r["n"],
            "complaints": r["complaints"],
            "capa": active.get(r["clause__code"]),
        }
        for r in rows
    ]


# Controlled documents


def _in_force_versions() -> Prefetch[Any]:
    return Prefetch(
        "versions",
        DocumentVersion.objects.filter(status=VersionStatus.IN_FORCE).select_related(
            "author", "approver"
        ),
        to_attr="in_force_list",
    )


def documents() -> QuerySet[ControlledDocument]:
    return ControlledDocument.objects.prefetch_related(_in_force_versions(), "departments")


def in_force(document: ControlledDocument) -> DocumentVersion | None:
    """The version in force of a document fetched with `documents()`."""
    found = getattr(document, "in_force_list", None)
    if found is None:
        return document.versions.filter(status=VersionStatus.IN_FORCE).first()
    return found[0] if found else None


def document_applies(document: ControlledDocument, user: User) -> bool:
    """Whether the user must acknowledge the document (its roles and departments; empty
    means everyone). Departments prefetched."""
    if not rules.applies_to(list(document.roles or []), user.role):
        return False
    departments = {d.pk for d in document.departments.all()}
    return not departments or user.department_id in departments


@dataclass
class RegisterRow:
    """One line of the register: a document of the manual, or a standard clause or approved
    wording shown from its own table."""

    kind: str  # a DocumentKind, or "clause" / "wording"
    code: str
    title: str
    version: int | None
    effective_from: dt.date | None
    review_by: dt.date | None = None
    review: str = ""
    url: str = ""
    document: ControlledDocument | None = None
    acknowledged: bool | None = None  # by the reader; None: does not apply to them
    extra: dict[str, Any] = field(default_factory=dict)


def manual_rows(user: User) -> list[RegisterRow]:
    """The manual's documents with the version in force, its review flag and whether the
    reader has acknowledged it (3 queries whatever the number of documents)."""
    day = today()
    docs = list(documents())
    acked = set(
        DocumentAcknowledgement.objects.filter(
            user=user, version__status=VersionStatus.IN_FORCE
        ).values_list("version_id", flat=True)
    )
    out = []
    for doc in docs:
        version = in_force(doc)
        applies = document_applies(doc, user)
        out.append(
            RegisterRow(
                kind=doc.kind,
                code=doc.code,
                title=doc.title,
                version=version.number if version else None,
                effective_from=version.effective_from if version else None,
                review_by=version.review_by if version else None,
                review=rules.review_state(version.review_by, day) if version else "",
                document=doc,
                acknowledged=(version.pk in acked) if version and applies else None,
            )
        )
    return out


def clauses_in_force(day: dt.date | None = None) -> list[RegisterRow]:
    """The standard clauses as controlled documents: per code, the version in force today
    (active, effective, not expired; the highest such version), read from their own table."""
    day = day or today()
    current = (
        StandardClause.objects.filter(active=True, effective_from__lte=day)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
        .order_by("code", "-version")
    )
    rows: dict[str, RegisterRow] = {}
    for clause in current:
        if clause.code not in rows:
            rows[clause.code] = RegisterRow(
                kind="clause",
                code=clause.code,
                title=clause.title,
                version=clause.version,
                effective_from=clause.effective_from,
                extra={"versions": 0},
            )
    counts = (
        StandardClause.objects.filter(code__in=list(rows)).values("code").annotate(n=Count("pk"))
    )
    for row in counts:
        rows[row["code"]].extra["versions"] = row["n"]
    return list(rows.values())


def wording_in_force(day: dt.date | None = None) -> list[RegisterRow]:
    """Approved wording as controlled documents: per article, the latest version in force
    today (effective, not past its last day), read from the wording's own versions."""
    day = day or today()
    current = (
        WordingVersion.objects.filter(effective_from__lte=day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .select_related("article")
        .order_by("article__title", "article_id", "-number")
    )
    rows: dict[int, RegisterRow] = {}
    for v in current:
        if v.article_id not in rows:
            rows[v.article_id] = RegisterRow(
                kind="wording",
                code=v.article.key,
                title=v.article.title,
                version=v.number,
                effective_from=v.effective_from,
                extra={
                    "change_note": v.change_note,
                    # The built-in wording is in force for every complaint, also those
                    # imported from before: its date is a sentinel, not a day anyone chose.
                    "since_installation": v.effective_from == MESSAGE_WORDING_SINCE,
                },
            )
    return list(rows.values())


def get_document(code: str) -> ControlledDocument:
    doc = (
        ControlledDocument.objects.filter(code=code)
        .prefetch_related(
            "departments",
            Prefetch(
                "versions",
                DocumentVersion.objects.select_related("author", "approver").annotate(
                    ack_count=Count("acknowledgements")
                ),
            ),
        )
        .first()
    )
    if doc is None:
        raise NotFound(_("No such document"))
    return doc


def staff_to_acknowledge(document: ControlledDocument) -> QuerySet[User]:
    """The active staff the document applies to (by role and department)."""
    qs = User.objects.filter(is_active=True).exclude(role="")
    if document.roles:
        qs = qs.filter(role__in=document.roles)
    departments = [d.pk for d in document.departments.all()]
    if departments:
        qs = qs.filter(department__in=departments)
    return qs


def not_acknowledged(
    document: ControlledDocument, version: DocumentVersion
) -> list[dict[str, Any]]:
    """Who of those it applies to has not acknowledged the version, by department (one
    query): [{"department": name or "", "users": [User, …]}]."""
    acked = DocumentAcknowledgement.objects.filter(version=version, user=OuterRef("pk"))
    users = (
        staff_to_acknowledge(document)
        .exclude(Exists(acked))
        .select_related("department")
        .order_by("department__name", "role", "username")
    )
    groups: dict[int | None, dict[str, Any]] = {}
    for u in users:
        group = groups.setdefault(u.department_id, {"department": u.department, "users": []})
        group["users"].append(u)
    return list(groups.values())


def unacknowledged_for(user: User) -> list[ControlledDocument]:
    """The documents in force that apply to the user and that they have not acknowledged
    (for the banner on the work queue)."""
    acked = DocumentAcknowledgement.objects.filter(
        user=user, version__document=OuterRef("pk"), version__status=VersionStatus.IN_FORCE
    )
    docs = documents().filter(versions__status=VersionStatus.IN_FORCE).exclude(Exists(acked))
    return [d for d in docs if document_applies(d, user)]


def documents_due_for_review(day: dt.date | None = None) -> QuerySet[DocumentVersion]:
    """Versions in force whose review day is past or within REVIEW_SOON_DAYS."""
    day = day or today()
    return DocumentVersion.objects.filter(
        status=VersionStatus.IN_FORCE,
        review_by__lte=day + dt.timedelta(days=rules.REVIEW_SOON_DAYS),
    ).select_related("document")


def supervisors_of(user: User) -> list[User]:
    """The supervisors and the head of the user's department, whom an overdue action of
    theirs is escalated to; the administrators when the department has none."""
    found: list[User] = []
    if user.department_id:
        found = list(
            User.objects.filter(
                is_active=True,
                department=user.department_id,
                role__in=[Role.SUPERVISOR, Role.DEPT_HEAD],
            ).exclude(pk=user.pk)
        )
    return found or list(User.objects.filter(is_active=True, role=Role.ADMIN))
