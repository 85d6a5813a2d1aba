"""Handling a complaint through to its close (R5, R6.2)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from tousu.accounts import permissions
from tousu.accounts.choices import AuditAction, Role
from tousu.accounts.models import AUDIT_HEAD, AuditEntry, AuditHead, Department, User
from tousu.accounts.services import audit_record
from tousu.callbacks.services import callback_schedule
from tousu.complaints import rules
from tousu.complaints.choices import Cause, Channel, EventType, Finding, Status
from tousu.complaints.models import Complaint
from tousu.complaints.selectors import reply_held_until
from tousu.complaints.services import (
    _require,
    complaint_close_duplicate,
    complaint_link,
    complaint_lock,
    event_record,
)
from tousu.core import clock
from tousu.core.errors import (
    Conflict,
    FieldErrors,
    NotAllowed,
    ValidationFailed,
    one_of_message,
    required_message,
    too_long_message,
)
from tousu.core.keys import canonical
from tousu.core.reasons import Reason, reason, reasons_text
from tousu.core.text import clean_text
from tousu.notifications.choices import NotificationKind
from tousu.notifications.services import (
    NotificationDraft,
    notify,
    notify_many,
    webhook_emit,
)
from tousu.resolution import rules as resolution_rules
from tousu.resolution.choices import (
    INVESTIGATION_QUESTIONS,
    EarlierAction,
    EvidenceKind,
    FlagKind,
    HandlingStep,
    RemedyBasis,
    RemedyType,
)
from tousu.resolution.models import (
    Approval,
    ClauseRemedy,
    ConsistencyFlag,
    Evidence,
    HandlingRecord,
    Remedy,
    StandardClause,
)
from tousu.resolution.rules import EVIDENCE_TYPES, evidence_problem
from tousu.resolution.selectors import (
    IntegrityReport,
    RemedySuggestion,
    approval_steps,
    approvers,
    authority_limit,
    authority_limits,
    clause_for,
    customer_month_granted,
    remedy_suggestions,
)

REPLY_MAX_CHARS = 5_000
MAX_AMOUNT = Decimal("1000000")
MAX_OUTAGE_DAYS = Decimal("3650")
REMEDY_NOTE_MAX_CHARS = 200
STEP_TEXT_MAX_CHARS = 2_000
ANSWER_MAX_CHARS = 500
# The time limit of an approval step whose role has none configured.
DEFAULT_APPROVAL_HOURS = 24
# How far back outcomes elsewhere count as "the same situation" for the consistency check.
PEER_WINDOW = dt.timedelta(days=180)


@dataclass
class RemedyInput:
    type: str
    amount: Decimal | float | str = 0
    note: str = ""


def _remedies(items: list[RemedyInput]) -> list[tuple[str, Decimal, str]]:
    out = []
    errors = FieldErrors()
    for n, item in enumerate(items, start=1):  # "item 1" is the first the user sees
        if item.type not in RemedyType.values:
            errors.add(
                "remedies",
                _("Item %(n)s: unknown remedy “%(type)s”") % {"n": n, "type": item.type},
            )
            continue
        try:
            amount = Decimal(str(item.amount or 0)).quantize(Decimal("0.01"))
        except InvalidOperation:
            errors.add("remedies", _("Item %(n)s: invalid amount") % {"n": n})
            continue
        if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
            errors.add(
                "remedies",
                _("Item %(n)s: the amount must be from 0 to %(max)s yuan")
                % {"n": n, "max": MAX_AMOUNT},
            )
            continue
        note = clean_text(item.note or "")
        if len(note) > REMEDY_NOTE_MAX_CHARS:
            errors.add(
                "remedies",
                _("Item %(n)s: the note takes at most %(limit)s characters")
                % {"n": n, "limit": REMEDY_NOTE_MAX_CHARS},
            )
            continue
        out.append((item.type, amount, note))
    errors.raise_if_any(_("The remedies have errors"))
    return out


# Said both when the outcome is recorded and at closing: one wording, one translation.
def _department_unconfirmed_message() -> str:
    return _("The responsible department must be confirmed before closing")


def _staff_inactive_message() -> str:
    return _("This member of staff is inactive")


@dataclass(frozen=True)
class _Outcome:
    """An outcome as validated: what `complaint_resolve` writes."""

    finding: str
    cause: str
    responsible_department: Department | None
    reply: str
    remedies: list[tuple[str, Decimal, str]]  # (type, amount, note)
    disputed_amount: Decimal | None
    outage_days: Decimal | None
    responsible_staff: User | None

    @property
    def total(self) -> Decimal:
        return sum((amount for _, amount, _ in self.remedies), Decimal(0))


@dataclass(frozen=True)
class _Authority:
    """Whether the actor may grant the remedies alone (R6.2)."""

    limit: Decimal | None  # the actor's total limit; None = unlimited
    reasons: list[Reason]  # why the remedies exceed the actor's authority; empty when within

    @property
    def over(self) -> bool:
        return bool(self.reasons)


def _outcome_validate(
    *,
    finding: str,
    cause: str,
    responsible_department: Department | None,
    remedies: list[RemedyInput],
    reply: str,
    disputed_amount: Decimal | None,
    outage_days: Decimal | None,
    responsible_staff: User | None,
) -> _Outcome:
    errors = FieldErrors()
    if finding not in Finding.values:
        errors.add("finding", one_of_message(Finding.values))
    if cause not in Cause.values:
        errors.add("cause", one_of_message(Cause.values))
    if responsible_department is None:
        errors.add("responsible_department", _department_unconfirmed_message())
    text = clean_text(reply or "")
    if not text:
        errors.add("reply", _("Please write the reply to the customer"))
    elif len(text) > REPLY_MAX_CHARS:
        errors.add("reply", too_long_message(REPLY_MAX_CHARS, len(text)))
    for name, value, most in (
        ("disputed_amount", disputed_amount, MAX_AMOUNT),
        ("outage_days", outage_days, MAX_OUTAGE_DAYS),
    ):
        if value is not None and (not value.is_finite() or value < 0 or value > most):
            errors.add(name, _("From 0 to %(max)s") % {"max": most})
    if responsible_staff is not None and not responsible_staff.is_active:
        errors.add("responsible_staff", _staff_inactive_message())
    elif (
        responsible_staff is not None
        and responsible_department is not None
        and responsible_staff.department_id != responsible_department.pk
    ):
        # R6.4: the fault is one department's; the person held to it is one of its members.
        errors.add("responsible_staff", _("Not a member of the responsible department"))
    errors.raise_if_any(_("The outcome has errors"))
    return _Outcome(
        finding=finding,
        cause=cause,
        responsible_department=responsible_department,
        reply=text,
        remedies=_remedies(remedies),
        disputed_amount=disputed_amount,
        outage_days=outage_days,
        responsible_staff=responsible_staff,
    )


def outcome_within_authority(
    *,
    actor: User,
    finding: str,
    cause: str,
    responsible_department: Department | None,
    remedies: list[RemedyInput],
    reply: str,
) -> list[tuple[str, Decimal, str]]:
    """Check an outcome that is to be recorded on many complaints at once (an incident's common
    remedy, R10.4) before any of them: valid as `complaint_resolve` wants it, and within the
    actor's own authority for one complaint (each customer's month may still send one to
    approval). Returns the remedies as validated; raises ValidationFailed otherwise."""
    outcome = _outcome_validate(
        finding=finding,
        cause=cause,
        responsible_department=responsible_department,
        remedies=remedies,
        reply=reply,
        disputed_amount=None,
        outage_days=None,
        responsible_staff=None,
    )
    by_type: dict[str, Decimal] = {}
    for t, a, _note in outcome.remedies:
        by_type[t] = by_type.get(t, Decimal(0)) + a
    excess = resolution_rules.authority_excess(by_type, {}, authority_limits(actor.role))
    if excess:
        text = reasons_text(excess)
        message = _("The remedy is over your authority: %(why)s") % {"why": text}
        raise ValidationFailed.for_field("remedies", text, message=message)
    return outcome.remedies


def _authority_decide(*, complaint: Complaint, actor: User, outcome: _Outcome) -> _Authority:
    """The remedies against the actor's limits, per remedy type and in total, counting what
    the customer already received this month (R6.2)."""
    by_type: dict[str, Decimal] = {}
    for t, a, _note in outcome.remedies:
        by_type[t] = by_type.get(t, Decimal(0)) + a
    limit = authority_limit(actor.role)
    reasons = resolution_rules.authority_excess(
        by_type, customer_month_granted(complaint), authority_limits(actor.role)
    )
    return _Authority(limit=limit, reasons=reasons)


def _handling_record_update(complaint: Complaint, outcome: _Outcome) -> HandlingRecord:
    """The facts of the outcome on the handling record (None keeps what was recorded), and the
    version of the standard clause in force now: the one this outcome was judged by, kept
    when the clause is revised later."""
    record, _created = HandlingRecord.objects.get_or_create(complaint=complaint)
    if outcome.disputed_amount is not None:
        record.disputed_amount = outcome.disputed_amount.quantize(Decimal("0.01"))
    if outcome.outage_days is not None:
        record.outage_days = outcome.outage_days.quantize(Decimal("0.1"))
    if outcome.responsible_staff is not None:
        record.responsible_staff = outcome.responsible_staff
    record.clause = clause_for(complaint, record)
    record.save(update_fields=["disputed_amount", "outage_days", "responsible_staff", "clause"])
    return record


def _resolved_data(outcome: _Outcome, record: HandlingRecord) -> dict[str, Any]:
    department = outcome.responsible_department
    data: dict[str, Any] = {
        "finding": outcome.finding,
        "cause": outcome.cause,
        "responsible_department": department.code if department else None,
        "remedies": [{"type": t, "amount": str(a), "note": n} for t, a, n in outcome.remedies],
        "total": str(outcome.total),
        "reply": outcome.reply,
    }
    if record.clause is not None:
        data["clause"] = f"{record.clause.code} v{record.clause.version}"
    for name in ("disputed_amount", "outage_days"):
        if getattr(record, name) is not None:
            data[name] = str(getattr(record, name))
    if record.responsible_staff_id:
        data["responsible_staff"] = str(record.responsible_staff)
    return data


def _outcome_write(
    *,
    complaint: Complaint,
    actor: User,
    outcome: _Outcome,
    over: bool,
    now: dt.datetime,
    first_contact: bool = False,
) -> HandlingRecord:
    """Write the outcome: the remedies (replacing those of an earlier outcome, after a reopen),
    the complaint's finding, cause, responsibility, reply and status — resolved, or awaiting
    approval when `over` the actor's authority — the handling record and the `resolved`
    event. `first_contact`: recorded by its registering agent at first contact; the outcome is
    a first-contact resolution when it also stands without approval."""
    complaint.remedies.all().delete()
    Remedy.objects.bulk_create(
        Remedy(complaint=complaint, type=t, amount=a, note=n, granted_by=actor, created_at=now)
        for t, a, n in outcome.remedies
    )
    complaint.finding = outcome.finding
    complaint.cause = outcome.cause
    complaint.responsible_department = outcome.responsible_department
    complaint.reply = outcome.reply
    action = "resolve_first_contact" if first_contact else "resolve"
    complaint.status = rules.next_status(action, complaint.status, alternative=over)
    complaint.resolved_at = None if over else now
    complaint.first_contact = first_contact and not over
    if first_contact:
        # The customer had their answer at the contact itself: that is the first response
        # (R4.1), so no overdue alert follows an outcome that waits for approval.
        complaint.accepted_at = complaint.accepted_at or now
    # The outcome ends any wait for the customer: a pause must not outlive it, or a later
    # reopen would leave the complaint invisible to the breach scan.
    complaint.paused_at, complaint.pause_reason = None, ""
    record = _handling_record_update(complaint, outcome)
    complaint.save(
        update_fields=[
            "finding",
            "cause",
            "responsible_department",
            "reply",
            "status",
            "resolved_at",
            "first_contact",
            "accepted_at",
            "paused_at",
            "pause_reason",
            "updated_at",
        ]
    )
    data = _resolved_data(outcome, record)
    if complaint.first_contact:
        data["first_contact"] = True
    event_record(complaint=complaint, type=EventType.RESOLVED, actor=actor, data=data)
    # What other systems need to follow it; the reply stays inside (it names the customer).
    hook = {key: data[key] for key in ("finding", "cause", "responsible_department", "total")}
    hook["remedies"] = [{"type": t, "amount": str(a)} for t, a, _n in outcome.remedies]
    hook["status"] = complaint.status
    webhook_emit(event=EventType.RESOLVED, complaint=complaint, data=hook)
    return record


def _approval_request(
    *,
    complaint: Complaint,
    actor: User,
    outcome: _Outcome,
    authority: _Authority,
    now: dt.datetime,
) -> Approval:
    """Ask the first approver of the chain for the remedies beyond the actor's authority."""
    total = outcome.total
    level, due_at = _approval_step(total, now, complaint.resolution_due)
    approval = Approval.objects.create(
        complaint=complaint,
        amount=total,
        requested_by=actor,
        requested_at=now,
        level=level,
        due_at=due_at,
        reasons=authority.reasons,
    )
    data = {
        "amount": str(total),
        "limit": str(authority.limit),
        "level": level,
        "due_at": due_at.isoformat() if due_at else None,
        "reasons": authority.reasons,
    }
    event_record(complaint=complaint, type=EventType.APPROVAL_REQUESTED, actor=actor, data=data)
    _approval_notify(approval)
    webhook_emit(event=EventType.APPROVAL_REQUESTED, complaint=complaint, data=data)
    return approval


