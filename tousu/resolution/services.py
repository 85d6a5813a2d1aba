"""Handling a complaint through to its close (R5, R6.2)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from tousu.accounts import permissions
from tousu.accounts.models import Department, User
from tousu.callbacks.services import callback_schedule
from tousu.complaints import rules
from tousu.complaints.choices import Cause, EventType, Finding, Status
from tousu.complaints.models import Complaint
from tousu.complaints.services import _require, complaint_lock, event_record
from tousu.core import clock
from tousu.core.errors import NotAllowed, ValidationFailed
from tousu.core.text import clean_text
from tousu.notifications.services import webhook_emit
from tousu.resolution.choices import INVESTIGATION_QUESTIONS, HandlingStep, RemedyType
from tousu.resolution.models import Approval, Evidence, HandlingRecord, Remedy
from tousu.resolution.rules import EVIDENCE_TYPES, evidence_problem, needs_approval
from tousu.resolution.selectors import authority_limit

REPLY_MAX_CHARS = 5_000
MAX_AMOUNT = Decimal("1000000")


@dataclass
class RemedyInput:
    type: str
    amount: Decimal | float | str = 0
    note: str = ""


def _remedies(items: list[RemedyInput]) -> list[tuple[str, Decimal, str]]:
    out, errors = [], []
    for i, item in enumerate(items):
        if item.type not in RemedyType.values:
            errors.append(f"第 {i + 1} 项：未知补救措施「{item.type}」")
            continue
        try:
            amount = Decimal(str(item.amount or 0)).quantize(Decimal("0.01"))
        except InvalidOperation:
            errors.append(f"第 {i + 1} 项：金额无效")
            continue
        if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
            errors.append(f"第 {i + 1} 项：金额应在 0 到 {MAX_AMOUNT} 元之间")
            continue
        note = clean_text(item.note or "")
        if len(note) > 200:
            errors.append(f"第 {i + 1} 项：说明最多 200 个字符")
            continue
        out.append((item.type, amount, note))
    if errors:
        raise ValidationFailed("补救措施有误", fields={"remedies": errors})
    return out


def complaint_resolve(
    *,
    complaint: Complaint,
    actor: User,
    finding: str,
    cause: str,
    responsible_department: Department | None,
    remedies: list[RemedyInput],
    reply: str,
) -> Complaint:
    """Record the outcome: finding, cause, responsibility, remedies and the reply. Remedies
    worth more than the actor's authority limit wait for approval (R6.2)."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        _require(permissions.can_handle(actor, complaint))
        rules.next_status("resolve", complaint.status)
        errors: dict[str, list[str]] = {}
        if finding not in Finding.values:
            errors["finding"] = [f"可选：{', '.join(Finding.values)}"]
        if cause not in Cause.values:
            errors["cause"] = [f"可选：{', '.join(Cause.values)}"]
        if responsible_department is None:
            errors["responsible_department"] = ["结案前必须确认责任部门"]
        text = clean_text(reply or "")
        if not text:
            errors["reply"] = ["请填写给客户的答复"]
        elif len(text) > REPLY_MAX_CHARS:
            errors["reply"] = [f"最多 {REPLY_MAX_CHARS} 个字符，当前 {len(text)}"]
        if errors:
            raise ValidationFailed("处理结果有误", fields=errors)
        items = _remedies(remedies)
        total = sum((amount for _, amount, _ in items), Decimal(0))
        limit = authority_limit(actor.role)
        over = needs_approval(total, limit)
        now = clock.now()
        complaint.remedies.all().delete()  # a re-resolution after a reopen replaces the remedies
        Remedy.objects.bulk_create(
            Remedy(
                complaint=complaint,
                type=t,
                amount=a,
                note=n,
                granted_by=actor,
                created_at=now,
            )
            for t, a, n in items
        )
        complaint.finding = finding
        complaint.cause = cause
        complaint.responsible_department = responsible_department
        complaint.reply = text
        complaint.status = rules.next_status("resolve", complaint.status, alternative=over)
        complaint.resolved_at = None if over else now
        # The outcome ends any wait for the customer: a pause must not outlive it, or a later
        # reopen would leave the complaint invisible to the breach scan.
        complaint.paused_at, complaint.pause_reason = None, ""
        complaint.save(
            update_fields=[
                "finding",
                "cause",
                "responsible_department",
                "reply",
                "status",
                "resolved_at",
                "paused_at",
                "pause_reason",
                "updated_at",
            ]
        )
        data: dict[str, Any] = {
            "finding": finding,
            "cause": cause,
            "responsible_department": responsible_department.code
            if responsible_department
            else None,
            "remedies": [{"type": t, "amount": str(a), "note": n} for t, a, n in items],
            "total": str(total),
            "reply": text,
        }
        event_record(complaint=complaint, type=EventType.RESOLVED, actor=actor, data=data)
        if over:
            Approval.objects.create(
                complaint=complaint, amount=total, requested_by=actor, requested_at=now
            )
            event_record(
                complaint=complaint,
                type=EventType.APPROVAL_REQUESTED,
                actor=actor,
                data={"amount": str(total), "limit": str(limit)},
            )
    return complaint


