"""Writes to the complaint kernel. Every service is atomic and writes its timeline event in the
same transaction (D8); callers hold no locks of their own."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.complaints import rules
from tousu.complaints.choices import EventType
from tousu.complaints.models import Complaint, ComplaintEvent, DailySequence
from tousu.complaints.timeline import event_hash, json_safe
from tousu.core import clock
from tousu.core.errors import NotAllowed, ValidationFailed
from tousu.core.text import clean_text

NOTE_MAX_CHARS = 5_000
REASON_MAX_CHARS = 1_000


def actor_label(actor: User | None, fallback: str = "system") -> str:
    return str(actor) if actor is not None else fallback


def event_record(
    *,
    complaint: Complaint,
    type: str,
    actor: User | None,
    data: dict[str, Any] | None = None,
    actor_name: str | None = None,
    at: dt.datetime | None = None,
) -> ComplaintEvent:
    """Append an event to the complaint's hash chain.

    Precondition: inside `transaction.atomic` with the complaint row locked (`complaint_lock`),
    so that no two events take the same place in the chain. Saves the complaint's chain head.
    """
    at = at or clock.now()
    seq = complaint.event_seq + 1
    name = actor_name or actor_label(actor)
    payload = json_safe(data or {})
    digest = event_hash(
        number=complaint.number,
        seq=seq,
        at=at,
        type=type,
        actor_name=name,
        data=payload,
        prev_hash=complaint.event_hash,
    )
    event = ComplaintEvent.objects.create(
        complaint=complaint,
        seq=seq,
        at=at,
        type=type,
        actor=actor,
        actor_name=name,
        data=payload,
        prev_hash=complaint.event_hash,
        hash=digest,
    )
    complaint.event_seq = seq
    complaint.event_hash = digest
    Complaint.objects.filter(pk=complaint.pk).update(event_seq=seq, event_hash=digest)
    return event


def complaint_lock(complaint: Complaint) -> Complaint:
    """The complaint re-read under a row lock. Precondition: inside `transaction.atomic`."""
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def number_allocate(day: dt.date) -> int:
    """The next daily sequence number, unique under concurrency: the UPDATE takes the row lock
    and the re-read sees our own increment. Precondition: inside `transaction.atomic`."""
    DailySequence.objects.get_or_create(day=day)
    DailySequence.objects.filter(day=day).update(last=F("last") + 1)
    return DailySequence.objects.filter(day=day).values_list("last", flat=True).get()


def _require(allowed: bool, message: str = "你的角色或数据范围不允许此操作") -> None:
    if not allowed:
        raise NotAllowed(message)


def _reason(value: str, *, field: str = "reason", required: bool = True) -> str:
    text = clean_text(value or "")
    if required and not text:
        raise ValidationFailed("请填写原因", fields={field: ["此项为必填项"]})
    if len(text) > REASON_MAX_CHARS:
        raise ValidationFailed(
            "原因过长", fields={field: [f"最多 {REASON_MAX_CHARS} 个字符，当前 {len(text)}"]}
        )
    return text


def complaint_accept(*, complaint: Complaint, actor: User) -> Complaint:
    """The handler starts work: the first response time is recorded (R4.1 及时性)."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        _require(permissions.can_accept(actor, complaint))
        complaint.status = rules.next_status("accept", complaint.status)
        now = clock.now()
        if complaint.accepted_at is None:
            complaint.accepted_at = now
        if complaint.handler_id is None:
            complaint.handler = actor
        complaint.save(update_fields=["status", "accepted_at", "handler", "updated_at"])
        event_record(
            complaint=complaint,
            type=EventType.ACCEPTED,
            actor=actor,
            data={"on_time": now <= complaint.first_response_due},
        )
    return complaint


def complaint_note_add(
    *, complaint: Complaint, actor: User, text: str, internal: bool = True
) -> Complaint:
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        _require(permissions.can_note(actor, complaint))
        body = clean_text(text or "")
        if not body:
            raise ValidationFailed("备注不能为空", fields={"text": ["此项为必填项"]})
        if len(body) > NOTE_MAX_CHARS:
            raise ValidationFailed(
                "备注过长", fields={"text": [f"最多 {NOTE_MAX_CHARS} 个字符，当前 {len(body)}"]}
            )
        event_record(
            complaint=complaint,
            type=EventType.NOTE,
            actor=actor,
            data={"text": body, "internal": bool(internal)},
        )
    return complaint


def complaint_reopen(*, complaint: Complaint, actor: User | None, reason: str) -> Complaint:
    """Back to the handler (R5.4): the customer is not satisfied with the result."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        if actor is not None:
            _require(permissions.can_reopen(actor, complaint))
        text = _reason(reason)
        complaint.status = rules.next_status("reopen", complaint.status)
        complaint.resolved_at = None
        complaint.closed_at = None
        complaint.paused_at, complaint.pause_reason = None, ""  # a reopened complaint runs
        complaint.save(
            update_fields=[
                "status",
                "resolved_at",
                "closed_at",
                "paused_at",
                "pause_reason",
                "updated_at",
            ]
        )
        event_record(
            complaint=complaint, type=EventType.REOPENED, actor=actor, data={"reason": text}
        )
    return complaint
