"""Front-line resolution (S3 授权, issue 13): the agent who registered a complaint resolves it
at first contact within their authority, beyond it the approval chain; who counts as being at
first contact (`permissions.at_first_contact`); closing what they resolved; responsible staff
recorded at resolve (R6.4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from conftest import reply_release
from tousu.accounts import permissions
from tousu.accounts.models import Department, User
from tousu.complaints.models import Complaint
from tousu.complaints.services import complaint_accept, complaint_note_add
from tousu.core import clock
from tousu.core.errors import NotAllowed, ValidationFailed
from tousu.resolution.models import Approval, AuthorityLimit, HandlingRecord
from tousu.resolution.services import RemedyInput, complaint_close, complaint_resolve
from tousu.routing.services import complaint_dispatch

Register = Callable[..., Complaint]


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def dept(code: str) -> Department:
    return Department.objects.get(code=code)


def resolve(complaint: Complaint, actor: User, *amounts: str, **kw: Any) -> Complaint:
    args: dict[str, Any] = {
        "finding": "true",
        "cause": "explanation_lacking",
        "responsible_department": dept("billing"),
        "remedies": [RemedyInput("refund", Decimal(a)) for a in amounts],
        "reply": "已向您说明扣费原因，并退还多扣的费用。",
    }
    args.update(kw)
    return complaint_resolve(complaint=complaint, actor=actor, **args)


def first_contact_event(complaint: Complaint) -> dict[str, Any]:
    return dict(complaint.events.filter(type="resolved").latest("seq").data)


# ---- who is at first contact -----------------------------------------------------------------


def test_the_registering_agent_is_at_first_contact(register: Register, agent: User) -> None:
    complaint = register(actor=agent)
    assert complaint.status == "dispatched"  # routing dispatched it at registration
    assert permissions.at_first_contact(agent, complaint)
    assert permissions.can_resolve(agent, complaint)


def test_another_agent_is_not(
    register: Register, agent: User, make_user: Callable[..., User]
) -> None:
    colleague = make_user("agent_b", "agent", department="customer_service")
    complaint = register(actor=colleague)
    assert not permissions.can_resolve(agent, complaint)
    assert permissions.can_resolve(colleague, complaint)


def test_not_after_the_back_office_accepts_it(
    register: Register, agent: User, handler: User
) -> None:
    complaint = complaint_accept(complaint=register(actor=agent), actor=handler)
    assert not permissions.can_resolve(agent, complaint)
    with pytest.raises(NotAllowed):
        resolve(complaint, agent, "20")


def test_not_after_the_back_office_dispatches_it_again(
    register: Register, agent: User, supervisor: User
) -> None:
    complaint = register(actor=agent)
    complaint = complaint_dispatch(
        complaint=complaint, actor=supervisor, department=dept("billing"), handler=None
    )
    assert not permissions.at_first_contact(agent, complaint)


def test_not_once_someone_else_has_written_on_it(
    register: Register, agent: User, supervisor: User
) -> None:
    complaint = register(actor=agent)
    complaint_note_add(complaint=complaint, actor=supervisor, text="我来跟进")
    assert not permissions.at_first_contact(agent, fresh(complaint))


def test_the_agents_own_note_keeps_the_first_contact(register: Register, agent: User) -> None:
    complaint = register(actor=agent)
    complaint_note_add(complaint=complaint, actor=agent, text="客户在线等待")
    assert permissions.at_first_contact(agent, fresh(complaint))


def test_not_after_the_roles_window(register: Register, agent: User) -> None:
    complaint = register(actor=agent)
    later = complaint.registered_at + dt.timedelta(minutes=31)  # the agent's window is 30
    with clock.frozen(later):
        assert not permissions.at_first_contact(agent, complaint)


def test_the_window_is_configured_per_role(register: Register, agent: User, handler: User) -> None:
    complaint = register(actor=handler)
    assert not permissions.at_first_contact(handler, complaint)  # handlers have no window
    AuthorityLimit.objects.filter(role="agent", remedy_type="").update(first_contact_minutes=None)
    assert not permissions.at_first_contact(User.objects.get(pk=agent.pk), register(actor=agent))


# ---- resolving and closing at first contact --------------------------------------------------


def test_within_authority_it_is_resolved_at_first_contact(register: Register, agent: User) -> None:
    complaint = resolve(register(actor=agent), agent, "20")
    complaint = fresh(complaint)
    assert complaint.status == "resolved"
    assert complaint.resolved_at is not None
    assert complaint.first_contact
    assert complaint.accepted_at == complaint.resolved_at  # answered at the contact itself
    assert first_contact_event(complaint)["first_contact"] is True


def test_over_authority_it_waits_for_approval_and_is_not_first_contact(
    register: Register, agent: User, supervisor: User
) -> None:
    complaint = fresh(resolve(register(actor=agent), agent, "58"))  # the agent's limit is 50
    assert complaint.status == "awaiting_approval"
    assert not complaint.first_contact
    assert complaint.accepted_at is not None  # the first response was given: no overdue alert
    assert "first_contact" not in first_contact_event(complaint)
    approval = Approval.objects.get(complaint=complaint)
    assert approval.amount == Decimal("58.00")
    assert approval.requested_by == agent
    assert approval.level == "supervisor"


def test_the_agent_closes_what_they_resolved_at_first_contact(
    register: Register, agent: User
) -> None:
    complaint = resolve(register(actor=agent), agent, "20")
    assert permissions.can_close(agent, fresh(complaint))
    complaint_close(complaint=complaint, actor=agent, customer_accepted=True)
    complaint = fresh(complaint)
    assert complaint.status == "closed"
    assert complaint.callbacks.filter(status="pending").exists()  # the callback follows


def test_an_agent_does_not_close_an_outcome_that_needed_approval(
    register: Register, agent: User, supervisor: User
) -> None:
    from tousu.resolution.services import complaint_approve

    complaint = resolve(register(actor=agent), agent, "58")
    complaint = complaint_approve(complaint=complaint, actor=supervisor, approved=True)
    assert fresh(complaint).status == "resolved"
    with pytest.raises(NotAllowed):
        complaint_close(complaint=complaint, actor=agent, customer_accepted=True)


def test_a_handlers_resolution_is_not_first_contact(lifecycle: Callable[..., Complaint]) -> None:
    complaint = lifecycle("resolved")
    assert not complaint.first_contact
    assert "first_contact" not in first_contact_event(complaint)


# ---- responsible staff at resolve (R6.4) -----------------------------------------------------


def test_responsible_staff_is_recorded_at_resolve(
    lifecycle: Callable[..., Complaint], handler: User, make_user: Callable[..., User]
) -> None:
    clerk = make_user("clerk", "agent", department="billing")
    complaint = lifecycle("in_progress")
    resolve(complaint, handler, "10", responsible_staff=clerk)
    assert HandlingRecord.objects.get(complaint=complaint).responsible_staff == clerk
    assert first_contact_event(fresh(complaint))["responsible_staff"] == str(clerk)
    reply_release(complaint)
    complaint_close(complaint=complaint, actor=handler, customer_accepted=True)
    closed = fresh(complaint).events.get(type="closed")
    assert closed.data["responsible_staff"] == "clerk"


def test_responsible_staff_must_be_of_the_responsible_department(
    lifecycle: Callable[..., Complaint], handler: User, make_user: Callable[..., User]
) -> None:
    elsewhere = make_user("netclerk", "agent", department="network")
    complaint = lifecycle("in_progress")
    with pytest.raises(ValidationFailed) as info:
        resolve(complaint, handler, "10", responsible_staff=elsewhere)
    assert "responsible_staff" in info.value.fields
    assert fresh(complaint).status == "in_progress"


def test_an_outcome_told_on_the_call_may_be_closed_as_accepted_at_night(
    register: Register, agent: User
) -> None:
    """The agent told the customer on the call and heard them accept: the reply SMS held
    until the morning does not hold the close."""
    night = dt.datetime(2026, 12, 1, 22, 30, tzinfo=clock.SHANGHAI)
    with clock.frozen(night):
        complaint = resolve(register(actor=agent), agent, "20")
        held = complaint.messages.get(kind="reply").next_attempt_at
        assert held is not None
        assert held > night  # the SMS waits for the morning
        complaint_close(complaint=complaint, actor=agent, customer_accepted=True)
    assert fresh(complaint).status == "closed"
