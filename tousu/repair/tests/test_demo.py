"""The demo's repair programme is coherent: every dissatisfied callback's customer is in a
case of the right kind, the old cases are repaired with a new satisfaction, the recent ones
wait in their owners' queues, and the effect report has both groups."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.utils import timezone

from tousu.callbacks.models import CallbackTask
from tousu.complaints.models import ComplaintEvent
from tousu.core import clock
from tousu.repair.models import RepairCase, RepairCaseSource
from tousu.repair.report import effect_report
from tousu.setup.demo import demo_load


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# When the demo is loaded: now, and a moment it failed at. Loaded at 05:17 on 7 December 2026
# (Asia/Shanghai), the customer's survey answer by link (five minutes before now) fell on a
# complaint reopened by a dissatisfied callback three days before: its newest event, that
# answer, left the callback's case to open after now, so it was skipped.
LOADED_AT = [None, dt.datetime(2026, 12, 7, 5, 17, tzinfo=clock.SHANGHAI)]


@pytest.mark.parametrize("loaded_at", LOADED_AT, ids=["now", "2026-12-07T05:17"])
def test_the_demo_repairs_its_dissatisfied_customers(
    reference: None, loaded_at: dt.datetime | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if loaded_at is not None:
        # The clock as it runs on from then: the demo reads it, unfrozen, for its now.
        then, started = loaded_at.astimezone(dt.UTC), time.monotonic()
        monkeypatch.setattr(
            timezone, "now", lambda: then + dt.timedelta(seconds=time.monotonic() - started)
        )
    demo_load(complaints=120, seed=2026)
    now = clock.now()
    cases = list(RepairCase.objects.select_related("owner").prefetch_related("actions", "sources"))
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
            assert {"bill_check", "refund"} <= steps
        if case.status == "closed":
            assert case.satisfaction_after is not None
            assert case.closed_at is not None
            assert all(a.done_at is not None for a in case.actions.all())
            closed = case.closed_at
            assert all(a.done_at and a.done_at <= closed for a in case.actions.all())
        assert case.opened_at <= clock.now()
    # Cases are assigned as the department would: by its supervisor (its head, else the
    # administrator) to one of its people, after the case opened and before its first step,
    # on the timeline; at most a couple of fresh ones wait unassigned for the feature to show.
    unassigned = [c for c in cases if c.owner_id is None and c.status in ("open", "in_progress")]
    assert len(unassigned) <= 2, [
        (c.pk, c.opened_at, [s.key for s in c.sources.all()]) for c in unassigned
    ]
    assigned = ComplaintEvent.objects.filter(type="repair_assigned").select_related("actor")
    assert assigned
    by_case = {e.data["case"]: e for e in assigned}
    for case in cases:
        if case.owner_id is None or case.complaint_id is None or case.pk not in by_case:
            continue
        event, owner = by_case[case.pk], case.owner
        by = event.actor
        assert owner is not None
        assert by is not None
        assert owner.department_id == case.department_id, case.pk
        assert by.role in ("supervisor", "dept_head", "admin"), case.pk
        assert by.role == "admin" or by.department_id == case.department_id
        assert case.opened_at < event.at <= clock.now(), case.pk
        done = [a.done_at for a in case.actions.all() if a.done_at]
        assert all(event.at <= at for at in done), case.pk
    assert len(by_case) >= len(cases) // 2
    # Owners keep up with most of their cases as the steps fall due; a few fall behind.
    active = [c for c in cases if c.owner_id and c.status in ("open", "in_progress")]
    late = [c for c in active if any(a.done_at is None and a.due_at < now for a in c.actions.all())]
    assert len(late) <= max(1, len(active) // 3), (len(late), len(active))
    statuses = {c.status for c in cases}
    assert "closed" in statuses
    assert statuses & {"open", "in_progress"}
    year = clock.now() - dt.timedelta(days=366)
    effect = effect_report(year, clock.now() + dt.timedelta(days=1))
    assert effect.repaired_total > 0
    assert effect.comparison_total > 0


@pytest.mark.parametrize("touched", [False, True], ids=["called-just-now", "touched-just-now"])
def test_a_record_of_the_last_minutes_is_in_a_case_opened_before_now(
    complaint_in: Any, agent: Any, handler: Any, touched: bool
) -> None:
    """The demo's repair cases open minutes after their record (5 to 90 drawn): a dissatisfied
    callback made in the last minutes before the demo's now, or one whose complaint was touched
    since (the customer's page note, an overdue callback chased), was skipped, and its customer
    was in no case — the demo test failed at the hours when such a record fell within the
    delay drawn. It is in a case opened between the record and now."""
    from tousu.callbacks.services import complaint_callback_record
    from tousu.complaints.services import complaint_note_add
    from tousu.repair.demo import repair_demo_load

    now = clock.now().replace(second=0, microsecond=0) + dt.timedelta(hours=1)
    complaint = complaint_in("closed", received_at=now - dt.timedelta(days=3))
    minutes_ago = now - dt.timedelta(minutes=3)
    # Touched since: the callback two days ago reopened it, a note came minutes ago.
    with clock.frozen(now - dt.timedelta(days=2) if touched else minutes_ago):
        task = complaint_callback_record(
            complaint=complaint,
            actor=agent,
            result="dissatisfied",
            scores={"timeliness": 2, "attitude": 3, "solution": 1, "simplicity": 2},
            comment="问题还是没解决",
            dissatisfied_action="reopen" if touched else "repair",
        )
    if touched:
        with clock.frozen(minutes_ago):
            complaint_note_add(complaint=complaint, actor=handler, text="已再次联系客户")
    repair_demo_load(now=now, seed=2026)
    source = RepairCaseSource.objects.select_related("case").get(callback=task)
    assert minutes_ago < source.case.opened_at < now
