"""Demo data: staff for every role, customers and a half-year of complaints.

Every complaint goes through the real services with the clock frozen at the simulated time of
each step, so timelines, hash chains, due times, remedies and callbacks are exactly what the
system itself would have written. A complaint is first *planned* (its story and the time of
each step, drawn from one `random.Random`) and then *played*. The same seed gives the same
complaints; their times are relative to the minute the demo runs.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from tqdm import tqdm

from tousu.accounts.choices import AssignmentMode, DataScope, Role
from tousu.accounts.models import Department, Region, User
from tousu.accounts.permissions import MANAGER_ROLES
from tousu.accounts.reference import REGIONS
from tousu.accounts.services import user_create
from tousu.analytics.services import counts_rebuild
from tousu.callbacks.choices import (
    SCORE_FACTORS,
    AttemptOutcome,
    CallbackResult,
    CallbackStatus,
    DissatisfactionReason,
    DissatisfiedAction,
)
from tousu.callbacks.models import CallbackTask
from tousu.callbacks.services import callback_attempt_record, complaint_callback_record
from tousu.classification.models import Category, TextModel
from tousu.classification.services import text_model_refresh
from tousu.complaints.choices import LEVEL_RANK, Cause, Channel, EventType, Finding, Level, Status
from tousu.complaints.models import Complaint
from tousu.complaints.services import complaint_note_add, complaints_archive
from tousu.config import jobs
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.core.refcache import refcache_clear_all
from tousu.customers.models import Customer
from tousu.early_warning.demo import care_demo_load
from tousu.early_warning.services import backlog_model_train
from tousu.intake.services import Registration, complaint_register
from tousu.knowledge.demo import knowledge_demo_load
from tousu.messages.choices import MessageChannel
from tousu.messages.rules import send_not_before
from tousu.quality.demo import inspection_demo_load
from tousu.quality.demo_capa import SURGE, SURGE_MIN_COMPLAINTS, capa_demo_load
from tousu.quality.demo_documents import documents_demo_load
from tousu.repair.demo import repair_demo_finish, repair_demo_load
from tousu.resolution.choices import HandlingStep, RemedyBasis, RemedyType
from tousu.resolution.models import ClauseRemedy, StandardClause
from tousu.resolution.rules import (
    ClauseTerms,
    Situation,
    category_covers,
    clause_pick,
    disputed_amount_stated,
    remedy_compute,
)
from tousu.resolution.selectors import authority_limit, clause_terms
from tousu.resolution.services import (
    RemedyInput,
    complaint_approve,
    complaint_close,
    complaint_resolve,
    handling_step_record,
    standard_clauses_load,
)
from tousu.routing.models import ExpertTeam, HandlerProfile
from tousu.routing.services import (
    complaint_accept,
    complaint_categorise,
    complaint_dispatch,
    expert_team_form,
)
from tousu.setup import demo_texts
from tousu.setup.demo_evidence import demo_evidence_attach
from tousu.setup.demo_import import import_demo_load
from tousu.setup.demo_limits import LimitScans
from tousu.setup.demo_mail import mail_demo_load
from tousu.setup.demo_messages import contact_preferences_plan, messages_demo_load
from tousu.setup.demo_page import page_demo_load
from tousu.setup.demo_product import (
    PRODUCT,
    PRODUCT_WAVE_MIN_COMPLAINTS,
    product_wave_scan,
    wave_texts,
)
from tousu.setup.demo_regulator import regulator_demo_load
from tousu.setup.demo_sms import sms_demo_load
from tousu.setup.demo_survey import survey_demo_load
from tousu.setup.demo_texts import (
    BROADBAND_PLAN,
    DURATION_DAYS,
    DemoComplaint,
    demo_complaint,
    demo_person,
    demo_reply,
)
from tousu.setup.demo_wave import MIN_HISTORY, wave_incidents, wave_load, wave_scan
from tousu.setup.demo_wechat import wechat_demo_load
from tousu.setup.reference import CATEGORIES
from tousu.sla import rules as sla_rules
from tousu.sla.services import complaint_escalate

DEMO_PASSWORD = "Tousu-demo-2026"  # noqa: S105 - printed for people to log in with
DEFAULT_COMPLAINTS = 300
DEFAULT_SEED = 2026
HISTORY_DAYS = 180
# The demo's history is as long as the archive period (TOUSU_ARCHIVE_DAYS, 180): with it no
# demo complaint would be archived yet. The demo archives as the job would with 120 days, so
# that its oldest closed complaints show the archive (R5.4); the hourly job, with the setting,
# then archives the rest as they reach it. (Anonymisation, after three years, touches nothing.)
DEMO_ARCHIVE_DAYS = 120


class DemoUser(NamedTuple):
    username: str
    role: str
    department: str
    name: str
    data_scope: str = ""  # blank: the role's default


# The brief's personas plus one handler for each department that categories route to, so that
# every department's queue has someone to work it.
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("agent1", Role.AGENT, "customer_service", "王晓燕"),
    DemoUser("agent2", Role.AGENT, "store_ops", "李娜"),
    DemoUser("handler_billing", Role.HANDLER, "billing", "陈建国"),
    DemoUser("handler_billing2", Role.HANDLER, "billing", "刘婷婷"),
    DemoUser("handler_network", Role.HANDLER, "network", "张伟"),
    DemoUser("handler_broadband", Role.HANDLER, "broadband", "赵磊"),
    DemoUser("handler_cs", Role.HANDLER, "customer_service", "孙丽"),
    DemoUser("handler_marketing", Role.HANDLER, "marketing", "周杰"),
    DemoUser("handler_store", Role.HANDLER, "store_ops", "吴敏"),
    DemoUser("handler_terminal", Role.HANDLER, "terminal", "郑浩"),
    DemoUser("handler_security", Role.HANDLER, "security", "冯涛"),
    DemoUser("handler_office", Role.HANDLER, "complaint_office", "何静"),
    DemoUser("supervisor_billing", Role.SUPERVISOR, "billing", "黄志强"),
    # The front line's and callback team's supervisor: her agents call back every department's
    # customers, and the overdue callbacks she is told of are theirs, so she sees what they see.
    DemoUser("supervisor_cs", Role.SUPERVISOR, "customer_service", "林秀英", DataScope.ALL),
    DemoUser("head_billing", Role.DEPT_HEAD, "billing", "马国强"),
    DemoUser("quality1", Role.QUALITY, "complaint_office", "高雪"),
    DemoUser("quality2", Role.QUALITY, "complaint_office", "钱思远"),
    DemoUser("analyst1", Role.ANALYST, "complaint_office", "罗宇轩"),
    DemoUser("admin", Role.ADMIN, "complaint_office", "徐立新"),
)

# Handlers' skills (R3.2): a skill on a parent category covers its sub-categories.
DEMO_SKILLS: dict[str, tuple[str, ...]] = {
    "handler_billing": ("billing",),
    "handler_billing2": ("billing.value_added", "billing.roaming"),
}
# Departments that keep new complaints in their queue instead of assigning them (R3.2).
DEMO_QUEUE_DEPARTMENTS = ("marketing",)
# The expert team gathered on one open over-level (else major) complaint (R3.4).
DEMO_TEAM = ("handler_cs", "handler_marketing", "handler_network", "handler_store")

# Final status mix; whatever rounding leaves over is closed.
STATUS_SHARES: dict[str, float] = {
    Status.DISPATCHED: 0.10,
    Status.IN_PROGRESS: 0.15,
    Status.AWAITING_APPROVAL: 0.03,
    Status.RESOLVED: 0.07,
}
REPEAT_SHARE = 0.10  # complaints from a customer who complained in the last 60 days
GIVEN_CATEGORY_SHARE = 0.35  # agents pick the category; the rest are classified automatically
MISFILED_SHARE = 0.06  # agents pick a look-alike category: the complaint is transferred later
ESCALATE_SHARE = 0.08

# Agents confuse these; the first department to look at the complaint transfers it (转派).
LOOK_ALIKES: dict[str, str] = {
    "network.broadband_outage": "network.data_speed",
    "network.data_speed": "network.broadband_outage",
    "billing.value_added": "marketing.mis_sold",
    "marketing.mis_sold": "billing.tariff_dispute",
    "service.store": "service.attitude",
    "business.broadband_install": "service.promise_broken",
    "device.handset": "network.call_quality",
    "marketing.promotion_not_honoured": "service.promise_broken",
}

CATEGORY_DEPARTMENT = {row.code: row.department for row in CATEGORIES}
CATEGORY_NAME = {row.code: row.name for row in CATEGORIES}

# Complaints arrive in office hours, peaking mid-morning and mid-afternoon (Asia/Shanghai).
# fmt: off
HOUR_WEIGHTS = (
    0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 1.0, 3.0, 6.0, 7.0, 6.0,
    4.0, 4.0, 6.0, 6.0, 5.0, 4.0, 3.0, 3.0, 2.5, 2.0, 1.0, 0.5,
)
# fmt: on
WEEKEND_FACTOR = 0.6
WORKDAY_START, WORKDAY_END = 8, 22  # staff act between these local hours

PLANS = (
    "5G畅享套餐129元",
    "5G智享套餐199元",
    "畅享套餐59元",
    "融合套餐169元（含千兆宽带）",
    "大流量卡39元",
    "校园卡29元",
    "4G飞享套餐38元",
    "5G全家享套餐239元",
    "老年关怀卡18元",
)
# The complaints only a customer with broadband at home makes; a customer of the demo has
# demo_texts.BROADBAND_PLAN when the plan drawn for them has none.
BROADBAND_CATEGORIES = ("network.broadband_outage", "business.broadband_install", "device.router")
VALUE_TIERS = (("五星", 3), ("四星", 10), ("三星", 25), ("二星", 32), ("一星", 30))
AREA_CODES = {
    "nanjing": "025",
    "suzhou": "0512",
    "wuxi": "0510",
    "changzhou": "0519",
    "nantong": "0513",
    "xuzhou": "0516",
    "yangzhou": "0514",
    "yancheng": "0515",
}

# Why a handler raises the level; each only where the complaint's facts bear it out.
ESCALATION_ANGRY = "客户情绪激烈，多次来电催办"
ESCALATION_REGULATOR = "客户表示将向工信部申诉"
ESCALATION_MEDIA = "客户表示将向媒体反映"
ESCALATION_REPEAT = "同一问题近期多次投诉，按重复投诉升级"
ESCALATION_TIER = "客户为高星级用户，按重要客户处理"
ESCALATION_AMOUNT = "涉及金额较大，客户要求书面答复"
HIGH_TIERS = ("五星", "四星")
CALLBACK_COMMENTS: dict[str, tuple[str, ...]] = {
    CallbackResult.SATISFIED: ("处理得很及时，谢谢", "问题已经解决了", "客服态度很好", ""),
    CallbackResult.BASICALLY_SATISFIED: ("解决了，就是等得有点久", "补偿少了点，算了", ""),
    CallbackResult.DISSATISFIED: (
        "问题根本没解决，还是老样子",
        "补偿太少，不接受",
        "说好给我回电话的，一直没人联系",
        "解释不清楚，要求重新核查",
    ),
    CallbackResult.UNREACHABLE: ("三次外呼均未接通", "客户关机", ""),
}
# The coded reasons (R8.1) an agent ticks for what the customer said.
COMMENT_REASONS: dict[str, tuple[str, ...]] = {
    "问题根本没解决，还是老样子": (DissatisfactionReason.NOT_SOLVED,),
    "补偿太少，不接受": (DissatisfactionReason.REMEDY,),
    "说好给我回电话的，一直没人联系": (DissatisfactionReason.SLOW, DissatisfactionReason.ATTITUDE),
    "解释不清楚，要求重新核查": (DissatisfactionReason.EXPLANATION,),
    "解决了，就是等得有点久": (DissatisfactionReason.SLOW,),
    "补偿少了点，算了": (DissatisfactionReason.REMEDY,),
}
# What an unsolved problem is, by the complaint's category (S2's kinds of dissatisfaction).
CATEGORY_REASONS: dict[str, str] = {
    "network": DissatisfactionReason.NETWORK,
    "billing.tariff_dispute": DissatisfactionReason.TARIFF,
    "billing.roaming": DissatisfactionReason.TARIFF,
    "billing.unexplained_charge": DissatisfactionReason.DATA_USAGE,
    "billing.value_added": DissatisfactionReason.DATA_USAGE,
    "marketing": DissatisfactionReason.PUBLICITY,
}
# How failed calls went, and what the agent noted.
FAILED_CALLS: tuple[tuple[str, str], ...] = (
    (AttemptOutcome.NO_ANSWER, "响铃无人接听"),
    (AttemptOutcome.BUSY, "占线"),
    (AttemptOutcome.SWITCHED_OFF, "客户关机"),
)
# Of the callbacks reached, this share needed a failed call first; of those that were to be
# satisfied and due in the last ten days, this share was never called back after one failed
# call (overdue, chased at their due time).
FAILED_FIRST_SHARE = 0.25
MISSED_CALLBACK_SHARE = 0.25
MISSED_CALLBACK_RECENT = dt.timedelta(days=10)
# The investigation record's answers, as the finding the handler then records.
INVESTIGATION_ANSWERS: dict[str, tuple[str, str]] = {
    Finding.TRUE: ("属实", "合理"),
    Finding.PARTLY_TRUE: ("部分属实", "部分合理"),
    Finding.NOT_TRUE: ("不属实", "不合理"),
}
# Complaints of harm done by someone else (fraud), where the operator's part is to help.
THIRD_PARTY_CATEGORIES = ("security.fraud",)
# Days of outage or delay as customers put them (demo_texts._DURATIONS).
# Complaints whose clause computes a remedy from the days of outage or delay.
OUTAGE_CATEGORIES = ("network.broadband_outage", "business.broadband_install")
# Texts that state a large disputed amount (demo_texts._BIG_AMOUNTS): an outcome that follows
# the clause then needs approval.
BIG_DISPUTES = ("billing.roaming", "billing.tariff_dispute")
# First-contact resolution (S3 授权): the registering agent resolves a small complaint on the
# call, within their authority. Of the closed hotline and store complaints the agent filed
# under their true category and whose outcome fits the agent's limit, this share is planned as
# register → first_contact → close → callback (about 18 of the default 300).
FIRST_CONTACT_SHARE = 0.5
FIRST_CONTACT_CHANNELS = (Channel.HOTLINE, Channel.STORE)
# A few outcomes depart from their clause on purpose, so that the consistency page (R6.3) has
# something to show: one per DEPARTURE_EVERY complaints, at most MAX_DEPARTURES.
DEPARTURE_EVERY = 75
MAX_DEPARTURES = 5


# ---------------------------------------------------------------------------------------------
# Users and customers
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def demo_users_ensure() -> list[tuple[DemoUser, bool]]:
    """The demo staff, created when missing; existing accounts are left exactly as they are.
    Returns (user row, created) pairs."""
    out = []
    for row in DEMO_USERS:
        created = not User.objects.filter(username=row.username).exists()
        if created:
            user_create(
                username=row.username,
                role=row.role,
                password=DEMO_PASSWORD,
                department=row.department,
                display_name=row.name,
                check_password=False,
                data_scope=row.data_scope,
            )
        out.append((row, created))
    return out


def demo_routing_ensure() -> None:
    """Skills for the demo handlers (set once; an admin's later edits stay) and the
    departments that work from a queue."""
    for username, codes in DEMO_SKILLS.items():
        user = User.objects.get(username=username)
        profile, new = HandlerProfile.objects.get_or_create(user=user)
        if new:
            profile.categories.set(Category.objects.filter(code__in=codes))
    Department.objects.filter(code__in=DEMO_QUEUE_DEPARTMENTS).update(
        assignment_mode=AssignmentMode.QUEUE
    )
    refcache_clear_all()  # an UPDATE sends no signal: routing's copy shows the departments


def customer_new(
    rng: random.Random, taken: set[str], today: dt.date, regions: dict[str, Region]
) -> Customer:
    """A subscriber as the CRM knows them (unsaved): region, plan, value tier, account number
    (area code first), and since when."""
    while True:
        name, phone = demo_person(rng)
        if phone not in taken:
            break
    taken.add(phone)
    region = rng.choices(REGIONS, weights=[r.customers for r in REGIONS])[0]
    area = AREA_CODES.get(region.code, "025").lstrip("0")
    account = area + "".join(rng.choice("0123456789") for _ in range(12 - len(area)))
    tier = rng.choices([t for t, _ in VALUE_TIERS], weights=[w for _, w in VALUE_TIERS])[0]
    return Customer(
        phone=phone,
        name=name,
        account=account,
        region=regions.get(region.code),
        plan=rng.choice(PLANS),
        value_tier=tier,
        customer_since=today - dt.timedelta(days=rng.randint(60, 20 * 365)),
    )


# ---------------------------------------------------------------------------------------------
# Planning: what happens to each complaint, and when (no service calls)
# ---------------------------------------------------------------------------------------------


@dataclass
class Resolution:
    finding: str
    cause: str
    remedies: list[RemedyInput]
    reply: str
    clause: str = ""  # the code of the clause the remedies follow; "" = none applies
    disputed_amount: Decimal | None = None
    outage_days: Decimal | None = None
    departure: str = ""  # a deliberate departure from the clause (`_depart`)
    evidence: tuple[str, ...] = ()  # the kinds the clause requires, attached before resolving

    @property
    def total(self) -> Decimal:
        return sum((Decimal(str(r.amount)) for r in self.remedies), Decimal(0))


@dataclass
class Step:
    kind: str
    at: dt.datetime
    optional: bool = False  # dropped, not squeezed in, when it would fall after "now"
    data: dict[str, object] = field(default_factory=dict)


@dataclass
class ComplaintPlan:
    text: DemoComplaint
    final: str
    received_at: dt.datetime
    customer: Customer
    given_category: str
    level: str
    steps: list[Step]
    seed: int  # for the choices made while playing (which handler, which comment)


def status_counts(n: int) -> list[str]:
    """Exactly `n` final statuses in the STATUS_SHARES mix, every open status at least once
    when there is room for it."""
    out: list[str] = []
    for status, share in STATUS_SHARES.items():
        out += [status] * max(1 if n >= 10 else 0, round(n * share))
    out = out[:n]
    return out + [Status.CLOSED] * (n - len(out))


def _hours(rng: random.Random, low: float, high: float) -> dt.timedelta:
    return dt.timedelta(hours=rng.uniform(low, high))


def _working(rng: random.Random, moment: dt.datetime) -> dt.datetime:
    """Staff act in working hours: an action due at night happens the next morning."""
    settle = dt.timedelta(minutes=rng.uniform(0, 90))  # drawn always: keeps the stream aligned
    local = moment.astimezone(SHANGHAI)
    if WORKDAY_START <= local.hour < WORKDAY_END:
        return moment
    day = local.date() if local.hour < WORKDAY_START else local.date() + dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(WORKDAY_START), tzinfo=SHANGHAI)
    return (start + settle).astimezone(dt.UTC)


def received_time(
    rng: random.Random, now: dt.datetime, low: dt.timedelta, high: dt.timedelta, recency: float
) -> dt.datetime:
    """A received time between `low` and `high` ago, shaped by hour of day and weekday and,
    with `recency` > 0, more of them in recent weeks (rejection sampling)."""
    top = max(HOUR_WEIGHTS) * (1 + recency)
    while True:
        moment = now - low - (high - low) * rng.random()
        local = moment.astimezone(SHANGHAI)
        age_days = (now - moment).total_seconds() / 86400
        weight = HOUR_WEIGHTS[local.hour] * (1 + recency * math.exp(-age_days / 21))
        if local.weekday() >= 5:
            weight *= WEEKEND_FACTOR
        if rng.random() * top <= weight:
            return moment


def _open_window(final: str, reopened: bool) -> tuple[float, float]:
    """How long ago (hours) an open complaint of this status was received, for the ordinary
    level: within its time limit, a few of them a little over."""
    if reopened:
        return 5 * 24, 12 * 24  # went all the way to a callback before coming back
    windows: dict[str, tuple[float, float]] = {
        Status.DISPATCHED: (0.2, 40),
        Status.IN_PROGRESS: (2, 75),
        Status.AWAITING_APPROVAL: (8, 60),
        Status.RESOLVED: (12, 80),
    }
    return windows[final]


def _register_delay(rng: random.Random, channel: str) -> dt.timedelta:
    """From receipt to registration: letters wait in the post room, e-mail in an inbox;
    referrals on the fast track are registered at once."""
    if channel == Channel.LETTER:
        return _hours(rng, 2, 30)
    if channel == Channel.EMAIL:
        return _hours(rng, 0.2, 2)
    return dt.timedelta(minutes=rng.uniform(1, 15))


@dataclass(frozen=True)
class PlanClause:
    """A standard clause as the planner applies it: its conditions and prescribed remedies."""

    terms: ClauseTerms
    code: str
    remedies: tuple[ClauseRemedy, ...]
    evidence: tuple[str, ...] = ()  # the kinds of evidence it requires


def plan_clauses() -> list[PlanClause]:
    """The active standard clauses, read once for the whole run."""
    clauses = StandardClause.objects.filter(active=True).select_related("category")
    return [
        PlanClause(clause_terms(c), c.code, tuple(c.remedies.all()), tuple(c.required_evidence))
        for c in clauses.prefetch_related("remedies")
    ]


def _covered(clauses: Sequence[PlanClause], category: str) -> bool:
    return any(category_covers(c.terms.category_code, category) for c in clauses)


def _facts(rng: random.Random, text: DemoComplaint) -> tuple[Decimal | None, Decimal | None]:
    """The amount in dispute and the days of outage or delay, as the handler establishes
    them: from the customer's own words when stated, else from the bill or the fault ticket."""
    disputed = outage = None
    # The sum the customer disputes, not their plan's price (畅享套餐59元，多扣了20块 → 20).
    stated = disputed_amount_stated(text.content, as_written=True)
    if text.category.startswith("security."):
        stated = None  # money lost to fraud is the police's to recover, not an amount we owe
    if stated is not None:
        disputed = stated
    elif text.category.startswith(("billing.", "marketing.")):
        disputed = Decimal(rng.randint(2, 12) * 5)
    if text.category in OUTAGE_CATEGORIES:
        # "说三天内上门安装" is the promise, not how long it took.
        waited = text.content.replace("三天内", "")
        days = [d for words, d in DURATION_DAYS.items() if words in waited]
        outage = Decimal(days[0] if days else rng.choice((1, 2, 3)))
    return disputed, outage


_DEFAULT_NOTES: dict[str, str] = {
    RemedyType.REFUND: "退还争议费用",
    RemedyType.BILL_CREDIT: "按标准赠送话费",
    RemedyType.APOLOGY: "口头致歉",
    RemedyType.EXPLANATION: "说明核实情况及业务规则",
    RemedyType.REPAIR: "安排免费检测维修",
    RemedyType.EXCHANGE: "按三包规定更换设备",
}


def _clause_remedies(
    rng: random.Random, clause: PlanClause, disputed: Decimal | None, outage: Decimal | None
) -> list[RemedyInput]:
    """The clause's remedies worked out for these facts; where it gives a range, its lower
    end or its middle (consistent with one another, so no outcome stands out from its peers)."""
    out = []
    for r in clause.remedies:
        computed = remedy_compute(
            basis=r.basis,
            min_amount=r.min_amount,
            max_amount=r.max_amount,
            rate=r.rate,
            disputed_amount=disputed,
            outage_days=outage,
        )
        amount = Decimal(0)
        if r.basis != RemedyBasis.NONE:
            if computed.amount is not None:
                amount = computed.amount
            else:
                low = r.min_amount or Decimal(0)
                high = r.max_amount if r.max_amount is not None else low
                amount = rng.choice((low, Decimal(int((low + high) / 2 / 5) * 5)))
        out.append(RemedyInput(r.type, amount, r.note or _DEFAULT_NOTES.get(r.type, "")))
    return out


def _customary_remedies(
    rng: random.Random, text: DemoComplaint, finding: str, disputed: Decimal | None
) -> list[RemedyInput]:
    """Where no clause applies: what handlers of this kind of complaint customarily grant."""
    parent = text.category.split(".")[0]
    if finding == Finding.NOT_TRUE:
        return [RemedyInput(RemedyType.EXPLANATION, 0, _DEFAULT_NOTES[RemedyType.EXPLANATION])]
    small = disputed is not None and disputed <= CUSTOMARY_MAX
    if parent == "billing" and disputed is not None:
        remedies = [RemedyInput(RemedyType.REFUND, disputed, _DEFAULT_NOTES[RemedyType.REFUND])]
    elif parent in ("marketing", "business") and small:
        remedies = [RemedyInput(RemedyType.REFUND, disputed or 0, "退还多收的费用")]
    elif parent == "service" and small:
        remedies = [RemedyInput(RemedyType.BILL_CREDIT, disputed or 0, "兑现承诺的话费补偿")]
    elif parent == "device":
        kind = rng.choice((RemedyType.REPAIR, RemedyType.EXCHANGE))
        remedies = [RemedyInput(kind, 0, _DEFAULT_NOTES[kind])]
    else:
        remedies = [RemedyInput(RemedyType.EXPLANATION, 0, _DEFAULT_NOTES[RemedyType.EXPLANATION])]
    if rng.random() < 0.6:
        remedies.append(RemedyInput(RemedyType.APOLOGY, 0, _DEFAULT_NOTES[RemedyType.APOLOGY]))
    return remedies


CUSTOMARY_MAX = Decimal(200)  # more than this without a clause is not customary
GOODWILL = Decimal(50)


def _depart(remedies: list[RemedyInput], kind: str) -> list[RemedyInput]:
    """A deliberate departure from the clause (see DEPARTURE_EVERY): "short" grants half the
    refund the clause computes; "goodwill" adds a bill credit beyond what it allows."""
    out = list(remedies)
    if kind == "short":
        for n, r in enumerate(out):
            if r.type == RemedyType.REFUND and Decimal(str(r.amount)) >= 20:
                half = Decimal(int(Decimal(str(r.amount)) / 2))
                out[n] = RemedyInput(r.type, half, "客户同意先退还一半，余款待核实")
                return out
    for n, r in enumerate(out):
        if r.type == RemedyType.BILL_CREDIT:
            out[n] = RemedyInput(r.type, Decimal(str(r.amount)) + GOODWILL, "另加赠话费安抚")
            return out
    return [*out, RemedyInput(RemedyType.BILL_CREDIT, GOODWILL, "客户情绪激动，额外赠送话费安抚")]


def _resolution_plan(
    rng: random.Random,
    text: DemoComplaint,
    *,
    day: dt.date,
    tier: str = "",
    clauses: Sequence[PlanClause] = (),
    force_over: bool = False,
    departure: str = "",
    again: Resolution | None = None,
) -> Resolution:
    """Finding, cause, facts, remedies and reply, as a handler of this category gives them:
    the remedies the applicable clause prescribes for the facts (customary ones where none
    applies), and a reply written from that outcome. `force_over`: a complaint found true
    (its large disputed amount then needs approval); `departure`: see `_depart`; `again`: the
    first outcome, when this one redoes it after a dissatisfied callback (same finding)."""
    parent = text.category.split(".")[0]
    finding: str = rng.choices(
        [Finding.TRUE, Finding.PARTLY_TRUE, Finding.NOT_TRUE], weights=[55, 25, 20]
    )[0]
    if force_over or departure:
        finding = Finding.TRUE  # large compensation follows a complaint found true
    if again is not None:
        finding = again.finding  # looked at again, the facts are what they were
    ours = {
        "network": (Cause.PRODUCT_DEFECT, Cause.PROCESS_ERROR),
        "billing": (Cause.PROCESS_ERROR, Cause.EXPLANATION_LACKING),
        "marketing": (Cause.PROMISE_NOT_KEPT, Cause.EXPLANATION_LACKING),
        "service": (Cause.ATTITUDE, Cause.PROMISE_NOT_KEPT),
        "business": (Cause.PROCESS_ERROR, Cause.PROMISE_NOT_KEPT),
        "device": (Cause.PRODUCT_DEFECT,),
        "security": (Cause.THIRD_PARTY, Cause.PROCESS_ERROR),
    }[parent]
    if text.category == "security.fraud":
        ours = (Cause.THIRD_PARTY,)  # the fraudster's doing, whatever the number
    if finding == Finding.NOT_TRUE:
        cause = rng.choice((Cause.CUSTOMER_MISUNDERSTANDING, Cause.THIRD_PARTY))
    else:
        cause = rng.choice(ours)
    disputed, outage = _facts(rng, text)
    if finding == Finding.NOT_TRUE:
        # No outage or delay of ours was found, so no days of one: a clause that counts them
        # (NET-02, INST-02) compensates a fault of ours and would not be the standard here.
        outage = None
    situation = Situation(
        category_code=text.category,
        day=day,
        finding=finding,
        cause=cause,
        segment=tier,
        disputed_amount=disputed,
        outage_days=outage,
    )
    picked = clause_pick([c.terms for c in clauses], situation)
    clause = next((c for c in clauses if picked is not None and c.terms.key == picked.key), None)
    if clause is not None:
        remedies = _clause_remedies(rng, clause, disputed, outage)
    else:
        remedies = _customary_remedies(rng, text, finding, disputed)
    if departure:
        remedies = _depart(remedies, departure)
    granted = [(r.type, Decimal(str(r.amount)).quantize(Decimal("0.01")), r.note) for r in remedies]
    reply = demo_reply(
        category=text.category,
        finding=finding,
        remedies=granted,
        again=again is not None,
        content=text.content,
    )
    return Resolution(
        finding=finding,
        cause=cause,
        remedies=remedies,
        reply=reply,
        clause=clause.code if clause else "",
        disputed_amount=disputed,
        outage_days=outage,
        departure=departure,
        evidence=clause.evidence if clause else (),
    )


def _callback_result(rng: random.Random) -> str:
    return rng.choices(
        [
            CallbackResult.SATISFIED,
            CallbackResult.BASICALLY_SATISFIED,
            CallbackResult.DISSATISFIED,
            CallbackResult.UNREACHABLE,
        ],
        weights=[55, 20, 12, 13],
    )[0]


SCORE_RANGES: dict[str, tuple[int, int]] = {
    CallbackResult.SATISFIED: (4, 5),
    CallbackResult.BASICALLY_SATISFIED: (3, 4),
    CallbackResult.DISSATISFIED: (1, 2),
}


def _scores(rng: random.Random, result: str) -> dict[str, int]:
    """Scores that agree with the result; an unreachable customer gives none."""
    if result not in SCORE_RANGES:
        return {}
    low, high = SCORE_RANGES[result]
    return {key: rng.randint(low, high) for key in SCORE_FACTORS}


# How much each factor moves the demo customers' overall satisfaction (R8.3): whether the
# problem was solved matters most, then how fast — what the dashboard's drivers chart finds.
OVERALL_WEIGHTS = {"solution": 0.45, "timeliness": 0.3, "attitude": 0.15, "simplicity": 0.1}


def _overall(rng: random.Random, result: str, scores: dict[str, int]) -> int | None:
    """The overall score (1–5) a customer gives after the factors: their weighted sum with a
    little noise, kept within the scores that agree with the result."""
    if result not in SCORE_RANGES or not scores:
        return None
    low, high = SCORE_RANGES[result]
    weighted = sum(OVERALL_WEIGHTS[k] * v for k, v in scores.items()) + rng.gauss(0, 0.3)
    return min(high, max(low, round(weighted)))


@dataclass(frozen=True)
class Story:
    """What the planner knows of a complaint beyond its text: the customer, whether they
    complained about the same problem lately, the clauses in force, and any departure."""

    day: dt.date  # received (Shanghai): the clause version in force then applies
    tier: str = ""
    repeat: bool = False
    clauses: Sequence[PlanClause] = ()
    departure: str = ""
    agent_limit: Decimal | None = Decimal(0)
    # The agent filed it under its true category: on the call they can settle it by its clause.
    filed_right: bool = False


def _escalation_reason(rng: random.Random, text: DemoComplaint, story: Story) -> str:
    """A reason the complaint's own facts bear out."""
    fitting = [ESCALATION_ANGRY]
    if any(word in text.content for word in ("工信部", "通管局")):
        fitting.append(ESCALATION_REGULATOR)
    if any(word in text.content for word in ("媒体", "记者", "微博")):
        fitting.append(ESCALATION_MEDIA)
    if story.repeat:
        fitting.append(ESCALATION_REPEAT)
    if story.tier in HIGH_TIERS:
        fitting.append(ESCALATION_TIER)
    stated = disputed_amount_stated(text.content, as_written=True)
    if stated is not None and stated >= 300:
        fitting.append(ESCALATION_AMOUNT)
    return rng.choice(fitting)


def _investigation(text: DemoComplaint, finding: str) -> dict[str, object]:
    is_true, reasonable = INVESTIGATION_ANSWERS[finding]
    if text.category in THIRD_PARTY_CATEGORIES:
        # Tracing a fraudster's number is a reasonable ask whoever is at fault.
        reasonable = "合理"
    return {
        # "调取了您的计费详单…" as the handler records it: "已调取客户的计费详单…".
        "text": "已"
        + demo_texts.CHECKED[text.category.split(".")[0]]
        .replace("了", "", 1)
        .replace("您", "客户"),
        "answers": {
            "is_true": is_true,
            "purpose": text.demand,
            "reasonable": reasonable,
            "demand_legitimate": "合法合规",
        },
    }


def _paid(resolution: Resolution) -> bool:
    return resolution.total > 0


def plan_steps(
    rng: random.Random,
    *,
    text: DemoComplaint,
    final: str,
    level: str,
    reopened: bool,
    handler_limit: Decimal | None,
    story: Story | None = None,
) -> list[tuple[str, dt.timedelta, bool, dict[str, object]]]:
    """The steps of one complaint as (kind, delay after the previous step, optional, data).
    Notes, the investigation record and the reply are written from the complaint's facts and
    its planned outcome, so that they agree with the timeline."""
    story = story or Story(day=dt.date.today())
    force = final == Status.AWAITING_APPROVAL and handler_limit is not None
    resolution = _resolution_plan(
        rng,
        text,
        day=story.day,
        tier=story.tier,
        clauses=story.clauses,
        force_over=force,
        departure=story.departure,
    )
    out: list[tuple[str, dt.timedelta, bool, dict[str, object]]] = [
        ("register", _register_delay(rng, text.channel), False, {}),
    ]
    if (
        FIRST_CONTACT_SHARE
        and final == Status.CLOSED
        and not story.departure
        and story.filed_right
        and text.channel in FIRST_CONTACT_CHANNELS
        and resolution.total <= (story.agent_limit or 0)
        and rng.random() < FIRST_CONTACT_SHARE
    ):
        return out + _first_contact_steps(rng, resolution)
    # Only acted on when the complaint sits in the wrong department.
    out.append(("triage", _hours(rng, 0.05, 0.5), final == Status.DISPATCHED, {}))
    if final == Status.DISPATCHED:
        return out
    # The first response is mostly within the level's limit; an evening complaint waits for
    # the morning shift.
    limit = sla_rules.DEFAULT_LIMITS[Level(level)].first_response / dt.timedelta(hours=1)
    share = rng.uniform(1.2, 5) if rng.random() < 0.10 else rng.uniform(0.05, 0.6)
    out.append(("accept", dt.timedelta(hours=limit * share), False, {}))
    escalated = rng.random() < ESCALATE_SHARE and level not in (Level.MAJOR, Level.OVER_LEVEL)
    if escalated:
        reason = _escalation_reason(rng, text, story)
        out.append(("escalate", _hours(rng, 0.5, 8), False, {"reason": reason}))
    if rng.random() < 0.4:
        record = _investigation(text, resolution.finding)
        out.append(("investigate", _hours(rng, 0.5, 6), False, record))
    for n in range(rng.choice((0, 1, 1, 2))):
        note: dict[str, object] = {"text": demo_texts.demo_note(rng, text.category, text.demand)}
        if escalated and n == 0 and rng.random() < 0.5:
            # Told only if the escalation happened: a complaint whose assessment already put it
            # at the top level at registration has nowhere to go and keeps the ordinary note.
            note = {"text": demo_texts.ESCALATED_NOTE, "unescalated": note["text"]}
        out.append(("note", _hours(rng, 0.5, 8), False, note))
    if final == Status.IN_PROGRESS and not reopened:
        return out
    late = rng.random() < 0.08
    delay = _hours(rng, 50, 80) if late else _hours(rng, 2, 26)
    out.append(("resolve", delay, False, {"resolution": resolution}))
    if final == Status.AWAITING_APPROVAL:
        return out
    if handler_limit is not None and resolution.total > handler_limit:
        out.append(("approve", _hours(rng, 1, 20), False, {}))
    if final == Status.RESOLVED:
        return out
    out.append(("close", _hours(rng, 0.5, 20), False, {"accepted": rng.random() < 0.92}))
    result = CallbackResult.DISSATISFIED if reopened else _callback_result(rng)
    # Reopen or hand to the repair programme; a reopened one that must end closed is redone.
    action = (
        DissatisfiedAction.REOPEN if reopened or rng.random() < 0.6 else DissatisfiedAction.REPAIR
    )
    out.append(
        (
            "callback",
            _hours(rng, 4, 48),
            not reopened,
            {
                "result": result,
                "scores": _scores(rng, result),
                "action": action,
                "paid": _paid(resolution),
            },
        )
    )
    if reopened or result != CallbackResult.DISSATISFIED or action != DissatisfiedAction.REOPEN:
        return out
    # Redone after the dissatisfied callback: the clause's outcome again (the same departure,
    # if this one departed), the reply saying it was looked at again.
    redo = _resolution_plan(
        rng,
        text,
        day=story.day,
        tier=story.tier,
        clauses=story.clauses,
        departure=story.departure,
        again=resolution,
    )
    out.append(("note", _hours(rng, 1, 8), True, {"text": demo_texts.REOPENED_NOTE}))
    out.append(("resolve", _hours(rng, 4, 30), True, {"resolution": redo}))
    if handler_limit is not None and redo.total > handler_limit:
        out.append(("approve", _hours(rng, 1, 20), True, {}))
    out.append(("close", _hours(rng, 0.5, 10), True, {"accepted": True}))
    second = rng.choice((CallbackResult.SATISFIED, CallbackResult.BASICALLY_SATISFIED))
    again = {"result": second, "scores": {}, "paid": _paid(redo)}
    out.append(("callback", _hours(rng, 4, 48), True, again))
    return out


def _first_contact_steps(
    rng: random.Random, resolution: Resolution
) -> list[tuple[str, dt.timedelta, bool, dict[str, object]]]:
    """The agent who took the call resolves it within their authority, then the usual close
    and callback."""
    result = _callback_result(rng)
    data: dict[str, object] = {"resolution": resolution}
    return [
        ("first_contact", dt.timedelta(minutes=rng.uniform(3, 20)), False, data),
        ("close", _hours(rng, 0.5, 4), False, {"accepted": True}),
        (
            "callback",
            _hours(rng, 4, 48),
            True,
            {
                "result": result,
                "scores": _scores(rng, result),
                "action": DissatisfiedAction.REPAIR,
                "paid": _paid(resolution),
            },
        ),
    ]


def schedule(
    rng: random.Random,
    received_at: dt.datetime,
    steps: list[tuple[str, dt.timedelta, bool, dict[str, object]]],
    horizon: dt.datetime,
) -> tuple[dt.datetime, list[Step]]:
    """Absolute times for the steps, staff steps in working hours. When the required steps run
    past `horizon` the whole story moves earlier; optional steps that do not fit (and all that
    follow them) are left out: that work has simply not happened yet."""
    at, timed = received_at, []
    for kind, delay, optional, data in steps:
        at = at + delay
        # The hotline answers around the clock: registering, and resolving on the same call,
        # happen when the customer calls; other staff work in working hours.
        if kind not in ("register", "first_contact"):
            at = _working(rng, at)
        timed.append(Step(kind, at, optional, data))
    _closes_after_the_reply(timed)
    required = [s for s in timed if not s.optional]
    overrun = required[-1].at - horizon if required else dt.timedelta(0)
    slack = _hours(rng, 0.1, 3)
    if overrun > dt.timedelta(0):
        shift = overrun + slack
        received_at -= shift
        for s in timed:
            s.at -= shift
        # Moved earlier, a close may now come before its reply leaves: it waits again, and
        # the story moves back by whole days (which keep every time of day) until it fits.
        _closes_after_the_reply(timed)
        while required and required[-1].at > horizon:
            received_at -= dt.timedelta(days=1)
            for s in timed:
                s.at -= dt.timedelta(days=1)
    kept: list[Step] = []
    for s in timed:
        if s.at > horizon:
            break
        kept.append(s)
    return received_at, kept


def _closes_after_the_reply(timed: list[Step]) -> None:
    """A close as accepted comes after the customer has the reply: one written in the quiet
    hours goes by SMS at 08:00 (messages.rules), so the close, and every step after it, waits
    for that (resolution's rule `accepted_close_waits`). A reply told on the call (first
    contact) does not wait."""
    replied: dt.datetime | None = None
    for i, s in enumerate(timed):
        if s.kind in ("resolve", "approve"):
            replied = s.at
        elif s.kind == "first_contact":
            replied = None
        elif s.kind == "close" and s.data.get("accepted") and replied is not None:
            out = send_not_before(replied, channel=MessageChannel.SMS, urgent=False)
            if out > s.at:
                wait = out - s.at
                for later in timed[i:]:
                    later.at += wait


# ---------------------------------------------------------------------------------------------
# Playing a plan through the services
# ---------------------------------------------------------------------------------------------


class Staff:
    """The demo users by name and by department, the departments, and authority limits;
    loaded once for the whole run."""

    def __init__(self) -> None:
        names = [row.username for row in DEMO_USERS]
        users = User.objects.select_related("department").filter(username__in=names)
        self.by_name = {u.username: u for u in users}
        self.departments = {d.code: d for d in Department.objects.all()}
        self.limits = {role: authority_limit(role) for role in Role.values}

    def __getitem__(self, username: str) -> User:
        return self.by_name[username]

    def handler(self, rng: random.Random, department_id: int | None) -> User:
        """One of the department's handlers; the administrator when it has none (a department
        an admin created after the demo users)."""
        handlers = [
            u
            for u in self.by_name.values()
            if u.role == Role.HANDLER and u.department_id == department_id and u.is_active
        ]
        return rng.choice(handlers) if handlers else self["admin"]

    def approver(self, complaint: Complaint, amount: Decimal) -> User:
        """The department's manager with the smallest authority that covers the amount; the
        administrator when no one in the department may approve it."""

        def covers(limit: Decimal | None) -> bool:
            return limit is None or amount <= limit

        managers = sorted(
            (
                u
                for u in self.by_name.values()
                if u.role in MANAGER_ROLES
                and u.department_id == complaint.department_id
                and covers(self.limits[u.role])
            ),
            key=lambda u: self.limits[u.role] or Decimal("1e12"),
        )
        return managers[0] if managers else self["admin"]


FAR_FUTURE = dt.datetime.max.replace(tzinfo=dt.UTC)


@dataclass
class Player:
    """Plays one plan: each step is a service call made with the clock frozen at its time."""

    plan: ComplaintPlan
    rng: random.Random
    staff: Staff
    # The external references given so far: one channel registers a reference once.
    refs: set[str] = field(default_factory=set)
    # The demo's now: nothing happens after it (calls of a callback are planned as they go).
    horizon: dt.datetime = FAR_FUTURE
    # The minute job's time-limit scans between the steps (None: not run).
    limits: LimitScans | None = None

    def run(self) -> Complaint:
        complaint = None
        since = self.plan.steps[0].at
        for step in self.plan.steps:
            if complaint is not None and self.limits is not None:
                self.limits.replay(complaint, since=since, until=step.at)
            since = step.at
            with clock.frozen(step.at):
                if complaint is None:
                    complaint = self.register()
                else:
                    complaint = getattr(self, step.kind)(complaint, step)
        assert complaint is not None
        return complaint

    def register(self) -> Complaint:
        text, channel = self.plan.text, self.plan.text.channel
        registrar = None  # app, web and WeChat: the customer's own submission
        if channel == Channel.STORE:
            registrar = self.staff["agent2"]
        elif channel not in (Channel.APP, Channel.WEB, Channel.WECHAT):
            registrar = self.staff["agent1"]
        day = self.plan.received_at.astimezone(SHANGHAI).strftime("%Y%m%d")
        external_ref = {
            Channel.REGULATOR: f"GXB{day}{self.rng.randint(10000, 99999)}",
            Channel.CONSUMER_ASSOCIATION: f"12315-{day}-{self.rng.randint(1000, 9999)}",
        }.get(Channel(channel), "")
        # Drawn at random, so two on one day may meet (more likely the more complaints a day):
        # the second gets a suffix, as a regulator would number a second referral.
        while external_ref and external_ref in self.refs:
            external_ref += "-2"
        self.refs.add(external_ref)
        return complaint_register(
            registration=Registration(
                channel=channel,
                content=text.content,
                demand=text.demand,
                customer_phone=self.plan.customer.phone,
                customer_name=self.plan.customer.name,
                received_at=self.plan.received_at,
                external_ref=external_ref,
                category=self.plan.given_category,
                level=self.plan.level,
                # The history's referrals come from the ministry (their GXB numbers), on the
                # default deadlines (issue 17).
                authority="工业和信息化部" if channel == Channel.REGULATOR else "",
            ),
            actor=registrar,
            actor_name=None if registrar else "customer",
        )

    def triage(self, c: Complaint, step: Step) -> Complaint:
        """The department that received the complaint hands it on when it is not theirs."""
        category = self.plan.text.category
        right = self.staff.departments[CATEGORY_DEPARTMENT[category]]
        if c.department_id == right.pk:
            return c
        reason = f"经核实属于「{CATEGORY_NAME[category]}」问题，非本部门职责，转{right.name}处理"
        actor = c.handler or self.staff.handler(self.rng, c.department_id)
        return complaint_dispatch(complaint=c, actor=actor, department=right, reason=reason)

    def accept(self, c: Complaint, step: Step) -> Complaint:
        # The handler it was assigned to, or someone of the department taking it from the queue.
        actor = c.handler or self.staff.handler(self.rng, c.department_id)
        c = complaint_accept(complaint=c, actor=actor)
        # A category the agent or the model got wrong is corrected by the handler, so that
        # the clause, the reply and the statistics go by what the complaint is about.
        right = self.plan.text.category
        if c.category is None or c.category.code != right:
            c = complaint_categorise(
                complaint=c, actor=_handler(c), category=Category.objects.get(code=right)
            )
        return c

    def escalate(self, c: Complaint, step: Step) -> Complaint:
        rank = LEVEL_RANK[Level(c.level)]
        higher = [lv for lv in (Level.IMPORTANT, Level.MAJOR) if LEVEL_RANK[lv] > rank]
        if not higher:
            return c
        reason = str(step.data["reason"])
        return complaint_escalate(complaint=c, actor=_handler(c), level=higher[0], reason=reason)

    def investigate(self, c: Complaint, step: Step) -> Complaint:
        actor = _handler(c)
        # Nobody here cheated the customer of a fraud: calmed and warned, not apologised to.
        calm = (
            "已致电客户安抚情绪，并提示防范诈骗的要点"
            if self.plan.text.category in THIRD_PARTY_CATEGORIES
            else "已致电客户致歉并安抚情绪"
        )
        handling_step_record(complaint=c, actor=actor, step=HandlingStep.CALM, text=calm)
        answers = step.data["answers"]
        assert isinstance(answers, dict)
        handling_step_record(
            complaint=c,
            actor=actor,
            step=HandlingStep.INVESTIGATE,
            text=str(step.data["text"]),
            answers=answers,
        )
        return c

    def note(self, c: Complaint, step: Step) -> Complaint:
        text = step.data["text"]
        if "unescalated" in step.data and not c.events.filter(type=EventType.ESCALATED).exists():
            text = step.data["unescalated"]
        return complaint_note_add(complaint=c, actor=_handler(c), text=str(text))

    def resolve(self, c: Complaint, step: Step) -> Complaint:
        return self._resolve(c, step, _handler(c))

    def first_contact(self, c: Complaint, step: Step) -> Complaint:
        """The registering agent resolves on the call (S3 授权), within their authority and the
        role's first-contact window (FIRST_CONTACT_SHARE of the small closed hotline and store
        complaints)."""
        assert c.registered_by is not None
        return self._resolve(c, step, c.registered_by)

    def _resolve(self, c: Complaint, step: Step, actor: User) -> Complaint:
        resolution = step.data["resolution"]
        assert isinstance(resolution, Resolution)
        demo_evidence_attach(c, actor, list(resolution.evidence), resolution.disputed_amount)
        return complaint_resolve(
            complaint=c,
            actor=actor,
            finding=resolution.finding,
            cause=resolution.cause,
            responsible_department=c.department,
            remedies=resolution.remedies,
            reply=resolution.reply,
            disputed_amount=resolution.disputed_amount,
            outage_days=resolution.outage_days,
        )

    def approve(self, c: Complaint, step: Step) -> Complaint:
        pending = c.approvals.filter(decided_at__isnull=True).first()
        if pending is None:  # the limits were raised since planning: nothing to approve
            return c
        approver = self.staff.approver(c, pending.amount)
        return complaint_approve(complaint=c, actor=approver, approved=True, note="同意")

    def close(self, c: Complaint, step: Step) -> Complaint:
        accepted = bool(step.data["accepted"])
        # Resolved on the call: the agent who heard the customer accept it closes it (S3).
        actor = c.registered_by if c.first_contact and c.registered_by else _handler(c)
        return complaint_close(complaint=c, actor=actor, customer_accepted=accepted)

    def callback(self, c: Complaint, step: Step) -> Complaint:
        """The calls of the callback: an unreachable customer is called in different parts of
        the day until the configured number failed; some others answer only the second call;
        a few are called once and then forgotten (overdue, for the chase). Calls that would
        fall after the demo's `now` have not happened yet. Precondition: the callback is the
        plan's last step unless dissatisfied (then nothing may be moved later)."""
        result = str(step.data["result"])
        agent = self.staff["agent1"]
        if result == CallbackResult.UNREACHABLE:
            self._failed_calls(c, step.at, settings.TOUSU_CALLBACK_ATTEMPTS)
            c.refresh_from_db()
            return c
        at = step.at
        if result != CallbackResult.DISSATISFIED:
            # Forgotten after one failed call: only lately (an office chases its overdue
            # callbacks; one forgotten for months would not still be waiting).
            missed = self.rng.random() < MISSED_CALLBACK_SHARE
            if missed and self.horizon - at < MISSED_CALLBACK_RECENT:
                self._failed_calls(c, at, 1)
                return c
            if self.rng.random() < FAILED_FIRST_SHARE:
                retry = self._failed_calls(c, at, 1)
                if retry is None:
                    return c
                at = retry
        scores = step.data.get("scores") or _scores(self.rng, result)
        assert isinstance(scores, dict)
        comment = _comment(self.rng, result, paid=bool(step.data.get("paid")))
        with clock.frozen(at):
            complaint_callback_record(
                complaint=c,
                actor=agent,
                result=result,
                scores=scores,
                comment=comment,
                dissatisfied_action=str(step.data.get("action") or DissatisfiedAction.REOPEN),
                # Asked last; its own random stream, so the rest of the demo draws as before.
                overall=_overall(random.Random(f"overall {c.number}"), result, scores),
                reasons=_reasons(result, comment, c.category.code if c.category else ""),
            )
        c.refresh_from_db()
        return c

    def _failed_calls(self, c: Complaint, at: dt.datetime, count: int) -> dt.datetime | None:
        """`count` failed calls from `at`, each at the time the one before scheduled; returns
        when the next call is due (a few minutes into the next part of the day), or None when
        that is past the demo's now or the callback ended."""
        for _ in range(count):
            if at > self.horizon:
                return None
            outcome, note = self.rng.choice(FAILED_CALLS)
            with clock.frozen(at):
                task = callback_attempt_record(
                    complaint=c, actor=self.staff["agent1"], outcome=outcome, note=note
                )
            if task.next_attempt_at is None:
                return None
            at = task.next_attempt_at + dt.timedelta(minutes=self.rng.randint(3, 50))
        return at if at <= self.horizon else None


def _forgotten_due_times(now: dt.datetime) -> list[dt.datetime]:
    """When the chase found each callback still pending past its due time, oldest first: the
    minute after it, or, when a call was still made after it (the due time falls before the 48
    hours run out when they end at night), once that call was made — the timeline stays in
    time order."""
    pending = CallbackTask.objects.filter(status=CallbackStatus.PENDING, due_at__lt=now)
    last_event = Max("complaint__events__at")
    rows = pending.annotate(last=last_event).values_list("due_at", "last")
    return sorted({max(due + dt.timedelta(minutes=1), last or due) for due, last in rows})


def _reasons(result: str, comment: str, category: str) -> list[str]:
    """The coded reasons for what the customer said; an unsolved problem by its kind."""
    if result not in (CallbackResult.DISSATISFIED, CallbackResult.BASICALLY_SATISFIED):
        return []
    reasons = list(COMMENT_REASONS.get(comment, ()))
    if result == CallbackResult.DISSATISFIED and not reasons:
        reasons = [DissatisfactionReason.NOT_SOLVED]
    if DissatisfactionReason.NOT_SOLVED in reasons:
        kind = CATEGORY_REASONS.get(category) or CATEGORY_REASONS.get(category.split(".")[0])
        if kind:
            reasons.append(kind)
    return reasons


def _comment(rng: random.Random, result: str, *, paid: bool) -> str:
    """What the customer said on the callback; about the compensation only if there was one."""
    fitting = [t for t in CALLBACK_COMMENTS[result] if paid or "补偿" not in t]
    return rng.choice(fitting)


def _handler(c: Complaint) -> User:
    """The handler in charge; set when the complaint was accepted."""
    assert c.handler is not None
    return c.handler


# ---------------------------------------------------------------------------------------------
# The whole demo
# ---------------------------------------------------------------------------------------------


@dataclass
class DemoResult:
    users: list[tuple[DemoUser, bool]]
    customers: int
    complaints: int
    statuses: dict[str, int]
    model: str | None = None  # the classifier trained on the closed complaints, now active
    # The complaints whose outcome departs from its clause on purpose (the consistency page's).
    departures: list[str] = field(default_factory=list)
    # The live outage's calls (demo_wave), besides `complaints`, and the alerts they raised.
    wave: int = 0
    alerts: int = 0
    incidents: list[str] = field(default_factory=list)  # the demo's incidents (issue 15)
    forecast_rows: int = 0  # the backlog forecast's training rows (0: none trained)
    archived: int = 0  # complaints archived (DEMO_ARCHIVE_DAYS)
    mails: int = 0  # complaints registered from the demo's mails (issue 17), besides `complaints`
    care: int = 0  # customers on the known faults' proactive-care lists (issue 15)


def team_gather(staff: Staff) -> ExpertTeam | None:
    """An expert team on the first open over-level complaint (else major), formed by the
    administrator right after the complaint's latest event; None when there is none."""
    for level in (Level.OVER_LEVEL, Level.MAJOR):
        complaint = (
            Complaint.objects.filter(
                level=level, status__in=(Status.DISPATCHED, Status.IN_PROGRESS)
            )
            .select_related("department", "handler")
            .order_by("number")
            .first()
        )
        if complaint is not None:
            break
    else:
        return None
    lead = complaint.handler or staff.handler(random.Random(0), complaint.department_id)
    members = [staff[name] for name in DEMO_TEAM if staff[name] != lead]
    last = complaint.events.order_by("-seq").values_list("at", flat=True).first()
    with clock.frozen(last or clock.now()):
        return expert_team_form(
            complaint=complaint, actor=staff["admin"], lead=lead, members=members
        )


# The share of open complaints written as about to blow up (demo_texts._HIGH_RISK_ENDINGS).
HIGH_RISK_SHARE = 0.07
FRAUD_SHOWN_WITHIN = dt.timedelta(days=10)  # the fraud complaint every full demo shows


def _threatens(content: str) -> bool:
    return any(word in content for word in ("工信部", "媒体", "315", "律师"))


def _departure_targets(finals: list[str]) -> list[int]:
    """Where among the closed complaints (1-based, in received order) the deliberate
    departures fall: spread evenly, one per DEPARTURE_EVERY complaints, at most
    MAX_DEPARTURES, none in a demo of fewer than 20."""
    closed = finals.count(Status.CLOSED)
    if len(finals) < 20 or not closed:
        return []
    k = min(MAX_DEPARTURES, max(1, len(finals) // DEPARTURE_EVERY), closed)
    return [int((j + 0.5) * closed / k) + 1 for j in range(k)]


def _over_authority_text(
    rng: random.Random, limit: Decimal, high_risk: bool, received: dt.date, plan: str = ""
) -> DemoComplaint:
    """A billing complaint that states a disputed amount above `limit`: refunded as the clause
    says, it needs approval."""
    for _ in range(500):
        text = demo_complaint(
            rng, rng.choice(BIG_DISPUTES), high_risk=high_risk, received=received, plan=plan
        )
        stated = disputed_amount_stated(text.content, as_written=True)
        if stated is not None and stated > limit:
            return text
    raise RuntimeError(f"no demo text disputes more than {limit} yuan")


def _callback_due_slot(slots: list[tuple[dt.datetime, str, bool]], now: dt.datetime) -> None:
    """Make the first closed complaint a recent one, so that its callback is still waiting and
    not yet due whatever the day and hour the demo is loaded (closed complaints otherwise
    close when their story says, and on a Sunday evening none may have closed within the
    callback's 48 hours). Its story overruns now and so ends, closed, shortly before it. Its
    own random stream: the rest of the demo draws as before."""
    for i, (_received, final, reopened) in enumerate(slots):
        if final == Status.CLOSED:
            hours = random.Random(f"callback due {len(slots)}").uniform(2, 20)
            slots[i] = (now - dt.timedelta(hours=hours), final, reopened)
            return


def plan_all(
    rng: random.Random,
    count: int,
    now: dt.datetime,
    handler_limit: Decimal | None,
    regions: dict[str, Region],
    *,
    clauses: Sequence[PlanClause] = (),
    agent_limit: Decimal | None = Decimal(0),
) -> tuple[list[ComplaintPlan], list[Customer]]:
    """Plans for `count` complaints and the customers they come from (unsaved); their
    outcomes follow `clauses` (see `plan_clauses`), but for a few deliberate departures."""
    horizon = now - dt.timedelta(minutes=2)
    finals = status_counts(count)
    rng.shuffle(finals)
    departures = _departure_targets(finals)
    closed_seen = 0
    slots = []
    for final in finals:
        reopened = final == Status.IN_PROGRESS and rng.random() < 0.1
        if final == Status.CLOSED:
            low, high, recency = dt.timedelta(days=2), dt.timedelta(days=HISTORY_DAYS - 5), 3.0
        else:
            lo_h, hi_h = _open_window(final, reopened)
            low, high, recency = dt.timedelta(hours=lo_h), dt.timedelta(hours=hi_h), 0.0
        slots.append((received_time(rng, now, low, high, recency), final, reopened))
    _callback_due_slot(slots, now)
    slots.sort(key=lambda slot: slot[0])

    taken = set(Customer.objects.values_list("phone", flat=True))
    customers: list[Customer] = []
    last: dict[str, tuple[dt.datetime, str]] = {}  # phone → (last received, category)
    recent: list[Customer] = []
    plans = []
    fraud_shown = count < MIN_HISTORY  # a small demo holds what was drawn, no more
    for received, final, reopened in slots:
        recent = [c for c in recent if received - last[c.phone][0] < dt.timedelta(days=60)]
        day = received.astimezone(SHANGHAI).date()
        # A few open complaints about to blow up, for the watch list and the queues (R2.4).
        high_risk = final != Status.CLOSED and not reopened and rng.random() < HIGH_RISK_SHARE
        same = False
        if recent and rng.random() < REPEAT_SHARE:
            customer = rng.choice(recent)
            same = rng.random() < 0.6  # most come back about the same problem
            category = last[customer.phone][1] if same else None
            text = demo_complaint(
                rng, category, high_risk=high_risk, received=day, plan=customer.plan
            )
        else:
            customer = customer_new(rng, taken, now.date(), regions)
            customers.append(customer)
            text = demo_complaint(rng, high_risk=high_risk, received=day, plan=customer.plan)
            if not fraud_shown and final == Status.CLOSED and now - received < FRAUD_SHOWN_WITHIN:
                # Fraud is rare (its weight drew none in one default demo of three): the first
                # new customer's closed complaint of the last days is about it if none of those
                # days' was, so that SEC-02 is on show among the recent complaints. Its own
                # stream keeps everyone else's draws.
                side = random.Random(int(received.timestamp()))
                text = demo_complaint(side, "security.fraud", received=day, plan=customer.plan)
        if final == Status.AWAITING_APPROVAL and handler_limit is not None:
            text = _over_authority_text(rng, handler_limit, high_risk, day, customer.plan)
            same = same and text.category == last[customer.phone][1]
        recent_fraud = text.category == "security.fraud" and now - received < FRAUD_SHOWN_WITHIN
        fraud_shown = fraud_shown or recent_fraud
        if text.category in BROADBAND_CATEGORIES and "宽带" not in customer.plan:
            # A broadband complaint comes from a customer with broadband: their plan is the
            # bundle (their texts of that kind name no plan, so none needs writing again; the
            # customer is not saved yet, so every complaint of theirs is registered with it).
            customer.plan = BROADBAND_PLAN
        departure = ""
        if final == Status.CLOSED:
            closed_seen += 1
            if departures and closed_seen >= departures[0] and _covered(clauses, text.category):
                departures.pop(0)
                departure = ("goodwill", "short")[len(departures) % 2]
        last[customer.phone] = (received, text.category)
        recent.append(customer)

        roll = rng.random()
        given = ""
        if roll < MISFILED_SHARE and text.category in LOOK_ALIKES:
            given = LOOK_ALIKES[text.category]
        elif roll < GIVEN_CATEGORY_SHARE and text.channel not in (Channel.APP, Channel.WEB):
            given = text.category
        given_level = Level.IMPORTANT if _threatens(text.content) else ""
        level = sla_rules.initial_level(text.channel, given_level or None)
        if final != Status.CLOSED and not reopened:
            # Shorter time limits (fast track) → received more recently.
            scale = sla_rules.DEFAULT_LIMITS[Level(level)].resolution / dt.timedelta(hours=72)
            received = now - (now - received) * scale
        story = Story(
            day=received.astimezone(SHANGHAI).date(),
            tier=customer.value_tier,
            repeat=same,
            clauses=clauses,
            departure=departure,
            agent_limit=agent_limit,
            filed_right=given == text.category,
        )
        steps = plan_steps(
            rng,
            text=text,
            final=final,
            level=level,
            reopened=reopened,
            handler_limit=handler_limit,
            story=story,
        )
        received, timed = schedule(rng, received, steps, horizon)
        plans.append(
            ComplaintPlan(
                text=text,
                final=final,
                received_at=received,
                customer=customer,
                given_category=given,
                level=given_level,
                steps=timed,
                seed=rng.getrandbits(32),
            )
        )
    return plans, customers


def demo_load(
    *, complaints: int = DEFAULT_COMPLAINTS, seed: int = DEFAULT_SEED, progress: bool = False
) -> DemoResult:
    """Create the demo users, customers and `complaints` complaints in one transaction.
    Precondition: reference data loaded (`tousu init`)."""
    rng = random.Random(seed)
    # Whole minutes: two runs with one seed in the same minute give identical data.
    now = timezone.now().replace(second=0, microsecond=0)
    with transaction.atomic():
        users = demo_users_ensure()
        demo_routing_ensure()
        standard_clauses_load()  # before the complaints, so their outcomes meet a standard
        staff = Staff()
        regions = {r.code: r for r in Region.objects.all()}
        clauses = plan_clauses()
        plans, customers = plan_all(
            rng,
            complaints,
            now,
            staff.limits[Role.HANDLER],
            regions,
            clauses=clauses,
            agent_limit=staff.limits[Role.AGENT],
        )
        # Issue 16: the surge of complaints a corrective action later brought down; R10.1: a
        # past spike of one plan's complaints, from every city and channel. Each its own
        # random stream, planned after (and apart from) the customers already planned.
        waves = (
            (SURGE_MIN_COMPLAINTS, surge_plans, 16),
            (PRODUCT_WAVE_MIN_COMPLAINTS, product_wave_plans, 101),
        )
        for minimum, planner, stream in waves:
            if complaints < minimum:
                continue
            more, more_customers = planner(
                random.Random(seed + stream),
                now,
                staff.limits[Role.HANDLER],
                regions,
                clauses=clauses,
                agent_limit=staff.limits[Role.AGENT],
                planned=customers,
            )
            plans += more
            customers += more_customers
        contact_preferences_plan(customers)  # issue 17: e-mail preferred, one opted out
        Customer.objects.bulk_create(customers, ignore_conflicts=True)
        # Registration order is number order: TS<day>0001 is the first complaint of the day.
        plans.sort(key=lambda p: p.steps[0].at)
        statuses: dict[str, int] = {}
        departures: list[str] = []
        refs: set[str] = set()
        bar = tqdm(plans, desc="demo", unit=" complaints", disable=not progress, leave=False)
        limits = LimitScans.load()
        for plan in bar:
            complaint = Player(plan, random.Random(plan.seed), staff, refs, now, limits).run()
            statuses[complaint.status] = statuses.get(complaint.status, 0) + 1
            if _departs(plan):
                departures.append(complaint.number)
        team_gather(staff)
        wave = 0
        if complaints >= MIN_HISTORY:
            wave = wave_load(
                rng, now, [staff["agent1"], staff["agent2"]], staff["handler_broadband"]
            )
        knowledge_demo_load()  # issue 5: wording, reply templates, cases of closed complaints
        survey_demo_load(now)
        # The chase, as the job ran it every minute: at each forgotten callback's due time
        # (so each is escalated then, not today), and now.
        for moment in _forgotten_due_times(now):
            with clock.frozen(moment):
                jobs.run("callbacks.chase")
        with clock.frozen(now):
            jobs.run("callbacks.chase")
        # Issue 17: a customer's note from their own page, a survey answered by its link.
        page_demo_load(now)
        # Issue 14: the dissatisfied customers in repair cases, the older ones repaired.
        repair_demo_load(now=now, seed=seed)
        # Issue 15: the outage and a billing error as known faults, with their care lists,
        # the first calls made, and one customer who complained anyway (before the count
        # tables are filled: that complaint is counted like the others).
        care = care_demo_load(now=now, seed=seed, outage=bool(wave))
        # Issue 17: this morning's list of regulator referrals, imported from Excel on the web.
        if complaints >= MIN_HISTORY:
            import_demo_load(now)
        # Issue 17: complaints that came in by mail, and the customers' replies threaded.
        mails = mail_demo_load(now) if complaints >= MIN_HISTORY else 0
        if complaints >= MIN_HISTORY:
            # Issue 17: a complaint registered by WeChat message, its conversation as messages.
            wechat_demo_load(now)
            # A long complaint texted to the complaint number, and the customer's SMS reply.
            sms_demo_load(now)
        if complaints >= MIN_HISTORY:
            # Issue 17: two live regulator referrals, the authority's clocks beside ours (with
            # the wave: a small demo holds the complaints asked for, no more).
            regulator_demo_load(now=now, agent=staff["agent1"])
        # Issue 17: the acknowledgements, replies and survey notices sent as the job sent them,
        # at their times (those held for the night still queued); the SMS receipts. Before the
        # commit, so that the job it starts finds them sent.
        messages_demo_load(now)
        # Last, as the archive job runs after everything else has happened to them.
        archived = complaints_archive(now=now, days=DEMO_ARCHIVE_DAYS)
        # Issue 16: the weeks' inspections sampled and scored, two appeals, a calibration.
        inspection_demo_load(now=now, seed=seed)
        # Issue 14: the records of the parts above found at their times (surveys of the
        # unrepaired, complaints repeating an earlier one), and the cases assigned by their
        # department's supervisors, the newest two left in the queue.
        repair_demo_finish(now=now, seed=seed)
    # Complaints registered from now on are classified by a model trained on the closed ones:
    # the learning loop's first run, as its daily job does it (trained on the older ones,
    # activated because it beats the keyword rules on the newest); the classifier page shows
    # the run. Should it not win, a model trained on all of them, as before.
    with clock.frozen(now):
        jobs.run("classification.retrain")
    model = TextModel.objects.filter(active=True).first() or text_model_refresh()
    # The dashboard and reports read the count tables: fill them now rather than leave the
    # first minute of `make run` with empty charts (the fill job keeps them current after).
    counts_rebuild()
    # Issue 16: the complaint-management manual, and corrective actions whose effectiveness
    # check reads the count tables just filled.
    documents_demo_load(now)
    capa_demo_load(now)
    # The product's spike, raised on its evening and ended the next (before the scan of now,
    # as the hourly job ran them in that order).
    alerts = product_wave_scan(now)["raised"] if complaints >= PRODUCT_WAVE_MIN_COMPLAINTS else 0
    alerts += wave_scan(now)["raised"] if wave else 0
    # Issue 15: the outage's alert becomes an incident (its statement replied to every open
    # call, one late call proposed to it), and an older billing error closed with its review.
    incidents = wave_incidents(now, staff["agent1"]) if wave else None
    # The time limits of the complaints still open, kept up to now as the minute job kept
    # them (their reminders, first-response alerts and escalations at their minutes), then
    # counted as the fill job counts them.
    limits.replay_open(now)
    with clock.frozen(now):
        jobs.run("analytics.fill")
    # The risk of the open complaints weighed against what happened to them since registration
    # (overdue, transferred, reopened, a dissatisfied callback …), as the minute job does: now,
    # after the incident's steps of the last hour (its events at now would hold them all at now).
    with clock.frozen(now):
        jobs.run("intake.risk_rescore")
    # The outage statement's progress messages, sent as the job sends them (unless the night
    # holds them): the same claim as the job's, so whichever comes first sends each once.
    messages_demo_load(now, one_refused=False)
    # The dashboard's backlog forecast learns from the closed history, as the daily job does.
    forecast = backlog_model_train(now=now)
    # The timeline heads sealed, as the job does every hour: the tamper evidence the
    # management review's records clause points at.
    with clock.frozen(now):
        jobs.run("complaints.seal")
    return DemoResult(
        users=users,
        customers=len(customers),
        complaints=len(plans),
        mails=mails,
        statuses=statuses,
        model=model.version if model else None,
        departures=departures,
        wave=wave + (incidents.late_calls if incidents else 0),
        alerts=alerts,
        incidents=[i.number for i in (incidents.live, incidents.past) if i] if incidents else [],
        forecast_rows=forecast.rows if forecast else 0,
        archived=archived,
        care=care,
    )


def surge_plans(
    rng: random.Random,
    now: dt.datetime,
    handler_limit: Decimal | None,
    regions: dict[str, Region],
    *,
    clauses: Sequence[PlanClause] = (),
    agent_limit: Decimal | None = Decimal(0),
    planned: Sequence[Customer] = (),
) -> tuple[list[ComplaintPlan], list[Customer]]:
    """Plans for the surge of `quality.demo_capa.SURGE` (complaints of one category received
    in its window, each from a new customer, closed like the history) and their customers."""
    horizon = now - dt.timedelta(minutes=2)
    taken = set(Customer.objects.values_list("phone", flat=True)) | {c.phone for c in planned}
    plans, customers = [], []
    low, high = dt.timedelta(days=SURGE.last_days_ago), dt.timedelta(days=SURGE.first_days_ago)
    for _ in range(SURGE.complaints):
        received = received_time(rng, now, low, high, 0.0)
        customer = customer_new(rng, taken, now.date(), regions)
        customers.append(customer)
        text = demo_complaint(
            rng, SURGE.category, received=received.astimezone(SHANGHAI).date(), plan=customer.plan
        )
        plans.append(
            _closed_plan(
                rng,
                text,
                customer,
                received,
                horizon,
                handler_limit=handler_limit,
                clauses=clauses,
                agent_limit=agent_limit,
            )
        )
    return plans, customers


def _closed_plan(
    rng: random.Random,
    text: DemoComplaint,
    customer: Customer,
    received: dt.datetime,
    horizon: dt.datetime,
    *,
    handler_limit: Decimal | None,
    clauses: Sequence[PlanClause],
    agent_limit: Decimal | None,
) -> ComplaintPlan:
    """The plan of a complaint of a wave (the surge, the product's spike): registered at
    `received` and closed like the history, its steps before `horizon`."""
    level = sla_rules.initial_level(text.channel, None)
    story = Story(
        day=received.astimezone(SHANGHAI).date(),
        tier=customer.value_tier,
        clauses=clauses,
        agent_limit=agent_limit,
    )
    steps = plan_steps(
        rng, text=text, final=Status.CLOSED, level=level, reopened=False,
        handler_limit=handler_limit, story=story,
    )  # fmt: skip
    received, timed = schedule(rng, received, steps, horizon)
    return ComplaintPlan(
        text=text,
        final=Status.CLOSED,
        received_at=received,
        customer=customer,
        given_category="",
        level="",
        steps=timed,
        seed=rng.getrandbits(32),
    )


def product_wave_plans(
    rng: random.Random,
    now: dt.datetime,
    handler_limit: Decimal | None,
    regions: dict[str, Region],
    *,
    clauses: Sequence[PlanClause] = (),
    agent_limit: Decimal | None = Decimal(0),
    planned: Sequence[Customer] = (),
) -> tuple[list[ComplaintPlan], list[Customer]]:
    """Plans for the product's spike (`demo_product`): each call from a new customer on the
    plan, wherever they live, closed like the history."""
    horizon = now - dt.timedelta(minutes=2)
    taken = set(Customer.objects.values_list("phone", flat=True)) | {c.phone for c in planned}
    plans, customers = [], []
    for received, text in wave_texts(rng, now):
        customer = customer_new(rng, taken, now.date(), regions)
        customer.plan = PRODUCT
        customers.append(customer)
        plans.append(
            _closed_plan(
                rng,
                text,
                customer,
                received,
                horizon,
                handler_limit=handler_limit,
                clauses=clauses,
                agent_limit=agent_limit,
            )
        )
    return plans, customers


def _departs(plan: ComplaintPlan) -> bool:
    """Whether a resolution this plan plays departs from its clause on purpose."""
    return any(
        isinstance(r := s.data.get("resolution"), Resolution) and r.departure
        for s in plan.steps
        if s.kind in ("resolve", "first_contact")
    )
