"""The demo's corrective actions (issue 16, R12.4), coherent with the demo's complaints:

- a surge of value-added-service charge complaints 100 to 71 days ago (the demo plays them:
  `SURGE`), traced to the second-confirmation text message not being sent; a corrective action
  opened when it was noticed, its actions done, and its effect checked from the count tables
  after 30 days — the slice fell, so it closed effective (the check decides, not this file);
- an open one from the standard clause with the most consistency flags, one action done and
  one overdue (its owner, then their supervisors, told by the job);
- an open one from the live broadband outage's word 断网 (the root-cause page, the alert),
  opened as its calls come in, with three actions due.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count

from tousu.accounts.models import Region, User
from tousu.classification.models import Category
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.quality import services
from tousu.quality.jobs import capa_overdue
from tousu.quality.models import CorrectiveAction
from tousu.resolution.models import ConsistencyFlag, StandardClause

SURGE_CATEGORY = "billing.value_added"


@dataclass(frozen=True)
class Surge:
    """Extra complaints of a category received between `first_days_ago` and `last_days_ago`
    days before the demo's now (played like the others, closed)."""

    category: str
    complaints: int
    first_days_ago: int
    last_days_ago: int


SURGE = Surge(SURGE_CATEGORY, 22, 100, 71)
# The demo plays the surge only with this much history (the small test demos stay as they were).
SURGE_MIN_COMPLAINTS = 100
# The corrective action is opened the day after the surge's last day, its actions done four
# days later, its effect watched for 30 days and checked the day after.
WATCH_DAYS = 30


def _at(now: dt.datetime, days_ago: int, hour: int = 10) -> dt.datetime:
    day = clock.local(now).date() - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def _user(username: str) -> User:
    return User.objects.get(username=username)


def capa_demo_load(now: dt.datetime) -> list[CorrectiveAction]:
    """Both corrective actions; the count tables must be filled (the check reads them).
    Returns those made (none when the demo's quality staff are missing)."""
    if not User.objects.filter(username="quality1").exists():
        return []
    made = []
    with transaction.atomic():
        if Complaint.objects.filter(category__code=SURGE_CATEGORY).count() >= SURGE.complaints:
            made.append(_surge_capa(now))
        made += [c for c in (_clause_capa(now), _outage_capa(now)) if c is not None]
    # The hourly job as of now: the overdue action's owner and then their supervisors told.
    with clock.frozen(now):
        capa_overdue()
    return made


def _surge_capa(now: dt.datetime) -> CorrectiveAction:
    quality, owner = _user("quality1"), _user("handler_billing2")
    opened = _at(now, SURGE.last_days_ago - 1, 9)
    first = clock.local(opened).date() - dt.timedelta(days=WATCH_DAYS)
    complaints = Complaint.objects.filter(
        category__code=SURGE_CATEGORY,
        received_at__gte=dt.datetime.combine(first, dt.time(), tzinfo=SHANGHAI),
        received_at__lt=opened,
    )
    with clock.frozen(opened):
        capa = services.capa_open(
            actor=quality,
            title="增值业务扣费投诉激增",
            source="category",
            source_ref=SURGE_CATEGORY,
            category=Category.objects.get(code=SURGE_CATEGORY),
            root_cause=(
                "合作方渠道的增值业务订购流程中，二次确认短信接口在版本升级后未下发，"
                "客户点击广告链接即被开通包月业务，月底话费清单才发现扣费。"
            ),
            owner=owner,
            due_on=clock.local(opened).date() + dt.timedelta(days=10),
            complaints=list(complaints),
            actions=[
                services.ActionDraft(
                    "恢复二次确认短信下发并全量回溯升级后的订购记录",
                    owner,
                    clock.local(opened).date() + dt.timedelta(days=3),
                ),
                services.ActionDraft(
                    "对未经确认开通的客户主动退订并全额退费",
                    _user("handler_billing"),
                    clock.local(opened).date() + dt.timedelta(days=5),
                ),
            ],
        )
    notes = ("接口已修复，回溯订购记录 1,326 条", "主动退订退费 1,326 户，短信告知")
    for action, note in zip(capa.actions.order_by("pk"), notes, strict=True):
        with clock.frozen(opened + dt.timedelta(days=3, hours=2)):
            services.capa_action_done(action=action, actor=action.owner, note=note)
    capa.refresh_from_db()
    periods = services.selectors.capa_periods(capa)
    assert periods is not None
    with clock.frozen(dt.datetime.combine(periods.verifiable_on, dt.time(9), tzinfo=SHANGHAI)):
        return services.capa_verify(capa=capa, actor=quality)


