"""The demo's spike by product (R10.1): the bill day on which one plan's customers found that
their plan had been changed under them — 5G畅享套餐129元's 30G of data split into 20G of
general data and 10G for named apps, and a 10-yuan "5G speed pack" added to the bill. They call,
write and message from every city, about the charge, the smaller allowance and the promise of
an unchanged plan: no category, region or channel stands out, the product does. The hourly scan
of that evening raises the alert, and the next evening's ends it (the calls had stopped): a past
alert by product on the alerts page, its complaints closed like the rest of the history."""

from __future__ import annotations

import datetime as dt
import random

from tousu.complaints.choices import Channel
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.early_warning.services import alert_scan
from tousu.setup.demo_texts import DemoComplaint

# The plan (a Customer.plan of the demo's, setup.demo.PLANS) and its bill day, days ago.
PRODUCT = "5G畅享套餐129元"
DAYS_AGO = 9
# The calls of the day, local hours: morning to late afternoon, most after the bill came.
FIRST_HOUR, LAST_HOUR = 8, 17
CALLS = 18
# The demo has the wave only with this much history (the small test demos stay as they were).
PRODUCT_WAVE_MIN_COMPLAINTS = 100

# Three matters of one change, in turn, so that no category holds most of the wave; the amount
# in dispute comes before the plan's name (whose price is not what is disputed).
TEXTS: tuple[tuple[str, str, str], ...] = (
    (
        "billing.unexplained_charge",
        "这个月账单里多了一笔10元的“5G加速包”，我从来没有订过。我用的是{plan}，"
        "一直是固定月租，为什么突然多扣钱？",
        "退还多扣的10元，取消5G加速包",
    ),
    (
        "billing.tariff_dispute",
        "我的{plan}原来包含30G通用流量，这个月起变成了20G通用流量加10G定向流量，"
        "事先没有任何短信通知，定向流量我根本用不上。",
        "恢复原套餐的30G通用流量",
    ),
    (
        "marketing.promotion_not_honoured",
        "办理{plan}的时候营业员承诺两年内套餐内容和资费都不变，才过了一年，"
        "流量就被改了，还多了加速包的费用，说话不算数。",
        "按办理时的承诺恢复套餐内容",
    ),
    (
        "billing.unexplained_charge",
        "账单上出现5G加速包费用10元，客服说是{plan}的用户统一开通的，"
        "没经过我同意就开通收费，这是强制消费。",
        "退还加速包费用并取消该业务",
    ),
    (
        "billing.tariff_dispute",
        "{plan}的通用流量少了10G，客服说是套餐升级，换成了定向流量。"
        "这不是升级是变相降级，要求按原来的套餐执行。",
        "按原套餐执行，恢复通用流量",
    ),
    (
        "marketing.promotion_not_honoured",
        "去年在营业厅办的{plan}，宣传单上写着合约期内资费不变，"
        "现在流量缩水还加收费用，请按当初的宣传兑现。",
        "兑现办理时的承诺",
    ),
)
# How people begin and end, drawn for each call: the same matter in their own words.
OPENERS = ("", "你好，", "我想反映一下，", "客服你好，")
CLOSERS = ("", "请尽快处理。", "希望给个说法。", "麻烦核实一下。")
# Every way a customer reaches the office, in turn: no channel stands out either.
CHANNELS = (Channel.HOTLINE, Channel.APP, Channel.WECHAT, Channel.HOTLINE, Channel.WEB)


def wave_day(now: dt.datetime) -> dt.date:
    return now.astimezone(SHANGHAI).date() - dt.timedelta(days=DAYS_AGO)


def wave_texts(rng: random.Random, now: dt.datetime) -> list[tuple[dt.datetime, DemoComplaint]]:
    """The wave's complaints and when each came in, oldest first."""
    day = wave_day(now)
    start = dt.datetime.combine(day, dt.time(FIRST_HOUR), tzinfo=SHANGHAI)
    span = (LAST_HOUR - FIRST_HOUR) * 3600
    times = sorted(start + dt.timedelta(seconds=rng.randint(0, span)) for _ in range(CALLS))
    out = []
    for i, at in enumerate(times):
        category, content, demand = TEXTS[i % len(TEXTS)]
        text = DemoComplaint(
            category=category,
            content=rng.choice(OPENERS) + content.format(plan=PRODUCT) + rng.choice(CLOSERS),
            demand=demand,
            channel=CHANNELS[i % len(CHANNELS)],
        )
        out.append((at.astimezone(dt.UTC), text))
    return out


def product_wave_scan(now: dt.datetime) -> dict[str, int]:
    """The hourly scans of the wave's evening (it raises the alert) and of the evening after
    (it ends it), as the job ran them; the count tables are filled, and a scan reads only the
    hours before it. The plan is a common one: when the history happens to hold two more of
    its customers' complaints in the next day, the day is still "well above normal" and the
    alert ends the first evening after that it is not — as the hourly job would have seen."""
    evening = dt.datetime.combine(wave_day(now), dt.time(LAST_HOUR + 1), tzinfo=SHANGHAI)
    # At their hours: the alert's notices are of that evening, not of the demo's build.
    with clock.frozen(evening):
        raised = alert_scan(now=evening)
    ended = 0
    for days in range(1, DAYS_AGO):
        later = evening + dt.timedelta(days=days)
        if later >= now:
            break
        with clock.frozen(later):
            ended = alert_scan(now=later)["ended"]
        if ended:
            break
    return {"raised": raised["raised"], "ended": ended}
