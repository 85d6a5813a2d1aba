"""The demo's complaint spike (issue 15, R10.1): a broadband outage in one city, whose calls
come in over the last hours before the demo's "now" — so that the hourly scan raises an alert
that the alerts page and the dashboard show, with the outage's words. The complaints stay
open in the broadband department's queue, as a real outage's would an hour in — but for one
customer's second call, which the broadband handler merges into the first (issue 15)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, Min

from tousu.accounts.models import Region, User
from tousu.complaints.choices import Status
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.complaints.services import complaint_merge
from tousu.core import clock
from tousu.customers.models import Customer
from tousu.early_warning.choices import IncidentActionKind, IncidentLevel, MediaTone
from tousu.early_warning.models import Alert, Incident
from tousu.early_warning.selectors import alert_candidates
from tousu.early_warning.services import (
    alert_scan,
    incident_action_apply,
    incident_action_start,
    incident_close,
    incident_from_alert,
    incident_open,
    incident_propose,
    media_log_add,
    statement_approve,
    statement_draft,
)
from tousu.intake.services import Registration, complaint_register

WAVE_REGION = "suzhou"
# Calls in the hour before the last whole hour, and in the last whole hour: enough that the
# city's outage stands out of the demo's busy last days by the hour and by the day (with 6 and
# 10 the day's view of it was, on some days' history, only its usual share of all complaints:
# the alert was then about all complaints and the incident missing).
WAVE_CALLS = (8, 16)
# With fewer complaints of history there is no usual level to rise above: no wave.
MIN_HISTORY = 30
PLACES = ("工业园区", "吴中区", "相城区", "姑苏区", "新区")
TEXTS = (
    "{place}家里宽带从{start}开始断网，光猫LOS灯一直红灯闪烁，重启了好几次都不行",
    "{place}整个小区宽带都断网了，邻居也一样，打了好几次电话都说在排查",
    "我在{place}，宽带突然断网，光猫红灯，孩子上网课受影响，请尽快修复",
    "{place}宽带断网两个多小时了，在家办公没法开视频会议，什么时候能恢复？",
    "{place}光猫红灯闪，宽带和IPTV都用不了，报修后没人联系",
)
# The callers have broadband at home, on one of these plans in turn (as the CRM knows them):
# the outage is the city's, not a plan's, and no plan holds most of its calls.
BROADBAND_PLANS = ("融合套餐169元（含千兆宽带）", "家庭宽带300M套餐88元", "家庭宽带1000M套餐128元")
# The first caller calls again in the last call of the wave: the same matter, a duplicate.
CALLED_AGAIN = "{place}宽带还是断网，我之前已经打过电话报修了，到现在没恢复也没人回电，再催一下"
MERGE_REASON = "同一客户就同一次宽带断网再次来电，并入首次来电的投诉一并处理"


def wave_load(rng: random.Random, now: dt.datetime, agents: list[User], merger: User) -> int:
    """Register the outage's calls (hotline, by the demo's agents) and return how many; the
    first caller's second call (the last) is merged by `merger` into their first."""
    last_hour = now.replace(minute=0, second=0, microsecond=0)
    times: list[dt.datetime] = []
    for hours_back, calls in zip((2, 1), WAVE_CALLS, strict=True):
        start = last_hour - dt.timedelta(hours=hours_back)
        times += sorted(start + dt.timedelta(minutes=rng.randint(0, 59)) for _ in range(calls))
    outage_start = clock.local(times[0]).strftime("%H点")
    first_phone, first_place = f"1391{rng.randint(0, 9_999_999):07d}", rng.choice(PLACES)
    with transaction.atomic():
        registered: list[Complaint] = []
        for i, at in enumerate(times):
            place, phone = rng.choice(PLACES), f"1391{rng.randint(0, 9_999_999):07d}"
            text = rng.choice(TEXTS).format(place=place, start=outage_start)
            if i == 0:
                place, phone = first_place, first_phone
                text = TEXTS[0].format(place=place, start=outage_start)
            elif i == len(times) - 1:
                place, phone = first_place, first_phone
                text = CALLED_AGAIN.format(place=place)
            _subscriber(phone, BROADBAND_PLANS[i % len(BROADBAND_PLANS)])
            # Registered as the call ends, as the rest of the demo is: at its own time.
            with clock.frozen(at + dt.timedelta(minutes=1)):
                registered.append(_register(text, at, agents[i % len(agents)], phone))
        with clock.frozen(min(times[-1] + dt.timedelta(minutes=5), now)):
            complaint_merge(
                complaint=registered[-1], actor=merger, into=registered[0], reason=MERGE_REASON
            )
    return len(times)


