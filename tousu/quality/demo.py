"""Demo quality inspection for `tousu demo` (issue 16 item 1). The default plan, its tasks
going to the inspector quality1 (quality2, the team's lead, decides appeals and calibrates),
samples the last weeks' closed complaints as the weekly job would have: every over-level,
reopened, out-of-standard and dissatisfied one, and a share of each handler's others. The
tasks are scored from the complaint's own record, with comments that say why: a late reply
loses timeliness; a dissatisfied callback's reasons cost explanation, or attitude (a fatal
item); a departure from the standard clause costs the standard (a remedy it does not
prescribe, or more than it allows, fails that fatal item). Most random samples of the latest
week wait in the queue. Two handlers appeal: one upheld by the other inspector, one pending.
In a calibration round both inspectors score the same three complaints."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db.models import Max

from tousu.accounts.choices import Role
from tousu.accounts.models import User
from tousu.callbacks.choices import CallbackResult
from tousu.complaints.choices import Status
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.reasons import reason_text
from tousu.quality import rules, services
from tousu.quality.choices import InspectionStatus, SampleReason
from tousu.quality.models import Inspection, SamplingPlan
from tousu.resolution.choices import FlagKind

# Weeks sampled back from now; of the latest one's tasks most are left to score.
WEEKS = 8
LEFT_OPEN = 0.6
# The inspector who scores the plan's tasks; the other inspector leads the team.
INSPECTOR = "quality1"
# A task is scored this long after it was created (the inspector's working days).
SCORE_AFTER_HOURS = (4.0, 60.0)
FULL_MARKS = 5


@dataclass(frozen=True)
class Judgement:
    points: dict[str, int]
    notes: dict[str, str]
    comment: str


def _late_hours(c: Complaint) -> float:
    if c.resolved_at is None or c.resolved_at <= c.resolution_due:
        return 0.0
    return (c.resolved_at - c.resolution_due).total_seconds() / 3600


def _first_response_late_minutes(c: Complaint) -> float:
    if c.accepted_at is None or c.accepted_at <= c.first_response_due:
        return 0.0
    return (c.accepted_at - c.first_response_due).total_seconds() / 60


def judge(c: Complaint, rng: random.Random) -> Judgement:
    """Points and comments from what the complaint's record shows."""
    points = {
        "timeliness": 5,
        "attitude": 5,
        "explanation": 5,
        "standard": 5,
        "records": 5,
        "wording": 5,
    }
    notes: dict[str, str] = {}
    late = _late_hours(c)
    if late:
        points["timeliness"] = 2 if late > 24 else 3
        notes["timeliness"] = f"答复超出时限约{late:.0f}小时"
    elif first := _first_response_late_minutes(c):
        # A late first response costs a point too (R4.1): "答复及时" would not be true.
        points["timeliness"] = 4
        notes["timeliness"] = f"首次响应超时约{max(first, 1):.0f}分钟"
    reasons: set[str] = set()
    for task in c.callbacks.all():
        if task.result == CallbackResult.DISSATISFIED:
            reasons |= set(task.reasons or [])
    if "attitude" in reasons:
        # The recording confirms what the customer said on the callback: a fatal item.
        points["attitude"] = 0
        notes["attitude"] = "回访中客户反映处理人员态度恶劣，经复听录音属实（致命项）"
    if reasons & {"explanation", "tariff", "data_usage"}:
        points["explanation"] = 2
        notes["explanation"] = "未向客户讲清费用产生的原因"
    elif "not_solved" in reasons:
        points["explanation"] = 3
        notes["explanation"] = "客户认为问题未解决，解释不够充分"
    flags = list(c.consistency_flags.all())
    if flags:
        # A remedy the clause does not prescribe, or more than it allows, is a fatal failure
        # of the standard; less than it prescribes a lesser one.
        flag = flags[0]
        fatal = flag.kind == FlagKind.TYPE_NOT_PRESCRIBED or (
            flag.reference is not None and flag.amount > flag.reference
        )
        points["standard"] = 0 if fatal else 2
        notes["standard"] = ("违反标准条款（致命项）：" if fatal else "与标准条款不一致：") + (
            reason_text(flags[0].reason)
        )
    if rng.random() < 0.25:
        points["records"] = 3
        notes["records"] = "调查记录缺少核查截图"
    if rng.random() < 0.2:
        points["wording"] = 4
        notes["wording"] = "答复未完全使用统一口径"
    if not notes:
        comment = "处理规范，答复及时，记录完整"
    elif min(points.values()) <= 2:
        weakest = min(notes, key=lambda k: points[k])
        comment = f"{notes[weakest]}，需整改"
    else:
        comment = f"整体规范，{next(iter(notes.values()))}"
    return Judgement(points, notes, comment)


