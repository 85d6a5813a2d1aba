"""Escalation (R2.4, R4.3): levels only go up, time limits only get shorter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from tousu.sla.services import complaint_escalate

Register = Callable[..., Complaint]
# Complaints are built in the status a test starts from (`complaint_in`); the time-limit
# services and pages under test are real.
Build = Callable[..., Complaint]
H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def sh(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


FRIDAY = sh(20, 9, 30)


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def test_escalation_raises_the_level_and_shortens_the_limits(
    register: Register, handler: User
) -> None:
    with clock.frozen(FRIDAY + 3 * H):
        complaint = register(received_at=FRIDAY)
        # Ordinary: 2 working hours to respond, 27 to resolve (Friday 09:30 → Wednesday 09:30).
        assert complaint.first_response_due == FRIDAY + 2 * H
        assert complaint.resolution_due == sh(25, 9, 30)
        assert complaint.time_limit_policy == "ordinary"
        complaint_escalate(complaint=complaint, actor=handler, level="major", reason="客户扬言曝光")
    after = fresh(complaint)
    assert after.level == "major"
    # Major: 30 minutes and 24 clock hours, from reception.
    assert after.first_response_due == FRIDAY + 30 * M
    assert after.resolution_due == FRIDAY + 24 * H
    assert after.time_limit_policy == "major"
    event = after.events.latest("seq")
    assert event.type == "escalated"
    assert event.data["from"] == "ordinary"
    assert event.data["to"] == "major"
    assert event.data["reason"] == "客户扬言曝光"


def test_escalation_never_lengthens_a_due_time(register: Register, handler: User) -> None:
    with clock.frozen(FRIDAY + H):
        complaint = register(received_at=FRIDAY)
        earlier = FRIDAY + 10 * H  # shortened before, e.g. by a promise to the customer
        Complaint.objects.filter(pk=complaint.pk).update(resolution_due=earlier)
        complaint_escalate(complaint=complaint, actor=handler, level="important", reason="重要客户")
    after = fresh(complaint)
    assert after.level == "important"
    assert after.resolution_due == earlier
    assert after.first_response_due == FRIDAY + 1 * H  # one working hour


@pytest.mark.parametrize(
    ("current", "proposed"),
    [
        ("ordinary", "ordinary"),
        ("important", "ordinary"),
        ("major", "important"),
        ("over_level", "major"),
        ("over_level", "over_level"),
    ],
)
def test_escalation_only_goes_up(
    complaint_in: Build, supervisor: User, current: str, proposed: str
) -> None:
    complaint = complaint_in("dispatched", level=current)
    with pytest.raises(ValidationFailed) as info:
        complaint_escalate(complaint=complaint, actor=supervisor, level=proposed, reason="调整")
    assert "level" in info.value.fields
    after = fresh(complaint)
    assert after.level == current
    assert after.resolution_due == complaint.resolution_due
    assert after.event_seq == complaint.event_seq


def test_escalation_needs_a_reason_and_a_known_level(complaint_in: Build, handler: User) -> None:
    complaint = complaint_in("dispatched", handler=handler)
    with pytest.raises(ValidationFailed) as info:
        complaint_escalate(complaint=complaint, actor=handler, level="major", reason="")
    assert "reason" in info.value.fields
    with pytest.raises(ValidationFailed) as info:
        complaint_escalate(complaint=complaint, actor=handler, level="urgent", reason="急")
    assert "level" in info.value.fields
    assert fresh(complaint).level == "ordinary"


def test_a_closed_complaint_is_not_escalated(complaint_in: Build, supervisor: User) -> None:
    complaint = complaint_in("closed")
    with pytest.raises(InvalidTransition):
        complaint_escalate(complaint=complaint, actor=supervisor, level="major", reason="媒体")
    assert fresh(complaint).level == "ordinary"


@pytest.mark.parametrize("status", ["in_progress", "awaiting_approval", "resolved"])
def test_escalation_while_open_or_resolved(
    complaint_in: Build, supervisor: User, status: str
) -> None:
    complaint = complaint_in(status)
    complaint_escalate(complaint=complaint, actor=supervisor, level="important", reason="复诉")
    after = fresh(complaint)
    assert after.level == "important"
    assert after.status == status


@pytest.mark.parametrize("persona", ["agent", "analyst", "quality", "outsider"])
def test_roles_that_may_not_escalate(
    complaint_in: Build, request: pytest.FixtureRequest, persona: str
) -> None:
    complaint = complaint_in("dispatched")
    with pytest.raises(NotAllowed):
        complaint_escalate(
            complaint=complaint,
            actor=request.getfixturevalue(persona),
            level="major",
            reason="我觉得严重",
        )
    assert fresh(complaint).level == "ordinary"


def test_the_system_escalates_without_an_actor(complaint_in: Build) -> None:
    complaint = complaint_in("dispatched")
    complaint_escalate(complaint=complaint, actor=None, level="important", reason="超时自动升级")
    assert fresh(complaint).events.latest("seq").actor_name == "system"


@pytest.mark.django_db
def test_a_reopened_complaint_is_announced_to_its_handler(
    lifecycle: Callable[..., Any], handler: Any, agent: Any
) -> None:
    from tousu.notifications.models import Notification
    from tousu.sla.services import complaint_reopen

    complaint = lifecycle("closed")
    complaint_reopen(complaint=complaint, actor=agent, reason="客户来电表示仍被多扣费")
    (notice,) = Notification.objects.filter(user=handler, kind="reopened")
    assert complaint.number in notice.text
    assert "仍被多扣费" in notice.text
