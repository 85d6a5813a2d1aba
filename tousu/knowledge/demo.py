"""Demo knowledge for `tousu demo`: approved wording (one with an expired version, to show the
check and the "what changed" view), reply templates and a few published cases made from demo
complaints. Idempotent: running it again adds only what is missing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from tousu.accounts.choices import Role
from tousu.accounts.models import User
from tousu.classification.models import Category
from tousu.complaints.choices import Channel, Status
from tousu.complaints.models import Complaint
from tousu.knowledge import services
from tousu.knowledge.choices import CaseStatus, WordingTopic
from tousu.knowledge.models import Case, ReplyTemplate, WordingArticle
from tousu.knowledge.selectors import today

DEMO_CASES = 6


@dataclass(frozen=True)
class DemoVersion:
    body: str
    # Days relative to today: a negative start is in the past; None = open-ended.
    starts: int
    ends: int | None = None
    note: str = ""
    variants: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoArticle:
    key: str
    title: str
    topic: str
    category: str
    versions: tuple[DemoVersion, ...]
    # The standard clause (resolution.demo_clauses) whose remedy this wording tells customers
    # about: its amounts must be the clause's, or the desk would say one thing and grant another.
    clause: str = ""


ARTICLES = (
    DemoArticle(
        "roaming-day-pass",
        "国际漫游日包资费",
        WordingTopic.TARIFF,
        "billing.roaming",
        (
            DemoVersion(
                "国际及港澳台漫游日包按自然日收费，每日二十五元含五百兆高速流量。"
                "超出高速流量后降速使用，不再另行收费。日包在开通后的次日零点生效。",
                starts=-400,
                ends=-31,
            ),
            DemoVersion(
                "国际及港澳台漫游日包按自然日收费，每日三十元含一吉高速流量。"
                "超出高速流量后降速使用，不再另行收费。日包开通后立即生效，按北京时间自然日计费。",
                starts=-30,
                note="日包价格与流量调整；改为开通即生效",
                variants={
                    Channel.SMS: "漫游日包每日30元含1GB高速流量，超出降速不另收费，开通即生效。",
                },
            ),
        ),
    ),
    DemoArticle(
        "5g-upgrade-offer",
        "5G套餐升档优惠",
        WordingTopic.PROMOTION,
        "marketing.mis_sold",
        (
            DemoVersion(
                "升档至5G畅享套餐的客户，前六个月月费享受八折优惠，优惠期满恢复原价。"
                "升档需在营业厅或手机营业厅确认办理，短信回复不视为同意升档。",
                starts=-300,
                ends=-61,
            ),
            DemoVersion(
                "升档至5G畅享套餐的客户，前三个月月费享受七折优惠，优惠期满自动恢复原价。"
                "升档需在营业厅或手机营业厅确认办理，短信回复不视为同意升档。",
                starts=-60,
                note="优惠期由六个月改为三个月，折扣改为七折",
            ),
        ),
    ),
    DemoArticle(
        "broadband-outage-credit",
        "宽带故障停机补偿",
        WordingTopic.OUTAGE,
        "network.broadband_outage",
        (
            DemoVersion(
                "因我方网络原因造成宽带中断满 1 天的，按每天 10 元赠送话费，最高 300 元，"
                "并向客户致歉。故障修复后三个工作日内到账，可在账单中查询。",
                starts=-200,
                variants={
                    Channel.HOTLINE: "您好，因我们网络原因宽带中断满 1 天的，每天赠送 10 元话费，"
                    "最高 300 元，修复后三个工作日内到账，您可以在账单里查到。",
                },
            ),
        ),
        clause="NET-02",
    ),
    DemoArticle(
        "value-added-refund",
        "未经确认订购增值业务的退费",
        WordingTopic.POLICY,
        "billing.value_added",
        (
            DemoVersion(
                "经核实为未经客户本人二次确认即扣费的增值业务，我们将立即退订，"
                "并双倍返还已扣费用（最高 1000 元）。退款将在三个工作日内返还至您的话费账户。",
                starts=-365,
            ),
        ),
        clause="VAS-01",
    ),
    # What every channel tells a customer cheated by phone (SEC-02): the police and the bank
    # first, then what we do.
    DemoArticle(
        "anti-fraud-advice",
        "电信网络诈骗处置口径",
        WordingTopic.POLICY,
        "security.fraud",
        (
            DemoVersion(
                "如您已被骗或已向对方转账，请立即拨打 110 报警，也可拨打 96110 反诈专线咨询；"
                "请尽快联系开户银行申请紧急止付、冻结涉案账户，并保留转账凭证、通话记录和短信"
                "截图。我们会协助您向 12321 举报涉诈号码，核验来电号码，并为您开通来电拦截和"
                "防诈骗提醒服务。我公司工作人员不会以任何理由索要验证码或要求转账。",
                starts=-180,
                variants={
                    Channel.SMS: "如已被骗请立即拨打110报警，可拨96110反诈专线咨询，"
                    "并联系银行紧急止付。我公司不会索要验证码或要求转账。",
                },
            ),
        ),
        clause="SEC-02",
    ),
    # The callback agents' script (desk.selectors.CALLBACK_WORDING_KEY): one wording, so that
    # every agent asks the same questions in the same order (S2 统一口径).
    DemoArticle(
        "callback-script",
        "投诉回访话术",
        WordingTopic.POLICY,
        "",
        (
            DemoVersion(
                "{greeting}我是客户服务中心的回访专员，工号在电话开头已播报。您于{received}"
                "反映的{category}问题（工单号 {number}），我们已于{resolved}处理完毕，"
                "处理结果是：{remedies}。想占用您一分钟时间做个回访：\n"
                "1. 您觉得这次处理是否及时？2. 工作人员的服务态度如何？"
                "3. 您反映的问题解决了吗？4. 办理过程是否简便？"
                "（每项请您打 1 到 5 分，5 分最好）\n"
                "5. 总体来说，您对这次处理满意吗？也请打 1 到 5 分。\n"
                "如您不满意，请问主要是哪方面的原因？我们会安排专人跟进。{thanks}",
                starts=-90,
            ),
        ),
    ),
)

TEMPLATES = (
    (
        "通用答复（含致谢）",
        "",
        "{greeting}\n您于{received}反映的{category}问题（单号 {number}），经核实，您反映的情况"
        "{finding}。处理结果：{remedies}。{thanks}",
    ),
    (
        "不明扣费退款答复",
        "billing.unexplained_charge",
        "{greeting}\n关于您{received}反映的扣费问题（单号 {number}），经核查，我们已为您办理"
        "{remedies}，合计 {amount} 元，将在三个工作日内返还至您的话费账户。{thanks}",
    ),
    (
        "宽带故障补偿答复",
        "network.broadband_outage",
        "{greeting}\n您反映的宽带故障（单号 {number}）已于{resolved}修复，"
        "我们为您办理了{remedies}。{thanks}",
    ),
)


def _curator() -> User | None:
    return (
        User.objects.filter(role=Role.QUALITY, is_active=True).order_by("pk").first()
        or User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    )


def knowledge_demo_load() -> dict[str, int]:
    """Load the demo wording, templates and cases; returns how many of each were added."""
    added = {"wording": 0, "templates": 0, "cases": 0}
    actor = _curator()
    if actor is None:
        return added
    day = today()
    categories = {c.code: c for c in Category.objects.all()}
    with transaction.atomic():
        for item in ARTICLES:
            article = WordingArticle.objects.filter(key=item.key).first()
            if article is None:
                article = services.wording_article_create(
                    actor=actor,
                    key=item.key,
                    title=item.title,
                    topic=item.topic,
                    category=categories.get(item.category),
                )
            for v in item.versions[article.versions.count() :]:
                services.wording_version_add(
                    article=article,
                    actor=actor,
                    body=v.body,
                    effective_from=day + dt.timedelta(days=v.starts),
                    valid_until=day + dt.timedelta(days=v.ends) if v.ends is not None else None,
                    change_note=v.note,
                    variants=dict(v.variants),
                )
                added["wording"] += 1
        for name, code, body in TEMPLATES:
            _, new = ReplyTemplate.objects.get_or_create(
                name=name, defaults={"body": body, "category": categories.get(code)}
            )
            added["templates"] += new
        missing = DEMO_CASES - Case.objects.count()
        if missing > 0:
            taken: set[int | None] = set(Case.objects.values_list("category_id", flat=True))
            # A case teaches how a clause is applied: never one whose outcome departs from it.
            closed = (
                Complaint.objects.filter(
                    status=Status.CLOSED, case__isnull=True, consistency_flags__isnull=True
                )
                .exclude(category_id__in=[c for c in taken if c is not None])
                .select_related("category", "customer", "handler", "registered_by")
                .order_by("pk")
            )
            for complaint in closed[:200]:
                if added["cases"] >= missing:
                    break
                if complaint.category_id in taken:
                    continue
                case = services.case_create(complaint=complaint, actor=actor)
                services.case_update(
                    case=case,
                    actor=actor,
                    title=case.title,
                    summary=case.summary,
                    tags=[complaint.category.name] if complaint.category else [],
                    clauses=list(case.clauses.all()),
                    for_training=added["cases"] % 2 == 0,
                    status=CaseStatus.PUBLISHED,
                )
                taken.add(complaint.category_id)
                added["cases"] += 1
    return added