def _approval_notify(approval: Approval) -> None:
    """Tell the approvers now asked (see `selectors.approvers`) that a decision waits."""
    complaint = approval.complaint
    text = reason("notice.approval", number=complaint.number, amount=approval.amount)
    users = [
        u
        for u in approvers(complaint, approval.amount, approval.level)
        if u.pk != approval.requested_by_id
    ]
    notify(users=users, kind=NotificationKind.APPROVAL, text=text, complaint=complaint)


def complaint_resolve(
    *,
    complaint: Complaint,
    actor: User,
    finding: str,
    cause: str,
    responsible_department: Department | None,
    remedies: list[RemedyInput],
    reply: str,
    disputed_amount: Decimal | None = None,
    outage_days: Decimal | None = None,
    responsible_staff: User | None = None,
) -> Complaint:
    """Record the outcome: finding, cause, responsibility, remedies and the reply, with the
    facts a standard clause needs (amount in dispute, days of outage; None keeps what was
    recorded). The applicable clause version is kept on the handling record (R6.1). Remedies
    beyond the actor's authority wait for approval along the chain (R6.2); an outcome that
    stands is checked for consistency (R6.3). The reply's approved wording (R7.2) is the
    knowledge domain's to check (`knowledge.selectors.reply_wording_check`), before this.

    The person who registered the complaint may resolve it at first contact, before the back
    office takes it up (S3 授权, `permissions.at_first_contact`): within their authority it
    is a first-contact resolution (`Complaint.first_contact`, and `first_contact` in the
    resolved event), beyond it the approval chain as for handlers."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        first_contact = permissions.at_first_contact(actor, complaint)
        _require(first_contact or permissions.can_handle(actor, complaint))
        rules.next_status("resolve_first_contact" if first_contact else "resolve", complaint.status)
        outcome = _outcome_validate(
            finding=finding,
            cause=cause,
            responsible_department=responsible_department,
            remedies=remedies,
            reply=reply,
            disputed_amount=disputed_amount,
            outage_days=outage_days,
            responsible_staff=responsible_staff,
        )
        authority = _authority_decide(complaint=complaint, actor=actor, outcome=outcome)
        now = clock.now()
        record = _outcome_write(
            complaint=complaint,
            actor=actor,
            outcome=outcome,
            over=authority.over,
            now=now,
            first_contact=first_contact,
        )
        # The clause is the one the outcome's own facts select, known once they are written:
        # a refusal here undoes the write with the transaction, and the reply never leaves.
        _promise_check(outcome, record)
        # A re-resolution replaces the outcome, and with it the flags on the old one.
        complaint.consistency_flags.all().delete()
        if authority.over:
            _approval_request(
                complaint=complaint, actor=actor, outcome=outcome, authority=authority, now=now
            )
        else:
            consistency_check(complaint=complaint, record=record)
    return complaint


def _promise_check(outcome: _Outcome, record: HandlingRecord) -> None:
    """Refuse an outcome whose reply promises money that no remedy records
    (`resolution_rules.unrecorded_money_promise`), on the remedies."""
    clause = record.clause
    if clause is None or outcome.total > 0 or not resolution_rules.money_promised(outcome.reply):
        return  # consistent whatever the clause prescribes: its remedies need not be read
    promise = resolution_rules.unrecorded_money_promise(
        reply=outcome.reply,
        prescribed=[r.basis for r in clause.remedies.all()],
        money_total=outcome.total,
    )
    if promise is None:
        return
    message = _(
        "The reply promises the customer money (“%(words)s”) but no remedy with an amount is "
        "recorded: enter the remedy that standard clause %(clause)s prescribes, or change "
        "the reply."
    ) % {"words": promise, "clause": clause.code}
    raise ValidationFailed.for_field("remedies", message, message=message)


def _approval_step(
    amount: Decimal, now: dt.datetime, reply_due: dt.datetime | None, after: str = ""
) -> tuple[str, dt.datetime | None]:
    """The approver role asked for `amount` (the one after `after` when a step timed out) and
    by when (`resolution_rules.approval_due`: not after the reply is due); ("", None) when
    the chain has no such step (any covering manager may decide)."""
    steps = approval_steps()
    chain = resolution_rules.approval_chain(amount, [(role, limit) for role, limit, _ in steps])
    if after:
        chain = chain[chain.index(after) + 1 :] if after in chain else []
    if not chain:
        return "", None
    hours = next((h for role, _, h in steps if role == chain[0]), None) or DEFAULT_APPROVAL_HOURS
    return chain[0], resolution_rules.approval_due(now, hours, reply_due)


def approvals_escalate_overdue() -> int:
    """Pass each approval whose step's time limit has passed to the next role of the chain
    (R6.2), on the timeline; returns how many moved. Idempotent: a row is claimed with a
    conditional update on its current level and deadline, so two runs never move it twice."""
    moved = 0
    now = clock.now()
    overdue = Approval.objects.filter(decided_at__isnull=True, due_at__lt=now).values_list(
        "pk", "complaint_id", "amount", "level", "due_at"
    )
    for pk, complaint_id, amount, level, due_at in list(overdue):
        with transaction.atomic():
            complaint = complaint_lock(Complaint.objects.get(pk=complaint_id))
            next_level, next_due = _approval_step(
                amount, now, complaint.resolution_due, after=level
            )
            claimed = Approval.objects.filter(
                pk=pk, level=level, due_at=due_at, decided_at__isnull=True
            ).update(level=next_level, due_at=next_due)
            if not claimed:
                continue
            data = {
                "amount": str(amount),
                "level": next_level,
                "due_at": next_due.isoformat() if next_due else None,
                "escalated_from": level,
            }
            event_record(
                complaint=complaint, type=EventType.APPROVAL_REQUESTED, actor=None, data=data
            )
            _approval_notify(Approval.objects.select_related("complaint").get(pk=pk))
            webhook_emit(event=EventType.APPROVAL_REQUESTED, complaint=complaint, data=data)
            moved += 1
    return moved


@dataclass(frozen=True)
class _Flag:
    """A departure found by `consistency_check`, before it is stored."""

    kind: str
    reason: Reason
    remedy_type: str = ""
    amount: Decimal = Decimal(0)
    reference: Decimal | None = None


def _granted(complaint: Complaint) -> dict[str, Decimal]:
    granted: dict[str, Decimal] = {}
    for r in complaint.remedies.all():
        granted[r.type] = granted.get(r.type, Decimal(0)) + r.amount
    return granted


def _range_flags(prescribed: list[RemedySuggestion], granted: dict[str, Decimal]) -> list[_Flag]:
    """Each prescribed remedy granted outside the clause's range (none at all for a remedy the
    clause rules out)."""
    flags = []
    for p in prescribed:
        amount = granted.get(p.type, Decimal(0))
        if p.basis == RemedyBasis.NONE:
            low, high = None, (Decimal(0) if amount > 0 else None)
        else:
            low, high = resolution_rules.amount_range(p.min_amount, p.max_amount, p.amount)
        problem = resolution_rules.range_problem(amount, low, high, p.type)
        if problem:
            ref = high if high is not None and amount > high else low
            flags.append(_Flag(FlagKind.OUT_OF_RANGE, problem, p.type, amount, ref))
    return flags


def _unprescribed_flags(
    clause: StandardClause, prescribed: list[RemedySuggestion], granted: dict[str, Decimal]
) -> list[_Flag]:
    """Each remedy granted that the clause does not prescribe, with an amount or without (an
    apology the clause does not call for is a departure too); an explanation without an
    amount is always allowed (resolution_rules.ALWAYS_ALLOWED)."""
    types = {p.type for p in prescribed}
    return [
        _Flag(
            FlagKind.TYPE_NOT_PRESCRIBED,
            resolution_rules.not_prescribed_reason(type_, amount, clause.code),
            type_,
            amount,
        )
        for type_, amount in granted.items()
        if type_ not in types and (amount > 0 or type_ not in resolution_rules.ALWAYS_ALLOWED)
    ]


def _left_out_flags(
    clause: StandardClause, prescribed: list[RemedySuggestion], granted: dict[str, Decimal]
) -> list[_Flag]:
    """Each remedy without an amount (an apology, an explanation, a repair) that the clause
    prescribes and the outcome left out. A remedy with an amount left out is 0 yuan, which
    its range judges (allowed when the range starts at 0, "below" when not)."""
    left_out = dict.fromkeys(
        p.type for p in prescribed if p.basis == RemedyBasis.NONE and p.type not in granted
    )
    return [
        _Flag(FlagKind.LEFT_OUT, resolution_rules.left_out_reason(type_, clause.code), type_)
        for type_ in left_out
    ]


def _finding_flags(
    complaint: Complaint, clause: StandardClause, granted: dict[str, Decimal]
) -> list[_Flag]:
    """Compensation on a complaint found not true under a clause that does not provide for
    that finding: its remedies presume the complaint is right (NET-02: "因我方原因"), so the
    amounts may sit within its range and still depart from it."""
    total = sum(granted.values(), Decimal(0))
    provided = Finding.NOT_TRUE in (clause.findings or ())
    if complaint.finding != Finding.NOT_TRUE or total <= 0 or provided:
        return []
    why = resolution_rules.not_true_reason(total, clause.code)
    return [_Flag(FlagKind.NOT_TRUE_COMPENSATED, why, amount=total, reference=Decimal(0))]


def _peer_name(who: str) -> str:
    """The channel (its code, read as its label) or department (by its name) that gives other
    amounts."""
    if who in Channel.values:
        return who
    if who:
        return Department.objects.filter(code=who).values_list("name", flat=True).first() or who
    return who


def _peer_flag(
    complaint: Complaint, clause: StandardClause, total: Decimal, now: dt.datetime
) -> _Flag | None:
    """The complaint's total when it stands out from the same clause's outcomes in other
    channels and departments over the last `PEER_WINDOW`."""
    dept_code = complaint.responsible_department.code if complaint.responsible_department else ""
    peers = [
        resolution_rules.Peer(channel, dept or "", amount)
        for channel, dept, amount in Complaint.objects.filter(
            handling__clause__code=clause.code,
            resolved_at__gte=now - PEER_WINDOW,
        )
        .exclude(pk=complaint.pk)
        .annotate(total=Coalesce(Sum("remedies__amount"), Decimal(0)))
        .values_list("channel", "responsible_department__code", "total")
    ]
    outlier = resolution_rules.peer_outlier(total, peers, complaint.channel, dept_code)
    if outlier is None:
        return None
    why = resolution_rules.outlier_reason(outlier, total, _peer_name(outlier.who))
    return _Flag(FlagKind.OUTLIER, why, amount=total, reference=outlier.mean)


def _peer_amounts(
    complaint: Complaint, clause: StandardClause, type_: str, now: dt.datetime
) -> list[Decimal]:
    """What other complaints under the same clause received of remedy `type_`, each its
    total, over the last `PEER_WINDOW`."""
    return list(
        Remedy.objects.filter(
            type=type_,
            complaint__handling__clause__code=clause.code,
            complaint__resolved_at__gte=now - PEER_WINDOW,
        )
        .exclude(complaint=complaint)
        .values("complaint")
        .annotate(total=Sum("amount"))
        .values_list("total", flat=True)
    )


def _missing_fact_flags(
    complaint: Complaint,
    clause: StandardClause,
    prescribed: list[RemedySuggestion],
    granted: dict[str, Decimal],
    now: dt.datetime,
) -> list[_Flag]:
    """A remedy the clause computes from the disputed amount, granted while that amount was
    not entered, far above what the clause would give: computed from the largest sum the
    complaint's text states, or, when it states none, compared with what the same remedy
    under the same clause came to elsewhere. The resolve form asks for the amount; this
    catches an outcome that stands without it."""
    stated = resolution_rules.disputed_amount_stated(f"{complaint.content}\n{complaint.demand}")
    flags = []
    for p in prescribed:
        amount = granted.get(p.type, Decimal(0))
        if p.basis != RemedyBasis.DISPUTED_AMOUNT or amount <= 0:
            continue
        if stated is not None:
            expected = resolution_rules.remedy_compute(
                basis=p.basis,
                min_amount=p.min_amount,
                max_amount=p.max_amount,
                rate=p.rate,
                disputed_amount=stated,
                outage_days=None,
            ).amount
            if expected is not None and resolution_rules.far_above(amount, expected):
                why = resolution_rules.stated_excess_reason(p.type, amount, expected, stated)
                flags.append(_Flag(FlagKind.OUT_OF_RANGE, why, p.type, amount, expected))
            continue
        peers = _peer_amounts(complaint, clause, p.type, now)
        middle = resolution_rules.above_peers(amount, peers)
        if middle is not None:
            why = resolution_rules.peer_excess_reason(p.type, amount, middle, len(peers))
            flags.append(_Flag(FlagKind.OUTLIER, why, p.type, amount, middle))
    return flags


def consistency_check(*, complaint: Complaint, record: HandlingRecord) -> list[ConsistencyFlag]:
    """Compare a standing outcome with its clause and with the same clause's outcomes in
    other channels and departments (R6.3); store and return the flags. Precondition: inside
    the transaction that made the outcome stand (resolve within authority, or approval)."""
    complaint.consistency_flags.all().delete()
    clause = record.clause
    if clause is None:
        return []
    now = clock.now()
    granted = _granted(complaint)
    prescribed = remedy_suggestions(clause, record)
    found = [
        *_finding_flags(complaint, clause, granted),
        *_range_flags(prescribed, granted),
        *_unprescribed_flags(clause, prescribed, granted),
        *_left_out_flags(clause, prescribed, granted),
    ]
    if record.disputed_amount is None:
        flagged = {f.remedy_type for f in found}
        found += [
            f
            for f in _missing_fact_flags(complaint, clause, prescribed, granted, now)
            if f.remedy_type not in flagged
        ]
    # Peers only where the standard sets the amount by the situation alone: with a formula
    # the amounts differ with the facts, and the range check above already applies it.
    if all(p.basis in (RemedyBasis.FIXED, RemedyBasis.NONE) for p in prescribed):
        total = sum(granted.values(), Decimal(0))
        if (outlier := _peer_flag(complaint, clause, total, now)) is not None:
            found.append(outlier)
    flags = [
        ConsistencyFlag(
            complaint=complaint,
            clause=clause,
            kind=f.kind,
            remedy_type=f.remedy_type,
            amount=f.amount,
            reference=f.reference,
            reason=f.reason,
            created_at=now,
        )
        for f in found
    ]
    ConsistencyFlag.objects.bulk_create(flags)
    return flags


def complaint_approve(
    *, complaint: Complaint, actor: User, approved: bool, note: str = ""
) -> Complaint:
    """The approver's decision; approved → resolved, rejected → back to the handler."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        rules.next_status("approve", complaint.status)
        approval = complaint.approvals.filter(decided_at__isnull=True).first()
        if approval is None:
            raise ValidationFailed(_("No request awaits approval"))
        limit = authority_limit(actor.role)
        if not permissions.can_approve(actor, complaint, approval.amount, limit):
            raise NotAllowed(
                _("The amount of %(amount)s yuan is beyond your authority limit or your scope")
                % {"amount": approval.amount}
            )
        if approval.requested_by_id == actor.pk:
            raise NotAllowed(_("You may not approve your own request"))
        text = clean_text(note or "")
        if not approved and not text:
            raise ValidationFailed.for_field(
                "note", required_message(), message=_("Give the reason for rejecting")
            )
        now = clock.now()
        approval.approved = approved
        approval.decided_by = actor
        approval.decided_at = now
        approval.note = text
        approval.save()
        complaint.status = rules.next_status("approve", complaint.status, alternative=not approved)
        complaint.resolved_at = now if approved else None
        complaint.save(update_fields=["status", "resolved_at", "updated_at"])
        decision = EventType.APPROVED if approved else EventType.REJECTED
        data = {"amount": str(approval.amount), "note": text, "level": approval.level}
        event_record(complaint=complaint, type=decision, actor=actor, data=data)
        _decision_notify(approval, complaint)
        hook = {"amount": data["amount"], "level": data["level"], "note": text}
        webhook_emit(event=decision, complaint=complaint, data=hook)
        if approved:
            record, _created = HandlingRecord.objects.get_or_create(complaint=complaint)
            consistency_check(complaint=complaint, record=record)
    return complaint


