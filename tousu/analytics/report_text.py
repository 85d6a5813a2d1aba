"""The quarterly report as a document: sections of Chinese sentences and tables, in S4's order
(overview, volume, types, handling and results, satisfaction, main problems, root causes,
suggestions). Renderers (`report_xlsx`, `report_pdf`) only lay it out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tousu.analytics.report import Quarter
from tousu.resolution.choices import RemedyType

# Targets behind the rule-based suggestions.
ON_TIME_TARGET = 0.9
SATISFACTION_TARGET = 0.85
FCR_TARGET = 0.7
# What the first-contact resolution rate counts (issue 13: S3 授权), said where it is reported.
FCR_MEANING = (
    "一次解决率：本期结案的投诉中，由登记人在首次接触时（后台受理或经手之前）、在其授权额度内"
    "当场解决的比例；超出授权需审批的、经转派或重开后才解决的，均不计入。"
)
REPEAT_LIMIT = 0.05
ESCALATION_LIMIT = 0.05
TOP_CATEGORIES = 5
TOP_DEPARTMENTS = 5

SCORE_NAMES = {
    "timeliness": "处理及时性",
    "attitude": "服务态度",
    "solution": "解决方案",
    "simplicity": "办理便捷性",
}
# The factors an imported survey may score besides the four above (SurveyFactor).
FACTOR_NAMES = {
    **SCORE_NAMES,
    "network": "网络质量",
    "tariff": "资费",
    "publicity": "宣传",
    "data_usage": "流量使用",
}
# The importance × performance quadrants (S2 关键感知要素).
QUADRANT_NAMES = {
    "strength": "优势区",
    "fix": "修补区",
    "opportunity": "机会区",
    "maintain": "维持区",
}
SOURCE_NAMES = {"callback": "回访", "survey": "满意度调查"}
RESULT_NAMES = {
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "dissatisfied": "不满意",
    "unreachable": "未接通",
}


class Pct(float):
    """A rate (0–1) shown as a percentage."""


Cell = str | int | float | Pct | None


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[Cell]]
    chart: str | None = None  # "bar" (columns 2… against column 1) or "pie" (column 2)
    widths: tuple[float, ...] | None = None  # the PDF's column widths, as shares of the page


@dataclass
class Section:
    sheet: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class Document:
    quarter: str
    title: str
    subtitle: str
    sections: list[Section]


def pct(value: float | None) -> Pct | None:
    return None if value is None else Pct(value)


def show(value: Cell) -> str:
    """A cell as text: rates as percentages, no value as a dash."""
    if value is None:
        return "—"
    if isinstance(value, Pct):
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return value


def trend(change: float | None) -> str:
    """A relative change in words: 上升 12.5% / 下降 3.0% / 持平 / 上季度无可比数据."""
    if change is None:
        return "上季度无可比数据"
    if abs(change) < 0.0005:
        return "持平"
    return f"{'上升' if change > 0 else '下降'} {abs(change) * 100:.1f}%"


def _rate(value: float | None) -> str:
    return show(pct(value))


def document(data: dict[str, Any]) -> Document:
    q: Quarter = data["quarter"]
    return Document(
        quarter=q.label,
        title=f"{q.title}投诉处理工作总结",
        subtitle=(
            f"统计期间：{q.start:%Y年%m月%d日}至{_last_day(q)}（北京时间），"
            f"与上一季度（{q.previous().title}）对比"
        ),
        sections=[
            overview(data),
            volume(data),
            types(data),
            handling(data),
            responsibility(data),
            satisfaction(data),
            problems(data),
            root_causes(data),
            suggestions(data),
            # Sections of the apps above analytics (the repair programme's effect, …).
            *data.get("extra_sections", []),
        ],
    )


def _last_day(q: Quarter) -> str:
    last = q.end.date() - dt.timedelta(days=1)
    return f"{last:%Y年%m月%d日}"


def overview(data: dict[str, Any]) -> Section:
    k = data["kpis"]
    cur, prev, change = k["current"], k["previous"], k["change"]
    top = k["mix"]["category"][:1]
    lead = (
        f"投诉主要集中在{top[0]['name']}等方面，其中{top[0]['name']}占比最高，达到"
        f"{_rate(top[0]['share'])}。"
        if top and top[0]["volume"]
        else ""
    )
    paragraphs = [
        f"本季度共受理投诉 {cur['volume']:,} 件，较上季度{trend(change['volume'])}；"
        f"结案 {cur['closed']:,} 件，按时结案率 {_rate(cur['on_time_rate'])}，"
        f"一次解决率 {_rate(cur['first_contact_resolution_rate'])}，"
        f"回访满意率 {_rate(cur['satisfaction_rate'])}。{lead}"
    ]
    rows: list[list[Cell]] = [
        ["受理量（件）", cur["volume"], prev["volume"], trend(change["volume"])],
        ["结案量（件）", cur["closed"], prev["closed"], trend(change["closed"])],
        ["按时结案率", pct(cur["on_time_rate"]), pct(prev["on_time_rate"]), ""],
        [
            "首次响应及时率",
            pct(cur["first_response_on_time_rate"]),
            pct(prev["first_response_on_time_rate"]),
            "",
        ],
        [
            "一次解决率",
            pct(cur["first_contact_resolution_rate"]),
            pct(prev["first_contact_resolution_rate"]),
            "",
        ],
        ["回访满意率", pct(cur["satisfaction_rate"]), pct(prev["satisfaction_rate"]), ""],
        ["重复投诉率", pct(cur["repeat_rate"]), pct(prev["repeat_rate"]), ""],
        ["升级率", pct(cur["escalation_rate"]), pct(prev["escalation_rate"]), ""],
        ["万投比", cur["per_10k_customers"], prev["per_10k_customers"], ""],
        [
            "补偿金额（元）",
            cur["compensation_total"],
            prev["compensation_total"],
            trend(change["compensation_total"]),
        ],
    ]
    return Section(
        "总体情况",
        "一、投诉处理情况概述",
        paragraphs,
        [Table("主要指标", ["指标", "本季度", "上季度", "环比"], rows)],
    )


def volume(data: dict[str, Any]) -> Section:
    months = data["monthly"]
    rows: list[list[Cell]] = [[m["month"], m["volume"], m["closed"]] for m in months]
    ours = [m for m in months if m["in_quarter"]]
    peak = max(ours, key=lambda m: m["volume"]) if ours else None
    text = (
        "本季度各月受理量分别为 " + "、".join(f"{m['volume']:,}" for m in ours) + " 件，"
        f"以{peak['month']}最多。"
        if peak and peak["volume"]
        else "本季度无受理记录。"
    )
    change = data["kpis"]["change"]["volume"]
    return Section(
        "投诉量",
        "二、投诉数量及变化",
        [f"本季度受理量较上季度{trend(change)}。{text}"],
        [Table("近两个季度逐月投诉量", ["月份", "受理量", "结案量"], rows, chart="bar")],
    )


def major_mix(mix: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The category mix rolled up to the top-level categories (codes before the first dot)."""
    from tousu.classification.models import Category

    names = dict(Category.objects.exclude(code__contains=".").values_list("code", "name"))
    total = sum(e["volume"] for e in mix)
    groups: dict[str, dict[str, Any]] = {}
    for e in mix:
        major = str(e["key"]).split(".")[0] if e["key"] else ""
        g = groups.setdefault(
            major, {"name": names.get(major, "未分类"), "volume": 0, "previous_volume": 0}
        )
        g["volume"] += e["volume"]
        g["previous_volume"] += e["previous_volume"]
    for g in groups.values():
        g["share"] = g["volume"] / total if total else None
        prev = g["previous_volume"]
        g["change"] = (g["volume"] - prev) / prev if prev else None
    return sorted(groups.values(), key=lambda g: (-g["volume"], g["name"]))


