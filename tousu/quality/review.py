"""The quality app's sections of the management-review pack (R12.3, S0 管理评审 / 内部审核),
registered into analytics.extensions by QualityConfig.ready (analytics may not import us):

10 一、投诉管理目标达成 — the period's KPIs (count tables) against the objectives;
20 二、质检结果 — scores per department, appeals, calibration agreement;
30 三、纠正和预防措施 — corrective actions opened, closed effective or not, overdue, and each
   one's before/after figures;
50 六、受控文件 — documents due for review and the acknowledgement coverage;
60 七、内部审核检查表 — the ISO 10002:2018 clauses with the evidence the system holds.

Every figure is a count or a grouped aggregate over an indexed period: the cost does not grow
with the number of complaints per row. The words are translatable: the pack is written in the
language of whoever asks for it (`report_review`), Chinese from the command line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from tousu.accounts.models import Department, Region, User
from tousu.analytics.report_review import Period
from tousu.analytics.report_text import Cell, Section, Table, pct, show
from tousu.analytics.selectors import kpis
from tousu.callbacks.choices import CallbackStatus
from tousu.callbacks.models import CallbackTask
from tousu.complaints.models import ChainSeal
from tousu.core import clock
from tousu.quality import rules, selectors
from tousu.quality.choices import (
    CAPA_ACTIVE,
    AppealStatus,
    CapaStatus,
    DocumentKind,
    VersionStatus,
)
from tousu.quality.models import (
    CorrectiveAction,
    DocumentAcknowledgement,
    DocumentVersion,
    InspectionAppeal,
    Objective,
    ObjectiveDirection,
    ObjectiveKpi,
)
from tousu.resolution.models import AuthorityLimit, HandlingRecord

PRESENT = "present"
GAP = "gap"
# Evidence is held, and it shows the clause's objective missed: a nonconformity, recorded as an
# internal auditor would, not passed as "evidence present".
NONCONFORMING = "nonconforming"
STATUS_NAMES: dict[str, Any] = {
    PRESENT: pgettext_lazy("audit check", "Evidence held"),
    GAP: pgettext_lazy("audit check", "Gap"),
    NONCONFORMING: pgettext_lazy("audit check", "Evidence held · objective missed"),
}
KPI_NAMES: dict[str, Any] = {
    ObjectiveKpi.ON_TIME: gettext_lazy("Closed on time"),
    ObjectiveKpi.FIRST_RESPONSE: gettext_lazy("First response on time"),
    ObjectiveKpi.SATISFACTION: gettext_lazy("Satisfied at callback"),
    ObjectiveKpi.FIRST_CONTACT: pgettext_lazy("objective", "Resolved at first contact"),
    ObjectiveKpi.REPEAT: gettext_lazy("Repeat complaint rate"),
    ObjectiveKpi.ESCALATION: gettext_lazy("Over-level complaint rate"),
}


def _figures(period: Period) -> dict[str, Any]:
    """The period's KPIs and the mixes (by channel, category) from the count tables."""
    return kpis(period.start, period.end, mixes=True)


# ---- 一、objectives -----------------------------------------------------------------------------


def objective_rows(current: dict[str, Any]) -> list[dict[str, Any]]:
    """Each active objective with the period's value and whether it was met (None: no data)."""
    rows = []
    order = list(KPI_NAMES)
    objectives = sorted(Objective.objects.filter(active=True), key=lambda o: order.index(o.kpi))
    for objective in objectives:
        value = current.get(objective.kpi)
        rows.append(
            {
                "kpi": objective.kpi,
                "name": str(KPI_NAMES.get(objective.kpi, objective.kpi)),
                "value": value,
                "target": float(objective.target),
                "at_least": objective.direction == ObjectiveDirection.AT_LEAST,
                "met": objective.met(value),
            }
        )
    return rows


def _met_text(met: bool | None) -> str:
    if met is None:
        return pgettext("objective", "No data")
    return pgettext("objective", "Met") if met else pgettext("objective", "Missed")