def _decision_notify(approval: Approval, complaint: Complaint) -> None:
    """Tell the one who asked what was decided."""
    kind = NotificationKind.APPROVED if approval.approved else NotificationKind.REJECTED
    text = reason(
        f"notice.{kind}",
        number=complaint.number,
        amount=approval.amount,
        by=str(approval.decided_by),
        note=approval.note,
    )
    notify(users=[approval.requested_by], kind=kind, text=text, complaint=complaint)


def complaint_close(
    *,
    complaint: Complaint,
    actor: User,
    customer_accepted: bool | None,
    responsible_staff: User | None = None,
) -> Complaint:
    """Close after the reply (R5.4); responsibility must be confirmed (R3.3, R6.4): the
    responsible department always, the staff member where known (given here, or recorded at
    resolving), both on the closing event that KPIs count. A callback is scheduled (R8.1).
    Whoever resolved it at first contact closes it too (`permissions.can_close`).
    `customer_accepted` None: nobody asked the customer (an incident closing its children
    after a common reply); the callback asks."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        _require(permissions.can_close(actor, complaint))
        rules.next_status("close", complaint.status)
        _accepted_close_check(complaint, customer_accepted)
        _close_apply(complaint, actor, customer_accepted, responsible_staff)
    return complaint


def reply_held_message(held: dt.datetime) -> str:
    """Why a complaint cannot be closed as accepted yet: the page says it beside the choice,
    the service when it refuses."""
    return _(
        "The customer has not received the reply yet: it goes out at %(time)s. Close as "
        "accepted once they have it and have said they accept it."
    ) % {"time": f"{clock.local(held):%m-%d %H:%M}"}


def _accepted_close_check(complaint: Complaint, customer_accepted: bool | None) -> None:
    """Refuse (409) to close as accepted while the reply is held back from the customer
    (`resolution_rules.accepted_close_waits`)."""
    if customer_accepted is not True or complaint.first_contact:
        return  # asks nothing of the outbox
    held = reply_held_until(complaint)
    if held is not None and resolution_rules.accepted_close_waits(
        customer_accepted=customer_accepted,
        reply_held_until=held,
        first_contact=complaint.first_contact,
        now=clock.now(),
    ):
        message = reply_held_message(held)
        raise Conflict(message, fields={"customer_accepted": [message]})


def complaint_accept_by_customer(*, complaint: Complaint) -> Complaint:
    """The customer accepts the reply on their own page (issue 17): the resolved complaint is
    closed as accepted, on the timeline as the customer's, and the callback scheduled as
    after any closing. Precondition: the caller has verified that the customer is the
    complaint's own (the page's code)."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        _close_apply(complaint, None, True, None)
    return complaint