def types(data: dict[str, Any]) -> Section:
    mix = data["kpis"]["mix"]
    majors = major_mix(mix["category"])
    rows: list[list[Cell]] = [
        [g["name"], g["volume"], pct(g["share"]), g["previous_volume"], trend(g["change"])]
        for g in majors
    ]
    leaf = [
        [e["name"] or "未分类", e["volume"], pct(e["share"]), e["previous_volume"]]
        for e in mix["category"]
    ]
    channels = [[e["name"], e["volume"], pct(e["share"])] for e in mix["channel"]]
    rising = data["rising_categories"]
    paragraphs = []
    if majors and majors[0]["volume"]:
        paragraphs.append(
            f"按大类看，{majors[0]['name']}类投诉最多，占 {_rate(majors[0]['share'])}。"
        )
    if rising:
        paragraphs.append(
            "上升较快的类别："
            + "；".join(
                f"{r['name']}（{r['volume']} 件，{trend(r['change'])}）" for r in rising[:5]
            )
            + "。"
        )
    return Section(
        "投诉类型",
        "三、投诉类型",
        paragraphs,
        [
            Table(
                "投诉大类构成",
                ["大类", "本季度", "占比", "上季度", "环比"],
                rows,
                chart="pie",
            ),
            Table("投诉细类构成", ["类别", "本季度", "占比", "上季度"], leaf),
            Table("受理渠道构成", ["渠道", "本季度", "占比"], channels),
        ],
    )


