"""KPI definitions on a hand-computed fixture: every figure of `kpis()` checked.

Period 2026-11-11 … 11-20 (10 days, Asia/Shanghai) against 11-01 … 11-10. Two regions of
20,000 customers each (the others 0), so 万投比 = volume / 4.

current (received in the period)
  C1 11-11 00:30 hotline/nanjing/billing.unexplained_charge/billing: accepted in 10 min (limit
     1 h); resolved and closed 11-12 00:30 (24 h, limit 11-13: on time); refund 58.00 and an
     apology, resolved by its registering agent at first contact; callback 11-13 satisfied
     (timeliness 5, attitude 4, solution 5)
  C2 11-15 12:00 hotline/nanjing/network.coverage, department network: accepted 14:00 (limit
     13:00: late); transferred; closed 11-20 12:00 (120 h, limit 11-18: late); bill credit
     20.50; callback 11-20 23:30 dissatisfied (timeliness 1, attitude 2)
  C3 11-18 09:00 nanjing, level important: repeat of C1, escalated, never accepted but alerted
     as overdue; open
  C4 11-20 23:30 web/suzhou: not accepted, not alerted; open
previous
  P1 11-10 23:30 nanjing: accepted on time; closed 11-11 01:30 (2 h, on time) — closed in the
     *current* period; refund 10.00
  P2 11-05 08:00 nanjing: accepted on time; closed 11-05 18:00 (10 h, on time), resolved at
     first contact; callback 11-07 unreachable
outside
  O1 10-31 12:00, O2 11-21 00:30
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tousu.accounts.models import Department, Region, User
from tousu.analytics import services
from tousu.analytics.models import HourlyCount
from tousu.analytics.selectors import KpiFilters, filters_for_user, kpis
from tousu.analytics.tests.conftest import change
from tousu.callbacks.models import CallbackTask
from tousu.classification.models import Category
from tousu.complaints.choices import EventType
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.resolution.models import Remedy


def at(day: int, hour: int = 0, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


START, END = at(11), at(21)
H = dt.timedelta(hours=1)


def callback(c: Complaint, done_at: dt.datetime, result: str, **scores: int) -> None:
    CallbackTask.objects.create(
        complaint=c,
        due_at=done_at,
        created_at=done_at - H,
        done_at=done_at,
        status="done",
        result=result,
        **scores,
    )


def remedy(c: Complaint, kind: str, amount: str) -> None:
    Remedy.objects.create(complaint=c, type=kind, amount=Decimal(amount), created_at=c.received_at)


@pytest.fixture
def book(register: Callable[..., Complaint]) -> dict[str, Complaint]:
    Region.objects.update(customers=0)
    Region.objects.filter(code__in=["nanjing", "suzhou"]).update(customers=20_000)
    nanjing = Region.objects.get(code="nanjing")
    suzhou = Region.objects.get(code="suzhou")
    network = Department.objects.get(code="network")
    book: dict[str, Complaint] = {}

    def make(name: str, received: dt.datetime, **fields: Any) -> Complaint:
        channel = fields.pop("channel", "hotline")
        c = register(received_at=received, channel=channel)
        base: dict[str, Any] = {
            "region": nanjing,
            "first_response_due": received + H,
            "resolution_due": received + dt.timedelta(days=2),
            "accepted_at": None,
            "first_response_alerted_at": None,
            "repeat_of": None,  # registration links the same caller's complaints; not here
        }
        Complaint.objects.filter(pk=c.pk).update(**{**base, **fields})
        book[name] = Complaint.objects.get(pk=c.pk)
        return book[name]

    with clock.frozen(at(22, 9)):
        c1 = make("C1", at(11, 0, 30), accepted_at=at(11, 0, 40))
        Complaint.objects.filter(pk=c1.pk).update(
            resolved_at=at(12, 0, 30), closed_at=at(12, 0, 30), status="closed", first_contact=True
        )
        remedy(c1, "refund", "58.00")
        remedy(c1, "apology", "0")
        callback(c1, at(13, 10), "satisfied", timeliness=5, attitude=4, solution=5)

        c2 = make(
            "C2",
            at(15, 12),
            accepted_at=at(15, 14),
            department=network,
            category=Category.objects.get(code="network.coverage"),
            resolution_due=at(18, 12),
            resolved_at=at(20, 12),
            closed_at=at(20, 12),
            status="closed",
        )
        change(c2.pk, EventType.TRANSFERRED)
        remedy(c2, "bill_credit", "20.50")
        callback(c2, at(20, 23, 30), "dissatisfied", timeliness=1, attitude=2)

        c3 = make(
            "C3", at(18, 9), level="important", repeat_of=c1, first_response_alerted_at=at(18, 10)
        )
        change(c3.pk, EventType.ESCALATED)
        make("C4", at(20, 23, 30), channel="web", region=suzhou)

        p1 = make(
            "P1",
            at(10, 23, 30),
            accepted_at=at(10, 23, 45),
            resolved_at=at(11, 1, 30),
            closed_at=at(11, 1, 30),
            status="closed",
        )
        remedy(p1, "refund", "10.00")
        p2 = make(
            "P2",
            at(5, 8),
            accepted_at=at(5, 8, 30),
            resolved_at=at(5, 18),
            closed_at=at(5, 18),
            status="closed",
            first_contact=True,
        )
        callback(p2, at(7, 10), "unreachable")
        make("O1", at(31, 12, month=10))
        make("O2", at(21, 0, 30))
    services.counts_rebuild()
    return book


CURRENT: dict[str, Any] = {
    "volume": 4,
    "on_time_rate": 0.6667,  # C1, P1 of C1, C2, P1
    "avg_handling_hours": 48.67,  # (24 + 120 + 2) / 3
    "satisfaction_rate": 0.5,  # C1 of C1, C2
    "repeat_rate": 0.25,  # C3
    "escalation_rate": 0.25,  # C3
    "compensation_total": 88.5,  # 58 + 0 + 20.50 + 10
    "per_10k_customers": 1.0,  # 4 / 40,000 × 10,000
    "closed": 3,
    "first_response_on_time_rate": 0.3333,  # C1 of C1, C2 (late), C3 (alerted)
    "p90_handling_hours": 153.6,  # 2.7th of 3 → 0.7 into [120, 168)
    "first_contact_resolution_rate": 0.3333,  # C1 of C1, C2, P1
    "callbacks": 2,
    "callback_results": {
        "satisfied": 1,
        "basically_satisfied": 0,
        "dissatisfied": 1,
        "unreachable": 0,
    },
    "mean_scores": {"timeliness": 3.0, "attitude": 3.0, "solution": 5.0, "simplicity": None},
    "remedy_mix": [
        {"type": "refund", "count": 2, "share": 0.5},
        {"type": "apology", "count": 1, "share": 0.25},
        {"type": "bill_credit", "count": 1, "share": 0.25},
    ],
}
PREVIOUS: dict[str, Any] = {
    "volume": 2,
    "on_time_rate": 1.0,
    "avg_handling_hours": 10.0,
    "satisfaction_rate": None,  # the only callback did not reach the customer
    "repeat_rate": 0.0,
    "escalation_rate": 0.0,
    "compensation_total": 0.0,  # P1's refund counts when P1 closed, in the current period
    "per_10k_customers": 0.5,
    "closed": 1,
    "first_response_on_time_rate": 1.0,
    "p90_handling_hours": 11.6,  # one in [8, 12)
    "first_contact_resolution_rate": 1.0,
    "callbacks": 1,
    "callback_results": {
        "satisfied": 0,
        "basically_satisfied": 0,
        "dissatisfied": 0,
        "unreachable": 1,
    },
    "mean_scores": dict.fromkeys(("timeliness", "attitude", "solution", "simplicity")),
    "remedy_mix": [],
}


def test_every_figure_of_the_period_and_the_previous_one(book: dict[str, Complaint]) -> None:
    body = kpis(START, END)
    assert body["current"] == CURRENT
    assert body["previous"] == PREVIOUS
    assert body["change"] == {
        "volume": 1.0,
        "closed": 2.0,
        "compensation_total": None,
        "callbacks": 1.0,
    }
    assert body["period"]["previous_start"] == at(1).isoformat()


def test_mixes(book: dict[str, Complaint]) -> None:
    mix = kpis(START, END)["mix"]
    assert [(e["key"], e["volume"], e["previous_volume"], e["share"]) for e in mix["channel"]] == [
        ("hotline", 3, 2, 0.75),
        ("web", 1, 0, 0.25),
    ]
    assert [(e["key"], e["volume"]) for e in mix["region"]] == [("nanjing", 3), ("suzhou", 1)]
    assert [(e["key"], e["volume"]) for e in mix["category"]] == [
        ("billing.unexplained_charge", 3),
        ("network.coverage", 1),
    ]
    assert [(e["key"], e["name"], e["volume"]) for e in mix["department"]] == [
        ("billing", "计费中心", 3),
        ("network", "网络运维中心", 1),
    ]


def test_groups_by_region_use_each_regions_customers(book: dict[str, Complaint]) -> None:
    groups = {g["key"]: g for g in kpis(START, END, group_by="region")["groups"]}
    assert groups["nanjing"]["current"]["volume"] == 3
    assert groups["nanjing"]["current"]["per_10k_customers"] == 1.5
    assert groups["suzhou"]["current"]["per_10k_customers"] == 0.5
    assert groups["nanjing"]["current"]["closed"] == 3
    assert groups["nanjing"]["previous"] == {**PREVIOUS, "per_10k_customers": 1.0}  # 2 / 20,000


@pytest.mark.parametrize(
    ("filters", "volume", "closed"),
    [
        (KpiFilters(channel="web"), 1, 0),
        (KpiFilters(department="network"), 1, 1),
        (KpiFilters(category="network"), 1, 1),  # the parent includes network.coverage
        (KpiFilters(category="billing"), 3, 2),
        (KpiFilters(category="billing.unexplained_charge"), 3, 2),
        (KpiFilters(category="bill"), 0, 0),  # a prefix of a code is not a parent
        (KpiFilters(region="suzhou"), 1, 0),
        (KpiFilters(region="nowhere"), 0, 0),
    ],
)
def test_filters(book: dict[str, Complaint], filters: KpiFilters, volume: int, closed: int) -> None:
    body = kpis(START, END, filters)
    assert (body["current"]["volume"], body["current"]["closed"]) == (volume, closed)


def test_region_filter_takes_that_regions_customers(book: dict[str, Complaint]) -> None:
    assert kpis(START, END, KpiFilters(region="suzhou"))["current"]["per_10k_customers"] == 0.5


def test_scope_narrows_to_the_department(book: dict[str, Complaint], outsider: User) -> None:
    body = kpis(START, END, filters_for_user(outsider))
    assert body["current"]["volume"] == 1  # C2, handled by network
    assert body["current"]["on_time_rate"] == 0.0


def test_periods_end_at_local_midnight(book: dict[str, Complaint]) -> None:
    # 11-20 holds C4 at 23:30; 11-21 holds O2 at 00:30 — a UTC day would swap them.
    assert kpis(at(20), at(21))["current"]["volume"] == 1
    one = kpis(at(21), at(22))
    assert (one["current"]["volume"], one["previous"]["volume"]) == (1, 1)
    # 11-10 holds P1 at 23:30; the period before 11-11 … 11-20 starts at 11-01 00:00.
    assert kpis(at(10), at(11))["current"]["volume"] == 1
    assert kpis(at(1), at(11))["current"]["volume"] == 2
    assert kpis(at(21, month=10), at(1))["current"]["volume"] == 1  # O1


def test_hours_that_are_not_midnights_read_the_hourly_counts(book: dict[str, Complaint]) -> None:
    body = kpis(at(11, 0), at(11, 1, 0) + dt.timedelta(hours=1))  # 00:00–02:00
    assert body["current"]["volume"] == 1  # C1 at 00:30
    assert body["current"]["closed"] == 1  # P1 at 01:30
    assert body["previous"]["volume"] == 1  # P1 at 23:30 the evening before
    assert kpis(at(10, 23), at(11, 0, 30) + dt.timedelta(minutes=30))["current"]["volume"] == 2


@pytest.mark.parametrize(
    ("start", "end", "volume", "closed"),
    [
        (at(1), at(1, month=12), 7, 4),  # November alone: monthly rows (P2 closed 11-05)
        (at(15, month=10), at(10, month=12), 8, 4),  # days, a month, days
        (at(10, 23), at(21, 1), 6, 3),  # hours, days, hours: P1 … O2; C1, P1, C2 closed
        (at(10, 23, 45), at(11, 0, 15), 1, 0),  # bounds inside hours: the 00:00 hour (C1)
    ],
)
def test_months_days_and_hours_add_up(
    book: dict[str, Complaint], start: dt.datetime, end: dt.datetime, volume: int, closed: int
) -> None:
    body = kpis(start, end)
    assert (body["current"]["volume"], body["current"]["closed"]) == (volume, closed)
    # The same period from the hourly counts alone gives the same figures.
    hours = HourlyCount.objects.filter(rollup=0, hour__gte=start, hour__lt=end)
    assert body["current"]["volume"] == sum(hours.values_list("registered", flat=True))


def test_a_mix_within_a_department_over_hour_edges_adds_up(book: dict[str, Complaint]) -> None:
    # The days read a department × dimension roll-up; the edge hours, which keep no pair
    # roll-ups, read the cube: together they must give what the hourly cube alone gives.
    start, end = at(10, 23), at(21, 1)
    body = kpis(start, end, KpiFilters(department="billing"))
    billing = Department.objects.get(code="billing").pk
    hours = HourlyCount.objects.filter(rollup=0, department=billing, hour__gte=start, hour__lt=end)
    expected = sum(hours.values_list("registered", flat=True))
    assert body["current"]["volume"] == expected > 0
    for dim in ("category", "channel", "region"):
        assert sum(e["volume"] for e in body["mix"][dim]) == expected, dim