def _close_apply(
    complaint: Complaint,
    actor: User | None,
    customer_accepted: bool | None,
    responsible_staff: User | None,
) -> None:
    """Precondition: inside `transaction.atomic` with the complaint locked; `actor` None is
    the customer."""
    complaint.status = rules.next_status("close", complaint.status)
    if complaint.responsible_department_id is None:
        raise ValidationFailed(_department_unconfirmed_message())
    if responsible_staff is not None and not responsible_staff.is_active:
        raise ValidationFailed.for_field("responsible_staff", _staff_inactive_message())
    record, _created = HandlingRecord.objects.get_or_create(complaint=complaint)
    if responsible_staff is not None:
        record.responsible_staff = responsible_staff
        record.save(update_fields=["responsible_staff"])
    staff = record.responsible_staff
    complaint.closed_at = clock.now()
    complaint.customer_accepted = customer_accepted
    complaint.save(update_fields=["status", "closed_at", "customer_accepted", "updated_at"])
    department = complaint.responsible_department
    event_record(
        complaint=complaint,
        type=EventType.CLOSED,
        actor=actor,
        actor_name=None if actor is not None else "customer",
        data={
            "customer_accepted": customer_accepted,
            "responsible_department": department.code if department else None,
            "responsible_staff": staff.username if staff else None,
        },
    )
    callback_schedule(complaint=complaint)
    webhook_emit(event=EventType.CLOSED, complaint=complaint, data={"accepted": customer_accepted})


