"""The tamper evidence as a whole (issue 11 item 4): each kind of database edit an attacker
with write access but without the chain key could make is found by the full verification, and
nothing a legitimately handled complaint went through is reported."""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.apps import apps as django_apps

from conftest import reply_release
from tousu.accounts.models import Department, User
from tousu.callbacks.services import complaint_callback_record
from tousu.complaints.models import (
    ChainSeal,
    Complaint,
    ComplaintEvent,
    DailySequence,
    SealedHead,
)
from tousu.complaints.services import chain_seal, complaint_accept
from tousu.complaints.timeline import event_hash
from tousu.config import jobs
from tousu.core.keys import canonical
from tousu.customers.models import Customer
from tousu.notifications.models import Notification
from tousu.resolution.models import Remedy
from tousu.resolution.selectors import integrity_verify
from tousu.resolution.services import (
    RemedyInput,
    complaint_approve,
    complaint_close,
    complaint_resolve,
)
from tousu.sla.services import complaint_reopen

Register = Callable[..., Complaint]


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def found(complaint: Complaint | None = None) -> list[tuple[str, int, str]]:
    """The full verification's findings (about `complaint` when given)."""
    findings = integrity_verify().findings
    if complaint is None:
        return findings
    return [f for f in findings if f[0] == complaint.number]


def resolve(c: Complaint, handler: User, *amounts: str) -> Complaint:
    return complaint_resolve(
        complaint=c,
        actor=handler,
        finding="true",
        cause="process_error",
        responsible_department=Department.objects.get(code="billing"),
        remedies=[RemedyInput("refund", Decimal(a)) for a in amounts],
        reply="已退还多扣费用",
    )


@pytest.fixture
def handled(register: Register, handler: User, supervisor: User, agent: User) -> Complaint:
    """Every path a complaint's outcome can take: over-authority resolve → rejected → resolved
    again → approved → closed → callback dissatisfied (reopened) → resolved again → reopened by
    hand → resolved and closed."""
    c = complaint_accept(complaint=register(actor=agent), actor=handler)
    c = resolve(c, handler, "58", "500")
    c = complaint_approve(complaint=c, actor=supervisor, approved=False, note="金额过高")
    c = resolve(c, handler, "58", "200")
    c = complaint_approve(complaint=c, actor=supervisor, approved=True, note="同意")
    reply_release(c)
    c = complaint_close(complaint=c, actor=handler, customer_accepted=True)
    complaint_callback_record(
        complaint=c, actor=agent, result="dissatisfied", scores={"solution": 2}, comment="慢"
    )
    c = resolve(fresh(c), handler, "80")
    c = complaint_reopen(complaint=c, actor=supervisor, reason="客户再次来电")
    c = resolve(c, handler, "30")
    reply_release(c)
    c = complaint_close(complaint=c, actor=handler, customer_accepted=True)
    return fresh(c)


def test_complaints_handled_every_way_verify_before_and_after_a_seal(
    handled: Complaint, lifecycle: Callable[..., Complaint], register: Register, handler: User
) -> None:
    for status in ("dispatched", "awaiting_approval", "closed"):
        lifecycle(status)
    assert found() == []
    assert chain_seal() is not None
    complaint_accept(complaint=register(), actor=handler)
    assert found() == []
    assert integrity_verify().complaints == 5


# ---- the attacks that went unnoticed before ----------------------------------------------------


def test_a_truncated_chain_with_its_head_rewound_is_found(handled: Complaint) -> None:
    chain_seal()
    events = list(handled.events.order_by("seq"))
    keep = events[-3]
    ComplaintEvent.objects.filter(pk__in=[e.pk for e in events[-2:]]).delete()
    Complaint.objects.filter(pk=handled.pk).update(event_seq=keep.seq, event_hash=keep.hash)
    assert found(handled) == [
        (
            handled.number,
            keep.seq + 1,
            f"events missing at the end (sealed up to event {events[-1].seq})",
        )
    ]


def test_edited_content_is_found(handled: Complaint) -> None:
    Complaint.objects.filter(pk=handled.pk).update(content="客户表示非常满意")
    assert found(handled) == [
        (handled.number, 1, "registration facts changed (channel, content, demand, time or phone)")
    ]