def _subscriber(phone: str, plan: str) -> None:
    """The caller as the CRM knows them before they call: in the city, on a broadband plan
    (kept as they are when the number is a customer already)."""
    Customer.objects.get_or_create(
        phone=phone, defaults={"plan": plan, "region": Region.objects.get(code=WAVE_REGION)}
    )


def _register(text: str, at: dt.datetime, agent: User, phone: str) -> Complaint:
    return complaint_register(
        registration=Registration(
            channel="hotline",
            content=text,
            demand="尽快恢复宽带",
            customer_phone=phone,
            region=WAVE_REGION,
            received_at=at,
            category="network.broadband_outage",
        ),
        actor=agent,
    )


def wave_scan(now: dt.datetime) -> dict[str, int]:
    """The hourly scan as the job ran it at the top of this hour (the count tables are filled;
    it reads the hours before, so it finds what a scan now would)."""
    return alert_scan(now=now.replace(minute=0, second=0, microsecond=0))


# ---- the outage as an incident (R10.4) ---------------------------------------------------------

INCIDENT_TERMS = ("断网", "光猫", "红灯")
STATEMENT = (
    "尊敬的客户：今天{start}起，苏州工业园区、吴中区等部分区域因市政施工挖断光缆，宽带基站故障，"
    "宽带和IPTV业务中断。抢修人员已在现场熔接光缆，抢修进展将以短信通知，预计{eta}前恢复。"
    "故障期间的宽带月租将按天减免，无需您另行申请。给您带来不便，我们深表歉意。"
)
# The call that came in after the incident was opened: proposed to it, for its owner to decide.
LATE_CALL = "吴中区宽带还是断网，光猫红灯一直亮，已经三个多小时了，到底什么时候能修好？"


@dataclass
class WaveIncidents:
    live: Incident | None
    past: Incident | None
    late_calls: int


def wave_incidents(now: dt.datetime, agent: User) -> WaveIncidents:
    """The live outage's alert becomes an incident owned by the customer service supervisor:
    its calls as children, a statement the administrator approved, the first media report,
    the statement replied to every open child; one more call comes in and is proposed to it.
    Besides, a billing error of some weeks ago as a closed incident with its review."""
    alert = _wave_alert()
    live = None
    late = 0
    if alert is not None:
        owner = User.objects.get(username="supervisor_cs")
        approver = User.objects.get(username="admin")
        opened, drafted, approved, logged, replied = _incident_steps(alert, now)
        with clock.frozen(opened):
            live = incident_from_alert(
                alert=alert, actor=owner, title="苏州部分区域宽带断网（光缆被挖断）",
                level=IncidentLevel.MAJOR, owner=owner,
                terms=list(INCIDENT_TERMS),
            )  # fmt: skip
            # The outage began with the wave's first call, not with the alert's window.
            first_call = live.links.filter(
                complaint__received_at__gte=now - dt.timedelta(hours=3)
            ).aggregate(first=Min("complaint__received_at"))["first"]
        start = clock.local(first_call or alert.window_start).strftime("%H点")
        eta = clock.local(now + dt.timedelta(hours=3)).strftime("%H点")
        with clock.frozen(drafted):
            draft = statement_draft(
                incident=live, actor=owner, text=STATEMENT.format(start=start, eta=eta)
            )
        with clock.frozen(approved):
            statement_approve(statement=draft, actor=approver)
        with clock.frozen(logged):
            media_log_add(
                incident=live, actor=owner, outlet="微博", at=opened - dt.timedelta(minutes=10),
                summary="苏州工业园区多个小区网友发帖称宽带断网、光猫红灯，转发较多",
                tone=MediaTone.NEGATIVE, reach=12_000,
            )  # fmt: skip
        with clock.frozen(replied):
            action = incident_action_start(
                incident=live, actor=owner, kind=IncidentActionKind.REPLY
            )
            incident_action_apply(action)  # what the job does (idempotent if it ran already)
        _subscriber("13912345678", BROADBAND_PLANS[0])
        with clock.frozen(now):
            late_call = complaint_register(
                registration=Registration(
                    channel="hotline", content=LATE_CALL, demand="尽快恢复宽带",
                    customer_phone="13912345678", region=WAVE_REGION,
                    category="network.broadband_outage", received_at=now,
                ),
                actor=agent,
            )  # fmt: skip
            # What intake's signal does after the commit (idempotent if it did already).
            incident_propose(complaint=late_call)
            late = 1
    return WaveIncidents(live=live, past=_past_incident(now), late_calls=late)