def complaint_close_repeat(
    *,
    complaint: Complaint,
    actor: User,
    customer_accepted: bool,
    earlier: Complaint,
    action: str = EarlierAction.CLOSE,
) -> Complaint:
    """Close a repeat complaint and deal with `earlier`, the same customer's open complaint on
    the same issue (issue 13): `EarlierAction.CLOSE` closes it as a duplicate of this one, whose
    reply answered it; `EarlierAction.LINK` links the two both ways and leaves it open, for
    what it asks beyond this reply (关联但不结案). Both or neither: a refusal of either undoes
    the other."""
    if action not in EarlierAction.values:
        raise ValidationFailed.for_field(
            "earlier_action", one_of_message(EarlierAction.values), message=_("Unknown choice")
        )
    with transaction.atomic():
        complaint = complaint_close(
            complaint=complaint, actor=actor, customer_accepted=customer_accepted
        )
        if action == EarlierAction.LINK:
            complaint_link(complaint=complaint, actor=actor, earlier=earlier)
        else:
            complaint_close_duplicate(complaint=earlier, actor=actor, original=complaint)
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
            raise ValidationFailed.for_field(
                "step", one_of_message(HandlingStep.values), message=_("Unknown handling step")
            )
        body = clean_text(text or "")
        if not body:
            raise ValidationFailed.for_field(
                "text", required_message(), message=_("Please write the record of this step")
            )
        if len(body) > STEP_TEXT_MAX_CHARS:
            raise ValidationFailed.for_field(
                "text",
                too_long_message(STEP_TEXT_MAX_CHARS),
                message=_("The record is too long"),
            )
        clean_answers: dict[str, str] = {}
        if step == HandlingStep.INVESTIGATE:
            for key in INVESTIGATION_QUESTIONS:
                value = clean_text((answers or {}).get(key, ""))
                if len(value) > ANSWER_MAX_CHARS:
                    raise ValidationFailed.for_field(
                        key, too_long_message(ANSWER_MAX_CHARS), message=_("The answer is too long")
                    )
                clean_answers[key] = value
        record, _created = HandlingRecord.objects.get_or_create(complaint=complaint)
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