def _inspectors() -> list[User]:
    return list(User.objects.filter(role=Role.QUALITY, is_active=True).order_by("username"))


def _sample(now: dt.datetime) -> None:
    """The weekly job, as it ran on each of the last weeks' Mondays at 08:00."""
    current, _end = rules.period_of(clock.local(now).date(), 7)
    for back in range(_weeks(now, current) - 1, -1, -1):
        monday = current - dt.timedelta(days=7 * back)
        at = dt.datetime.combine(monday, dt.time(8), tzinfo=clock.SHANGHAI)
        if at >= now:
            continue
        with clock.frozen(at):
            for plan in SamplingPlan.objects.filter(active=True):
                services.plan_sample(plan=plan, now=at)


def _weeks(now: dt.datetime, current: dt.date) -> int:
    """WEEKS, or as many more as reach back to the latest closed complaint whose outcome was
    flagged out of standard: the plan has run since then, and the demo's few deliberate
    departures (spread over its half year) are then inspected whatever the day it is loaded."""
    latest = Complaint.objects.filter(
        status=Status.CLOSED, consistency_flags__isnull=False
    ).aggregate(at=Max("closed_at"))["at"]
    if latest is None:
        return WEEKS
    back = (current - clock.local(latest).date()).days // 7 + 1
    return min(max(WEEKS, back + 1), 26)


OFFICE_OPENS, OFFICE_CLOSES = 9, 18


def _office_hours(moment: dt.datetime) -> dt.datetime:
    """The moment, or the next working morning after it: inspectors work office hours."""
    local = clock.local(moment)
    if OFFICE_OPENS <= local.hour < OFFICE_CLOSES and local.weekday() < 5:
        return moment
    day = local.date() if local.hour < OFFICE_OPENS else local.date() + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    opens = dt.datetime.combine(day, dt.time(OFFICE_OPENS), tzinfo=local.tzinfo)
    return opens + dt.timedelta(minutes=local.minute + 7 * (local.hour % 8))


def _score_at(task: Inspection, now: dt.datetime, rng: random.Random) -> dt.datetime | None:
    """When the inspector scores the task: hours after it was created, after the complaint's
    last event (its timeline stays in order of time); None when that is not yet."""
    at = task.created_at + dt.timedelta(hours=rng.uniform(*SCORE_AFTER_HOURS))
    at = _office_hours(max(at, task.complaint.events.latest("seq").at + dt.timedelta(minutes=10)))
    return at if at < now - dt.timedelta(hours=2) else None


def _score(task: Inspection, at: dt.datetime, rng: random.Random) -> None:
    complaint = (
        Complaint.objects.filter(pk=task.complaint_id)
        .prefetch_related("callbacks", "consistency_flags")
        .get()
    )
    j = judge(complaint, rng)
    with clock.frozen(at):
        services.inspection_score(
            inspection=task,
            actor=task.inspector,
            points=j.points,
            comments=j.notes,
            comment=j.comment,
        )


# Why a handler disputes the points lost on an item, and why another inspector would agree.
DISPUTES = {
    "timeliness": (
        "当时计费系统故障，超时非本人原因，已在处理记录中说明",
        "核实系统故障记录属实，时效项改判",
    ),
    "attitude": (
        "通话录音显示本人语气平和，客户不满针对的是处理结果",
        "复听录音，服务态度无问题，改判",
    ),
    "explanation": ("已在答复中说明扣费原因，并附账单明细", "答复确已说明原因，解释项改判"),
    "standard": ("已按条款给予补偿，金额在标准范围内", "核对条款，补偿在标准范围内，改判"),
    "records": ("调查截图已补充上传至证据", "证据已齐全，记录项改判"),
    "wording": ("答复使用的是最新版统一口径", "口径版本核实无误，改判"),
}
# Two appeals: the first upheld by the other inspector, the second waiting for a decision.
APPEALS_MADE = 2