def _incident_steps(alert: Alert, now: dt.datetime) -> list[dt.datetime]:
    """When the owner opened the incident, drafted the statement, had it approved, logged the
    media report and replied to every call: a few minutes apart after the alert, as an office
    works, but never before the last event of a complaint it takes in (each timeline stays in
    order) nor after now (the late call comes last)."""
    numbers = alert_candidates(alert, list(INCIDENT_TERMS))
    latest = ComplaintEvent.objects.filter(complaint__number__in=numbers).aggregate(at=Max("at"))
    start = max(alert.detected_at, latest["at"] or alert.detected_at)
    step = min((now - start) / 6, dt.timedelta(minutes=6))
    return [start + step * k for k in range(1, 6)]


def _wave_alert() -> Alert | None:
    region = Region.objects.filter(code=WAVE_REGION).first()
    if region is None:
        return None
    for alert in Alert.objects.filter(ended_at__isnull=True).order_by("-detected_at"):
        if ["region", str(region.pk)] in alert.slice:
            return alert
    return None


PAST_TITLE = "账务系统月结脚本错误，部分客户被重复扣费"
PAST_STATEMENT = (
    "尊敬的客户：因我司账务系统月结程序错误，部分客户上月话费被重复扣取。多扣费用已全额退还至"
    "您的话费账户，并赠送等额话费作为补偿。给您带来困扰，我们诚恳致歉。"
)
PAST_CHILDREN = 6


def _past_incident(now: dt.datetime) -> Incident | None:
    """A closed incident some weeks back: closed unexplained-charge complaints grouped after
    the fact, its statement, a media note and the after-action review. Its events come after
    every event of its children (their timelines stay in order)."""
    before = now - dt.timedelta(days=14)
    rows = list(
        Complaint.objects.filter(
            status=Status.CLOSED,
            category__code="billing.unexplained_charge",
            incident_link__isnull=True,
        )
        .annotate(last=Max("events__at"))
        .filter(last__lt=before)
        .order_by("-last")
        .values_list("number", "last")[:PAST_CHILDREN]
    )
    if len(rows) < 2:
        return None
    opened = max(last for _n, last in rows) + dt.timedelta(hours=1)
    owner = User.objects.get(username="supervisor_billing")
    head = User.objects.get(username="head_billing")
    with clock.frozen(opened):
        incident = incident_open(
            actor=owner, title=PAST_TITLE, level=IncidentLevel.SERIOUS,
            terms=["多扣", "扣费", "乱扣"], numbers=[n for n, _l in rows],
        )  # fmt: skip
        draft = statement_draft(incident=incident, actor=owner, text=PAST_STATEMENT)
        statement_approve(statement=draft, actor=head)
        media_log_add(
            incident=incident, actor=owner, outlet="黑猫投诉", at=opened,
            summary="有用户在投诉平台反映话费被重复扣取，我司已逐一回复并退费",
            tone=MediaTone.NEUTRAL, reach=800,
        )  # fmt: skip
    with clock.frozen(opened + dt.timedelta(days=2)):
        incident_close(
            incident=incident,
            actor=owner,
            cause="账务系统月结脚本在升级后重复执行，未做幂等校验，导致部分客户被扣费两次。",
            went_well="投诉激增后两小时内确认根因，统一口径当天发布，退费一次到位。",
            to_improve="升级后缺少账单比对；一线在口径发布前各自解释，说法不一。",
            follow_up="月结脚本加幂等校验；计费升级纳入变更评审并做账单抽样比对；口径模板预置。",
        )
    return incident