def complaint_approve(
    *, complaint: Complaint, actor: User, approved: bool, note: str = ""
) -> Complaint:
    """The approver's decision; approved → resolved, rejected → back to the handler."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        rules.next_status("approve", complaint.status)
        approval = complaint.approvals.filter(decided_at__isnull=True).first()
        if approval is None:
            raise ValidationFailed("没有待审批的申请")
        limit = authority_limit(actor.role)
        if not permissions.can_approve(actor, complaint, approval.amount, limit):
            raise NotAllowed(f"审批金额 {approval.amount} 元超出你的授权额度或不在你的范围内")
        if approval.requested_by_id == actor.pk:
            raise NotAllowed("不能审批自己提交的申请")
        text = clean_text(note or "")
        if not approved and not text:
            raise ValidationFailed("驳回时请说明原因", fields={"note": ["此项为必填项"]})
        now = clock.now()
        approval.approved = approved
        approval.decided_by = actor
        approval.decided_at = now
        approval.note = text
        approval.save()
        complaint.status = rules.next_status("approve", complaint.status, alternative=not approved)
        complaint.resolved_at = now if approved else None
        complaint.save(update_fields=["status", "resolved_at", "updated_at"])
        event_record(
            complaint=complaint,
            type=EventType.APPROVED if approved else EventType.REJECTED,
            actor=actor,
            data={"amount": str(approval.amount), "note": text},
        )
    return complaint


def complaint_close(*, complaint: Complaint, actor: User, customer_accepted: bool) -> Complaint:
    """Close after the reply (R5.4); responsibility must be confirmed (R3.3) and a callback is
    scheduled (R8.1)."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        _require(permissions.can_handle(actor, complaint))
        complaint.status = rules.next_status("close", complaint.status)
        if complaint.responsible_department_id is None:
            raise ValidationFailed("结案前必须确认责任部门")
        complaint.closed_at = clock.now()
        complaint.customer_accepted = customer_accepted
        complaint.save(update_fields=["status", "closed_at", "customer_accepted", "updated_at"])
        event_record(
            complaint=complaint,
            type=EventType.CLOSED,
            actor=actor,
            data={"customer_accepted": customer_accepted},
        )
        callback_schedule(complaint=complaint)
        webhook_emit(
            event=EventType.CLOSED, complaint=complaint, data={"accepted": customer_accepted}
        )
    return complaint


def handling_step_record(
    *,
    complaint: Complaint,
    actor: User,
    step: str,
    text: str,
    answers: dict[str, str] | None = None,
) -> HandlingRecord:
    """Record one of S1's handling steps (R5.1); a step can be recorded again to amend it."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        _require(permissions.can_handle(actor, complaint))
        rules.next_status("handle", complaint.status)
        if step not in HandlingStep.values:
            raise ValidationFailed(
                "未知处理步骤", fields={"step": [f"可选：{', '.join(HandlingStep.values)}"]}
            )
        body = clean_text(text or "")
        if not body:
            raise ValidationFailed("请填写本步骤的记录", fields={"text": ["此项为必填项"]})
        if len(body) > 2000:
            raise ValidationFailed("记录过长", fields={"text": ["最多 2000 个字符"]})
        clean_answers: dict[str, str] = {}
        if step == HandlingStep.INVESTIGATE:
            for key in INVESTIGATION_QUESTIONS:
                value = clean_text((answers or {}).get(key, ""))
                if len(value) > 500:
                    raise ValidationFailed("回答过长", fields={key: ["最多 500 个字符"]})
                clean_answers[key] = value
        record, _ = HandlingRecord.objects.get_or_create(complaint=complaint)
        record.steps[step] = {
            "text": body,
            "answers": clean_answers,
            "at": clock.now().isoformat(),
            "by": str(actor),
        }
        record.save(update_fields=["steps"])
        event_record(
            complaint=complaint,
            type=EventType.HANDLING_STEP,
            actor=actor,
            data={"step": step, "text": body, "answers": clean_answers},
        )
    return record


def evidence_add(
    *, complaint: Complaint, actor: User, name: str, content: bytes, description: str = ""
) -> Evidence:
    """Attach evidence (R5.2), after checking its type, size and bytes."""
    name = clean_text(name)[:200] or "file"
    problem = evidence_problem(name, len(content), content[:2048])
    if problem:
        raise ValidationFailed(problem, fields={"file": [problem]})
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        if not (permissions.can_handle(actor, complaint) or permissions.can_note(actor, complaint)):
            raise NotAllowed("你的角色或数据范围不允许上传证据")
        if not complaint.is_open and complaint.status != Status.RESOLVED:
            raise ValidationFailed("已结案的投诉不能再添加证据，请先重开")
        digest = hashlib.sha256(content).hexdigest()
        ext = name[name.rfind(".") :].lower()
        evidence = Evidence(
            complaint=complaint,
            original_name=name,
            extension=ext,
            content_type=EVIDENCE_TYPES[ext][0],
            size=len(content),
            sha256=digest,
            description=clean_text(description or "")[:200],
            uploaded_by=actor,
            uploaded_at=clock.now(),
        )
        evidence.file.save(digest + ext, ContentFile(content), save=False)
        evidence.save()
        event_record(
            complaint=complaint,
            type=EventType.EVIDENCE_ADDED,
            actor=actor,
            data={"name": name, "size": len(content), "sha256": digest},
        )
    return evidence