def _outage_capa(now: dt.datetime) -> CorrectiveAction | None:
    """From the live outage's word, as its calls come in: opened now, nothing done yet."""
    quality, owner = _user("quality1"), _user("handler_broadband")
    complaints = list(
        Complaint.objects.filter(content__contains="断网", region__code="suzhou").order_by(
            "received_at"
        )[:50]
    )
    if not complaints:
        return None
    day = clock.local(now).date()
    with clock.frozen(now):
        return services.capa_open(
            actor=quality,
            title="苏州宽带批量断网",
            source="term",
            source_ref="断网",
            category=Category.objects.get(code="network.broadband_outage"),
            region=Region.objects.get(code="suzhou"),
            root_cause=(
                "初判：市政施工挖断主干光缆，割接前未通报；OLT 关键板卡无本地备件，"
                "修复用时超过 4 小时，其间客户集中来电。待网络部复盘确认。"
            ),
            owner=owner,
            due_on=day + dt.timedelta(days=21),
            complaints=complaints,
            actions=[
                services.ActionDraft(
                    "断网批量投诉统一口径发布", quality, day + dt.timedelta(days=1)
                ),
                services.ActionDraft(
                    "OLT 关键板卡备件前置到各区县机房", owner, day + dt.timedelta(days=7)
                ),
                services.ActionDraft(
                    "与市政施工方建立割接前48小时通报机制",
                    _user("handler_network"),
                    day + dt.timedelta(days=14),
                ),
            ],
        )


def _clause_capa(now: dt.datetime) -> CorrectiveAction | None:
    """From the standard clause with the most consistency flags: its outcomes departed from
    it; one action done, one overdue for days (its owner told, then the administrators: the
    complaint office, custodian of the clauses, has no supervisor in the demo)."""
    opened = now - dt.timedelta(days=5)
    flags = ConsistencyFlag.objects.filter(clause__isnull=False, created_at__lt=opened)
    top = (
        flags.values("clause__code").annotate(n=Count("pk")).order_by("-n", "clause__code").first()
    )
    if top is None:
        return None
    code = top["clause__code"]
    clause = StandardClause.objects.filter(code=code).order_by("-version").first()
    assert clause is not None
    complaints = list(
        Complaint.objects.filter(pk__in=flags.filter(clause__code=code).values("complaint"))
    )
    quality, owner = _user("quality1"), _user("handler_office")
    day = clock.local(opened).date()
    with clock.frozen(opened):
        capa = services.capa_open(
            actor=quality,
            title=f"处理结果偏离标准条款「{clause.title}」",
            kind="preventive",
            source="clause",
            source_ref=code,
            clause_code=code,
            root_cause=(
                f"处理人员对「{clause.title}」条款的理解不一，给予了条款未规定的补救措施，"
                "或金额偏离同类情形；条款对适用情形和补偿计算写得不够清楚。"
            ),
            owner=owner,
            due_on=day + dt.timedelta(days=20),
            complaints=complaints,
            actions=[
                services.ActionDraft(
                    f"「{clause.title}」条款宣贯培训", quality, day + dt.timedelta(days=1)
                ),
                services.ActionDraft(
                    f"修订「{clause.title}」条款，写明适用情形和补偿计算方法",
                    owner,
                    day + dt.timedelta(days=1),
                ),
            ],
        )
    first = capa.actions.order_by("pk").first()
    assert first is not None
    with clock.frozen(opened + dt.timedelta(hours=22)):
        services.capa_action_done(action=first, actor=quality, note="各处理组已完成培训")
    return capa