def handling(data: dict[str, Any]) -> Section:
    cur, prev = data["kpis"]["current"], data["kpis"]["previous"]
    rows: list[list[Cell]] = [
        ["结案量（件）", cur["closed"], prev["closed"]],
        ["按时结案率", pct(cur["on_time_rate"]), pct(prev["on_time_rate"])],
        [
            "首次响应及时率",
            pct(cur["first_response_on_time_rate"]),
            pct(prev["first_response_on_time_rate"]),
        ],
        ["平均处理时长（小时）", cur["avg_handling_hours"], prev["avg_handling_hours"]],
        ["P90 处理时长（小时）", cur["p90_handling_hours"], prev["p90_handling_hours"]],
        [
            "一次解决率",
            pct(cur["first_contact_resolution_rate"]),
            pct(prev["first_contact_resolution_rate"]),
        ],
        ["重复投诉率", pct(cur["repeat_rate"]), pct(prev["repeat_rate"])],
        ["升级率", pct(cur["escalation_rate"]), pct(prev["escalation_rate"])],
        ["补偿金额（元）", cur["compensation_total"], prev["compensation_total"]],
    ]
    labels = dict(RemedyType.choices)
    remedies: list[list[Cell]] = [
        [str(labels.get(r["type"], r["type"])), r["count"], pct(r["share"])]
        for r in cur["remedy_mix"]
    ]
    text = (
        f"本季度结案 {cur['closed']:,} 件，按时结案率 {_rate(cur['on_time_rate'])}，"
        f"平均处理时长 {show(cur['avg_handling_hours'])} 小时（P90 "
        f"{show(cur['p90_handling_hours'])} 小时），一次解决率 "
        f"{_rate(cur['first_contact_resolution_rate'])}；累计补偿 "
        f"{cur['compensation_total']:,.2f} 元。"
    )
    return Section(
        "处理情况",
        "四、处理方式及结果",
        [text, FCR_MEANING],
        [
            Table("处理时效与结果", ["指标", "本季度", "上季度"], rows),
            Table("补救措施构成", ["措施", "次数", "占比"], remedies),
        ],
    )


TOP_STAFF = 20