def objectives_section(first: dt.date, last: dt.date) -> Section:
    body = _figures(Period(first, last))
    cur, prev = body["current"], body["previous"]
    rows = objective_rows(cur)
    table: list[list[Cell]] = [
        [_("Complaints received"), cur["volume"], prev["volume"], "—", "—"],
    ]
    for row in rows:
        table.append(
            [
                row["name"],
                pct(row["value"]),
                pct(prev.get(row["kpi"])),
                ("≥ " if row["at_least"] else "≤ ") + show(pct(row["target"])),
                _met_text(row["met"]),
            ]
        )
    met = sum(1 for r in rows if r["met"])
    missed = [r["name"] for r in rows if r["met"] is False]
    counts = {"volume": f"{cur['volume']:,}", "closed": f"{cur['closed']:,}"}
    goals = {"n": len(rows), "met": met, "missed": _list(missed)}
    text = (
        _("%(volume)s complaints received in the period, %(closed)s closed.") % counts
        + (
            _(" Of %(n)s objectives, %(met)s met; missed: %(missed)s.")
            if missed
            else _(" Of %(n)s objectives, %(met)s met.")
        )
        % goals
        + _(
            " The targets are the complaint-handling objectives held in the system "
            "(adjustable in the administration)."
        )
    )
    return Section(
        pgettext("review sheet", "Objectives"),
        _("1. Complaint-handling objectives"),
        [text],
        [
            Table(
                _("Key figures and objectives"),
                [_("Figure"), _("This period"), _("Previous period"), _("Target"),
                 _("Conclusion")],
                table,
            )
        ],
    )  # fmt: skip


def _list(items: list[str]) -> str:
    """Names listed as the reader's language lists them (、 in Chinese)."""
    return pgettext("between listed names", ", ").join(items)


# ---- 二、inspections ----------------------------------------------------------------------------