def evidence_files_remove(complaint_ids: Sequence[int]) -> int:
    """Delete the evidence files of these complaints at the end of the retention period
    (complaints.retention: a bill or a screenshot shows the customer's personal data, and a
    file cannot be redacted). The rows stay — kind, size, SHA-256, who uploaded it when — with
    no file; the files go once the anonymisation commits. Returns how many were removed.
    Precondition: inside the anonymising transaction."""
    rows = list(Evidence.objects.filter(complaint_id__in=list(complaint_ids)).exclude(file=""))
    if not rows:
        return 0
    names = {row.file.name for row in rows}
    storage = rows[0].file.storage

    def delete() -> None:
        for name in sorted(names):
            storage.delete(name)

    Evidence.objects.filter(pk__in=[row.pk for row in rows]).update(file="")
    transaction.on_commit(delete)
    return len(rows)


def evidence_add(
    *,
    complaint: Complaint,
    actor: User,
    name: str,
    content: bytes,
    description: str = "",
    kind: str = "",
) -> Evidence:
    """Attach evidence (R5.2), after checking its type, size and bytes; `kind` says what it
    shows, so that a clause's required evidence can be checked off (R6.1)."""
    name = _evidence_check(name, content, kind)
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        if not (permissions.can_handle(actor, complaint) or permissions.can_note(actor, complaint)):
            raise NotAllowed(_("Your role or data scope does not allow adding evidence"))
        return _evidence_write(complaint, actor, name, content, description, kind)