def responsibility(data: dict[str, Any]) -> Section:
    r = data["responsible"]
    departments: list[list[Cell]] = [
        [
            d["name"],
            d["closed"],
            d["previous"],
            d["fcr"],
            pct(d["fcr_rate"]),
            d["compensation_total"],
        ]
        for d in r["departments"]
    ]
    staff: list[list[Cell]] = [
        [s["department_name"], s["staff"], s["closed"], s["fcr"], s["compensation_total"]]
        for s in r["staff"][:TOP_STAFF]
    ]
    paragraphs = [
        f"本季度结案 {r['closed']:,} 件，其中已确认责任部门 {r['confirmed']:,} 件"
        f"（{_rate(r['confirmed'] / r['closed'] if r['closed'] else None)}）。"
        "责任部门与责任人以结案时确认的为准，按结案月份统计。"
    ]
    top = [d for d in r["departments"] if d["closed"] and d["name"] != "未确认"][:1]
    if top:
        d = top[0]
        paragraphs.append(
            f"{d['name']}为责任部门的投诉最多，共 {d['closed']:,} 件（上季度 "
            f"{d['previous']:,} 件），一次解决率 {_rate(d['fcr_rate'])}，"
            f"补偿 {d['compensation_total']:,.2f} 元。"
        )
    if not staff:
        paragraphs.append("本季度结案的投诉均未记录责任人。")
    return Section(
        "责任部门",
        "五、责任部门及责任人",
        paragraphs,
        [
            Table(
                "各责任部门结案情况",
                [
                    "责任部门",
                    "本季度结案",
                    "上季度结案",
                    "一次解决数",
                    "一次解决率",
                    "补偿金额（元）",
                ],
                departments,
            ),
            Table(
                f"责任人结案情况（前 {TOP_STAFF} 名）",
                ["责任部门", "责任人", "结案量", "一次解决数", "补偿金额（元）"],
                staff,
            ),
        ],
    )


def satisfaction(data: dict[str, Any]) -> Section:
    cur, prev = data["kpis"]["current"], data["kpis"]["previous"]
    results: list[list[Cell]] = [
        [RESULT_NAMES.get(r, r), n, prev["callback_results"].get(r, 0)]
        for r, n in cur["callback_results"].items()
    ]
    scores: list[list[Cell]] = [
        [SCORE_NAMES.get(f, f), v, prev["mean_scores"].get(f)]
        for f, v in cur["mean_scores"].items()
    ]
    text = (
        f"本季度完成回访 {cur['callbacks']:,} 次，满意率（满意与基本满意占接通回访的比例）"
        f"{_rate(cur['satisfaction_rate'])}，上季度 {_rate(prev['satisfaction_rate'])}。"
    )
    paragraphs = [text]
    tables = [
        Table("回访结果", ["结果", "本季度", "上季度"], results),
        Table("满意度评分（1–5 分）", ["维度", "本季度", "上季度"], scores),
    ]
    for source, found in data.get("drivers", {}).items():
        if source == "callback" or found["n"]:
            paragraphs.append(drivers_text(source, found))
            if found["factors"]:
                tables.append(drivers_table(source, found))
    return Section("满意度", "六、客户满意度", paragraphs, tables)


def _interval(value: list[float] | None) -> str:
    return "—" if not value else f"{value[0] * 100:.1f}%–{value[1] * 100:.1f}%"


def drivers_text(source: str, found: dict[str, Any]) -> str:
    """The satisfaction drivers (R8.3, S2 关键感知要素) of one source in sentences."""
    name = SOURCE_NAMES[source]
    if not found["n"]:
        return f"关键感知要素（{name}）：本季度没有带总体满意度评分的{name}记录，暂无法分析。"
    head = (
        f"关键感知要素（{name}）：本季度共 {found['n']:,} 条完整评分（各要素与总体满意度均有评分）"
    )
    if not found["ranked"]:
        return (
            f"{head}，少于 {found['min_n']} 条（或总体评分无差异），样本不足以判断各要素的"
            "重要性，暂不排序，仅列示平均分。"
        )
    top = found["factors"][0]
    index = found["index"]
    change = index["change"]
    if change is None:
        compared = "上季度无可比数据"
    else:
        direction = "上升" if change > 0 else "下降" if change < 0 else "持平"
        compared = f"上季度 {index['previous']}（同一权重），{direction} {abs(change)} 分"
    return (
        f"{head}。采用相对权重法（Johnson 2000）将总体满意度的可解释方差（R² = {found['r2']:.2f}）"
        f"分解到各要素，区间为按日分组刀切法（jackknife）的 95% 区间。影响最大的是"
        f"“{FACTOR_NAMES.get(top['factor'], top['factor'])}”，重要性 {_rate(top['importance'])}"
        f"（{_interval(top['interval'])}），平均 {top['mean']:.2f} 分，处于"
        f"{QUADRANT_NAMES[top['quadrant']]}。满意度指数（各要素平均分按重要性加权、折算为百分制）"
        f"为 {index['value']}，{compared}。"
    )


