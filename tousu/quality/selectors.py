"""Reads of the quality app, scoped by `permissions.inspection_scope_q`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Case, Count, DateTimeField, F, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from tousu.accounts import permissions
from tousu.accounts.models import Department, User
from tousu.core import clock
from tousu.core.errors import NotFound
from tousu.quality import rules
from tousu.quality.choices import AppealStatus, InspectionStatus
from tousu.quality.models import CalibrationRound, Inspection, InspectionScore, ScoringItem

# Inspection

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
            label=names[r["department"]].name if r["department"] in names else "—",
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
    )
    out = [
        ScoreRow(
            key=r["handler"],
            label=r["handler__display_name"] or r["handler__username"] or "—",
            department=r["department__name"] or "",
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
