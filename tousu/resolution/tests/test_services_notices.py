"""Nobody has to look for an approval (issue 12): asking notifies the approvers, deciding
notifies the one who asked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tousu.core import clock
from tousu.notifications.models import Notification
from tousu.resolution.models import Approval
from tousu.resolution.services import approvals_escalate_overdue, complaint_approve

pytestmark = pytest.mark.django_db


def notices(user: Any, kind: str) -> list[str]:
    return list(Notification.objects.filter(user=user, kind=kind).values_list("text", flat=True))


def test_asking_for_approval_notifies_the_supervisor_and_the_decision_the_handler(
    lifecycle: Callable[..., Any], handler: Any, supervisor: Any, dept_head: Any
) -> None:
    complaint = lifecycle("awaiting_approval")
    (text,) = notices(supervisor, "approval")
    assert complaint.number in text
    assert "258" in text
    assert notices(dept_head, "approval") == []  # the chain's first step asks the supervisor

    complaint_approve(complaint=complaint, actor=supervisor, approved=True)
    (text,) = notices(handler, "approved")
    assert complaint.number in text


def test_a_rejection_tells_the_handler_why(
    lifecycle: Callable[..., Any], handler: Any, supervisor: Any
) -> None:
    complaint = lifecycle("awaiting_approval")
    complaint_approve(complaint=complaint, actor=supervisor, approved=False, note="证据不足")
    (text,) = notices(handler, "rejected")
    assert "证据不足" in text


def test_with_no_supervisor_the_department_head_is_asked(
    lifecycle: Callable[..., Any], dept_head: Any
) -> None:
    lifecycle("awaiting_approval")
    assert len(notices(dept_head, "approval")) == 1


def test_with_no_manager_in_the_department_the_admins_are_asked(
    lifecycle: Callable[..., Any], admin_user: Any
) -> None:
    lifecycle("awaiting_approval")
    assert len(notices(admin_user, "approval")) == 1


def test_an_approval_passed_up_the_chain_notifies_the_next_approver(
    lifecycle: Callable[..., Any], supervisor: Any, dept_head: Any
) -> None:
    complaint = lifecycle("awaiting_approval")
    Approval.objects.filter(complaint=complaint).update(
        due_at=clock.now() - dt.timedelta(minutes=1)
    )
    assert approvals_escalate_overdue() == 1
    assert len(notices(dept_head, "approval")) == 1
