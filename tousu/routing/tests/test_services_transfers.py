"""Transfers (转派) and returns (退单) with a reason, counted per department (R3.3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from tousu.accounts.models import Department, User
from tousu.complaints.models import Complaint
from tousu.complaints.selectors import timeline_verify
from tousu.core import clock
from tousu.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from tousu.routing.models import Transfer
from tousu.routing.selectors import transfer_counts
from tousu.routing.services import complaint_dispatch, complaint_return

Register = Callable[..., Complaint]
# A complaint built in the status a test starts from (`complaint_in`), assigned as billing's
# automatic assignment would have; the transfers and returns are real.
Build = Callable[..., Complaint]


def dept(code: str) -> Department:
    return Department.objects.get(code=code)


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def test_a_transfer_is_recorded_with_its_reason(complaint_in: Build, handler: User) -> None:
    complaint = complaint_in("in_progress")
    complaint_dispatch(
        complaint=complaint, actor=handler, department=dept("network"), reason="基站故障"
    )
    transfer = Transfer.objects.get(complaint=complaint)
    assert (transfer.from_department, transfer.to_department) == (dept("billing"), dept("network"))
    assert (transfer.kind, transfer.reason, transfer.actor) == ("transfer", "基站故障", handler)
    # The first dispatch at registration is no transfer.
    assert Transfer.objects.count() == 1


def test_a_return_goes_back_to_the_department_that_sent_it(
    complaint_in: Build, handler: User, outsider: User
) -> None:
    complaint = complaint_in("in_progress")
    complaint_dispatch(
        complaint=complaint, actor=handler, department=dept("network"), reason="基站故障"
    )
    assert fresh(complaint).handler == outsider
    complaint_return(complaint=complaint, actor=outsider, reason="经查基站正常，系计费问题")
    after = fresh(complaint)
    assert after.department == dept("billing")
    assert after.status == "dispatched"
    assert after.handler == handler  # billing assigns it again, to its only handler
    event = after.events.latest("seq")
    assert event.type == "returned"
    assert event.actor == outsider
    assert event.data["from_department"] == "network"
    assert event.data["department"] == "billing"
    assert event.data["reason"] == "经查基站正常，系计费问题"
    back = Transfer.objects.filter(complaint=complaint).latest("pk")
    assert (back.kind, back.from_department, back.to_department) == (
        "return",
        dept("network"),
        dept("billing"),
    )
    assert timeline_verify([after.number])[1] == []


def test_a_first_dispatch_returns_to_the_complaint_office(
    complaint_in: Build, handler: User
) -> None:
    complaint = complaint_in("dispatched", handler=handler)
    complaint_return(complaint=complaint, actor=handler, reason="不属于计费问题")
    after = fresh(complaint)
    assert after.department == dept("complaint_office")
    assert after.handler is None


def test_a_return_needs_a_reason_and_the_handling_department(
    complaint_in: Build, handler: User, outsider: User, agent: User
) -> None:
    complaint = complaint_in("dispatched", handler=handler)
    with pytest.raises(ValidationFailed) as info:
        complaint_return(complaint=complaint, actor=handler, reason="  ")
    assert "reason" in info.value.fields
    for actor in (outsider, agent):
        with pytest.raises(NotAllowed):
            complaint_return(complaint=complaint, actor=actor, reason="不是我们的")
    assert fresh(complaint).department == dept("billing")
    assert not Transfer.objects.exists()


def test_a_handler_cannot_return_a_colleagues_complaint(
    complaint_in: Build, handler: User, handler2: User
) -> None:
    complaint = complaint_in("dispatched", handler=handler)
    assert complaint.handler == handler
    with pytest.raises(NotAllowed):
        complaint_return(complaint=complaint, actor=handler2, reason="不是我们的")


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_no_return_once_resolved(complaint_in: Build, supervisor: User, status: str) -> None:
    complaint = complaint_in(status)
    with pytest.raises(InvalidTransition):
        complaint_return(complaint=complaint, actor=supervisor, reason="不是我们的")


def test_the_complaint_office_has_nowhere_to_return_to(
    register: Register, make_user: Callable[..., User]
) -> None:
    office = make_user("office_head", "supervisor", department="complaint_office")
    complaint = register(category="", content="说不清楚的问题", channel="regulator")
    assert complaint.department == dept("complaint_office")
    with pytest.raises(InvalidTransition):
        complaint_return(complaint=complaint, actor=office, reason="退")


def test_transfer_counts_per_department(
    complaint_in: Build, handler: User, outsider: User, supervisor: User
) -> None:
    start = clock.now() - dt.timedelta(minutes=1)
    one = complaint_in("in_progress")
    complaint_dispatch(complaint=one, actor=handler, department=dept("network"), reason="网络")
    complaint_return(complaint=one, actor=outsider, reason="不是网络问题")
    two = complaint_in("dispatched", customer_phone="13700137000")
    complaint_dispatch(complaint=two, actor=supervisor, department=dept("legal"), reason="法务")
    counts = transfer_counts(start, clock.now() + dt.timedelta(minutes=1))
    assert counts["billing"].transfers == 2
    assert counts["billing"].returns == 0
    assert counts["network"].transfers == 0
    assert counts["network"].returns == 1
    assert "legal" not in counts
    assert transfer_counts(start - dt.timedelta(days=2), start) == {}


def test_a_return_tells_the_managers_of_the_department_it_comes_back_to_why(
    complaint_in: Build, handler: User, outsider: User, supervisor: User
) -> None:
    from tousu.notifications.models import Notification

    complaint = complaint_in("in_progress")
    complaint_dispatch(
        complaint=complaint, actor=handler, department=dept("network"), reason="基站故障"
    )
    complaint_return(complaint=complaint, actor=outsider, reason="经查基站正常，系计费问题")
    (notice,) = Notification.objects.filter(user=supervisor, kind="returned")
    assert notice.complaint == complaint
    assert "经查基站正常，系计费问题" in notice.text
