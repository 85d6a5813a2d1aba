"""`complaint_register`: the one way a complaint enters the system, from every channel (R1)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from tousu.accounts import permissions
from tousu.accounts.models import Department, Region, User
from tousu.classification.models import Category
from tousu.classification.rules import KEYWORD_MODEL_VERSION
from tousu.classification.selectors import active_classifier
from tousu.complaints.choices import CategorySource, Channel, EventType, Level
from tousu.complaints.models import Complaint
from tousu.complaints.rules import format_number
from tousu.complaints.search import search_index
from tousu.complaints.services import event_record, number_allocate
from tousu.complaints.timeline import canonical
from tousu.core import clock
from tousu.core.errors import Conflict, NotAllowed, ValidationFailed
from tousu.core.text import clean_text, normalise_phone
from tousu.customers.choices import SpecialType
from tousu.customers.models import Customer
from tousu.customers.services import customer_get_or_create
from tousu.intake import risk as intake_risk
from tousu.intake import rules as intake_rules
from tousu.intake.models import IdempotencyKey
from tousu.notifications.choices import NotificationKind
from tousu.notifications.services import notify, webhook_emit
from tousu.routing.selectors import department_for
from tousu.routing.services import HANDLER_ROLES, complaint_dispatch
from tousu.sla import rules as sla_rules
from tousu.sla import selectors as sla_selectors

CONTENT_MAX_CHARS = 10_000
DEMAND_MAX_CHARS = 2_000
NAME_MAX_CHARS = 64
# Clocks of other systems drift; a received time a few minutes ahead is not "the future".
FUTURE_TOLERANCE = dt.timedelta(minutes=5)


# How many of the customer's recent complaints the repeat check compares, newest first.
REPEAT_CANDIDATES_MAX = 50


@dataclass
class Registration:
    """What a channel knows at first contact (R1.2). Strings as typed; validated by the service."""

    channel: str
    content: str
    customer_phone: str
    customer_name: str = ""
    customer_account: str = ""
    region: str = ""  # region code
    received_at: dt.datetime | None = None
    demand: str = ""
    external_ref: str = ""
    category: str = ""  # code; given → no automatic classification
    level: str = ""
    extra_errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class _Clean:
    channel: str
    content: str
    phone: str
    name: str
    account: str
    region: Region | None
    received_at: dt.datetime
    demand: str
    external_ref: str
    category: Category | None
    level: str


def _validate(reg: Registration) -> _Clean:
    errors: dict[str, list[str]] = {k: list(v) for k, v in reg.extra_errors.items()}

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if reg.channel not in Channel.values:
        err("channel", f"未知渠道「{reg.channel}」，可选：{', '.join(Channel.values)}")
    content = clean_text(reg.content or "")
    if not content:
        err("content", "投诉内容不能为空")
    elif len(content) > CONTENT_MAX_CHARS:
        err("content", f"投诉内容最多 {CONTENT_MAX_CHARS} 个字符，当前 {len(content)}")
    demand = clean_text(reg.demand or "")
    if len(demand) > DEMAND_MAX_CHARS:
        err("demand", f"诉求最多 {DEMAND_MAX_CHARS} 个字符，当前 {len(demand)}")
    phone = normalise_phone(reg.customer_phone or "")
    if phone is None:
        err("customer.phone", "电话号码无效：应为 11 位手机号或带区号的固定电话")
    name = clean_text(reg.customer_name or "")
    if len(name) > NAME_MAX_CHARS:
        err("customer.name", f"姓名最多 {NAME_MAX_CHARS} 个字符")
    account = clean_text(reg.customer_account or "")
    if len(account) > 32:
        err("customer.account", "账号最多 32 个字符")
    external_ref = clean_text(reg.external_ref or "")
    if len(external_ref) > 64:
        err("external_ref", "外部编号最多 64 个字符")
    region = None
    if reg.region:
        region = Region.objects.filter(code=reg.region).first()
        if region is None:
            err("customer.region", f"未知地区「{reg.region}」")
    now = clock.now()
    received_at = reg.received_at or now
    if received_at.tzinfo is None:
        err("received_at", "时间必须带时区，例如 2026-11-20T09:30:00+08:00")
    elif received_at > now + FUTURE_TOLERANCE:
        err("received_at", "受理时间不能晚于当前时间")
    category = None
    if reg.category:
        category = (
            Category.objects.select_related("parent").filter(code=reg.category, active=True).first()
        )
        if category is None:
            err("category", f"未知类别「{reg.category}」")
    if reg.level and reg.level not in Level.values:
        err("level", f"未知级别「{reg.level}」，可选：{', '.join(Level.values)}")
    if errors:
        raise ValidationFailed("提交的内容有误，请检查标出的字段", fields=errors)
    assert phone is not None
    return _Clean(
        channel=reg.channel,
        content=content,
        phone=phone,
        name=name,
        account=account,
        region=region,
        received_at=received_at,
        demand=demand,
        external_ref=external_ref,
        category=category,
        level=reg.level,
    )


def repeat_find(
    *,
    customer: Customer,
    account: str,
    category: Category | None,
    content: str,
    received_at: dt.datetime,
) -> Complaint | None:
    """The earlier complaint this one repeats (R2.5): the most recent one of the same customer
    (same phone, or same account) received within the repeat window before it, through any
    channel, about the same category or telling a similar story; None when there is none."""
    window = dt.timedelta(days=settings.TOUSU_REPEAT_WINDOW_DAYS)
    same_customer = Q(customer=customer)
    if account or customer.account:
        same_customer |= Q(customer__account=account or customer.account)
    earlier = (
        Complaint.objects.filter(
            same_customer,
            received_at__gte=received_at - window,
            received_at__lte=received_at,
        )
        .select_related("category", "department", "handler")
        .order_by("-received_at", "-pk")[:REPEAT_CANDIDATES_MAX]
    )
    code = category.code if category else ""
    for candidate in earlier:
        other = candidate.category.code if candidate.category else ""
        if intake_rules.same_category(code, other) or intake_rules.similar_text(
            content, candidate.content
        ):
            return candidate
    return None


def _repeat_route(earlier: Complaint) -> tuple[Department, User | None, str] | None:
    """Back to the earlier complaint's department and handler while it is still open."""
    department = earlier.department
    if not earlier.is_open or department is None or not department.active:
        return None
    handler = earlier.handler
    if handler is not None and not (
        handler.is_active
        and handler.department_id == department.pk
        and handler.role in HANDLER_ROLES
    ):
        handler = None
    days = settings.TOUSU_REPEAT_WINDOW_DAYS
    back = "派回原处理人" if handler is not None else "派回原处理部门"
    return department, handler, f"重复投诉：同一客户{days}天内就同一问题再次投诉，{back}"