def drivers_table(source: str, found: dict[str, Any]) -> Table:
    rows: list[list[Cell]] = [
        [
            FACTOR_NAMES.get(f["factor"], f["factor"]),
            f["mean"],
            pct(f["importance"]),
            _interval(f["interval"]),
            QUADRANT_NAMES.get(f["quadrant"] or "", "—"),
            f["n"],
        ]
        for f in found["factors"]
    ]
    return Table(
        f"关键感知要素（{SOURCE_NAMES[source]}）：重要性 × 表现",
        ["感知要素", "平均分", "重要性", "95% 区间", "象限", "样本量"],
        rows,
    )


def problems(data: dict[str, Any]) -> Section:
    mix = data["kpis"]["mix"]["category"]
    top: list[list[Cell]] = [
        [e["name"] or "未分类", e["volume"], pct(e["share"])] for e in mix[:TOP_CATEGORIES]
    ]
    rising: list[list[Cell]] = [
        [r["name"], r["volume"], r["previous_volume"], trend(r["change"])]
        for r in data["rising_categories"]
    ]
    depts: list[list[Cell]] = [
        [d["name"], d["volume"], d["transfers"], d["late"], pct(d["on_time_rate"])]
        for d in data["departments"][:TOP_DEPARTMENTS]
    ]
    paragraphs = []
    worst = data["departments"][:1]
    if worst and (worst[0]["transfers"] or worst[0]["late"]):
        d = worst[0]
        paragraphs.append(
            f"{d['name']}转派 {d['transfers']} 次、超时结案 {d['late']} 件，"
            "为转派与超时最多的部门。"
        )
    if not rising:
        paragraphs.append("本季度无明显上升的投诉类别。")
    return Section(
        "主要问题",
        "七、存在的主要问题",
        paragraphs,
        [
            Table("投诉量居前的类别", ["类别", "投诉量", "占比"], top),
            Table("上升的类别", ["类别", "本季度", "上季度", "环比"], rising),
            Table(
                "转派与超时较多的部门",
                ["部门", "受理量", "转派次数", "超时结案", "按时结案率"],
                depts,
            ),
        ],
    )


def _examples(numbers: list[str]) -> str:
    return "、".join(numbers)


def root_causes(data: dict[str, Any]) -> Section:
    t = data["terms"]
    note = (
        f"文本分析基于本季度受理投诉中按编号等距抽取的 {t['sample']:,} 件"
        f"（共 {t['total']:,} 件，每季度至多抽取 {t['limit']:,} 件），"
        f"上季度抽取 {t['previous_sample']:,} 件（共 {t['previous_total']:,} 件）；"
        "词频为出现该词的投诉件数。"
    )
    by_cat: list[list[Cell]] = [
        [c["category"], c["volume"], w["term"], w["docs"], _examples(w["examples"])]
        for c in t["by_category"]
        for w in c["terms"]
    ]
    rising: list[list[Cell]] = [
        [
            r["term"],
            r["docs"],
            pct(r["share"]),
            pct(r["previous_share"]),
            _examples(r["examples"]),
        ]
        for r in t["rising"]
    ]
    top: list[list[Cell]] = [[w["term"], w["docs"], _examples(w["examples"])] for w in t["top"]]
    paragraphs = [note]
    if t["rising"]:
        paragraphs.append(
            "提及率上升最多的词："
            + "、".join(f"“{r['term']}”" for r in t["rising"][:5])
            + "，需关注其背后的共性问题。"
        )
    return Section(
        "根因分析",
        "八、投诉根因分析",
        paragraphs,
        [
            Table("主要类别的高频词", ["类别", "投诉量", "高频词", "件数", "示例投诉单"], by_cat),
            Table(
                "提及率上升的词",
                ["词", "件数", "本季度提及率", "上季度提及率", "示例投诉单"],
                rising,
            ),
            Table("本季度高频词", ["词", "件数", "示例投诉单"], top),
        ],
    )


