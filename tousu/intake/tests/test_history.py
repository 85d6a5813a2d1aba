"""Intake's decisions in one place each: the customer's history read in one query (the repeat
candidates and the risk window's count), and the level a complaint is registered at."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tousu.complaints.choices import Level
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.customers.models import Customer
from tousu.intake.rules import registered_level
from tousu.intake.services import REPEAT_CANDIDATES_MAX, history_of

Register = Callable[..., Complaint]


def days_ago(n: float) -> dt.datetime:
    return clock.now() - dt.timedelta(days=n)


@pytest.mark.parametrize(
    ("initial", "earlier", "score", "level"),
    [
        (Level.ORDINARY, None, 0.0, Level.ORDINARY),
        (Level.ORDINARY, Level.ORDINARY, 0.0, Level.IMPORTANT),  # a repeat: one step up
        (Level.ORDINARY, Level.IMPORTANT, 0.0, Level.MAJOR),  # above the earlier one
        (Level.ORDINARY, None, 0.7, Level.IMPORTANT),  # high risk: one step up
        (Level.ORDINARY, Level.ORDINARY, 0.9, Level.MAJOR),  # both
        (Level.MAJOR, Level.MAJOR, 0.9, Level.MAJOR),  # never past major
        (Level.OVER_LEVEL, None, 0.9, Level.OVER_LEVEL),  # never down
    ],
)
def test_registered_level(initial: str, earlier: str | None, score: float, level: str) -> None:
    assert (
        registered_level(initial, earlier_level=earlier, risk_score=score, risk_high=0.7) == level
    )


def test_one_query_for_the_repeat_candidates_and_the_risk_count(
    register: Register, settings: Any
) -> None:
    settings.TOUSU_REPEAT_WINDOW_DAYS = 10  # shorter than the risk window (30 days)
    old, recent = register(received_at=days_ago(20)), register(received_at=days_ago(5))
    ancient = register(received_at=days_ago(40))  # outside both windows
    # Settled: past the repeat window only an open complaint is a candidate.
    Complaint.objects.filter(pk__in=[old.pk, ancient.pk]).update(status="closed")
    other_phone = register(
        customer_phone="13700137000", customer_account="025-1", received_at=days_ago(1)
    )
    customer = Customer.objects.get(phone="13800138000")
    with CaptureQueriesContext(connection) as queries:
        history = history_of(customer=customer, account="", received_at=clock.now())
    assert len(queries) == 1
    assert history.candidates == [recent]  # `old` is past the repeat window…
    assert history.prior == 2  # …but counts in the risk window
    # The same account on another phone is the same customer for repeats, not for the count.
    by_account = history_of(customer=customer, account="025-1", received_at=clock.now())
    assert by_account.candidates == [other_phone, recent]
    assert by_account.prior == 2
    assert old not in by_account.candidates
    Complaint.objects.filter(pk=ancient.pk).update(status="in_progress")
    with CaptureQueriesContext(connection) as queries:
        history = history_of(customer=customer, account="", received_at=clock.now())
    assert len(queries) == 1
    assert history.candidates == [recent, ancient]  # open, however old
    assert history.prior == 2


def test_the_count_is_not_cut_by_the_candidates_limit(register: Register) -> None:
    for n in range(REPEAT_CANDIDATES_MAX + 2):
        register(received_at=days_ago(1 + n / 100))
    customer = Customer.objects.get(phone="13800138000")
    history = history_of(customer=customer, account="", received_at=clock.now())
    assert len(history.candidates) == REPEAT_CANDIDATES_MAX
    assert history.prior == REPEAT_CANDIDATES_MAX + 2