def test_an_edited_demand_or_received_time_is_found(handled: Complaint) -> None:
    Complaint.objects.filter(pk=handled.pk).update(
        received_at=handled.received_at.replace(year=2020)
    )
    assert [seq for _, seq, _ in found(handled)] == [1]


def test_an_edited_customer_phone_is_found(handled: Complaint) -> None:
    Customer.objects.filter(pk=handled.customer_id).update(phone="13000000000")
    assert [seq for _, seq, _ in found(handled)] == [1]


def test_an_edited_remedy_amount_is_found(handled: Complaint) -> None:
    Remedy.objects.filter(complaint=handled).update(amount=Decimal("3000"))
    resolved = handled.events.filter(type="resolved").latest("seq")
    assert found(handled) == [
        (handled.number, resolved.seq, "remedies differ from those the outcome recorded")
    ]


def test_an_added_or_deleted_remedy_is_found(handled: Complaint, handler: User) -> None:
    Remedy.objects.create(
        complaint=handled, type="refund", amount=1, created_at=handled.registered_at
    )
    assert len(found(handled)) == 1
    Remedy.objects.filter(complaint=handled).delete()
    assert len(found(handled)) == 1


def _delete(complaint: Complaint) -> None:
    """Delete the complaint and everything that refers to it, as `DELETE` statements would."""
    ComplaintEvent.objects.filter(complaint=complaint).delete()
    Notification.objects.filter(complaint=complaint).delete()
    Complaint.objects.filter(pk=complaint.pk).delete()


def test_a_deleted_complaint_leaves_a_gap_in_the_numbers(register: Register) -> None:
    first, second, third = register(), register(), register()
    _delete(second)
    assert found() == [
        (second.number, 0, "number issued but no complaint has it (complaint deleted)")
    ]
    assert first.number < second.number < third.number


def test_a_deleted_last_complaint_with_its_number_taken_back_is_found_by_the_seal(
    register: Register,
) -> None:
    register()
    last = register()
    chain_seal()
    _delete(last)
    DailySequence.objects.update(last=1)
    assert found() == [
        (last.number, last.event_seq, "complaint deleted (its sealed timeline head is gone)")
    ]


def test_a_chain_recomputed_with_plain_sha256_is_broken(handled: Complaint) -> None:
    prev = ""
    for event in handled.events.order_by("seq"):
        payload = {
            "complaint": handled.number,
            "seq": event.seq,
            "at": event.at.astimezone().isoformat(),
            "type": event.type,
            "actor": event.actor_name,
            "data": event.data,
            "prev": prev,
        }
        digest = hashlib.sha256(canonical(payload).encode()).hexdigest()
        ComplaintEvent.objects.filter(pk=event.pk).update(prev_hash=prev, hash=digest)
        prev = digest
    Complaint.objects.filter(pk=handled.pk).update(event_hash=prev)
    assert found(handled) == [(handled.number, 1, "content changed after it was written")]


def test_a_chain_recomputed_under_another_key_is_broken(handled: Complaint) -> None:
    prev = ""
    for event in handled.events.order_by("seq"):
        digest = event_hash(
            number=handled.number,
            seq=event.seq,
            at=event.at,
            type=event.type,
            actor_name=event.actor_name,
            data={**event.data, "text": "改写"} if event.type == "note" else event.data,
            prev_hash=prev,
            key=b"a key guessed by the attacker",
        )
        ComplaintEvent.objects.filter(pk=event.pk).update(prev_hash=prev, hash=digest)
        prev = digest
    Complaint.objects.filter(pk=handled.pk).update(event_hash=prev)
    assert found(handled) == [(handled.number, 1, "content changed after it was written")]


# ---- the attacks found before, still found -----------------------------------------------------


def test_edited_event_data_is_found(handled: Complaint) -> None:
    resolved = handled.events.filter(type="resolved").latest("seq")
    ComplaintEvent.objects.filter(pk=resolved.pk).update(data={**resolved.data, "total": "1"})
    assert found(handled) == [
        (handled.number, resolved.seq, "content changed after it was written")
    ]


def test_a_deleted_middle_event_is_found(handled: Complaint) -> None:
    ComplaintEvent.objects.filter(complaint=handled, seq=3).delete()
    assert found(handled) == [(handled.number, 4, "sequence gap: expected 3")]