def assess(
    *, customer: Customer, content: str, channel: str, received_at: dt.datetime, repeat: bool
) -> tuple[intake_risk.Emotion, intake_risk.Risk]:
    """The emotion and escalation risk of a complaint being registered (R2.4, R2.6); counts
    the customer's earlier complaints in the risk window in one query."""
    window = dt.timedelta(days=intake_risk.PRIOR_WINDOW_DAYS)
    prior = Complaint.objects.filter(
        customer=customer, received_at__gte=received_at - window, received_at__lte=received_at
    ).count()
    risk = intake_risk.risk(
        content,
        channel,
        prior,
        repeat,
        professional=customer.special_type == SpecialType.PROFESSIONAL,
    )
    return intake_risk.emotion(content), risk


def complaint_register(
    *, registration: Registration, actor: User | None, actor_name: str | None = None
) -> Complaint:
    """Register a complaint: validate, find or create the customer, classify, number it, set
    its time limits, and dispatch it to the responsible department — all or nothing.

    `actor` is the member of staff (or API user) registering; None for the customer's own
    public submission, with `actor_name` saying who it was.
    """
    if actor is not None and not permissions.can_register(actor):
        raise NotAllowed("你的角色不能登记投诉")
    data = _validate(registration)
    with transaction.atomic():
        customer, _ = customer_get_or_create(
            phone=data.phone, name=data.name, account=data.account, region=data.region
        )
        category, confidence, source, model_version = data.category, None, "", ""
        suggestion: dict[str, object] | None = None
        if category is not None:
            source = CategorySource.GIVEN
        else:
            prediction = active_classifier().predict(data.content + "\n" + data.demand)
            if prediction.label:
                category = (
                    Category.objects.select_related("parent")
                    .filter(code=prediction.label, active=True)
                    .first()
                )
            if (
                category is not None
                and prediction.model_version != KEYWORD_MODEL_VERSION  # rules: no probability
                and prediction.confidence < settings.TOUSU_TRIAGE_CONFIDENCE
            ):
                suggestion = {"suggestion": category.code, "confidence": prediction.confidence}
                suggestion["model_version"] = prediction.model_version
                category = None  # too unsure: it waits in the triage queue
            if category is not None:
                confidence, source = prediction.confidence, CategorySource.MODEL
                model_version = prediction.model_version
        level = sla_rules.initial_level(data.channel, data.level or None)
        earlier = repeat_find(
            customer=customer,
            account=data.account,
            category=category,
            content=data.content,
            received_at=data.received_at,
        )
        if earlier is not None:
            level = intake_rules.repeat_level(level, earlier.level)
        emotion, risk = assess(
            customer=customer,
            content=data.content + "\n" + data.demand,
            channel=data.channel,
            received_at=data.received_at,
            repeat=earlier is not None,
        )
        if risk.score >= settings.TOUSU_RISK_HIGH:
            # One step up, never past major, never down (an over-level complaint stays so).
            level = intake_rules.repeat_level(level)
        first_due, resolution_due, policy_code = sla_selectors.due_times_for(
            category=category, level=level, channel=data.channel, received_at=data.received_at
        )
        now = clock.now()
        day = clock.local_today()
        number = format_number(day.strftime("%Y%m%d"), number_allocate(day))
        complaint = Complaint.objects.create(
            number=number,
            channel=data.channel,
            content=data.content,
            demand=data.demand,
            customer=customer,
            region=data.region or customer.region,
            external_ref=data.external_ref,
            category=category,
            category_confidence=confidence,
            category_source=source,
            level=level,
            repeat_of=earlier,
            registered_by=actor,
            received_at=data.received_at,
            registered_at=now,
            first_response_due=first_due,
            resolution_due=resolution_due,
            time_limit_policy=policy_code,
            risk_score=risk.score,
            risk_reasons=risk.reasons,
            anger=emotion.anger,
            urgency=emotion.urgency,
        )
        search_index(complaint)
        event_record(
            complaint=complaint,
            type=EventType.REGISTERED,
            actor=actor,
            actor_name=actor_name,
            data={
                "channel": data.channel,
                "level": level,
                "external_ref": data.external_ref,
                "repeat_of": earlier.number if earlier else None,
                "risk": {"score": risk.score, "reasons": risk.reasons},
                "emotion": {"anger": emotion.anger, "urgency": emotion.urgency},
            },
        )
        if category is not None:
            event_record(
                complaint=complaint,
                type=EventType.CLASSIFIED,
                actor=actor if source == CategorySource.GIVEN else None,
                actor_name=actor_name if source == CategorySource.GIVEN else "system",
                data={
                    "category": category.code,
                    "source": source,
                    "confidence": confidence,
                    "model_version": model_version,
                },
            )
        elif suggestion is not None:
            event_record(
                complaint=complaint,
                type=EventType.CLASSIFIED,
                actor=None,
                actor_name="system",
                data={"category": None, "source": "", **suggestion},
            )
        route = _repeat_route(earlier) if earlier is not None else None
        handler = None
        if route is not None:
            department, handler, why = route
        else:
            department, why = department_for(
                category, complaint.region, data.channel, complaint.level
            )
        complaint = complaint_dispatch(
            complaint=complaint, actor=None, department=department, handler=handler, rule=why
        )
        if earlier is not None and earlier.handler is not None:
            notify(
                users=[earlier.handler],
                kind=NotificationKind.REPEAT,
                text=f"客户就投诉单 {earlier.number} 的问题再次投诉：{complaint.number}",
                complaint=complaint,
            )
        webhook_emit(
            event=EventType.REGISTERED, complaint=complaint, data={"channel": data.channel}
        )
    return complaint


