"""The demo's known faults and their care lists (issue 15 item 3): the 苏州 broadband outage
whose calls make the demo's spike (tousu.setup.demo_wave), as the network operations centre
would import it, and a billing error of the week in 南京 — each with its care list built, and
the first calls of the owning departments recorded. Through the real services, as
`tousu import-faults` runs them (tousu/early_warning/samples/faults.csv is the same kind of file).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

from tousu.accounts.choices import Role
from tousu.accounts.models import User
from tousu.complaints.choices import Channel
from tousu.core import clock
from tousu.customers.models import Customer
from tousu.early_warning.choices import CareStatus, FaultKind
from tousu.early_warning.fault_file import FaultInput
from tousu.early_warning.models import CareItem, Fault
from tousu.early_warning.services import (
    care_item_record,
    care_list_build,
    care_scan,
    faults_import,
)
from tousu.intake.services import Registration, complaint_register

OUTAGE_REGION = "suzhou"
BILLING_REGION = "nanjing"
BILLING_ACCOUNTS = 24
# Of them, customers with earlier complaints (listed for care whatever their value).
BILLING_KNOWN = 3
# The calls made so far: (outcome, note), highest risk first.
OUTAGE_CALLS = (
    ("contacted", "已致电告知故障原因及预计恢复时间，客户表示理解"),
    ("contacted", "已致电说明园区光缆正在抢修，预计今晚22点前恢复，客户表示会耐心等待"),
    ("declined", "客户正在开会不便接听，表示不需要回电，已改发短信告知故障情况"),
    (
        "contacted",
        "已致电致歉并说明抢修进度，客户询问能否减免当月宽带费，已记录并答复恢复后按规定补偿",
    ),
)
# What each call says agrees with the fault: the extra charge comes back on the next bill.
BILLING_CALLS = (
    ("done", "已致电说明系统升级导致月费重复扣取，多扣的月费下一账期自动退还，客户表示满意"),
    (
        "contacted",
        "已致电说明重复扣费原因并致歉，告知多扣的月费下一账期退还；客户要求退费后短信告知，已记录",
    ),
    ("done", "已致电致歉并说明多扣的月费将于下一账期退还，客户表示理解"),
)


def care_demo_load(*, now: dt.datetime, seed: int, outage: bool) -> int:
    """The faults (the outage only when the demo has its wave), their lists and the calls made;
    returns how many customers are on the lists."""
    rng = random.Random(seed + 15)
    faults: list[FaultInput] = []
    if outage:
        # The cable was cut shortly before the wave's first calls (demo_wave: the hour before
        # the last whole hour); it is still being repaired.
        start = now.replace(minute=0) - dt.timedelta(hours=2, minutes=12)
        faults.append(
            FaultInput(
                row=1,
                kind=FaultKind.NETWORK,
                title="苏州工业园区光缆中断导致宽带断网",
                description="园区东片区主干光缆被市政施工挖断，光猫LOS红灯，宽带及IPTV业务中断，"
                "抢修队已到场熔接，预计今晚恢复",
                region=OUTAGE_REGION,
                started_at=start,
                ended_at=None,
                external_id=f"NOC-{clock.local(start):%Y%m%d}-017",
            )
        )
    billing_start = clock.local(now - dt.timedelta(days=4)).replace(hour=0, minute=0)
    faults.append(
        FaultInput(
            row=2,
            kind=FaultKind.BILLING,
            title="套餐月费重复扣费",
            description="计费系统升级后部分用户当月套餐月费被重复扣取一次，多扣部分于下一账期退还",
            region=BILLING_REGION,
            started_at=billing_start,
            ended_at=billing_start + dt.timedelta(days=2, hours=18),
            accounts=_billing_accounts(rng, before=billing_start),
            external_id=f"BIL-{billing_start:%Y%m}-003",
        )
    )
    listed = 0
    for fault_input in faults:
        # Known to the operations centre a while after it began: the outage within the hour,
        # the billing error the next day; the list is built then and called from then on.
        late = (
            dt.timedelta(minutes=40)
            if fault_input.kind == FaultKind.NETWORK
            else dt.timedelta(days=1)
        )
        imported = min(fault_input.started_at + late, now - dt.timedelta(minutes=40))
        with clock.frozen(imported):
            for fault in faults_import(faults=[fault_input], source="demo", now=imported).created:
                listed += care_list_build(fault=fault, now=imported)["listed"]
                # On the billing list, the last customer is the one who will complain anyway
                # (nobody reached them first); the calls go to the others, highest risk first.
                anyway = _last_listed(fault) if fault.kind == FaultKind.BILLING else None
                _calls(fault, imported, now, rng, skip=anyway)
                if anyway is not None:
                    _complains_anyway(anyway, imported + dt.timedelta(hours=20))
    # The job, as of now: who of the listed complained since.
    care_scan(now=now)
    return listed


def _last_listed(fault: Fault) -> CareItem | None:
    """The lowest-ranked customer of the list: the one nobody reached first. Of a list of one
    (a small demo's history may leave a single customer of the region listable), that one —
    the demo's complaint about the billing error comes whatever the hour it is loaded at."""
    items = list(
        CareItem.objects.filter(fault=fault)
        .select_related("customer", "customer__region")
        .order_by("-score", "-value_rank", "pk")
    )
    return items[-1] if items else None


def _complains_anyway(item: CareItem, at: dt.datetime) -> None:
    """A listed customer nobody had called sees the double charge on the bill and calls the
    hotline: the care scan marks their item `complained` (they leave the queue)."""
    agent = User.objects.filter(role=Role.AGENT, is_active=True).order_by("username").first()
    if agent is None:
        return
    customer = item.customer
    with clock.frozen(at + dt.timedelta(minutes=6)):
        complaint_register(
            registration=Registration(
                channel=Channel.HOTLINE,
                content="这个月套餐月费被扣了两次，账单上有两笔一样的月租，请尽快退还多扣的钱",
                demand="退还重复扣取的月费",
                customer_phone=customer.phone,
                customer_name=customer.name,
                customer_account=customer.account,
                region=customer.region.code if customer.region else "",
                received_at=at,
                category="billing.unexplained_charge",
            ),
            actor=agent,
        )


def _billing_accounts(rng: random.Random, *, before: dt.datetime) -> list[str]:
    """Accounts the billing error hit: some of 南京's customers, of every value tier — always
    including a few who have complained before, so the care list has people on it to call
    and one left who complains anyway, whatever the random draw."""
    customers = Customer.objects.filter(region__code=BILLING_REGION).exclude(account="")
    known = list(
        customers.filter(complaints__received_at__lt=before)
        .distinct()
        .order_by("pk")
        .values_list("account", flat=True)[:BILLING_KNOWN]
    )
    others = list(
        customers.exclude(account__in=known).order_by("pk").values_list("account", flat=True)
    )
    drawn = rng.sample(others, min(BILLING_ACCOUNTS - len(known), len(others)))
    return sorted(known + drawn)


def _office_hours(moment: dt.datetime) -> dt.datetime:
    """The moment, or 09:00 of the next day when it falls outside 09:00-18:00 (Shanghai)."""
    local = clock.local(moment)
    if 9 <= local.hour < 18:
        return moment
    day = local.date() + dt.timedelta(days=1 if local.hour >= 18 else 0)
    return dt.datetime.combine(day, dt.time(9), tzinfo=clock.SHANGHAI)


def _calls(
    fault: Fault, listed: dt.datetime, now: dt.datetime, rng: random.Random, skip: CareItem | None
) -> None:
    """The owning department's calls after the list was built, highest risk first, minutes
    apart; `skip` is nobody's call. An outage still being repaired has had its first calls
    (the rest of the list is the department's queue); a billing error known for days has been
    called through in office hours, as far as the demo's now allows."""
    callers = list(
        User.objects.filter(department=fault.department_id, is_active=True).order_by("username")
    )
    if not callers:
        return
    calls = OUTAGE_CALLS if fault.kind == FaultKind.NETWORK else BILLING_CALLS
    items = CareItem.objects.filter(fault=fault, status=CareStatus.OPEN)
    if skip is not None:
        items = items.exclude(pk=skip.pk)
    # A billing error waits for office hours (nobody calls about a bill at midnight); an
    # outage is called about while it lasts.
    at = listed if fault.kind == FaultKind.NETWORK else _office_hours(listed)
    if at >= now - dt.timedelta(minutes=30):  # not yet: the calls are the morning's
        return
    ranked = items.order_by("-score", "-value_rank", "pk")
    if fault.kind == FaultKind.NETWORK:
        chosen = list(zip(ranked[: len(calls)], calls, strict=False))
    else:
        chosen = list(zip(ranked, itertools.cycle(calls), strict=False))
    for item, (outcome, note) in chosen:
        at += dt.timedelta(minutes=rng.randint(4, 8))
        if fault.kind == FaultKind.BILLING:
            at = _office_hours(at)
        if at > now - dt.timedelta(minutes=5):
            break  # the rest are still to call
        care_item_record(item=item, actor=rng.choice(callers), outcome=outcome, note=note, now=at)
