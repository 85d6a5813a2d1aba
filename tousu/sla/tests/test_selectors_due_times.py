"""Registration picks the time-limit policy (R4.1, R4.3) and counts it over the calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from tousu.classification.models import Category
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.setup.services import reference_data_load
from tousu.sla.choices import DayKind
from tousu.sla.models import BusinessCalendar, CalendarDay, EscalationStep, TimeLimitPolicy

Register = Callable[..., Complaint]
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def sh(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def registered(register: Register, received: dt.datetime, **fields: object) -> Complaint:
    with clock.frozen(received + M):
        return register(received_at=received, **fields)


@pytest.mark.parametrize(
    ("fields", "policy", "first", "resolution"),
    [
        # Ordinary: 2 working hours, 27 working hours (Friday 09:30 → Wednesday 09:30).
        ({}, "ordinary", sh(11, 20, 11, 30), sh(11, 25, 9, 30)),
        # Important: 1 working hour, 18 working hours.
        ({"level": "important"}, "important", sh(11, 20, 10, 30), sh(11, 24, 9, 30)),
        # Major and over-level: 30 minutes, 24 clock hours.
        ({"level": "major"}, "major", sh(11, 20, 10), sh(11, 21, 9, 30)),
        ({"level": "over_level"}, "over_level", sh(11, 20, 10), sh(11, 21, 9, 30)),
        # A regulator referral: the fast track (工信部申诉转办), whatever level was given.
        ({"channel": "regulator"}, "regulator", sh(11, 20, 10), sh(11, 21, 9, 30)),
    ],
)
def test_registration_picks_the_policy(
    register: Register,
    fields: dict[str, str],
    policy: str,
    first: dt.datetime,
    resolution: dt.datetime,
) -> None:
    complaint = registered(register, sh(11, 20, 9, 30), **fields)
    assert complaint.time_limit_policy == policy
    assert complaint.first_response_due == first
    assert complaint.resolution_due == resolution


def test_a_complaint_received_at_night_counts_from_the_morning(register: Register) -> None:
    complaint = registered(register, sh(11, 19, 3))
    assert complaint.first_response_due == sh(11, 19, 11)
    # Before National Day: Sep 30 17:30 + 2 working hours → Oct 8 10:30.
    complaint = registered(register, sh(9, 30, 17, 30))
    assert complaint.first_response_due == sh(10, 8, 10, 30)


def test_a_category_policy_applies_to_sub_categories_but_not_to_the_regulator(
    register: Register,
) -> None:
    TimeLimitPolicy.objects.create(
        code="billing",
        name="计费类",
        category=Category.objects.get(code="billing"),
        first_response_minutes=15,
        resolution_minutes=8 * 60,
        counting="calendar",
    )
    complaint = registered(register, sh(11, 20, 9, 30))  # billing.unexplained_charge
    assert complaint.time_limit_policy == "billing"
    assert complaint.resolution_due == sh(11, 20, 17, 30)
    referral = registered(register, sh(11, 20, 9, 30), channel="regulator")
    assert referral.time_limit_policy == "regulator"


def test_working_time_on_a_calendar_of_its_own(register: Register) -> None:
    """A store network open 08:00–12:00 Monday to Saturday, closed on its own holiday."""
    store = BusinessCalendar.objects.create(
        code="stores",
        name="营业厅",
        work_start=dt.time(8),
        work_end=dt.time(12),
        weekend_days="7",
    )
    CalendarDay.objects.create(
        calendar=store, date=dt.date(2026, 11, 23), kind=DayKind.HOLIDAY, name="店庆"
    )
    TimeLimitPolicy.objects.create(
        code="store",
        name="营业厅投诉",
        channel="store",
        first_response_minutes=60,
        resolution_minutes=6 * 60,
        calendar=store,
    )
    # Friday 11:00: 1 h Friday, 4 h Saturday, Sunday off, Monday a holiday, 1 h Tuesday.
    complaint = registered(register, sh(11, 20, 11), channel="store")
    assert complaint.time_limit_policy == "store"
    assert complaint.first_response_due == sh(11, 20, 12)
    assert complaint.resolution_due == sh(11, 24, 9)


def test_inactive_policies_are_ignored_and_no_policy_falls_back(register: Register) -> None:
    TimeLimitPolicy.objects.filter(code="ordinary").update(active=False)
    complaint = registered(register, sh(11, 20, 9, 30))
    assert complaint.time_limit_policy == ""
    assert complaint.resolution_due == sh(11, 20, 9, 30) + 72 * H  # rules.DEFAULT_LIMITS


def test_reference_data_load_is_idempotent_and_keeps_edits(reference: None) -> None:
    assert BusinessCalendar.objects.get(code="cn").days.count() == 42
    assert TimeLimitPolicy.objects.count() == 5
    assert list(EscalationStep.objects.values_list("order", "after_minutes", "target")) == [
        (1, 0, "handler"),
        (2, 240, "supervisor"),
        (3, 1440, "dept_head"),
        (4, 2880, "complaint_office"),
    ]
    TimeLimitPolicy.objects.filter(code="ordinary").update(resolution_minutes=999)
    created = reference_data_load()
    assert created["policies"] == created["calendar_days"] == created["escalation_steps"] == 0
    assert TimeLimitPolicy.objects.get(code="ordinary").resolution_minutes == 999