def _appeal(now: dt.datetime, rng: random.Random) -> None:
    """Two handlers appeal their lowest recent scores on the item that cost them most."""
    candidates = (
        Inspection.objects.filter(
            status=InspectionStatus.SCORED,
            calibration__isnull=True,
            handler__isnull=False,
            scored_at__gte=now - dt.timedelta(days=21),
            total__lt=100,
        )
        .select_related("complaint", "handler", "inspector")
        .order_by("total", "pk")
    )
    others = _inspectors()
    taken: set[int] = set()
    for task in candidates:
        if len(taken) >= APPEALS_MADE:
            return
        if task.handler is None or task.scored_at is None or task.appeal_due_at is None:
            continue
        if task.handler.pk in taken:
            continue
        at = min(
            _office_hours(task.scored_at + dt.timedelta(hours=rng.uniform(2, 20))),
            task.appeal_due_at,
        )
        if at >= now:
            continue
        points = {s.item.code: s.points for s in task.scores.select_related("item")}
        item = min(points, key=lambda code: points[code])
        why, decision = DISPUTES[item]
        with clock.frozen(at):
            services.inspection_appeal(inspection=task, actor=task.handler, reason_text=why)
        taken.add(task.handler.pk)
        decider = next((u for u in others if u.pk != task.inspector_id), None)
        decided_at = min(
            _office_hours(at + dt.timedelta(hours=rng.uniform(3, 20))),
            now - dt.timedelta(minutes=5),
        )
        if len(taken) > 1 or decider is None or decided_at <= at:
            continue  # the second waits for a decision
        with clock.frozen(decided_at):
            services.appeal_decide(
                inspection=task,
                actor=decider,
                upheld=True,
                note=decision,
                points={**points, item: FULL_MARKS},
                comments={item: "申诉成立，改判满分"},
            )


def _calibrate(now: dt.datetime, rng: random.Random) -> None:
    """Both inspectors score three closed complaints of different quality (a poor, a middling
    and a good handling, so that the totals vary); the second is a little stricter."""
    people = _inspectors()
    admin = User.objects.filter(role=Role.ADMIN).order_by("pk").first()
    if len(people) < 2 or admin is None:
        return
    sheet = services.sheet_current()
    items = [rules.ItemRule(i.code, i.weight, i.max_points, i.fatal) for i in sheet.items.all()]
    recent = (
        # Not one closed as a duplicate: merged into another, it has no handling to judge.
        Complaint.objects.filter(
            status="closed",
            handler__isnull=False,
            duplicate_of__isnull=True,
            inspections__isnull=True,
        )
        .prefetch_related("callbacks", "consistency_flags")
        .order_by("-closed_at")[:40]
    )
    judged = sorted(
        (
            (rules.score_total(items, judge(c, random.Random(c.pk)).points).total, c.pk, c)
            for c in recent
        ),
        key=lambda t: (t[0], t[1]),
    )
    if len(judged) < 3:
        return
    picked = [judged[0][2], judged[len(judged) // 2][2], judged[-1][2]]
    start = _office_hours(now - dt.timedelta(days=3))
    with clock.frozen(start):
        round_ = services.calibration_create(
            actor=admin,
            name="",  # called after its month, in each reader's language
            complaints=picked,
            inspectors=people,
        )
    for i, task in enumerate(round_.inspections.select_related("complaint", "inspector")):
        c = next(p for p in picked if p.pk == task.complaint_id)
        j = judge(c, random.Random(c.pk))  # the same view of the record …
        points = dict(j.points)
        if task.inspector_id != people[0].pk:  # … but the second inspector is stricter
            points["records"] = max(0, points["records"] - rng.choice((0, 1)))
            points["wording"] = max(0, points["wording"] - rng.choice((0, 1, 1)))
        with clock.frozen(start + dt.timedelta(minutes=60 + 40 * i)):
            services.inspection_score(
                inspection=task,
                actor=task.inspector,
                points=points,
                comments=j.notes,
                comment=j.comment,
            )


def inspection_demo_load(*, now: dt.datetime, seed: int) -> int:
    """Sample, score, appeal and calibrate; returns how many inspections there are."""
    rng = random.Random(seed)
    services.sheet_defaults_load()
    inspector = User.objects.filter(username=INSPECTOR, role=Role.QUALITY).first()
    if inspector is not None:
        for plan in SamplingPlan.objects.filter(active=True):
            plan.inspectors.add(inspector)
    _sample(now)
    tasks = list(
        Inspection.objects.filter(status=InspectionStatus.OPEN, calibration__isnull=True)
        .exclude(reason=SampleReason.MANUAL)
        .select_related("complaint", "inspector")
        .order_by("created_at", "pk")
    )
    latest = max((t.created_at for t in tasks), default=now)
    left_open = False
    for task in tasks:
        # The mandatory kinds are inspected first; random samples of the week wait — the
        # first of them always, so the queue is never empty whatever the draw.
        waits = task.created_at == latest and task.reason == SampleReason.RANDOM
        if waits and (not left_open or rng.random() < LEFT_OPEN):
            left_open = True
            continue
        at = _score_at(task, now, rng)
        if at is not None:
            _score(task, at, rng)
    _appeal(now, rng)
    _calibrate(now, rng)
    return Inspection.objects.count()