def suggestion_lines(data: dict[str, Any]) -> list[str]:
    """Rule-based suggestions drawn from the figures (each names the figure it rests on)."""
    cur = data["kpis"]["current"]
    lines = []
    for r in data["rising_categories"][:3]:
        owner = data["owners"].get(r["key"]) or "相关责任部门"
        growth = f"环比{trend(r['change'])}" if r["change"] is not None else "为本季度新增热点"
        lines.append(
            f"{r['name']}类投诉{growth}（{r['volume']} 件），建议{owner}牵头排查根因，"
            "制定专项整改措施，并将相关关键词纳入预警监控。"
        )
    if cur["on_time_rate"] is not None and cur["on_time_rate"] < ON_TIME_TARGET:
        lines.append(
            f"按时结案率为 {_rate(cur['on_time_rate'])}，低于 {ON_TIME_TARGET:.0%} 的目标，"
            "建议按投诉类型细化处理时限，加强临期提醒与超时督办。"
        )
    depts = [d for d in data["departments"] if d["transfers"]]
    if depts:
        d = max(depts, key=lambda d: d["transfers"])
        lines.append(
            f"{d['name']}本季度转派 {d['transfers']} 次，居各部门之首，"
            "建议明确部门职责边界，优化派单规则，减少来回转派。"
        )
    fcr = cur["first_contact_resolution_rate"]
    if fcr is not None and fcr < FCR_TARGET:
        lines.append(
            f"一次解决率为 {_rate(fcr)}，建议适当扩大一线授权额度，完善案例库和统一口径，"
            "让一线人员在首次接触时当场解决更多投诉。"
        )
    sat = cur["satisfaction_rate"]
    if sat is not None and sat < SATISFACTION_TARGET:
        lines.append(
            f"回访满意率为 {_rate(sat)}，低于 {SATISFACTION_TARGET:.0%}，"
            "建议对不满意客户开展修复回访，并加强处理人员沟通技巧与情绪管理培训。"
        )
    found = data.get("drivers", {}).get("callback")
    for f in found["factors"] if found and found["ranked"] else []:
        if f["quadrant"] == "fix":
            lines.append(
                f"“{FACTOR_NAMES.get(f['factor'], f['factor'])}”对总体满意度影响较大（重要性 "
                f"{_rate(f['importance'])}）而平均分偏低（{f['mean']:.2f} 分），处于修补区，"
                "建议作为满意度提升的优先改进项。"
            )
    if cur["repeat_rate"] is not None and cur["repeat_rate"] > REPEAT_LIMIT:
        lines.append(
            f"重复投诉率为 {_rate(cur['repeat_rate'])}，建议对重复投诉客户建立专人跟进机制。"
        )
    if cur["escalation_rate"] is not None and cur["escalation_rate"] > ESCALATION_LIMIT:
        lines.append(
            f"升级率为 {_rate(cur['escalation_rate'])}，建议前移处理关口，提升首问负责落实程度。"
        )
    for r in data["terms"]["rising"][:2]:
        lines.append(
            f"投诉文本中“{r['term']}”的提及率由 {_rate(r['previous_share'])} 升至 "
            f"{_rate(r['share'])}（如 {_examples(r['examples'])}），建议相关部门专项核查，"
            "并更新统一口径。"
        )
    if not lines:
        lines.append("本季度各项指标平稳，建议保持现有处理规范，持续开展质检与回访。")
    return lines


def suggestions(data: dict[str, Any]) -> Section:
    lines = suggestion_lines(data)
    return Section(
        "改进建议",
        "九、优化与改进建议",
        [f"{i}. {line}" for i, line in enumerate(lines, 1)],
        [],
    )
