"""Callbacks after closing (R8): results, scores, and what a dissatisfied customer triggers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conftest import reply_release
from tousu.accounts.models import User
from tousu.callbacks.models import CallbackTask
from tousu.callbacks.services import complaint_callback_record
from tousu.complaints.models import Complaint
from tousu.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from tousu.core.reasons import reason_text
from tousu.resolution.services import complaint_close
from tousu.sla.services import complaint_reopen

# Complaints are built in their status (`complaint_in`): these tests are about the callback.
Build = Callable[..., Complaint]
SCORES = {"timeliness": 5, "attitude": 4, "solution": 5, "simplicity": 3}


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def record(complaint: Complaint, actor: User, result: str, **kw: Any) -> CallbackTask:
    kw.setdefault("scores", {})
    return complaint_callback_record(complaint=complaint, actor=actor, result=result, **kw)


@pytest.mark.parametrize("result", ["satisfied", "basically_satisfied"])
def test_a_satisfied_customer_keeps_the_complaint_closed(
    complaint_in: Build, agent: User, result: str
) -> None:
    complaint = complaint_in("closed")
    task = record(complaint, agent, result, scores=SCORES, comment="处理得很快，谢谢")
    task.refresh_from_db()
    assert task.status == "done"
    assert task.result == result
    assert (task.timeliness, task.attitude, task.solution, task.simplicity) == (5, 4, 5, 3)
    assert task.comment == "处理得很快，谢谢"
    assert task.done_by == agent
    assert task.done_at is not None
    after = fresh(complaint)
    assert after.status == "closed"
    assert after.closed_at == complaint.closed_at
    assert not after.needs_repair
    event = after.events.latest("seq")
    assert event.type == "callback"
    assert event.data == {"result": result, "scores": SCORES, "comment": "处理得很快，谢谢"}


def test_a_dissatisfied_customer_reopens_the_complaint(complaint_in: Build, agent: User) -> None:
    complaint = complaint_in("closed")
    record(complaint, agent, "dissatisfied", scores={"solution": 1}, comment="钱还没到账")
    after = fresh(complaint)
    assert after.status == "in_progress"
    assert after.closed_at is None
    assert after.resolved_at is None
    assert not after.needs_repair
    last_two = list(after.events.order_by("-seq")[:2])
    assert [e.type for e in reversed(last_two)] == ["callback", "reopened"]
    assert "钱还没到账" in reason_text(last_two[0].data["reason"])


def test_a_dissatisfied_customer_can_go_to_the_repair_programme(
    complaint_in: Build, agent: User
) -> None:
    complaint = complaint_in("closed")
    record(complaint, agent, "dissatisfied", dissatisfied_action="repair")
    after = fresh(complaint)
    assert after.status == "closed"
    assert after.needs_repair is True
    assert after.events.latest("seq").type == "repair_flagged"


def test_the_repair_choice_matters_only_when_dissatisfied(complaint_in: Build, agent: User) -> None:
    complaint = complaint_in("closed")
    record(complaint, agent, "satisfied", dissatisfied_action="repair")
    assert fresh(complaint).needs_repair is False


def test_an_unreachable_customer_has_no_scores(complaint_in: Build, agent: User) -> None:
    complaint = complaint_in("closed")
    with pytest.raises(ValidationFailed) as info:
        record(complaint, agent, "unreachable", scores={"attitude": 3})
    assert "scores" in info.value.fields
    assert CallbackTask.objects.get(complaint=complaint).status == "pending"
    # "unreachable" is one failed call; the customer is unreachable after the third (setting).
    for _ in range(3):
        record(complaint, agent, "unreachable")
    task = CallbackTask.objects.get(complaint=complaint)
    assert task.status == "done"
    assert task.result == "unreachable"
    assert task.attempt_count == 3
    assert fresh(complaint).status == "closed"


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"result": "happy"}, "result"),
        ({"scores": {"timeliness": 0}}, "scores"),
        ({"scores": {"timeliness": 6}}, "scores"),
        ({"scores": {"timeliness": True}}, "scores"),
        ({"scores": {"timeliness": "5"}}, "scores"),
        ({"scores": {"price": 3}}, "scores"),
        ({"dissatisfied_action": "ignore"}, "action"),
        ({"comment": "评" * 2001}, "comment"),
    ],
)
def test_an_invalid_callback_is_refused_and_nothing_changes(
    complaint_in: Build, agent: User, kw: dict[str, Any], field: str
) -> None:
    complaint = complaint_in("closed")
    args: dict[str, Any] = {"result": "satisfied"}
    args.update(kw)
    with pytest.raises(ValidationFailed) as info:
        record(complaint, agent, **args)
    assert field in info.value.fields
    assert CallbackTask.objects.get(complaint=complaint).status == "pending"
    assert fresh(complaint).event_seq == complaint.event_seq


def test_a_callback_is_recorded_once(complaint_in: Build, agent: User) -> None:
    complaint = complaint_in("closed")
    record(complaint, agent, "satisfied")
    with pytest.raises(ValidationFailed):
        record(complaint, agent, "dissatisfied")
    assert fresh(complaint).status == "closed"


@pytest.mark.parametrize("status", ["dispatched", "in_progress", "awaiting_approval", "resolved"])
def test_no_callback_before_closing(complaint_in: Build, agent: User, status: str) -> None:
    complaint = complaint_in(status)
    with pytest.raises(InvalidTransition):
        record(complaint, agent, "satisfied")


@pytest.mark.parametrize("persona", ["handler", "analyst", "outsider"])
def test_roles_that_do_not_call_back_are_refused(
    complaint_in: Build, request: pytest.FixtureRequest, persona: str
) -> None:
    complaint = complaint_in("closed")
    with pytest.raises(NotAllowed):
        record(complaint, request.getfixturevalue(persona), "satisfied")
    assert CallbackTask.objects.get(complaint=complaint).status == "pending"


def test_closing_again_after_a_reopen_leaves_one_pending_callback(
    complaint_in: Build, agent: User, handler: User
) -> None:
    from decimal import Decimal

    from tousu.accounts.models import Department
    from tousu.resolution.services import RemedyInput, complaint_resolve

    complaint = complaint_in("closed")
    complaint_reopen(complaint=complaint, actor=agent, reason="客户来电说没退款")
    complaint_resolve(
        complaint=complaint,
        actor=handler,
        finding="true",
        cause="process_error",
        responsible_department=Department.objects.get(code="billing"),
        remedies=[RemedyInput("refund", Decimal("58"))],
        reply="已再次核实并退款",
    )
    reply_release(complaint)
    complaint_close(complaint=complaint, actor=handler, customer_accepted=True)
    tasks = CallbackTask.objects.filter(complaint=complaint)
    assert sorted(tasks.values_list("status", flat=True)) == ["cancelled", "pending"]