def evidence_add_by_customer(
    *, complaint: Complaint, name: str, content: bytes, description: str = ""
) -> Evidence:
    """Evidence the customer sends from their own page (issue 17), under the same checks of
    type, size and bytes as staff uploads; on the timeline as the customer's. Precondition:
    the caller has verified that the customer is the complaint's own (the page's code)."""
    name = _evidence_check(name, content, "")
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        return _evidence_write(complaint, None, name, content, description, "")


def _evidence_check(name: str, content: bytes, kind: str) -> str:
    """The file's cleaned name; ValidationFailed when the file or its kind is refused."""
    name = clean_text(name)[:200] or "file"
    problem = evidence_problem(name, len(content), content[:2048])
    if problem:
        raise ValidationFailed(problem, fields={"file": [problem]})
    if kind and kind not in EvidenceKind.values:
        raise ValidationFailed.for_field(
            "kind", one_of_message(EvidenceKind.values), message=_("Unknown kind of evidence")
        )
    return name


def _evidence_write(
    complaint: Complaint,
    actor: User | None,
    name: str,
    content: bytes,
    description: str,
    kind: str,
) -> Evidence:
    """Precondition: inside `transaction.atomic` with the complaint locked; `actor` None is
    the customer."""
    if not complaint.is_open and complaint.status != Status.RESOLVED:
        raise ValidationFailed(_("A closed complaint takes no more evidence; reopen it first"))
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
        kind=kind,
        uploaded_by=actor,
        uploaded_at=clock.now(),
    )
    evidence.file.save(digest + ext, ContentFile(content), save=False)
    evidence.save()
    event_record(
        complaint=complaint,
        type=EventType.EVIDENCE_ADDED,
        actor=actor,
        actor_name=None if actor is not None else "customer",
        data={"name": name, "size": len(content), "sha256": digest, "kind": kind},
    )
    return evidence


