"""The demo's repair programme is coherent: every dissatisfied callback's customer is in a
case of the right kind, the old cases are repaired with a new satisfaction, the recent ones
wait in their owners' queues, and the effect report has both groups."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tousu.callbacks.models import CallbackTask
from tousu.core import clock
from tousu.repair.models import RepairCase, RepairCaseSource
from tousu.repair.report import effect_report
from tousu.setup.demo import demo_load


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_repairs_its_dissatisfied_customers(reference: None) -> None:
    demo_load(complaints=120, seed=2026)
    cases = list(RepairCase.objects.prefetch_related("actions", "sources"))
    assert cases
    linked = set(RepairCaseSource.objects.values_list("callback_id", flat=True))
    for task in CallbackTask.objects.filter(result="dissatisfied"):
        in_case = task.pk in linked
        customer = task.complaint.customer
        # Found, or joined the customer's repair that was under way or done after it.
        assert in_case or RepairCase.objects.filter(customer=customer).exists(), task.pk
    for case in cases:
        steps = {a.step for a in case.actions.all()}
        if case.type == "network":
            assert {"network_fix", "network_test"} <= steps
        if case.type == "tariff":
            assert "tariff_fit" in steps
        if case.status == "closed":
            assert case.satisfaction_after is not None
            assert case.closed_at is not None
            assert all(a.done_at is not None for a in case.actions.all())
            closed = case.closed_at
            assert all(a.done_at and a.done_at <= closed for a in case.actions.all())
        assert case.opened_at <= clock.now()
    statuses = {c.status for c in cases}
    assert "closed" in statuses
    assert statuses & {"open", "in_progress"}
    year = clock.now() - dt.timedelta(days=366)
    effect = effect_report(year, clock.now() + dt.timedelta(days=1))
    assert effect.repaired_total > 0
    assert effect.comparison_total > 0