def appeal_counts(period: Period) -> dict[str, int]:
    """Appeals lodged in the period by their status now."""
    rows = (
        InspectionAppeal.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    out = dict.fromkeys(AppealStatus.values, 0)
    out.update({status: n for status, n in rows})
    return out


def calibration_rows(period: Period) -> list[list[Cell]]:
    rounds = selectors.calibration_rounds().filter(
        created_at__gte=period.start, created_at__lt=period.end
    )
    rows: list[list[Cell]] = []
    for round_ in rounds:
        agreement = selectors.calibration_agreement(round_)
        rows.append(
            [
                round_.title,
                len(agreement.inspectors),
                f"{agreement.scored}/{agreement.tasks}",
                None if agreement.total_mad is None else round(agreement.total_mad, 2),
                None if agreement.total_alpha is None else rules.alpha_shown(agreement.total_alpha),
            ]
        )
    return rows


def inspections_section(first: dt.date, last: dt.date) -> Section:
    period = Period(first, last)
    scored = selectors.scored_between(first, last)
    overall = selectors.overall_row(scored)
    departments: list[list[Cell]] = [
        [r.label, r.n, None if r.mean is None else float(r.mean), pct(r.fatal_rate)]
        for r in selectors.department_rows(scored)
    ]
    appeals = appeal_counts(period)
    calibration = calibration_rows(period)
    mean = None if overall.mean is None else float(overall.mean)
    figures = {
        "n": f"{overall.n:,}",
        "mean": show(mean),
        "fatal": f"{overall.fatal:,}",
        "rate": show(pct(overall.fatal_rate)),
        "appeals": f"{sum(appeals.values()):,}",
        "rejected": f"{appeals[AppealStatus.REJECTED]:,}",
        "upheld": f"{appeals[AppealStatus.UPHELD]:,}",
        "pending": f"{appeals[AppealStatus.PENDING]:,}",
        "rounds": len(calibration),
    }
    text = _(
        "%(n)s complaints inspected in the period, mean score %(mean)s, %(fatal)s failed on a "
        "fatal item (%(rate)s). %(appeals)s appeals lodged in the period: %(rejected)s "
        "rejected, %(upheld)s upheld, %(pending)s awaiting a decision. %(rounds)s calibration "
        "rounds."
    ) % figures + (
        _(
            " Calibration agreement is Krippendorff's α (interval): the inspectors' differences "
            "against the spread of the scores themselves, rounded down to two decimals: 1.00 "
            "only when they agree exactly; when every score is the same there is nothing to "
            "compare, α is undefined and shown as “—”."
        )
        if calibration
        else ""
    )
    return Section(
        pgettext("review sheet", "Inspections"),
        _("2. Quality inspection"),
        [text],
        [
            Table(
                _("Inspection scores by department"),
                [_("Department"), _("Inspected"), _("Mean score"), _("Fatal-item rate")],
                departments,
            ),
            Table(
                _("Appeals"),
                [pgettext("review table", "Result"), pgettext("review table", "Count")],
                [
                    [_("Changed (appeal upheld)"), appeals[AppealStatus.UPHELD]],
                    [_("Score kept"), appeals[AppealStatus.REJECTED]],
                    [_("Awaiting a decision"), appeals[AppealStatus.PENDING]],
                ],
            ),
            Table(
                _("Calibration agreement"),
                [_("Calibration round"), _("Inspectors"), _("Scored / tasks"),
                 _("Mean difference"), "Krippendorff α"],
                calibration,
            ),
        ],
    )  # fmt: skip


# ---- 三、corrective actions ---------------------------------------------------------------------

CAPA_STATUS_NAMES: dict[str, Any] = {
    CapaStatus.OPEN: pgettext_lazy("corrective action", "In progress"),
    CapaStatus.ACTIONS_DONE: pgettext_lazy(
        "corrective action", "Actions done, effect under observation"
    ),
    CapaStatus.CLOSED_EFFECTIVE: pgettext_lazy("corrective action", "Closed: effective"),
    CapaStatus.CLOSED_NOT_EFFECTIVE: pgettext_lazy("corrective action", "Closed: not effective"),
}
UNIT_NAMES: dict[str, Any] = {
    "complaints_per_day": gettext_lazy("complaints/day"),
    "flags_per_closed": gettext_lazy("flags/closed complaint"),
}


def capa_in_review(period: Period) -> list[CorrectiveAction]:
    """The corrective actions the period saw: opened or verified in it, or still active at
    its end (opened before it ended). One query; the count is that of actions, not complaints."""
    in_period = Q(opened_at__gte=period.start, opened_at__lt=period.end) | Q(
        verified_at__gte=period.start, verified_at__lt=period.end
    )
    active = Q(status__in=CAPA_ACTIVE, opened_at__lt=period.end)
    return list(selectors.capa_rows().filter(in_period | active).order_by("opened_at", "pk"))


def _rate_cell(value: Any, unit: str) -> str:
    return "—" if value is None else f"{value:.3g} {UNIT_NAMES.get(unit, unit)}"


def capa_row(capa: CorrectiveAction, last: dt.date) -> list[Cell]:
    """A corrective action with its before/after figures once verified."""
    result = capa.result or {}
    measured = "rate_before" in result
    unit = str(result.get("unit", ""))
    overdue = capa.active and capa.due_on < last
    ratio = result.get("ratio") if measured else None
    return [
        f"CA{capa.pk} {capa.title}",
        str(CAPA_STATUS_NAMES.get(capa.status, capa.status))
        + (pgettext("corrective action", " (overdue)") if overdue else ""),
        f"{capa.due_on:%Y-%m-%d}",
        _rate_cell(result.get("rate_before"), unit) if measured else "—",
        _rate_cell(result.get("rate_after"), unit) if measured else "—",
        pct(ratio) if isinstance(ratio, float | int) else None,
    ]


def capa_section(first: dt.date, last: dt.date) -> Section:
    period = Period(first, last)
    actions = capa_in_review(period)

    def in_period(moment: dt.datetime | None) -> bool:
        return moment is not None and period.start <= moment < period.end

    opened = sum(1 for c in actions if in_period(c.opened_at))
    effective = sum(
        1 for c in actions if in_period(c.verified_at) and c.status == CapaStatus.CLOSED_EFFECTIVE
    )
    not_effective = sum(
        1
        for c in actions
        if in_period(c.verified_at) and c.status == CapaStatus.CLOSED_NOT_EFFECTIVE
    )
    overdue = sum(1 for c in actions if c.active and c.due_on < last)
    text = _(
        "%(opened)s corrective and preventive actions opened in the period; %(verified)s "
        "closed after verification, %(effective)s effective and %(not_effective)s not "
        "effective; %(overdue)s past their due date. Verification compares the rate of the "
        "related complaints (or standard-clause consistency flags) over equal periods before "
        "and after the action, from the count tables."
    ) % {
        "opened": opened,
        "verified": effective + not_effective,
        "effective": effective,
        "not_effective": not_effective,
        "overdue": overdue,
    }
    return Section(
        pgettext("review sheet", "Corrective actions"),
        _("3. Corrective and preventive actions and their effect"),
        [text],
        [
            Table(
                _("Actions and their effect"),
                [pgettext("review table", "Action"), _("Status"),
                 pgettext("review table", "Due"), _("Before"), _("After"), _("After / before")],
                [capa_row(c, last) for c in actions],
            )
        ],
    )  # fmt: skip


# ---- 六、documents ------------------------------------------------------------------------------

REVIEW_NAMES: dict[str, Any] = {
    "overdue": pgettext_lazy("document review", "Overdue"),
    "due": pgettext_lazy("document review", "Due soon"),
    "": "—",
}


def acknowledgement_rows() -> list[list[Cell]]:
    """Each document in force: the staff it applies to and how many acknowledged the version
    in force. Two queries per document (the manual has a handful), none per person."""
    rows: list[list[Cell]] = []
    for document in selectors.documents().order_by("sort", "code"):
        version = selectors.in_force(document)
        if version is None:
            continue
        staff = selectors.staff_to_acknowledge(document)
        readers = staff.count()
        acknowledged = staff.filter(
            pk__in=DocumentAcknowledgement.objects.filter(version=version).values("user")
        ).count()
        rows.append(
            [
                f"{document.code} {document.title}",
                version.number,
                readers,
                acknowledged,
                pct(acknowledged / readers if readers else None),
            ]
        )
    return rows


def documents_section(first: dt.date, last: dt.date) -> Section:
    due = list(selectors.documents_due_for_review(last).order_by("review_by", "pk"))
    review_rows: list[list[Cell]] = [
        [
            f"{v.document.code} {v.document.title}",
            v.number,
            f"{v.review_by:%Y-%m-%d}",
            str(REVIEW_NAMES[rules.review_state(v.review_by, last)]),
        ]
        for v in due
    ]
    coverage = acknowledgement_rows()
    readers = sum(int(r[2] or 0) for r in coverage)
    acknowledged = sum(int(r[3] or 0) for r in coverage)
    text = _(
        "%(documents)s controlled documents in force, %(due)s due for review by %(day)s; "
        "%(readers)s acknowledgements expected, %(acknowledged)s given (%(share)s)."
    ) % {
        "documents": len(coverage),
        "due": len(due),
        "day": f"{last:%Y-%m-%d}",
        "readers": f"{readers:,}",
        "acknowledged": f"{acknowledged:,}",
        "share": show(pct(acknowledged / readers if readers else None)),
    }
    return Section(
        pgettext("review sheet", "Documents"),
        _("6. Controlled documents: review and acknowledgement"),
        [text],
        [
            Table(
                _("Documents due for review"),
                [_("Document"), _("Version"), _("Review by"), _("Status")],
                review_rows,
            ),
            Table(
                _("Acknowledgement coverage"),
                [_("Document"), _("Version in force"), _("Expected"), _("Acknowledged"),
                 _("Coverage")],
                coverage,
            ),
        ],
    )  # fmt: skip


# ---- 七、the internal-audit checklist -----------------------------------------------------------


@dataclass(frozen=True)
class Check:
    clause: str
    title: str
    evidence: str
    where: str
    present: bool
    # Whether the figure the evidence names met its objective (None: the clause has none).
    met: bool | None = None

    @property
    def status(self) -> str:
        if not self.present:
            return GAP
        return NONCONFORMING if self.met is False else PRESENT

    def row(self) -> list[Cell]:
        return [self.clause, self.title, self.evidence, self.where, str(STATUS_NAMES[self.status])]


def _classified_share(body: dict[str, Any]) -> float | None:
    volume = body["current"]["volume"]
    known = sum(e["volume"] for e in body["mix"]["category"] if e["key"])
    return known / volume if volume else None


def rate(value: float | None) -> str:
    return show(pct(value))


def _kpi_evidence(name: str, kpi: str, value: float | None, targets: dict[str, Any]) -> str:
    """`name value`, with the objective and whether it was met when the KPI has one."""
    text = f"{name} {rate(value)}"
    target = targets.get(kpi)
    if target is None or target["met"] is None:
        return text
    bound = ("≥ " if target["at_least"] else "≤ ") + rate(target["target"])
    return _("%(figure)s (target %(bound)s, %(met)s)") % {
        "figure": text,
        "bound": bound,
        "met": _met_text(target["met"]),
    }


def _kpi_met(kpi: str, targets: dict[str, Any]) -> bool | None:
    target = targets.get(kpi)
    return None if target is None else target["met"]


def documents_in_force(day: dt.date) -> dict[str, list[str]]:
    """Per document kind, the documents in force on `day` as "code vN" (one query)."""
    out: dict[str, list[str]] = {}
    rows = (
        DocumentVersion.objects.filter(status=VersionStatus.IN_FORCE, effective_from__lte=day)
        .order_by("document__sort", "document__code")
        .values_list("document__kind", "document__code", "number")
    )
    for kind, code, number in rows:
        out.setdefault(kind, []).append(f"{code} v{number}")
    return out


def _in_force_text(docs: dict[str, list[str]], kind: str) -> str:
    if not docs.get(kind):
        return ""
    return _("; controlled documents %(codes)s") % {"codes": _list(docs[kind])}


def _document_check(
    clause: str, title: str, docs: dict[str, list[str]], kinds: tuple[str, ...], name: str
) -> Check:
    """Present when a document of one of `kinds` is in force (approved, with its approver)."""
    found = [code for kind in kinds for code in docs.get(kind, [])]
    where = _("Quality › Controlled documents")
    if found:
        evidence = _("%(name)s in force (approved): %(codes)s") % {
            "name": name,
            "codes": _list(found),
        }
        evidence = capfirst(evidence)  # "Complaint-handling manual … in force"
        return Check(clause, title, evidence, where, True)
    evidence = _("No %(name)s in force (controlled documents)") % {"name": name}
    return Check(clause, title, evidence, where, False)


def audit_checks(period: Period) -> list[Check]:
    """The ISO 10002:2018 clauses S0 names, each with what the system holds for the period."""
    body = _figures(period)
    cur = body["current"]
    volume, closed = cur["volume"], cur["closed"]
    # The objectives of section 一: a clause whose figure has one is judged against it.
    targets = {row["kpi"]: row for row in objective_rows(cur)}
    channels = [e for e in body["mix"]["channel"] if e["volume"]]
    departments = Department.objects.filter(active=True).count()
    regions = Region.objects.count()
    limits = AuthorityLimit.objects.count()
    objectives = Objective.objects.filter(active=True).count()
    # Clauses as the register of controlled documents lists them: one per code, the version in
    # force on the period's last day (a revised clause is one clause, not two; an expired or
    # withdrawn one is none).
    clauses = len(selectors.clauses_in_force(period.last))
    staff = User.objects.filter(is_active=True).count()
    investigated = HandlingRecord.objects.filter(
        complaint__closed_at__gte=period.start, complaint__closed_at__lt=period.end
    ).count()
    callbacks = CallbackTask.objects.filter(
        status=CallbackStatus.DONE, done_at__gte=period.start, done_at__lt=period.end
    ).count()
    seal = ChainSeal.objects.order_by("-seq").first()
    docs = documents_in_force(period.last)
    capas = capa_in_review(period)
    scored = selectors.scored_between(period.first, period.last).count()
    rounds = selectors.calibration_rounds().filter(
        created_at__gte=period.start, created_at__lt=period.end
    )
    n = {
        "volume": f"{volume:,}",
        "closed": f"{closed:,}",
        "scored": f"{scored:,}",
        "callbacks": f"{callbacks:,}",
    }
    return [
        Check(
            "5.1",
            _("Context of the organisation"),
            _("%(departments)s handling departments, %(regions)s regions; %(channels)s channels")
            % {"departments": departments, "regions": regions, "channels": len(channels)},
            _("Administration › Departments, regions"),
            departments > 0,
        ),
        # Management's commitment is written down in the manual or the policy it approves.
        _document_check(
            "5.2",
            _("Leadership and commitment"),
            docs,
            (DocumentKind.MANUAL, DocumentKind.POLICY),
            _("complaint-handling manual or policy"),
        ),
        _document_check(
            "5.3",
            _("Complaints-handling policy"),
            docs,
            (DocumentKind.POLICY,),
            _("complaints-handling policy"),
        ),
        Check(
            "5.4",
            _("Responsibility and authority"),
            _(
                "%(limits)s authority-limit rules; all %(staff)s active staff have a role and a "
                "data scope"
            )
            % {"limits": limits, "staff": staff}
            + _in_force_text(docs, DocumentKind.RESPONSIBILITIES),
            _("Administration › Authority limits, users"),
            limits > 0,
        ),
        Check(
            "6.2",
            pgettext("audit clause", "Objectives"),
            _("%(objectives)s complaint-handling objectives, their achievement in section 1")
            % {"objectives": objectives}
            + _in_force_text(docs, DocumentKind.OBJECTIVES),
            _("Administration › Complaint-handling objectives"),
            objectives > 0,
        ),
        Check(
            "6.3",
            _("Activities (handling standards)"),
            _("%(clauses)s handling-standard clauses in force (counted by code, as of %(day)s)")
            % {"clauses": clauses, "day": f"{period.last:%Y-%m-%d}"},
            _("Quality › Controlled documents"),
            clauses > 0,
        ),
        Check(
            "6.4",
            _("Resources"),
            _("%(staff)s active staff accounts") % {"staff": staff},
            _("Administration › Users"),
            staff > 0,
        ),
        Check(
            "7.1",
            _("Communication (channels)"),
            _("Channels: %(channels)s")
            % {
                "channels": _list([str(e["name"] or e["key"]) for e in channels])
                or pgettext("channels", "none")
            },
            _("Analytics › Channel mix"),
            bool(channels),
        ),
        Check(
            "7.2",
            _("Receipt of complaint"),
            _(
                "%(volume)s complaints registered in the period, each with a unique number and "
                "on the timeline"
            )
            % n,
            _("Complaint list, complaint timeline"),
            volume > 0,
        ),
        Check(
            "7.3",
            _("Tracking of complaint"),
            _(
                "%(volume)s complaints in the period, each with a timeline recording every "
                "step, transfer and reply"
            )
            % n,
            _("Complaint page › Timeline"),
            volume > 0,
        ),
        Check(
            "7.4",
            _("Acknowledgement of complaint"),
            _kpi_evidence(
                _("First response on time"),
                ObjectiveKpi.FIRST_RESPONSE,
                cur["first_response_on_time_rate"],
                targets,
            ),
            _("Analytics › Figures"),
            cur["first_response_on_time_rate"] is not None,
            _kpi_met(ObjectiveKpi.FIRST_RESPONSE, targets),
        ),
        Check(
            "7.5",
            _("Initial assessment of complaint"),
            _("Share of complaints classified %(share)s")
            % {"share": rate(_classified_share(body))},
            _("Analytics › Category mix"),
            bool(volume),
        ),
        Check(
            "7.6",
            _("Investigation of complaints"),
            _(
                "%(investigated)s complaints closed in the period have a handling record "
                "(investigation steps, evidence)"
            )
            % {"investigated": f"{investigated:,}"},
            _("Complaint page › Handling record"),
            investigated > 0,
        ),
        Check(
            "7.7",
            _("Response to complaint"),
            _("%(closed)s closed in the period, ") % n
            + _kpi_evidence(
                _("Closed on time"), ObjectiveKpi.ON_TIME, cur["on_time_rate"], targets
            ),
            _("Analytics › Figures"),
            closed > 0,
            _kpi_met(ObjectiveKpi.ON_TIME, targets),
        ),
        Check(
            "7.8",
            _("Communicating the decision"),
            _(
                "The replies and remedies of the %(closed)s complaints closed in the period are "
                "on the timeline; %(callbacks)s callbacks"
            )
            % n,
            _("Complaint timeline, callbacks"),
            closed > 0,
        ),
        Check(
            "7.9",
            _("Closing the complaint"),
            _("%(closed)s closed; ") % n
            + _kpi_evidence(
                _("Repeat complaint rate"), ObjectiveKpi.REPEAT, cur["repeat_rate"], targets
            ),
            _("Analytics › Figures"),
            closed > 0,
            _kpi_met(ObjectiveKpi.REPEAT, targets),
        ),
        Check(
            "8.1",
            _("Collection of information (records)"),
            _("The timelines are hash chains, sealed regularly against tampering")
            + (
                _(": last sealed %(at)s, %(chains)s chains")
                % {"at": f"{clock.local(seal.at):%Y-%m-%d %H:%M}", "chains": f"{seal.chains:,}"}
                if seal
                else _(": no seal yet (the sealing job has not run)")
            ),
            # Where an office reader looks, in words: the seals have no page, and the check of
            # the chains is a command the system administrator runs, not a place in the UI.
            _(
                "Complaint page › Timeline; sealing and the integrity check are run by the "
                "system administrator"
            ),
            seal is not None,
        ),
        Check(
            "8.2",
            _("Analysis and evaluation of complaints"),
            _(
                "The count tables sum up the figures and mixes of the %(volume)s complaints of "
                "the period; quarterly report"
            )
            % n,
            _("Analytics › Dashboard, quarterly report"),
            volume > 0,
        ),
        Check(
            "8.3",
            _("Satisfaction with the complaints-handling process"),
            _("%(callbacks)s callbacks made, ") % n
            + _kpi_evidence(
                pgettext("audit evidence", "Satisfaction rate"),
                ObjectiveKpi.SATISFACTION,
                cur["satisfaction_rate"],
                targets,
            ),
            _("Callbacks, analytics"),
            callbacks > 0,
            _kpi_met(ObjectiveKpi.SATISFACTION, targets),
        ),
        Check(
            "8.4",
            _("Monitoring of the complaints-handling process"),
            _("%(scored)s inspected in the period") % n,
            _("Inspection › Inspection tasks"),
            scored > 0,
        ),
        Check(
            "8.5",
            _("Auditing of the complaints-handling process"),
            _("This checklist; %(scored)s inspected, %(rounds)s calibration rounds")
            % {**n, "rounds": rounds.count()},
            _("Inspection › Calibration"),
            scored > 0,
        ),
        Check(
            "8.6",
            _("Management review of the complaints-handling process"),
            _("This review report (Excel and PDF), generated from the system's data"),
            _("Dashboard › Management-review report"),
            True,
        ),
        Check(
            "8.7",
            _("Continual improvement"),
            _(
                "%(capas)s corrective and preventive actions (opened, verified or in "
                "progress), see section 3"
            )
            % {"capas": len(capas)},
            _("Quality › Corrective actions"),
            bool(capas),
        ),
    ]


def audit_section(first: dt.date, last: dt.date) -> Section:
    checks = audit_checks(Period(first, last))
    gaps = [c.clause for c in checks if c.status == GAP]
    missed = [c.clause for c in checks if c.status == NONCONFORMING]
    findings = []
    if missed:
        findings.append(
            _("%(n)s show an objective missed (%(clauses)s), recorded as nonconformities")
            % {"n": len(missed), "clauses": _list(missed)}
        )
    if gaps:
        findings.append(
            _("%(n)s are gaps (%(clauses)s)") % {"n": len(gaps), "clauses": _list(gaps)}
        )
    text = _(
        "The evidence the system holds for the period, clause by clause of ISO 10002:2018 "
        "chapters 5–8: of %(checks)s, %(clean)s with evidence and no nonconformity"
    ) % {"checks": len(checks), "clean": len(checks) - len(gaps) - len(missed)} + (
        _("; %(findings)s, to be acted on in the review.")
        % {"findings": pgettext("between findings", ", ").join(findings)}
        if findings
        else pgettext("end of sentence", ".")
    )
    return Section(
        pgettext("review sheet", "Internal audit"),
        _("7. Internal-audit checklist (ISO 10002:2018)"),
        [text],
        [
            Table(
                _("Clauses and evidence"),
                [_("Clause"), _("Requirement"), _("Evidence in the system"), _("Where to look"),
                 _("Status")],
                [c.row() for c in checks],
                widths=(0.08, 0.19, 0.42, 0.21, 0.10),
            )
        ],
    )  # fmt: skip
