"""The complaint kernel's services: the hash-chained timeline, accept, notes, reopen."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from conftest import reply_release
from tousu.accounts.models import Department, User
from tousu.callbacks.services import complaint_callback_record
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.complaints.selectors import timeline_verify
from tousu.complaints.services import (
    NOTE_MAX_CHARS,
    complaint_accept,
    complaint_note_add,
)
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from tousu.resolution.services import (
    RemedyInput,
    complaint_approve,
    complaint_close,
    complaint_resolve,
)
from tousu.routing.services import complaint_dispatch
from tousu.sla.services import complaint_escalate, complaint_reopen

Register = Callable[..., Complaint]
Lifecycle = Callable[..., Complaint]


def types(complaint: Complaint) -> list[str]:
    return list(complaint.events.order_by("seq").values_list("type", flat=True))


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


# ---- the hash chain ------------------------------------------------------------------------


@pytest.fixture
def full_lifecycle(register: Register, agent: User, handler: User, supervisor: User) -> Complaint:
    """Every kind of event once: registered → … → callback → reopened."""
    billing = Department.objects.get(code="billing")
    c = register(actor=agent)
    c = complaint_dispatch(complaint=c, actor=supervisor, department=billing, handler=handler)
    c = complaint_accept(complaint=c, actor=handler)
    c = complaint_note_add(complaint=c, actor=handler, text="已联系客户，核查账单中")
    c = complaint_escalate(complaint=c, actor=handler, level="important", reason="客户提到要找媒体")
    c = complaint_resolve(
        complaint=c,
        actor=handler,
        finding="true",
        cause="process_error",
        responsible_department=billing,
        remedies=[RemedyInput("refund", Decimal("58")), RemedyInput("bill_credit", "200")],
        reply="已退还多扣费用并赠送话费",
    )
    c = complaint_approve(complaint=c, actor=supervisor, approved=True, note="同意")
    reply_release(c)
    c = complaint_close(complaint=c, actor=handler, customer_accepted=True)
    complaint_callback_record(
        complaint=c, actor=agent, result="dissatisfied", scores={"solution": 2}, comment="太慢"
    )
    return fresh(c)


def test_a_full_lifecycle_leaves_an_intact_chain(full_lifecycle: Complaint) -> None:
    assert types(full_lifecycle) == [
        "registered",
        "classified",
        "dispatched",
        "message_out",  # the acknowledgement, queued in the registration's transaction
        "dispatched",
        "accepted",
        "note",
        "escalated",
        "resolved",
        "approval_requested",
        "approved",
        "message_out",  # the reply, once approved (not while awaiting approval)
        "closed",
        "callback_scheduled",
        "message_out",  # the notice of the satisfaction call
        "callback",
        "reopened",
    ]
    kinds = full_lifecycle.messages.order_by("pk").values_list("kind", flat=True)
    assert list(kinds) == ["acknowledgement", "reply", "callback_survey"]
    assert full_lifecycle.status == "in_progress"
    assert timeline_verify([full_lifecycle.number]) == (1, [])
    events = list(full_lifecycle.events.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == ""
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    assert full_lifecycle.event_seq == events[-1].seq
    assert full_lifecycle.event_hash == events[-1].hash


def test_an_edited_event_is_detected(full_lifecycle: Complaint) -> None:
    note = full_lifecycle.events.get(type="note")
    ComplaintEvent.objects.filter(pk=note.pk).update(
        data={"text": "什么都没发生", "internal": True}
    )
    checked, broken = timeline_verify([full_lifecycle.number])
    assert checked == 1
    assert broken == [(full_lifecycle.number, note.seq, "content changed after it was written")]


def test_an_edited_actor_or_time_is_detected(full_lifecycle: Complaint) -> None:
    resolved = full_lifecycle.events.get(type="resolved")
    ComplaintEvent.objects.filter(pk=resolved.pk).update(actor_name="supervisor")
    assert timeline_verify([full_lifecycle.number])[1][0][1] == resolved.seq
    ComplaintEvent.objects.filter(pk=resolved.pk).update(
        actor_name=resolved.actor_name, at=resolved.at - dt.timedelta(days=1)
    )
    assert timeline_verify([full_lifecycle.number])[1][0][1] == resolved.seq


def test_a_deleted_last_event_is_detected(full_lifecycle: Complaint) -> None:
    last = full_lifecycle.events.latest("seq")
    assert last is not None
    ComplaintEvent.objects.filter(pk=last.pk).delete()
    assert timeline_verify([full_lifecycle.number])[1] == [
        (full_lifecycle.number, last.seq, "events missing at the end")
    ]


def test_a_deleted_event_in_the_middle_is_detected(full_lifecycle: Complaint) -> None:
    note = full_lifecycle.events.get(type="note")
    ComplaintEvent.objects.filter(pk=note.pk).delete()
    broken = timeline_verify([full_lifecycle.number])[1]
    assert broken == [(full_lifecycle.number, note.seq + 1, f"sequence gap: expected {note.seq}")]


def test_a_rehashed_forgery_still_breaks_the_link_to_the_next_event(
    full_lifecycle: Complaint,
) -> None:
    from tousu.complaints.timeline import event_hash

    note = full_lifecycle.events.get(type="note")
    data = {"text": "伪造的备注", "internal": True}
    forged = event_hash(
        number=full_lifecycle.number,
        seq=note.seq,
        at=note.at,
        type=note.type,
        actor_name=note.actor_name,
        data=data,
        prev_hash=note.prev_hash,
    )
    ComplaintEvent.objects.filter(pk=note.pk).update(data=data, hash=forged)
    assert timeline_verify([full_lifecycle.number])[1] == [
        (full_lifecycle.number, note.seq + 1, "previous hash does not match")
    ]


def test_only_the_tampered_complaint_is_reported(
    full_lifecycle: Complaint, register: Register
) -> None:
    other = register()
    ComplaintEvent.objects.filter(complaint=full_lifecycle, seq=1).update(type="note")
    checked, broken = timeline_verify()
    assert checked == 2
    assert [number for number, _, _ in broken] == [full_lifecycle.number]
    assert other.number not in {number for number, _, _ in broken}


def test_the_timeline_verify_command_fails_on_a_broken_chain(full_lifecycle: Complaint) -> None:
    out = StringIO()
    call_command("timeline_verify", stdout=out)
    assert "1 timelines verified" in out.getvalue()
    ComplaintEvent.objects.filter(complaint=full_lifecycle, seq=2).update(data={})
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("timeline_verify", stdout=out)
    assert f"BROKEN {full_lifecycle.number} at event 2" in out.getvalue()


def test_event_times_follow_the_service_clock(register: Register, handler: User) -> None:
    moment = dt.datetime(2026, 11, 20, 9, 45, tzinfo=SHANGHAI)
    complaint = register(received_at=moment - dt.timedelta(minutes=15))
    with clock.frozen(moment):
        complaint_accept(complaint=complaint, actor=handler)
    assert fresh(complaint).events.get(type="accepted").at == moment
    assert timeline_verify([complaint.number])[1] == []


# ---- accept --------------------------------------------------------------------------------


def test_accept_starts_work_and_records_the_first_response(
    register: Register, handler: User
) -> None:
    complaint = register()
    moment = clock.now()
    with clock.frozen(moment):
        complaint_accept(complaint=complaint, actor=handler)
    complaint = fresh(complaint)
    assert complaint.status == "in_progress"
    assert complaint.accepted_at == moment
    assert complaint.handler == handler
    accepted = complaint.events.get(type="accepted")
    assert accepted.actor == handler
    assert accepted.data == {"on_time": True}


def test_a_late_acceptance_is_recorded_as_late(register: Register, handler: User) -> None:
    # Working-time limits: a fixed Friday, so that 5 hours later is past the 2 working hours.
    friday = dt.datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI)
    with clock.frozen(friday + dt.timedelta(hours=5)):
        complaint = register(received_at=friday)
        complaint_accept(complaint=complaint, actor=handler)
    assert fresh(complaint).events.get(type="accepted").data == {"on_time": False}


def test_accept_keeps_an_assigned_handler(
    register: Register, handler: User, supervisor: User
) -> None:
    billing = Department.objects.get(code="billing")
    complaint = register()
    complaint_dispatch(complaint=complaint, actor=supervisor, department=billing, handler=handler)
    complaint_accept(complaint=complaint, actor=supervisor)
    assert fresh(complaint).handler == handler


def test_accept_twice_is_an_invalid_transition(register: Register, handler: User) -> None:
    complaint = register()
    complaint_accept(complaint=complaint, actor=handler)
    before = fresh(complaint)
    with pytest.raises(InvalidTransition):
        complaint_accept(complaint=complaint, actor=handler)
    after = fresh(complaint)
    assert after.accepted_at == before.accepted_at
    assert after.event_seq == before.event_seq


def test_another_handlers_complaint_cannot_be_accepted(
    register: Register, handler: User, handler2: User, supervisor: User
) -> None:
    billing = Department.objects.get(code="billing")
    complaint = register()
    complaint_dispatch(complaint=complaint, actor=supervisor, department=billing, handler=handler2)
    with pytest.raises(NotAllowed):
        complaint_accept(complaint=complaint, actor=handler)
    assert fresh(complaint).status == "dispatched"


def test_a_handler_of_another_department_cannot_accept(register: Register, outsider: User) -> None:
    complaint = register()
    with pytest.raises(NotAllowed):
        complaint_accept(complaint=complaint, actor=outsider)
    assert fresh(complaint).handler is None


# ---- notes ---------------------------------------------------------------------------------


def test_a_note_lands_on_the_timeline_cleaned(register: Register, handler: User) -> None:
    complaint = register()
    complaint_note_add(
        complaint=complaint, actor=handler, text=" 客户很生气😡\x00 ", internal=False
    )
    note = fresh(complaint).events.get(type="note")
    assert note.data == {"text": "客户很生气😡", "internal": False}
    assert note.actor_name == str(handler)


@pytest.mark.parametrize("text", ["", "  \x00 ", "备" * (NOTE_MAX_CHARS + 1)])
def test_an_empty_or_overlong_note_is_refused(register: Register, handler: User, text: str) -> None:
    complaint = register()
    with pytest.raises(ValidationFailed) as info:
        complaint_note_add(complaint=complaint, actor=handler, text=text)
    assert "text" in info.value.fields
    assert fresh(complaint).event_seq == complaint.event_seq


def test_analysts_cannot_write_notes(register: Register, analyst: User) -> None:
    complaint = register()
    with pytest.raises(NotAllowed):
        complaint_note_add(complaint=complaint, actor=analyst, text="看一下")


# ---- reopen --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_reopen_goes_back_to_in_progress(lifecycle: Lifecycle, agent: User, status: str) -> None:
    complaint = lifecycle(status)
    complaint_reopen(complaint=complaint, actor=agent, reason="客户说钱没退到账")
    complaint = fresh(complaint)
    assert complaint.status == "in_progress"
    assert complaint.resolved_at is None
    assert complaint.closed_at is None
    data = complaint.events.latest("seq").data
    assert data["reason"] == "客户说钱没退到账"
    assert dt.datetime.fromisoformat(data["resolution_due"]) == complaint.resolution_due


def test_reopen_needs_a_reason(lifecycle: Lifecycle, agent: User) -> None:
    complaint = lifecycle("closed")
    with pytest.raises(ValidationFailed) as info:
        complaint_reopen(complaint=complaint, actor=agent, reason="  ")
    assert "reason" in info.value.fields
    assert fresh(complaint).status == "closed"


@pytest.mark.parametrize("status", ["dispatched", "in_progress", "awaiting_approval"])
def test_an_open_complaint_cannot_be_reopened(
    lifecycle: Lifecycle, agent: User, status: str
) -> None:
    complaint = lifecycle(status)
    with pytest.raises(InvalidTransition):
        complaint_reopen(complaint=complaint, actor=agent, reason="再看看")
    assert fresh(complaint).status == status


def test_a_re_resolution_after_reopen_replaces_the_remedies(
    lifecycle: Lifecycle, handler: User, agent: User
) -> None:
    complaint = lifecycle("closed")
    complaint_reopen(complaint=complaint, actor=agent, reason="客户不接受")
    complaint_resolve(
        complaint=complaint,
        actor=handler,
        finding="true",
        cause="process_error",
        responsible_department=Department.objects.get(code="billing"),
        remedies=[RemedyInput("refund", "100")],
        reply="加退 42 元",
    )
    complaint = fresh(complaint)
    assert complaint.status == "resolved"
    assert [(r.type, r.amount) for r in complaint.remedies.all()] == [("refund", Decimal("100"))]