def test_reordered_events_are_found(handled: Complaint) -> None:
    a, b = handled.events.filter(seq__in=[3, 4]).order_by("seq")
    ComplaintEvent.objects.filter(pk=a.pk).update(seq=1000)
    ComplaintEvent.objects.filter(pk=b.pk).update(seq=3)
    ComplaintEvent.objects.filter(pk=a.pk).update(seq=4)
    assert [seq for _, seq, _ in found(handled)] == [3]


def test_an_edited_head_is_found(handled: Complaint) -> None:
    Complaint.objects.filter(pk=handled.pk).update(event_hash="0" * 64)
    assert found(handled) == [(handled.number, handled.event_seq + 1, "events missing at the end")]


# ---- the seals ---------------------------------------------------------------------------------


def test_a_seal_is_made_only_when_something_moved(register: Register, handler: User) -> None:
    c = register()
    first = chain_seal()
    assert first is not None
    assert first.chains == 1
    assert chain_seal() is None
    complaint_accept(complaint=c, actor=handler)
    second = chain_seal()
    assert second is not None
    assert (second.seq, second.chains) == (2, 1)
    assert SealedHead.objects.get(number=c.number).seq == fresh(c).event_seq
    assert found() == []


def test_an_edited_sealed_head_or_seal_is_found(register: Register) -> None:
    c = register()
    chain_seal()
    SealedHead.objects.filter(number=c.number).update(seq=1)
    assert found() == [("seal 1", 0, "sealed heads changed or deleted since the seal")]
    SealedHead.objects.filter(number=c.number).update(seq=fresh(c).event_seq)
    ChainSeal.objects.update(chains=5)
    assert found() == [("seal 1", 0, "content changed after it was written")]


# ---- the re-seal of chains made before the key -------------------------------------------------


def test_the_migration_reseals_intact_unkeyed_chains_and_leaves_broken_ones(
    register: Register, handler: User
) -> None:
    migration = importlib.import_module("tousu.complaints.migrations.0010_keyed_chains_and_seals")
    intact, broken = register(), complaint_accept(complaint=register(), actor=handler)
    for c in (intact, broken):  # as the unkeyed code wrote them: plain SHA-256, no facts
        prev = ""
        for event in c.events.order_by("seq"):
            event.data.pop("facts", None)
            event.prev_hash = prev
            event.hash = migration._plain_hash(c.number, event)
            event.save()
            prev = event.hash
        Complaint.objects.filter(pk=c.pk).update(event_hash=prev)
    ComplaintEvent.objects.filter(complaint=broken, seq=2).update(data={"edited": True})
    assert {f[0] for f in found()} == {intact.number, broken.number}
    migration.reseal(django_apps, None)
    assert {f[0] for f in found()} == {broken.number}


# ---- the scheduled verification ----------------------------------------------------------------


def test_the_job_records_a_clean_run_and_alerts_admins_once_per_new_finding(
    register: Register, admin_user: User
) -> None:
    from tousu.accounts.models import AuditEntry

    c = register()
    assert jobs.run("resolution.integrity_verify") == {"findings": 0, "alerted": 0}
    clean = AuditEntry.objects.filter(action="verification").latest("seq")
    assert clean.changes["findings"] == 0
    Complaint.objects.filter(pk=c.pk).update(content="改过的内容")
    assert jobs.run("resolution.integrity_verify") == {"findings": 1, "alerted": 1}
    assert jobs.run("resolution.integrity_verify") == {"findings": 1, "alerted": 0}
    alerts = Notification.objects.filter(user=admin_user, kind="integrity")
    assert alerts.count() == 1
    assert c.number in alerts.get().text
    from tousu.notifications.models import Delivery

    assert Delivery.objects.filter(recipient=admin_user.email, event="integrity").count() == (
        1 if admin_user.email else 0
    )


def test_the_command_runs_the_full_verification(
    tousu_cli: Callable[..., tuple[int, str, str]], handled: Complaint
) -> None:
    assert tousu_cli("timeline_verify")[0] == 0
    Remedy.objects.filter(complaint=handled).update(amount=Decimal("999"))
    code, out, _ = tousu_cli("timeline_verify")
    assert code == 1
    assert f"BROKEN {handled.number}" in out
