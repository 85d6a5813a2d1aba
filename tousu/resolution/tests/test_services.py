"""Resolving, approving and closing: authority limits (R6.2), responsibility (R3.3), the
callback schedule (R8.1), evidence and handling steps (R5)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tousu.accounts.models import Department, User
from tousu.callbacks.models import CallbackTask
from tousu.callbacks.rules import callback_due
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from tousu.core.reasons import reasons_text
from tousu.resolution.models import Approval, AuthorityLimit, Evidence, Remedy
from tousu.resolution.services import (
    RemedyInput,
    complaint_approve,
    complaint_close,
    complaint_resolve,
    evidence_add,
    handling_step_record,
)

# Complaints are built in the status a test starts from (`complaint_in`); the service under
# test is the real one.
Build = Callable[..., Complaint]


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def billing() -> Department:
    return Department.objects.get(code="billing")


def resolve(complaint: Complaint, actor: User, *amounts: str, **kw: Any) -> Complaint:
    args: dict[str, Any] = {
        "finding": "true",
        "cause": "process_error",
        "responsible_department": billing(),
        "remedies": [RemedyInput("refund", Decimal(a)) for a in amounts],
        "reply": "已核实并退还多扣费用",
    }
    args.update(kw)
    return complaint_resolve(complaint=complaint, actor=actor, **args)


def awaiting(complaint_in: Build, handler: User, amount: str) -> Complaint:
    complaint = complaint_in("in_progress")
    resolve(complaint, handler, amount)
    complaint = fresh(complaint)
    assert complaint.status == "awaiting_approval"
    return complaint


# ---- resolve ---------------------------------------------------------------------------------


def test_resolving_within_authority_resolves(complaint_in: Build, handler: User) -> None:
    complaint = complaint_in("in_progress")
    moment = clock.now()
    with clock.frozen(moment):
        resolve(complaint, handler, "58")
    complaint = fresh(complaint)
    assert complaint.status == "resolved"
    assert complaint.resolved_at == moment
    assert complaint.finding == "true"
    assert complaint.cause == "process_error"
    assert complaint.responsible_department == billing()
    assert complaint.reply == "已核实并退还多扣费用"
    assert [(r.type, r.amount, r.granted_by) for r in complaint.remedies.all()] == [
        ("refund", Decimal("58.00"), handler)
    ]
    assert not Approval.objects.filter(complaint=complaint).exists()
    event = complaint.events.get(type="resolved")
    assert event.data["total"] == "58.00"


def test_exactly_the_limit_needs_no_approval(complaint_in: Build, handler: User) -> None:
    complaint = complaint_in("in_progress")
    resolve(complaint, handler, "200")
    assert fresh(complaint).status == "resolved"


def test_resolving_over_authority_waits_for_approval(complaint_in: Build, handler: User) -> None:
    complaint = complaint_in("in_progress")
    resolve(complaint, handler, "58", "200")
    complaint = fresh(complaint)
    assert complaint.status == "awaiting_approval"
    assert complaint.resolved_at is None
    approval = Approval.objects.get(complaint=complaint)
    assert approval.amount == Decimal("258")
    assert approval.requested_by == handler
    assert approval.decided_at is None
    assert approval.approved is None
    assert complaint.remedies.count() == 2
    requested = complaint.events.get(type="approval_requested")
    assert requested.data["amount"] == "258.00"
    assert requested.data["limit"] == "200.00"
    # The chain asks the lowest approver whose limit covers it, with its own time limit.
    assert requested.data["level"] == "supervisor"
    assert reasons_text(requested.data["reasons"]) == "合计 258 元超出单笔授权 200 元"
    assert approval.level == "supervisor"
    assert approval.due_at == approval.requested_at + dt.timedelta(hours=24)


def test_a_role_without_a_configured_limit_grants_nothing_alone(
    complaint_in: Build, handler: User
) -> None:
    AuthorityLimit.objects.filter(role="handler").delete()
    complaint = complaint_in("in_progress")
    resolve(complaint, handler, "1")
    assert fresh(complaint).status == "awaiting_approval"


def test_an_apology_alone_needs_no_approval_even_with_no_limit(
    complaint_in: Build, handler: User
) -> None:
    AuthorityLimit.objects.filter(role="handler").update(max_amount=0)
    complaint = complaint_in("in_progress")
    complaint_resolve(
        complaint=complaint,
        actor=handler,
        finding="not_true",
        cause="customer_misunderstanding",
        responsible_department=billing(),
        remedies=[RemedyInput("apology"), RemedyInput("explanation")],
        reply="已向客户解释计费规则",
    )
    assert fresh(complaint).status == "resolved"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"finding": "maybe"}, "finding"),
        ({"cause": "bad_luck"}, "cause"),
        ({"responsible_department": None}, "responsible_department"),
        ({"reply": " \x00 "}, "reply"),
        ({"reply": "答" * 5_001}, "reply"),
        ({"remedies": [RemedyInput("cash", "1")]}, "remedies"),
        ({"remedies": [RemedyInput("refund", "-1")]}, "remedies"),
        ({"remedies": [RemedyInput("refund", "1000000.01")]}, "remedies"),
        ({"remedies": [RemedyInput("refund", "NaN")]}, "remedies"),
        ({"remedies": [RemedyInput("refund", "Infinity")]}, "remedies"),
        ({"remedies": [RemedyInput("refund", "abc")]}, "remedies"),
    ],
)
def test_an_invalid_outcome_is_refused_and_nothing_changes(
    complaint_in: Build, handler: User, changes: dict[str, Any], field: str
) -> None:
    complaint = complaint_in("in_progress")
    with pytest.raises(ValidationFailed) as info:
        resolve(complaint, handler, "58", **changes)
    assert field in info.value.fields
    after = fresh(complaint)
    assert after.status == "in_progress"
    assert after.event_seq == complaint.event_seq
    assert not Remedy.objects.filter(complaint=complaint).exists()


@pytest.mark.parametrize("status", ["dispatched", "awaiting_approval", "resolved", "closed"])
def test_resolve_outside_in_progress_is_an_invalid_transition(
    complaint_in: Build, handler: User, status: str
) -> None:
    complaint = complaint_in(status)
    with pytest.raises(InvalidTransition):
        resolve(complaint, handler, "10")
    assert fresh(complaint).status == status


def test_an_analyst_cannot_resolve(complaint_in: Build, analyst: User) -> None:
    complaint = complaint_in("in_progress")
    with pytest.raises(NotAllowed):
        resolve(complaint, analyst, "1")


# ---- approve ---------------------------------------------------------------------------------


def test_a_supervisor_approves_within_their_limit(
    complaint_in: Build, handler: User, supervisor: User
) -> None:
    complaint = awaiting(complaint_in, handler, "258")
    complaint_approve(complaint=complaint, actor=supervisor, approved=True, note="同意")
    complaint = fresh(complaint)
    assert complaint.status == "resolved"
    assert complaint.resolved_at is not None
    approval = Approval.objects.get(complaint=complaint)
    assert approval.approved is True
    assert approval.decided_by == supervisor
    assert approval.note == "同意"
    # The approved outcome stands: its reply goes to the customer now.
    assert [e.type for e in complaint.events.order_by("seq")][-2:] == ["approved", "message_out"]


def test_a_handler_cannot_approve(complaint_in: Build, handler: User, handler2: User) -> None:
    complaint = awaiting(complaint_in, handler, "258")
    with pytest.raises(NotAllowed):
        complaint_approve(complaint=complaint, actor=handler2, approved=True)
    assert fresh(complaint).status == "awaiting_approval"


def test_a_supervisor_cannot_approve_beyond_their_limit(
    complaint_in: Build, handler: User, supervisor: User, dept_head: User
) -> None:
    complaint = awaiting(complaint_in, handler, "5000")
    with pytest.raises(NotAllowed):
        complaint_approve(complaint=complaint, actor=supervisor, approved=True)
    assert fresh(complaint).status == "awaiting_approval"
    assert Approval.objects.get(complaint=complaint).decided_at is None
    complaint_approve(complaint=complaint, actor=dept_head, approved=True)
    assert fresh(complaint).status == "resolved"


def test_a_manager_of_another_department_cannot_approve(
    complaint_in: Build, handler: User, make_user: Callable[..., User]
) -> None:
    network_supervisor = make_user("net_sup", "supervisor", department="network")
    complaint = awaiting(complaint_in, handler, "258")
    with pytest.raises(NotAllowed):
        complaint_approve(complaint=complaint, actor=network_supervisor, approved=True)


def test_nobody_approves_their_own_request(
    complaint_in: Build, supervisor: User, handler: User
) -> None:
    complaint = complaint_in("in_progress")
    resolve(complaint, supervisor, "1500")
    assert fresh(complaint).status == "awaiting_approval"
    # The supervisor's limit is raised meanwhile: it still is their own request.
    AuthorityLimit.objects.filter(role="supervisor").update(max_amount=Decimal("2000"))
    with pytest.raises(NotAllowed, match="自己"):
        complaint_approve(complaint=complaint, actor=supervisor, approved=True)
    assert fresh(complaint).status == "awaiting_approval"


def test_a_rejection_needs_a_note_and_goes_back_to_the_handler(
    complaint_in: Build, handler: User, supervisor: User
) -> None:
    complaint = awaiting(complaint_in, handler, "258")
    with pytest.raises(ValidationFailed) as info:
        complaint_approve(complaint=complaint, actor=supervisor, approved=False, note=" ")
    assert "note" in info.value.fields
    assert fresh(complaint).status == "awaiting_approval"
    complaint_approve(complaint=complaint, actor=supervisor, approved=False, note="金额过高")
    complaint = fresh(complaint)
    assert complaint.status == "in_progress"
    assert complaint.resolved_at is None
    approval = Approval.objects.get(complaint=complaint)
    assert approval.approved is False
    assert approval.note == "金额过高"
    assert complaint.events.latest("seq").type == "rejected"


def test_after_a_rejection_the_handler_resolves_again_within_authority(
    complaint_in: Build, handler: User, supervisor: User
) -> None:
    complaint = awaiting(complaint_in, handler, "258")
    complaint_approve(complaint=complaint, actor=supervisor, approved=False, note="只退多扣的")
    resolve(complaint, handler, "58")
    complaint = fresh(complaint)
    assert complaint.status == "resolved"
    assert [r.amount for r in complaint.remedies.all()] == [Decimal("58.00")]


@pytest.mark.parametrize("status", ["dispatched", "in_progress", "resolved", "closed"])
def test_approve_outside_awaiting_approval_is_an_invalid_transition(
    complaint_in: Build, supervisor: User, status: str
) -> None:
    complaint = complaint_in(status)
    with pytest.raises(InvalidTransition):
        complaint_approve(complaint=complaint, actor=supervisor, approved=True)


# ---- close -----------------------------------------------------------------------------------


def test_close_schedules_a_callback_within_48_hours(complaint_in: Build, handler: User) -> None:
    complaint = complaint_in("resolved")
    moment = clock.now()
    with clock.frozen(moment):
        complaint_close(complaint=complaint, actor=handler, customer_accepted=False)
    complaint = fresh(complaint)
    assert complaint.status == "closed"
    assert complaint.closed_at == moment
    assert complaint.customer_accepted is False
    task = CallbackTask.objects.get(complaint=complaint)
    assert task.status == "pending"
    # Within 48 hours, and in calling hours (a close at night is called back by 21:00).
    assert task.due_at <= moment + dt.timedelta(hours=48)
    assert task.due_at == callback_due(moment, 48)
    # The reply went when it was resolved (once: closing does not send it again); the customer
    # is told of the satisfaction call.
    assert [e.type for e in complaint.events.order_by("seq")][-3:] == [
        "closed",
        "callback_scheduled",
        "message_out",
    ]
    assert complaint.messages.filter(kind="reply").count() == 1
    assert list(complaint.messages.order_by("pk").values_list("kind", flat=True))[-1] == (
        "callback_survey"
    )


def test_close_requires_a_responsible_department(complaint_in: Build, handler: User) -> None:
    complaint = complaint_in("resolved")
    Complaint.objects.filter(pk=complaint.pk).update(responsible_department=None)
    with pytest.raises(ValidationFailed):
        complaint_close(complaint=complaint, actor=handler, customer_accepted=True)
    after = fresh(complaint)
    assert after.status == "resolved"
    assert after.closed_at is None
    assert not CallbackTask.objects.filter(complaint=complaint).exists()


@pytest.mark.parametrize("status", ["dispatched", "in_progress", "awaiting_approval", "closed"])
def test_close_outside_resolved_is_an_invalid_transition(
    complaint_in: Build, handler: User, status: str
) -> None:
    complaint = complaint_in(status)
    with pytest.raises(InvalidTransition):
        complaint_close(complaint=complaint, actor=handler, customer_accepted=True)


def test_an_agent_cannot_close(complaint_in: Build, agent: User) -> None:
    complaint = complaint_in("resolved")
    with pytest.raises(NotAllowed):
        complaint_close(complaint=complaint, actor=agent, customer_accepted=True)


# ---- handling steps and evidence -------------------------------------------------------------


def test_handling_steps_are_recorded_and_amended(complaint_in: Build, handler: User) -> None:
    complaint = complaint_in("in_progress")
    handling_step_record(
        complaint=complaint,
        actor=handler,
        step="investigate",
        text="调取了计费记录",
        answers={"is_true": "属实", "purpose": "退费"},
    )
    record = handling_step_record(
        complaint=complaint, actor=handler, step="investigate", text="确认重复计费"
    )
    assert record.steps["investigate"]["text"] == "确认重复计费"
    assert set(record.steps["investigate"]["answers"]) == {
        "is_true",
        "purpose",
        "reasonable",
        "demand_legitimate",
    }
    assert fresh(complaint).events.filter(type="handling_step").count() == 2


def test_the_thanks_are_recorded_after_resolving(complaint_in: Build, handler: User) -> None:
    """S1 ends with thanking the customer, which comes with or after the reply."""
    complaint = complaint_in("resolved")
    record = handling_step_record(
        complaint=complaint, actor=handler, step="thank", text="感谢客户的理解与监督"
    )
    assert record.steps["thank"]["text"] == "感谢客户的理解与监督"
    assert fresh(complaint).status == "resolved"


def test_no_handling_steps_once_closed(complaint_in: Build, handler: User) -> None:
    complaint = complaint_in("closed")
    with pytest.raises(InvalidTransition):
        handling_step_record(complaint=complaint, actor=handler, step="calm", text="安抚")


def test_evidence_is_stored_under_its_hash(complaint_in: Build, handler: User) -> None:
    complaint = complaint_in("in_progress")
    content = b"%PDF-1.7\n bill"
    evidence = evidence_add(
        complaint=complaint, actor=handler, name="../../etc/账单.pdf", content=content
    )
    assert evidence.extension == ".pdf"
    assert evidence.content_type == "application/pdf"
    assert evidence.size == len(content)
    assert ".." not in evidence.file.name
    assert evidence.file.name.endswith(evidence.sha256 + ".pdf")
    assert fresh(complaint).events.get(type="evidence_added").data["sha256"] == evidence.sha256


def test_spoofed_evidence_is_refused(complaint_in: Build, handler: User) -> None:
    complaint = complaint_in("in_progress")
    with pytest.raises(ValidationFailed) as info:
        evidence_add(complaint=complaint, actor=handler, name="bill.pdf", content=b"MZ\x90\x00")
    assert "file" in info.value.fields
    assert not Evidence.objects.exists()


def test_no_evidence_on_a_closed_complaint(complaint_in: Build, handler: User) -> None:
    complaint = complaint_in("closed")
    with pytest.raises(ValidationFailed):
        evidence_add(complaint=complaint, actor=handler, name="a.txt", content=b"text")
    assert not Evidence.objects.exists()


# ---- closing as accepted waits for the reply (quiet hours) ------------------------------------

NIGHT = dt.datetime(2026, 12, 1, 22, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
MORNING = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def resolved_at_night(complaint_in: Build, handler: User) -> Complaint:
    """Resolved at 22:30 through the real service: its reply SMS is held until 08:00."""
    with clock.frozen(NIGHT):
        complaint = complaint_in("in_progress")
        resolve(complaint, handler)
    reply = complaint.messages.get(kind="reply")
    assert (reply.status, reply.next_attempt_at) == ("queued", MORNING)
    return fresh(complaint)


def test_no_close_as_accepted_before_the_held_reply_goes_out(
    complaint_in: Build, handler: User
) -> None:
    complaint = resolved_at_night(complaint_in, handler)
    with clock.frozen(NIGHT + dt.timedelta(minutes=30)), pytest.raises(Conflict) as refused:
        complaint_close(complaint=complaint, actor=handler, customer_accepted=True)
    assert "12-02 08:00" in refused.value.message  # says when the reply goes out
    assert refused.value.fields == {"customer_accepted": [refused.value.message]}
    after = fresh(complaint)
    assert (after.status, after.closed_at) == ("resolved", None)
    assert not CallbackTask.objects.filter(complaint=complaint).exists()
    # The customer has it from 08:00: then they may accept it.
    with clock.frozen(MORNING + dt.timedelta(minutes=5)):
        complaint_close(complaint=complaint, actor=handler, customer_accepted=True)
    assert fresh(complaint).customer_accepted is True


def test_a_close_as_not_accepted_does_not_wait_for_the_reply(
    complaint_in: Build, handler: User
) -> None:
    complaint = resolved_at_night(complaint_in, handler)
    with clock.frozen(NIGHT + dt.timedelta(minutes=30)):
        complaint_close(complaint=complaint, actor=handler, customer_accepted=False)
    assert fresh(complaint).status == "closed"


def test_the_api_answers_409_with_when_the_reply_goes_out(
    complaint_in: Build, handler: User, api_as: Any
) -> None:
    complaint = resolved_at_night(complaint_in, handler)
    with clock.frozen(NIGHT + dt.timedelta(minutes=30)):
        response = api_as(handler).post(
            f"/api/v1/complaints/{complaint.number}/close", {"customer_accepted": True}
        )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert "12-02 08:00" in error["message"]
    assert fresh(complaint).status == "resolved"


def test_the_close_form_says_the_reply_is_held_and_offers_no_yes(
    complaint_in: Build, handler: User, client: Any
) -> None:
    complaint = resolved_at_night(complaint_in, handler)
    client.force_login(handler)
    with clock.frozen(NIGHT + dt.timedelta(minutes=30)):
        html = client.get(f"/complaints/{complaint.number}/").content.decode()
    assert 'class="reply-held"' in html
    assert "客户尚未收到答复" in html
    assert "12-02 08:00" in html
    assert re.search(r'<input type="radio" name="customer_accepted" value="1"[^>]*disabled', html)
    assert not re.search(r'value="0"[^>]*disabled', html)
    with clock.frozen(MORNING + dt.timedelta(minutes=5)):
        html = client.get(f"/complaints/{complaint.number}/").content.decode()
    assert 'class="reply-held"' not in html


# ---- the reply of an outcome that waited for approval -----------------------------------------


def approved_at(moment: dt.datetime, complaint_in: Build, handler: User, approver: User) -> Any:
    """A 258 yuan outcome, over the handler's authority, resolved an hour before `moment` and
    approved at `moment` through the real services."""
    with clock.frozen(moment - dt.timedelta(hours=1)):
        complaint = awaiting(complaint_in, handler, "258")
    assert not complaint.messages.filter(kind="reply").exists()  # not final yet
    with clock.frozen(moment):
        complaint_approve(complaint=complaint, actor=approver, approved=True, note="同意")
    return fresh(complaint)


def test_the_approval_sends_the_reply_and_the_close_does_not_send_it_again(
    complaint_in: Build, handler: User, supervisor: User
) -> None:
    noon = NIGHT.replace(hour=12, minute=0)
    complaint = approved_at(noon, complaint_in, handler, supervisor)
    reply = complaint.messages.get(kind="reply")
    assert (reply.status, reply.next_attempt_at) == ("queued", noon)  # goes out now
    assert "已核实并退还多扣费用" in reply.text
    with clock.frozen(noon + dt.timedelta(minutes=30)):
        complaint_close(complaint=complaint, actor=handler, customer_accepted=True)
    assert complaint.messages.filter(kind="reply").count() == 1


def test_an_approval_at_night_holds_the_close_as_accepted_until_the_reply_goes(
    complaint_in: Build, handler: User, supervisor: User, client: Any
) -> None:
    complaint = approved_at(NIGHT, complaint_in, handler, supervisor)
    reply = complaint.messages.get(kind="reply")
    assert (reply.status, reply.next_attempt_at) == ("queued", MORNING)
    client.force_login(handler)
    with clock.frozen(NIGHT + dt.timedelta(minutes=30)):
        html = client.get(f"/complaints/{complaint.number}/").content.decode()
        with pytest.raises(Conflict) as refused:
            complaint_close(complaint=complaint, actor=handler, customer_accepted=True)
    assert "客户尚未收到答复" in html
    assert "12-02 08:00" in html
    assert re.search(r'<input type="radio" name="customer_accepted" value="1"[^>]*disabled', html)
    assert "12-02 08:00" in refused.value.message
    assert (fresh(complaint).status, complaint.messages.filter(kind="reply").count()) == (
        "resolved",
        1,
    )
    with clock.frozen(MORNING + dt.timedelta(minutes=5)):
        complaint_close(complaint=complaint, actor=handler, customer_accepted=True)
    assert fresh(complaint).customer_accepted is True


def test_a_rejected_approval_sends_the_customer_nothing(
    complaint_in: Build, handler: User, supervisor: User
) -> None:
    complaint = awaiting(complaint_in, handler, "258")
    complaint_approve(complaint=complaint, actor=supervisor, approved=False, note="金额过高")
    assert not complaint.messages.filter(kind="reply").exists()
