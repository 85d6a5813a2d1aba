"""Dispatch, transfer (转派) and return (退单) between departments (R3.1, R3.3)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tousu.accounts.models import Department, User
from tousu.complaints.models import Complaint
from tousu.complaints.selectors import timeline_verify
from tousu.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from tousu.core.reasons import reason_text
from tousu.routing.services import complaint_dispatch

Register = Callable[..., Complaint]
# A complaint built in the status a test starts from (`complaint_in`); dispatching it is real.
Build = Callable[..., Complaint]


def dept(code: str) -> Department:
    return Department.objects.get(code=code)


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def test_assigning_a_handler_in_the_same_department_is_a_dispatch(
    complaint_in: Build, supervisor: User, handler: User
) -> None:
    complaint = complaint_in("dispatched")
    complaint_dispatch(
        complaint=complaint, actor=supervisor, department=dept("billing"), handler=handler
    )
    after = fresh(complaint)
    assert after.status == "dispatched"
    assert after.handler == handler
    event = after.events.latest("seq")
    assert event.type == "dispatched"
    assert event.data["handler"] == "handler"
    assert event.actor == supervisor


def test_a_transfer_needs_a_reason(complaint_in: Build, supervisor: User) -> None:
    complaint = complaint_in("dispatched")
    with pytest.raises(ValidationFailed) as info:
        complaint_dispatch(complaint=complaint, actor=supervisor, department=dept("network"))
    assert "reason" in info.value.fields
    after = fresh(complaint)
    assert after.department == dept("billing")
    assert after.event_seq == complaint.event_seq


def test_a_transfer_moves_the_complaint_and_says_why(
    complaint_in: Build, handler: User, outsider: User
) -> None:
    complaint = complaint_in("in_progress")
    complaint_dispatch(
        complaint=complaint,
        actor=handler,
        department=dept("network"),
        reason="经核查是基站故障导致的重复计费，转网络部门",
    )
    after = fresh(complaint)
    assert after.department == dept("network")
    assert after.status == "dispatched"  # the new department accepts it afresh
    assert after.handler == outsider  # assigned in the new department, its only handler
    event = after.events.latest("seq")
    assert event.type == "transferred"
    assert event.data["from_department"] == "billing"
    assert event.data["department"] == "network"
    assert event.data["reason"] == "经核查是基站故障导致的重复计费，转网络部门"
    assert timeline_verify([after.number])[1] == []
    # Now it is the network department's: the former handler may no longer act on it.
    from tousu.complaints.services import complaint_accept

    with pytest.raises(NotAllowed):
        complaint_accept(complaint=after, actor=handler)
    complaint_accept(complaint=after, actor=outsider)
    assert fresh(after).handler == outsider


def test_a_handler_from_another_department_is_refused(
    complaint_in: Build, supervisor: User, outsider: User
) -> None:
    complaint = complaint_in("dispatched")
    with pytest.raises(ValidationFailed) as info:
        complaint_dispatch(
            complaint=complaint, actor=supervisor, department=dept("billing"), handler=outsider
        )
    assert "handler" in info.value.fields
    assert fresh(complaint).handler is None


@pytest.mark.parametrize("persona", ["agent", "analyst", "quality"])
def test_a_handler_must_be_back_office_staff(
    complaint_in: Build, supervisor: User, request: pytest.FixtureRequest, persona: str
) -> None:
    user = request.getfixturevalue(persona)
    user.department = dept("billing")
    user.save()
    complaint = complaint_in("dispatched")
    with pytest.raises(ValidationFailed):
        complaint_dispatch(
            complaint=complaint, actor=supervisor, department=dept("billing"), handler=user
        )


def test_an_inactive_handler_or_department_is_refused(
    complaint_in: Build, supervisor: User, handler2: User
) -> None:
    complaint = complaint_in("dispatched")
    handler2.is_active = False
    handler2.save()
    with pytest.raises(ValidationFailed):
        complaint_dispatch(
            complaint=complaint, actor=supervisor, department=dept("billing"), handler=handler2
        )
    Department.objects.filter(code="legal").update(active=False)
    with pytest.raises(ValidationFailed):
        complaint_dispatch(
            complaint=complaint, actor=supervisor, department=dept("legal"), reason="法律风险"
        )
    assert fresh(complaint).department == dept("billing")


def test_a_handler_cannot_take_a_colleagues_complaint(
    complaint_in: Build, supervisor: User, handler: User, handler2: User
) -> None:
    complaint = complaint_in("dispatched", handler=handler)
    complaint_dispatch(
        complaint=complaint, actor=supervisor, department=dept("billing"), handler=handler2
    )
    with pytest.raises(NotAllowed):
        complaint_dispatch(
            complaint=complaint, actor=handler, department=dept("billing"), handler=handler
        )
    assert fresh(complaint).handler == handler2


def test_another_department_cannot_dispatch_billings_complaint(
    complaint_in: Build, outsider: User
) -> None:
    complaint = complaint_in("dispatched")
    with pytest.raises(NotAllowed):
        complaint_dispatch(
            complaint=complaint, actor=outsider, department=dept("network"), reason="我们来"
        )


@pytest.mark.parametrize("status", ["awaiting_approval", "resolved", "closed"])
def test_no_dispatch_once_an_outcome_is_recorded(
    complaint_in: Build, supervisor: User, status: str
) -> None:
    complaint = complaint_in(status)
    with pytest.raises(InvalidTransition):
        complaint_dispatch(
            complaint=complaint, actor=supervisor, department=dept("network"), reason="转网络"
        )
    after = fresh(complaint)
    assert after.status == status
    assert after.department == dept("billing")


def test_the_first_automatic_dispatch_records_the_rule(register: Register) -> None:
    complaint = register(category="network.coverage")
    event = complaint.events.get(type="dispatched")
    assert event.actor is None
    assert event.actor_name == "system"
    assert event.data["department"] == "network"
    assert "信号覆盖" in reason_text(event.data["rule"])