def body_fingerprint(body: object) -> str:
    return hashlib.sha256(canonical(body).encode()).hexdigest()


def complaint_register_idempotent(
    *, registration: Registration, actor: User, key: str, body: object
) -> tuple[Complaint, bool]:
    """Register once per (user, key). Returns (complaint, created). The same key with another
    body is a client error (Conflict), never a silent second complaint."""
    fingerprint = body_fingerprint(body)
    if len(key) > 128 or not key.strip():
        raise ValidationFailed(
            "Idempotency-Key 无效", fields={"Idempotency-Key": ["1 到 128 个字符"]}
        )

    def existing() -> tuple[Complaint, bool] | None:
        row = IdempotencyKey.objects.select_related("complaint").filter(user=actor, key=key).first()
        if row is None:
            return None
        if row.body_hash != fingerprint:
            raise Conflict("该 Idempotency-Key 已用于另一份内容不同的请求")
        return row.complaint, False

    if (found := existing()) is not None:
        return found
    try:
        with transaction.atomic():
            complaint = complaint_register(registration=registration, actor=actor)
            IdempotencyKey.objects.create(
                user=actor, key=key, body_hash=fingerprint, complaint=complaint
            )
    except IntegrityError:
        # A concurrent retry with the same key won the race; its complaint is the answer.
        if (found := existing()) is not None:
            return found
        raise
    return complaint, True
