"""`tousu demo`: staff of every role and complaints with real, verifiable histories."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from tousu.accounts.choices import Role
from tousu.accounts.models import Region, User
from tousu.complaints.choices import EventType, Status
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.complaints.selectors import timeline_verify
from tousu.setup.demo import DEMO_PASSWORD, DEMO_USERS, HISTORY_DAYS, plan_all, status_counts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Eighteen Argon2 hashes per run are slow and prove nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_demo_creates_staff_and_complaints_with_verifiable_histories() -> None:
    started = timezone.now()
    out = demo("--complaints", "40")

    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert Complaint.objects.count() == 40
    statuses = Counter(Complaint.objects.values_list("status", flat=True))
    assert {Status.DISPATCHED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED} <= set(statuses)
    assert statuses[Status.CLOSED] > 20

    checked, broken = timeline_verify()
    assert (checked, broken) == (40, [])

    oldest = started - dt.timedelta(days=HISTORY_DAYS)
    for complaint in Complaint.objects.all():
        assert oldest <= complaint.received_at <= complaint.registered_at <= started
        if complaint.is_open:
            assert started - complaint.received_at < dt.timedelta(days=14), complaint.number
        ats = list(complaint.events.order_by("seq").values_list("at", flat=True))
        assert ats == sorted(ats), complaint.number  # each step after the one before
        assert ats[0] == complaint.registered_at
        assert ats[-1] <= started

    types = set(ComplaintEvent.objects.values_list("type", flat=True))
    assert {EventType.ACCEPTED, EventType.RESOLVED, EventType.CLOSED, EventType.CALLBACK} <= types

    # The dashboard has its figures at once: the count tables hold every demo complaint.
    from tousu.analytics.models import MonthlyCount
    from tousu.analytics.rules import rollup_for

    counted = MonthlyCount.objects.filter(rollup=rollup_for(set())).aggregate(n=Sum("registered"))
    assert counted["n"] == 40

    # The logins table ends the output, and its password works.
    assert "Demo logins:" in out
    for row in DEMO_USERS:
        assert row.username in out
    assert DEMO_PASSWORD in out
    assert Client().login(username="supervisor_billing", password=DEMO_PASSWORD)


def test_demo_if_empty_adds_nothing_the_second_time() -> None:
    demo("--complaints", "12")
    users = User.objects.count()

    out = demo("--if-empty", "--complaints", "12")

    assert "Demo data already present" in out
    assert Complaint.objects.count() == 12
    assert User.objects.count() == users


def test_demo_keeps_existing_accounts_as_they_are() -> None:
    demo("--complaints", "0")
    admin = User.objects.get(username="admin")
    admin.set_password("Changed-by-the-admin-2026")
    admin.save()

    out = demo("--complaints", "3")

    assert Client().login(username="admin", password="Changed-by-the-admin-2026")
    assert "(unless changed)" in out
    assert Complaint.objects.count() == 3


def test_the_same_seed_plans_the_same_complaints(reference: None) -> None:
    now = timezone.now().replace(second=0, microsecond=0)
    regions = {r.code: r for r in Region.objects.all()}

    def plans(seed: int) -> list[tuple[str, str, str, list[str]]]:
        planned, _ = plan_all(random.Random(seed), 30, now, None, regions)
        return [
            (p.text.content, p.final, p.customer.phone, [s.kind for s in p.steps]) for p in planned
        ]

    assert plans(7) == plans(7)
    assert plans(7) != plans(8)


@pytest.mark.parametrize("count", [0, 1, 9, 40, 300])
def test_status_mix(count: int) -> None:
    finals = status_counts(count)
    assert len(finals) == count
    if count >= 10:
        assert set(finals) == {
            Status.DISPATCHED,
            Status.IN_PROGRESS,
            Status.AWAITING_APPROVAL,
            Status.RESOLVED,
            Status.CLOSED,
        }
    if count == 300:
        assert Counter(finals)[Status.CLOSED] == 195
