"""Pause (挂起) while waiting for the customer: the clock stops, and the due times move by the
time paused, counted as the policy counts (R4.1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from tousu.sla.services import complaint_pause, complaint_resume

# Complaints are built in the status a test starts from (`complaint_in`); the time-limit
# services and pages under test are real.
Build = Callable[..., Complaint]
H = dt.timedelta(hours=1)


def sh(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


FRIDAY = sh(20, 9, 30)


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def in_progress(complaint_in: Build, **fields: object) -> Complaint:
    with clock.frozen(FRIDAY + H):
        return complaint_in("in_progress", received_at=FRIDAY, **fields)


def test_pause_and_resume_move_a_working_time_limit(complaint_in: Build, handler: User) -> None:
    complaint = in_progress(complaint_in)
    assert complaint.resolution_due == sh(25, 9, 30)
    with clock.frozen(sh(20, 17)):
        complaint_pause(complaint=complaint, actor=handler, reason="等客户提供账单截图")
    paused = fresh(complaint)
    assert paused.paused_at == sh(20, 17)
    assert paused.pause_reason == "等客户提供账单截图"
    assert paused.resolution_due == sh(25, 9, 30)  # unchanged until resumed
    # Resumed Monday 10:00: Friday 17–18 and Monday 9–10 were paused — two working hours.
    with clock.frozen(sh(23, 10)):
        complaint_resume(complaint=complaint, actor=handler)
    after = fresh(complaint)
    assert after.paused_at is None
    assert after.pause_reason == ""
    assert after.resolution_due == sh(25, 11, 30)
    types = list(after.events.order_by("seq").values_list("type", flat=True))
    assert types[-2:] == ["paused", "resumed"]
    paused_at = after.events.latest("seq").data["paused_at"]
    assert dt.datetime.fromisoformat(paused_at) == sh(20, 17)


def test_a_calendar_time_limit_moves_by_the_clock(complaint_in: Build, handler: User) -> None:
    complaint = in_progress(complaint_in, level="major")
    assert complaint.resolution_due == sh(21, 9, 30)
    with clock.frozen(sh(20, 17)):
        complaint_pause(complaint=complaint, actor=handler, reason="客户出差，周一再联系")
    with clock.frozen(sh(20, 19, 15)):
        complaint_resume(complaint=complaint, actor=handler)
    assert fresh(complaint).resolution_due == sh(21, 11, 45)


def test_resume_sends_the_reminder_again_when_far_from_the_limit(
    complaint_in: Build, handler: User
) -> None:
    complaint = in_progress(complaint_in)
    Complaint.objects.filter(pk=complaint.pk).update(reminder_sent_at=sh(20, 12))
    with clock.frozen(sh(20, 12)):
        complaint_pause(complaint=complaint, actor=handler, reason="等客户回复")
    with clock.frozen(sh(20, 13)):
        complaint_resume(complaint=complaint, actor=handler)
    assert fresh(complaint).reminder_sent_at is None


@pytest.mark.parametrize("status", ["dispatched", "resolved", "closed"])
def test_only_a_complaint_in_progress_is_paused(
    complaint_in: Build, handler: User, status: str
) -> None:
    complaint = complaint_in(status, handler=handler)
    with pytest.raises(InvalidTransition):
        complaint_pause(complaint=complaint, actor=handler, reason="等客户")
    assert fresh(complaint).paused_at is None


def test_pause_needs_a_reason_and_is_not_repeated(complaint_in: Build, handler: User) -> None:
    complaint = complaint_in("in_progress")
    with pytest.raises(ValidationFailed) as info:
        complaint_pause(complaint=complaint, actor=handler, reason="  ")
    assert "reason" in info.value.fields
    complaint_pause(complaint=complaint, actor=handler, reason="等客户")
    with pytest.raises(InvalidTransition):
        complaint_pause(complaint=complaint, actor=handler, reason="再等")
    assert fresh(complaint).events.filter(type="paused").count() == 1


def test_resume_needs_a_paused_complaint(complaint_in: Build, handler: User) -> None:
    complaint = complaint_in("in_progress")
    with pytest.raises(InvalidTransition):
        complaint_resume(complaint=complaint, actor=handler)


@pytest.mark.parametrize("persona", ["agent", "analyst", "quality", "outsider", "handler2"])
def test_who_may_not_pause_or_resume(
    complaint_in: Build, handler: User, request: pytest.FixtureRequest, persona: str
) -> None:
    complaint = complaint_in("in_progress")  # handler's own complaint
    someone = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed):
        complaint_pause(complaint=complaint, actor=someone, reason="等客户")
    complaint_pause(complaint=complaint, actor=handler, reason="等客户")
    with pytest.raises(NotAllowed):
        complaint_resume(complaint=complaint, actor=someone)
    assert fresh(complaint).paused_at is not None


def test_a_supervisor_of_the_department_may_resume(
    complaint_in: Build, handler: User, supervisor: User
) -> None:
    complaint = complaint_in("in_progress")
    complaint_pause(complaint=complaint, actor=handler, reason="等客户")
    complaint_resume(complaint=complaint, actor=supervisor)
    assert fresh(complaint).paused_at is None


def test_resolving_ends_the_pause_so_a_reopened_complaint_is_scanned_again(
    complaint_in: Build, handler: User
) -> None:
    from tousu.accounts.models import Department
    from tousu.resolution.services import RemedyInput, complaint_resolve
    from tousu.sla.jobs import due_for_step
    from tousu.sla.services import complaint_reopen

    complaint = complaint_pause(
        complaint=in_progress(complaint_in), actor=handler, reason="等待客户提供账单"
    )
    complaint_resolve(
        complaint=complaint,
        actor=handler,
        finding="true",
        cause="process_error",
        responsible_department=Department.objects.get(code="billing"),
        remedies=[RemedyInput("refund", "58")],
        reply="已退还多扣费用",
    )
    resolved = fresh(complaint)
    assert resolved.paused_at is None
    assert resolved.pause_reason == ""
    reopened = complaint_reopen(complaint=resolved, actor=handler, reason="客户说仍被扣费")
    Complaint.objects.filter(pk=reopened.pk).update(
        resolution_due=clock.now() - dt.timedelta(hours=1)
    )
    assert due_for_step(clock.now(), 1, 0, 0).filter(pk=reopened.pk).exists()