def evidence_receive(
    *, complaint: Complaint, uploader: User, name: str, content: bytes, description: str = ""
) -> Evidence | str:
    """A file the customer sent through a channel (a mail's attachment), stored as evidence
    with the same type, size and content checks as an upload; the channel's own account is the
    uploader. Returns the evidence, or why the file was refused (nothing stored). No permission
    check: the channel, not a member of staff, adds it. Precondition: the complaint locked,
    inside the transaction."""
    name = clean_text(name)[:200] or "file"
    problem = evidence_problem(name, len(content), content[:2048])
    if problem:
        return problem
    if not complaint.is_open and complaint.status != Status.RESOLVED:
        return str(_("A closed complaint takes no more evidence; reopen it first"))
    return _evidence_write(complaint, uploader, name, content, description, "")


def standard_clauses_load() -> int:
    """Load the demo set of standard clauses (R6.1); idempotent: a clause version that exists
    is left as an admin may have edited it. Returns how many versions were created."""
    from tousu.classification.models import Category
    from tousu.resolution.demo_clauses import DEMO_CLAUSES

    created = 0
    with transaction.atomic():
        categories = {c.code: c for c in Category.objects.all()}
        for row in DEMO_CLAUSES:
            fields = dict(row)
            remedies = fields.pop("remedies")
            code, version = fields.pop("code"), fields.pop("version", 1)
            category_code = fields.pop("category")
            category = categories.get(category_code) if category_code else None
            if category_code and category is None:
                continue  # the category tree was changed by an admin: nothing to attach to
            clause, new = StandardClause.objects.get_or_create(
                code=code, version=version, defaults={**fields, "category": category}
            )
            if not new:
                continue
            clause.full_clean()
            for sort, remedy in enumerate(remedies):
                item = ClauseRemedy(clause=clause, sort=sort, **remedy)
                item.full_clean()
                item.save()
            created += 1
    return created


# ---- the scheduled verification (issue 11) ---------------------------------------------------

FINDINGS_KEPT = 20  # findings written into the audit log's entry of a run; all are counted


def integrity_report_record(report: IntegrityReport) -> dict[str, Any]:
    """Record a verification run on the audit log — a run that found nothing too, so that
    admins see when the data last verified — and, when it found something the last recorded
    run did not, alert every active admin (in-app and e-mail, sent after commit).

    Idempotent: the run's findings are compared by fingerprint with the last run's, under the
    audit log's lock, so the same findings alert once however often or concurrently the job
    runs; findings that change (a new problem, or one repaired and back) alert again."""
    findings = sorted(report.findings)
    fingerprint = hashlib.sha256(canonical(findings).encode()).hexdigest() if findings else ""
    with transaction.atomic():
        AuditHead.objects.select_for_update().filter(pk=AUDIT_HEAD).first()
        last = AuditEntry.objects.filter(action=AuditAction.VERIFICATION).order_by("-seq").first()
        before = (
            last.changes.get("fingerprint", "") if last and isinstance(last.changes, dict) else ""
        )
        alert = bool(findings) and fingerprint != before
        audit_record(
            actor=None,
            action=AuditAction.VERIFICATION,
            object_type="integrity",
            object_repr=f"{report.complaints} complaints, {report.audit_entries} audit entries",
            changes={
                "findings": len(findings),
                "fingerprint": fingerprint,
                "first": [list(f) for f in findings[:FINDINGS_KEPT]],
                "alerted": alert,
            },
        )
        if alert:
            admins = User.objects.filter(is_active=True).filter(
                Q(role=Role.ADMIN) | Q(is_superuser=True)
            )
            first = " ".join(str(p) for p in findings[0])
            text = reason("notice.integrity", count=len(findings), first=first)
            notify_many([NotificationDraft(list(admins), NotificationKind.INTEGRITY, text)])
    return {"findings": len(findings), "alerted": int(alert)}
