"""The quality app's sections of the management-review pack (R12.3, S0 管理评审 / 内部审核),
registered into analytics.extensions by QualityConfig.ready (analytics may not import us):

10 一、投诉管理目标达成 — the period's KPIs (count tables) against the objectives;
20 二、质检结果 — scores per department, appeals, calibration agreement;
30 三、纠正和预防措施 — corrective actions opened, closed effective or not, overdue, and each
   one's before/after figures;
50 六、受控文件 — documents due for review and the acknowledgement coverage;
60 七、内部审核检查表 — the ISO 10002:2018 clauses with the evidence the system holds.

Every figure is a count or a grouped aggregate over an indexed period: the cost does not grow
with the number of complaints per row. The pack is in Chinese, like the quarterly report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

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

PRESENT = "有证据"
GAP = "缺口"
# Evidence is held, and it shows the clause's objective missed: a nonconformity, recorded as an
# internal auditor would, not passed as "evidence present".
NONCONFORMING = "有证据·未达标"
KPI_NAMES: dict[str, str] = {
    ObjectiveKpi.ON_TIME: "按时结案率",
    ObjectiveKpi.FIRST_RESPONSE: "首次响应及时率",
    ObjectiveKpi.SATISFACTION: "回访满意率",
    ObjectiveKpi.FIRST_CONTACT: "一次解决率",
    ObjectiveKpi.REPEAT: "重复投诉率",
    ObjectiveKpi.ESCALATION: "越级投诉率",
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
                "name": KPI_NAMES.get(objective.kpi, objective.kpi),
                "value": value,
                "target": float(objective.target),
                "at_least": objective.direction == ObjectiveDirection.AT_LEAST,
                "met": objective.met(value),
            }
        )
    return rows


def _met_text(met: bool | None) -> str:
    return "无数据" if met is None else ("达成" if met else "未达成")


def objectives_section(first: dt.date, last: dt.date) -> Section:
    body = _figures(Period(first, last))
    cur, prev = body["current"], body["previous"]
    rows = objective_rows(cur)
    table: list[list[Cell]] = [
        ["投诉量（件）", cur["volume"], prev["volume"], "—", "—"],
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
    text = (
        f"本期受理投诉 {cur['volume']:,} 件，结案 {cur['closed']:,} 件。"
        f"{len(rows)} 项管理目标中达成 {met} 项"
        + (f"，未达成：{'、'.join(missed)}。" if missed else "。")
        + "目标值取自系统中的“投诉管理目标”（可在管理后台调整）。"
    )
    return Section(
        "目标达成",
        "一、投诉管理目标达成情况",
        [text],
        [Table("关键指标与目标", ["指标", "本期", "上期", "目标", "结论"], table)],
    )


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
                round_.name,
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
    text = (
        f"本期完成质检 {overall.n:,} 件，平均分 {show(mean)}，"
        f"致命项不合格 {overall.fatal:,} 件（{show(pct(overall.fatal_rate))}）。"
        f"本期提出申诉 {sum(appeals.values()):,} 件："
        f"维持原判 {appeals[AppealStatus.REJECTED]:,} 件，"
        f"改判 {appeals[AppealStatus.UPHELD]:,} 件，待裁定 {appeals[AppealStatus.PENDING]:,} 件。"
        f"校准 {len(calibration)} 轮。"
        + (
            "校准一致性用 Krippendorff α（等距）衡量质检员之间的分差相对于分数本身差异的大小，"
            "两位小数向下取：仅在完全一致时为 1.00；所有评分相同时无差异可比，α 无定义，记为“—”。"
            if calibration
            else ""
        )
    )
    return Section(
        "质检结果",
        "二、质检结果",
        [text],
        [
            Table("各部门质检得分", ["部门", "质检件数", "平均分", "致命项率"], departments),
            Table(
                "申诉处理",
                ["结果", "件数"],
                [
                    ["改判（申诉成立）", appeals[AppealStatus.UPHELD]],
                    ["维持原判", appeals[AppealStatus.REJECTED]],
                    ["待裁定", appeals[AppealStatus.PENDING]],
                ],
            ),
            Table(
                "校准一致性",
                ["校准轮次", "质检员数", "已评/任务", "平均分差", "Krippendorff α"],
                calibration,
            ),
        ],
    )


# ---- 三、corrective actions ---------------------------------------------------------------------

CAPA_STATUS_NAMES: dict[str, str] = {
    CapaStatus.OPEN: "进行中",
    CapaStatus.ACTIONS_DONE: "措施已完成，效果观察中",
    CapaStatus.CLOSED_EFFECTIVE: "关闭：有效",
    CapaStatus.CLOSED_NOT_EFFECTIVE: "关闭：无效",
}
UNIT_NAMES = {"complaints_per_day": "件投诉/天", "flags_per_closed": "次标记/件结案"}


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
        CAPA_STATUS_NAMES.get(capa.status, capa.status) + ("（逾期）" if overdue else ""),
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
    text = (
        f"本期新开纠正和预防措施 {opened} 项；经效果验证关闭 {effective + not_effective} 项，"
        f"其中有效 {effective} 项、无效 {not_effective} 项；到期未完成 {overdue} 项。"
        "效果验证比较措施前后同长期间内相关投诉（或标准条款一致性标记）的发生率，数据取自计数表。"
    )
    return Section(
        "纠正预防措施",
        "三、纠正和预防措施及其效果",
        [text],
        [
            Table(
                "措施及其效果",
                ["措施", "状态", "完成期限", "措施前", "措施后", "后/前"],
                [capa_row(c, last) for c in actions],
            )
        ],
    )


# ---- 六、documents ------------------------------------------------------------------------------

REVIEW_NAMES = {"overdue": "已超期", "due": "即将到期", "": "—"}


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
            REVIEW_NAMES[rules.review_state(v.review_by, last)],
        ]
        for v in due
    ]
    coverage = acknowledgement_rows()
    readers = sum(int(r[2] or 0) for r in coverage)
    acknowledged = sum(int(r[3] or 0) for r in coverage)
    text = (
        f"受控文件 {len(coverage)} 份现行有效，截至 {last:%Y-%m-%d} 待评审 {len(due)} 份；"
        f"应阅知 {readers:,} 人次，已确认 {acknowledged:,} 人次"
        f"（{show(pct(acknowledged / readers if readers else None))}）。"
    )
    return Section(
        "受控文件",
        "六、受控文件评审与阅知",
        [text],
        [
            Table("待评审文件", ["文件", "版本", "评审期限", "状态"], review_rows),
            Table("阅知覆盖", ["文件", "现行版本", "应阅知", "已确认", "覆盖率"], coverage),
        ],
    )


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
        return [self.clause, self.title, self.evidence, self.where, self.status]


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
    return f"{text}（目标 {bound}，{_met_text(target['met'])}）"


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
    return f"；受控文件 {'、'.join(docs[kind])}" if docs.get(kind) else ""


def _document_check(
    clause: str, title: str, docs: dict[str, list[str]], kinds: tuple[str, ...], name: str
) -> Check:
    """Present when a document of one of `kinds` is in force (approved, with its approver)."""
    found = [code for kind in kinds for code in docs.get(kind, [])]
    if found:
        return Check(clause, title, f"{name}现行有效（经批准）：{'、'.join(found)}",
                     "质量管理 › 受控文件", True)  # fmt: skip
    return Check(clause, title, f"无现行有效的{name}（受控文件）", "质量管理 › 受控文件", False)


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
    return [
        Check(
            "5.1",
            "组织环境",
            f"{departments} 个处理部门、{regions} 个地区；受理渠道 {len(channels)} 个",
            "系统管理 › 部门、地区",
            departments > 0,
        ),
        # Management's commitment is written down in the manual or the policy it approves.
        _document_check(
            "5.2",
            "领导作用和承诺",
            docs,
            (DocumentKind.MANUAL, DocumentKind.POLICY),
            "投诉管理手册或方针",
        ),
        _document_check("5.3", "投诉处理方针", docs, (DocumentKind.POLICY,), "投诉处理方针"),
        Check(
            "5.4",
            "职责和权限",
            f"{limits} 条授权额度规则；{staff} 名在岗人员均有角色与数据范围"
            + _in_force_text(docs, DocumentKind.RESPONSIBILITIES),
            "系统管理 › 授权额度、用户",
            limits > 0,
        ),
        Check(
            "6.2",
            "目标",
            f"{objectives} 项投诉管理目标，达成情况见第一节"
            + _in_force_text(docs, DocumentKind.OBJECTIVES),
            "管理后台 › 投诉管理目标",
            objectives > 0,
        ),
        Check(
            "6.3",
            "活动（处理标准）",
            f"现行有效的处理标准条款 {clauses} 条（按条款编号计，截至 {period.last:%Y-%m-%d}）",
            "质量管理 › 受控文件",
            clauses > 0,
        ),
        Check("6.4", "资源", f"{staff} 名在岗人员账号", "系统管理 › 用户", staff > 0),
        Check(
            "7.1",
            "沟通（受理渠道）",
            "受理渠道：" + ("、".join(str(e["name"] or e["key"]) for e in channels) or "无"),
            "统计分析 › 渠道分布",
            bool(channels),
        ),
        Check(
            "7.2",
            "投诉受理",
            f"本期登记投诉 {volume:,} 件，每件均有唯一编号并记入时间轴",
            "投诉列表、投诉时间轴",
            volume > 0,
        ),
        Check(
            "7.3",
            "投诉跟踪",
            f"本期 {volume:,} 件投诉各有时间轴，记录每一步处理、转派与答复",
            "投诉详情 › 时间轴",
            volume > 0,
        ),
        Check(
            "7.4",
            "告知受理",
            _kpi_evidence(
                "首次响应及时率",
                ObjectiveKpi.FIRST_RESPONSE,
                cur["first_response_on_time_rate"],
                targets,
            ),
            "统计分析 › 指标",
            cur["first_response_on_time_rate"] is not None,
            _kpi_met(ObjectiveKpi.FIRST_RESPONSE, targets),
        ),
        Check(
            "7.5",
            "初步评估",
            f"已分类投诉占比 {rate(_classified_share(body))}",
            "统计分析 › 类别分布",
            bool(volume),
        ),
        Check(
            "7.6",
            "调查",
            f"本期结案投诉中 {investigated:,} 件有处理记录（调查步骤、证据）",
            "投诉详情 › 处理记录",
            investigated > 0,
        ),
        Check(
            "7.7",
            "答复",
            f"本期结案 {closed:,} 件，"
            + _kpi_evidence("按时结案率", ObjectiveKpi.ON_TIME, cur["on_time_rate"], targets),
            "统计分析 › 指标",
            closed > 0,
            _kpi_met(ObjectiveKpi.ON_TIME, targets),
        ),
        Check(
            "7.8",
            "告知处理决定",
            f"本期结案 {closed:,} 件的答复与补偿记入时间轴；回访 {callbacks:,} 次",
            "投诉时间轴、回访",
            closed > 0,
        ),
        Check(
            "7.9",
            "结案",
            f"结案 {closed:,} 件；"
            + _kpi_evidence("重复投诉率", ObjectiveKpi.REPEAT, cur["repeat_rate"], targets),
            "统计分析 › 指标",
            closed > 0,
            _kpi_met(ObjectiveKpi.REPEAT, targets),
        ),
        Check(
            "8.1",
            "信息收集（记录）",
            "时间轴为哈希链，定期封存以防篡改"
            + (
                f"：最近封存 {clock.local(seal.at):%Y-%m-%d %H:%M}，{seal.chains:,} 条链"
                if seal
                else "：尚无封存记录（封存任务未运行）"
            ),
            # Where an office reader looks, in words: the seals have no page, and the check of
            # the chains is a command the system administrator runs, not a place in the UI.
            "投诉详情 › 时间轴；封存与完整性校验由系统管理员执行",
            seal is not None,
        ),
        Check(
            "8.2",
            "分析和评价",
            f"计数表汇总本期 {volume:,} 件投诉的指标与分布；季度报告",
            "统计分析 › 仪表盘、季度报告",
            volume > 0,
        ),
        Check(
            "8.3",
            "投诉处理过程满意度",
            f"完成回访 {callbacks:,} 次，"
            + _kpi_evidence("满意率", ObjectiveKpi.SATISFACTION, cur["satisfaction_rate"], targets),
            "回访、统计分析",
            callbacks > 0,
            _kpi_met(ObjectiveKpi.SATISFACTION, targets),
        ),
        Check("8.4", "监视", f"本期质检 {scored:,} 件", "质检 › 质检任务", scored > 0),
        Check(
            "8.5",
            "内部审核",
            f"本检查表；质检 {scored:,} 件，校准 {rounds.count()} 轮",
            "质检 › 校准",
            scored > 0,
        ),
        Check(
            "8.6",
            "管理评审",
            "本评审报告（Excel 与 PDF）由系统数据生成",
            "仪表盘 › 管理评审报告",
            True,
        ),
        Check(
            "8.7",
            "持续改进",
            f"纠正和预防措施 {len(capas)} 项（新开、验证或进行中），详见第三节",
            "质量管理 › 纠正预防措施",
            bool(capas),
        ),
    ]


def audit_section(first: dt.date, last: dt.date) -> Section:
    checks = audit_checks(Period(first, last))
    gaps = [c.clause for c in checks if c.status == GAP]
    missed = [c.clause for c in checks if c.status == NONCONFORMING]
    findings = []
    if missed:
        findings.append(f"{len(missed)} 条证据表明未达目标（{'、'.join(missed)}），记为不符合项")
    if gaps:
        findings.append(f"{len(gaps)} 条为缺口（{'、'.join(gaps)}）")
    text = (
        f"依据 ISO 10002:2018 第 5–8 章逐条列出本期系统中的证据：{len(checks)} 条中 "
        f"{len(checks) - len(gaps) - len(missed)} 条有证据且无不符合"
        + (f"；{'，'.join(findings)}，需在评审中确定措施。" if findings else "。")
    )
    return Section(
        "内部审核",
        "七、内部审核检查表（ISO 10002:2018）",
        [text],
        [
            Table(
                "条款与证据",
                ["条款", "要求", "系统中的证据", "查看位置", "状态"],
                [c.row() for c in checks],
                widths=(0.07, 0.17, 0.44, 0.22, 0.10),
            )
        ],
    )
