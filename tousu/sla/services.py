"""Writes of the time-limit domain (R4): escalation, pause and resume (挂起), and the steps the
background scans take on a batch of complaints (reminder, first-response alert, a rung of the
ladder).

The scan steps claim their complaints (row locks that skip rows another worker holds, then an
UPDATE that takes them out of the scan's condition, D6) and write the timeline events and
notifications in the same transaction as the claims, a few statements per batch: a worker
killed in the middle leaves none of them, and two workers never both succeed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.complaints import rules as complaint_rules
from tousu.complaints.choices import LEVEL_RANK, EventType, Level, Status
from tousu.complaints.models import Complaint
from tousu.complaints.rules import OPEN_STATUSES
from tousu.complaints.services import (
    EventDraft,
    _reason,
    _require,
    complaint_lock,
    complaint_lock_pair,
    event_record,
    events_record,
)
from tousu.core import clock
from tousu.core.errors import (
    InvalidTransition,
    ValidationFailed,
    one_of_message,
    too_long_message,
)
from tousu.core.reasons import Reason, reason
from tousu.notifications.choices import NotificationKind
from tousu.notifications.services import (
    NotificationDraft,
    notify_many,
    webhook_emit,
    webhook_emit_many,
)
from tousu.sla import constants, rules, selectors
from tousu.sla.choices import ClockName, Counting, DayKind, EscalationTarget
from tousu.sla.models import (
    BusinessCalendar,
    CalendarDay,
    ComplaintClock,
    EscalationStep,
    TimeLimitPolicy,
)

PAUSE_REASON_MAX_CHARS = 200


def _shorten(complaint: Complaint, level: str) -> None:
    """Apply the limits of `level` from reception; a due time never moves later (R4.3)."""
    first_due, resolution_due, code = selectors.due_times_for(
        category=complaint.category,
        level=level,
        channel=complaint.channel,
        received_at=complaint.received_at,
    )
    complaint.first_response_due = min(complaint.first_response_due, first_due)
    complaint.resolution_due = min(complaint.resolution_due, resolution_due)
    if code:
        complaint.time_limit_policy = code


def complaint_escalate(
    *, complaint: Complaint, actor: User | None, level: str, reason: Reason | str
) -> Complaint:
    """Raise the level (never lower it); the policy of the new level applies from the time the
    complaint was received, but a due time never moves later."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        if actor is not None:
            _require(permissions.can_escalate(actor, complaint))
        if level not in Level.values:
            raise ValidationFailed.for_field(
                "level", one_of_message(Level.values), message=_("Invalid level")
            )
        text = _reason(reason)
        complaint_rules.next_status("escalate", complaint.status)
        if LEVEL_RANK[Level(level)] <= LEVEL_RANK[Level(complaint.level)]:
            raise ValidationFailed.for_field(
                "level",
                _("Current level: %(level)s") % {"level": complaint.level},
                message=_("Escalation needs a level above the current one"),
            )
        previous = complaint.level
        complaint.level = level
        _shorten(complaint, level)
        complaint.save(
            update_fields=[
                "level",
                "first_response_due",
                "resolution_due",
                "time_limit_policy",
                "updated_at",
            ]
        )
        data = {
            "from": previous,
            "to": level,
            "reason": text,
            "resolution_due": complaint.resolution_due.isoformat(),
        }
        event_record(complaint=complaint, type=EventType.ESCALATED, actor=actor, data=data)
        webhook_emit(event=EventType.ESCALATED, complaint=complaint, data=data)
    return complaint


# ---- pause (挂起) -----------------------------------------------------------------------------


def complaint_pause(*, complaint: Complaint, actor: User | None, reason: str) -> Complaint:
    """Stop the clock while waiting for the customer (R4.1): only in progress, with a reason.
    The time until `complaint_resume` is not counted."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        if actor is not None:
            _require(permissions.can_handle(actor, complaint))
        complaint_rules.next_status("pause", complaint.status)
        if complaint.paused_at is not None:
            raise InvalidTransition(_("The complaint is already paused"))
        text = _reason(reason)
        if len(text) > PAUSE_REASON_MAX_CHARS:
            raise ValidationFailed.for_field(
                "reason",
                too_long_message(PAUSE_REASON_MAX_CHARS),
                message=_("The reason is too long"),
            )
        complaint.paused_at = clock.now()
        complaint.pause_reason = text
        complaint.save(update_fields=["paused_at", "pause_reason", "updated_at"])
        event_record(complaint=complaint, type=EventType.PAUSED, actor=actor, data={"reason": text})
    return complaint


def complaint_resume(*, complaint: Complaint, actor: User | None) -> Complaint:
    """Restart the clock: the due times move later by the time paused, counted as the
    complaint's policy counts (working or calendar time)."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        if actor is not None:
            _require(permissions.can_handle(actor, complaint))
        complaint_rules.next_status("resume", complaint.status)
        paused_at = complaint.paused_at
        if paused_at is None:
            raise InvalidTransition(_("The complaint is not paused"))
        now = clock.now()
        policy = selectors.limit_of(complaint)
        counting = policy.counting if policy else Counting.CALENDAR
        cal = selectors.calendar_for(policy.calendar_id if policy else None)
        complaint.resolution_due = rules.pause_extension(
            complaint.resolution_due, paused_at, now, counting, cal
        )
        if complaint.accepted_at is None:
            complaint.first_response_due = rules.pause_extension(
                complaint.first_response_due, paused_at, now, counting, cal
            )
        complaint.paused_at = None
        complaint.pause_reason = ""
        fields = ["paused_at", "pause_reason", "resolution_due", "first_response_due"]
        if complaint.resolution_due > now + constants.REMINDER_LEAD:
            # Far from the limit again: the reminder before breach goes out again when due.
            complaint.reminder_sent_at = None
            fields.append("reminder_sent_at")
        complaint.save(update_fields=[*fields, "updated_at"])
        event_record(
            complaint=complaint,
            type=EventType.RESUMED,
            actor=actor,
            data={
                "paused_at": paused_at.isoformat(),
                "resolution_due": complaint.resolution_due.isoformat(),
            },
        )
    return complaint


# ---- steps of the background scans (called by sla.jobs) ---------------------------------------

Recipients = dict[tuple[str, int | None], list[User]]


# Where a ladder step goes when nobody holds its target in the complaint's department today:
# up the department, then to the complaint office (issue 12: a step never notifies nobody).
FALL_THROUGH = {
    EscalationTarget.HANDLER: EscalationTarget.SUPERVISOR,
    EscalationTarget.SUPERVISOR: EscalationTarget.DEPT_HEAD,
    EscalationTarget.DEPT_HEAD: EscalationTarget.COMPLAINT_OFFICE,
}


def _reached(target: str, complaint: Complaint, cache: Recipients) -> tuple[list[User], str]:
    """Who a ladder step notifies, and as which target: the handler, or the department's
    supervisors / heads, or the complaint office; a target nobody holds falls through to the
    next (FALL_THROUGH)."""
    while True:
        if target == EscalationTarget.HANDLER:
            handler = complaint.handler if complaint.handler_id is not None else None
            users = [handler] if handler is not None and handler.is_active else []
        else:
            key = (target, complaint.department_id)
            if key not in cache:
                cache[key] = selectors.escalation_recipients(target, complaint.department_id)
            users = cache[key]
        if users or target not in FALL_THROUGH:
            return users, target
        target = FALL_THROUGH[EscalationTarget(target)]


def _recipients(target: str, complaint: Complaint, cache: Recipients) -> list[User]:
    return _reached(target, complaint, cache)[0]


def _claim(pks: Sequence[int], conditions: Q, **changes: object) -> list[Complaint]:
    """Claim the complaints of `pks` that still meet `conditions`: lock them (skipping rows
    another worker holds: it will do them) and write `changes`, which take them out of
    `conditions`. Returns them, locked, with their handlers loaded. Precondition: inside a
    transaction; on SQLite the IMMEDIATE transaction already serialises the writers."""
    rows = list(
        # NO KEY UPDATE, like the UPDATE itself: it does not block the foreign-key checks
        # (KEY SHARE) of another worker's inserts, which FOR UPDATE would, into deadlocks.
        Complaint.objects.select_for_update(skip_locked=True, no_key=True)
        .filter(conditions, pk__in=pks)
        .order_by("pk")
    )
    if not rows:
        return []
    Complaint.objects.filter(pk__in=[c.pk for c in rows]).update(**changes)
    handlers = User.objects.in_bulk({c.handler_id for c in rows if c.handler_id is not None})
    for c in rows:
        for field, value in changes.items():
            setattr(c, field, value)
        if c.handler_id is not None:
            c.handler = handlers[c.handler_id]
    return rows


def complaints_remind(*, pks: Sequence[int], now: dt.datetime, cache: Recipients) -> int:
    """The reminder before breach, once per complaint: claim `reminder_sent_at`, then notify
    the handler (or the department's supervisors) and write `reminder`. Returns how many were
    reminded. Precondition: inside a transaction."""
    rows = _claim(
        pks,
        Q(
            reminder_sent_at__isnull=True,
            status__in=OPEN_STATUSES,
            paused_at__isnull=True,
            resolution_due__gt=now,
            resolution_due__lte=now + constants.REMINDER_LEAD,
        ),
        reminder_sent_at=now,
    )
    notes, events = [], []
    for complaint in rows:
        users = _recipients(EscalationTarget.HANDLER, complaint, cache)
        due = clock.local(complaint.resolution_due)
        notes.append(
            NotificationDraft(
                users,
                NotificationKind.REMINDER,
                reason("notice.reminder", number=complaint.number, due=f"{due:%m-%d %H:%M}"),
                complaint,
            )
        )
        data = {
            "resolution_due": complaint.resolution_due.isoformat(),
            "notified": sorted(u.username for u in users),
        }
        events.append(EventDraft(complaint, EventType.REMINDER, data=data, at=now))
    notify_many(notes)
    events_record(events)
    return len(rows)


def complaint_remind(*, pk: int, now: dt.datetime, cache: Recipients | None = None) -> bool:
    """`complaints_remind` for one complaint."""
    return complaints_remind(pks=[pk], now=now, cache={} if cache is None else cache) == 1


def complaints_first_response_alert(
    *, pks: Sequence[int], now: dt.datetime, cache: Recipients
) -> int:
    """Complaints nobody accepted within their first-response limit, once each: claim
    `first_response_alerted_at`, notify the department's supervisors, write
    `first_response_overdue`. Returns how many were alerted. Precondition: inside a
    transaction."""
    rows = _claim(
        pks,
        Q(
            first_response_alerted_at__isnull=True,
            accepted_at__isnull=True,
            status__in=OPEN_STATUSES,
            first_response_due__lte=now,
        ),
        first_response_alerted_at=now,
    )
    notes, events = [], []
    for complaint in rows:
        users = _recipients(EscalationTarget.SUPERVISOR, complaint, cache)
        notes.append(
            NotificationDraft(
                users,
                NotificationKind.FIRST_RESPONSE_OVERDUE,
                reason("notice.first_response_overdue", number=complaint.number),
                complaint,
            )
        )
        data = {
            "due_at": complaint.first_response_due.isoformat(),
            "notified": sorted(u.username for u in users),
        }
        events.append(EventDraft(complaint, EventType.FIRST_RESPONSE_OVERDUE, data=data, at=now))
    notify_many(notes)
    events_record(events)
    return len(rows)


def complaint_first_response_alert(
    *, pk: int, now: dt.datetime, cache: Recipients | None = None
) -> bool:
    """`complaints_first_response_alert` for one complaint."""
    alerted = complaints_first_response_alert(
        pks=[pk], now=now, cache={} if cache is None else cache
    )
    return alerted == 1


def complaints_ladder_climb(
    *,
    pks: Sequence[int],
    step: EscalationStep,
    previous: int,
    now: dt.datetime,
    cache: Recipients,
) -> int:
    """Take complaints to rung `step` of the escalation ladder, each exactly once: claim them
    with `escalation_step` in [previous, step.order) → step.order, then write `escalated`,
    notify the step's target, raise the level where the step says so, and emit the
    `escalated` webhook. Returns how many climbed. Precondition: inside a transaction (the
    claims and their effects commit together)."""
    cutoff = now - dt.timedelta(minutes=step.after_minutes)
    rows = _claim(
        pks,
        Q(
            escalation_step__gte=previous,
            escalation_step__lt=step.order,
            status__in=OPEN_STATUSES,
            paused_at__isnull=True,
            resolution_due__lte=cutoff,
        ),
        escalation_step=step.order,
    )
    raised: list[Complaint] = []
    notes: list[NotificationDraft] = []
    events: list[EventDraft] = []
    hooks: list[tuple[Complaint, dict[str, Any]]] = []
    kind = NotificationKind.OVERDUE if step.order == 1 else NotificationKind.ESCALATED
    for complaint in rows:
        data: dict[str, Any] = {
            "ladder_step": step.order,
            "target": step.target,
            "reason": reason("sla.overdue"),
        }
        if step.raise_to and LEVEL_RANK[Level(step.raise_to)] > LEVEL_RANK[Level(complaint.level)]:
            data["from"], data["to"] = complaint.level, step.raise_to
            complaint.level = step.raise_to
            _shorten(complaint, step.raise_to)
            raised.append(complaint)
        data["resolution_due"] = complaint.resolution_due.isoformat()
        users, reached = _reached(step.target, complaint, cache)
        data["notified"] = sorted(u.username for u in users)
        if reached != step.target:  # nobody holds the step's target: say who was told
            data["notified_as"] = reached
        hours = int((now - complaint.resolution_due).total_seconds() // 3600)
        notes.append(
            NotificationDraft(
                users,
                kind,
                reason("notice.escalated", number=complaint.number, hours=hours, step=step.order),
                complaint,
            )
        )
        events.append(EventDraft(complaint, EventType.ESCALATED, data=data, at=now))
        hooks.append((complaint, data))
    if raised:
        Complaint.objects.bulk_update(
            raised, ["level", "first_response_due", "resolution_due", "time_limit_policy"]
        )
    notify_many(notes)
    events_record(events)
    webhook_emit_many(event=EventType.ESCALATED, items=hooks)
    return len(rows)


def complaint_ladder_climb(
    *,
    pk: int,
    step: EscalationStep,
    previous: int,
    now: dt.datetime,
    cache: Recipients | None = None,
) -> bool:
    """`complaints_ladder_climb` for one complaint."""
    climbed = complaints_ladder_climb(
        pks=[pk], step=step, previous=previous, now=now, cache={} if cache is None else cache
    )
    return climbed == 1


# ---- the authority's clocks of a regulator referral (issue 17) --------------------------------


def authority_clocks_create(
    *,
    complaint: Complaint,
    authority: str,
    authority_received_at: dt.datetime,
    first_contact_due: dt.datetime,
    reply_due: dt.datetime,
) -> list[ComplaintClock]:
    """The authority's first-contact and reply clocks of a referral, beside the operator's
    own: first contact counts from our receipt (nobody can call before the referral reaches
    us), the reply from the authority's. Precondition: inside the registration's transaction
    (its `registered` event names them); the due times decided (`rules.authority_dues`)."""
    drafts = [
        (ClockName.AUTHORITY_FIRST_CONTACT, complaint.received_at, first_contact_due),
        (ClockName.AUTHORITY_REPLY, authority_received_at, reply_due),
    ]
    return ComplaintClock.objects.bulk_create(
        ComplaintClock(
            complaint=complaint,
            name=name,
            authority=authority,
            started_at=started,
            due=due,
            remind_at=rules.remind_at(started, due),
        )
        for name, started, due in drafts
    )


def _unmet() -> Q:
    """A clock whose complaint has not yet had the moment that meets it (`CLOCK_MET_BY`)."""
    q = Q()
    for name in (ClockName.AUTHORITY_FIRST_CONTACT, ClockName.AUTHORITY_REPLY):
        q |= Q(name=name, **{f"complaint__{rules.CLOCK_MET_BY[name]}__isnull": True})
    return q


def clocks_due_for_reminder(now: dt.datetime) -> Q:
    return (
        Q(reminded_at__isnull=True, remind_at__lte=now, due__gt=now)
        & Q(complaint__status__in=OPEN_STATUSES)
        & _unmet()
    )


def clocks_due_for_escalation(now: dt.datetime) -> Q:
    return (
        Q(escalated_at__isnull=True, due__lte=now)
        & Q(complaint__status__in=OPEN_STATUSES)
        & _unmet()
    )


def _clocks_claim(pks: Sequence[int], conditions: Q, **changes: object) -> list[ComplaintClock]:
    """`_claim` for authority clocks: lock the clock rows still meeting `conditions` (skipping
    those another worker holds), write `changes` (which take them out of `conditions`), then
    lock their complaints, in pk order, for the timeline events. Returns the clocks with their
    complaints (and handlers) loaded. Precondition: inside a transaction."""
    rows = list(
        ComplaintClock.objects.select_for_update(skip_locked=True, no_key=True, of=("self",))
        .filter(conditions, pk__in=pks)
        .order_by("pk")
    )
    if not rows:
        return []
    ComplaintClock.objects.filter(pk__in=[c.pk for c in rows]).update(**changes)
    complaints = {
        c.pk: c
        for c in Complaint.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk__in={r.complaint_id for r in rows})
        .select_related("handler")
        .order_by("pk")
    }
    for row in rows:
        for field, value in changes.items():
            setattr(row, field, value)
        row.complaint = complaints[row.complaint_id]
    return rows


def clocks_remind(*, pks: Sequence[int], now: dt.datetime, cache: Recipients) -> int:
    """The reminder before an authority deadline, once per clock: claim `reminded_at`, tell
    the handler (or the department's supervisors), write `reminder` naming the clock. Returns
    how many were reminded. Precondition: inside a transaction."""
    rows = _clocks_claim(pks, clocks_due_for_reminder(now), reminded_at=now)
    notes, events = [], []
    for clock_row in rows:
        complaint = clock_row.complaint
        users = _recipients(EscalationTarget.HANDLER, complaint, cache)
        due = clock.local(clock_row.due)
        text = reason(
            "notice.authority_reminder",
            number=complaint.number,
            clock=clock_row.name,
            authority=clock_row.authority,
            due=f"{due:%m-%d %H:%M}",
        )
        notes.append(NotificationDraft(users, NotificationKind.REMINDER, text, complaint))
        data = {
            "clock": clock_row.name,
            "authority": clock_row.authority,
            "due_at": clock_row.due.isoformat(),
            "notified": sorted(u.username for u in users),
        }
        events.append(EventDraft(complaint, EventType.REMINDER, data=data, at=now))
    notify_many(notes)
    events_record(events)
    return len(rows)


def _breach_recipients(complaint: Complaint, cache: Recipients) -> list[User]:
    """Who hears of a missed authority deadline: the handler, the department's supervisors
    and the complaint office, which answers to the regulator (each falling through as the
    ladder does when nobody holds it)."""
    found: dict[int, User] = {}
    for target in (
        EscalationTarget.HANDLER,
        EscalationTarget.SUPERVISOR,
        EscalationTarget.COMPLAINT_OFFICE,
    ):
        for user in _recipients(target, complaint, cache):
            found.setdefault(user.pk, user)
    return sorted(found.values(), key=lambda u: u.username)


def clocks_escalate(*, pks: Sequence[int], now: dt.datetime, cache: Recipients) -> int:
    """Escalation at the breach of an authority deadline, once per clock, whichever of the
    complaint's clocks breaches first and independent of the operator's own ladder: claim
    `escalated_at`, notify (`_breach_recipients`), write `escalated` naming the clock and emit
    its webhook. Returns how many clocks were escalated. Precondition: inside a
    transaction."""
    rows = _clocks_claim(pks, clocks_due_for_escalation(now), escalated_at=now)
    notes: list[NotificationDraft] = []
    events: list[EventDraft] = []
    hooks: list[tuple[Complaint, dict[str, Any]]] = []
    for clock_row in rows:
        complaint = clock_row.complaint
        users = _breach_recipients(complaint, cache)
        due = clock.local(clock_row.due)
        text = reason(
            "notice.authority_overdue",
            number=complaint.number,
            clock=clock_row.name,
            authority=clock_row.authority,
            due=f"{due:%m-%d %H:%M}",
        )
        notes.append(NotificationDraft(users, NotificationKind.ESCALATED, text, complaint))
        data: dict[str, Any] = {
            "clock": clock_row.name,
            "authority": clock_row.authority,
            "due_at": clock_row.due.isoformat(),
            "reason": reason("sla.authority_overdue"),
            "notified": [u.username for u in users],
        }
        events.append(EventDraft(complaint, EventType.ESCALATED, data=data, at=now))
        hooks.append((complaint, data))
    notify_many(notes)
    events_record(events)
    webhook_emit_many(event=EventType.ESCALATED, items=hooks)
    return len(rows)


# ---- default configuration ----------------------------------------------------------------------


def sla_defaults_load() -> dict[str, int]:
    """The default calendar with its holidays, the default policies and the ladder (constants).
    Idempotent: adds what is missing and never overwrites an admin's edit."""
    created = {"calendars": 0, "calendar_days": 0, "policies": 0, "escalation_steps": 0}
    calendar, new = BusinessCalendar.objects.get_or_create(
        code=constants.DEFAULT_CALENDAR_CODE, defaults={"name": "中国大陆工作日历"}
    )
    created["calendars"] += new
    days: list[tuple[dt.date, str, str]] = []
    for first, last, name in constants.HOLIDAYS:
        day = first
        while day <= last:
            days.append((day, DayKind.HOLIDAY, name))
            day += dt.timedelta(days=1)
    days += [(day, DayKind.WORKDAY, name) for day, name in constants.ADJUSTED_WORKDAYS]
    for day, kind, name in days:
        _day, new = CalendarDay.objects.get_or_create(
            calendar=calendar, date=day, defaults={"kind": kind, "name": name}
        )
        created["calendar_days"] += new
    for p in constants.POLICIES:
        _policy, new = TimeLimitPolicy.objects.get_or_create(
            code=p.code,
            defaults={
                "name": p.name,
                "level": p.level,
                "channel": p.channel,
                "first_response_minutes": p.first_response_minutes,
                "resolution_minutes": p.resolution_minutes,
                "counting": p.counting,
                "calendar": calendar,
            },
        )
        created["policies"] += new
    for s in constants.LADDER:
        _step, new = EscalationStep.objects.get_or_create(
            order=s.order,
            defaults={"after_minutes": s.after_minutes, "target": s.target, "raise_to": s.raise_to},
        )
        created["escalation_steps"] += new
    return created


def complaint_reopen(
    *, complaint: Complaint, actor: User | None, reason: str, actor_name: str | None = None
) -> Complaint:
    """Back to the handler (R5.4): the customer is not satisfied with the result. `actor`
    None with `actor_name` "customer": the customer asked on their own page."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        if actor is not None:
            _require(permissions.can_reopen(actor, complaint))
        text = _reason(reason)
        status = complaint_rules.next_status("reopen", complaint.status)
        if complaint.duplicate_of_id is not None:
            # Its original is handled instead; bringing it back is undoing the merge.
            raise InvalidTransition(
                _("Closed as a duplicate: only an administrator may undo the merge")
            )
        complaint_reopen_apply(
            complaint, status=status, actor=actor, reason=text, actor_name=actor_name
        )
    return complaint


def complaint_reopen_apply(
    complaint: Complaint,
    *,
    status: str,
    actor: User | None,
    reason: Reason | str,
    actor_name: str | None = None,
) -> None:
    """Put a resolved or closed complaint back in handling, with its `reopened` event: it runs
    again (no pause), under a fresh resolution limit counted from now by its policy, and the
    reminder and the escalation ladder start over, since the earlier limit was met or spent.
    Precondition: inside `transaction.atomic` with the complaint locked."""
    _first_response_due, complaint.resolution_due, policy = selectors.due_times_for(
        category=complaint.category,
        level=complaint.level,
        channel=complaint.channel,
        received_at=clock.now(),
    )
    complaint.time_limit_policy = policy or complaint.time_limit_policy
    complaint.status = status
    complaint.resolved_at = None
    complaint.closed_at = None
    complaint.paused_at, complaint.pause_reason = None, ""
    complaint.escalation_step = 0
    complaint.reminder_sent_at = None
    complaint.save(
        update_fields=[
            "status",
            "resolved_at",
            "closed_at",
            "paused_at",
            "pause_reason",
            "resolution_due",
            "time_limit_policy",
            "escalation_step",
            "reminder_sent_at",
            "updated_at",
        ]
    )
    data = {"reason": reason, "resolution_due": complaint.resolution_due.isoformat()}
    event_record(
        complaint=complaint,
        type=EventType.REOPENED,
        actor=actor,
        data=data,
        actor_name=actor_name,
    )
    _reopen_notify(complaint, actor=actor, why=reason)
    webhook_emit(event=EventType.REOPENED, complaint=complaint, data=data)


# ---- undoing a merge (issue 15) ----------------------------------------------------------------


def complaint_unmerge(*, complaint: Complaint, actor: User, reason: str) -> Complaint:
    """Undo a merge (an administrator's correction): the complaint closed as a duplicate is
    no longer one, back in the status it had before (kept in its closing event), the link to
    its original cleared, and both timelines say so with the administrator's reason.

    Its clocks: the time it spent merged is counted like a pause (挂起) — nobody could work on
    it, through no fault of the handler — so the due times move later by that time, counted
    as the complaint's policy counts. A complaint merged while paused stays paused, and its
    resume will count the merged time with the rest of the pause. The escalation step it had
    reached stands; the reminder goes out again when far from the limit again."""
    with transaction.atomic():
        original_id = (
            Complaint.objects.filter(pk=complaint.pk).values_list("duplicate_of", flat=True).get()
        )
        if original_id is None:
            complaint = complaint_lock(complaint)
            _require(permissions.can_unmerge(actor, complaint))
            raise InvalidTransition(_("The complaint is not merged into another"))
        complaint, original = complaint_lock_pair(complaint, Complaint(pk=original_id))
        _require(permissions.can_unmerge(actor, complaint))
        if complaint.duplicate_of_id != original.pk or complaint.status != Status.CLOSED:
            raise InvalidTransition(_("The complaint is not merged into another"))
        text = _reason(reason)
        restored = _status_before_merge(complaint)
        now = clock.now()
        fields = _merged_time_discount(complaint, merged_at=complaint.closed_at or now, now=now)
        complaint.status = restored
        complaint.closed_at = None
        complaint.duplicate_of = None
        complaint.save(update_fields=[*fields, "status", "closed_at", "duplicate_of", "updated_at"])
        due = complaint.resolution_due.isoformat()
        events_record(
            [
                EventDraft(
                    complaint,
                    EventType.UNMERGED,
                    actor=actor,
                    data={
                        "duplicate_of": original.number,
                        "restored": restored,
                        "reason": text,
                        "resolution_due": due,
                    },
                ),
                EventDraft(
                    original,
                    EventType.UNMERGED,
                    actor=actor,
                    data={"duplicate": complaint.number, "reason": text},
                ),
            ]
        )
        _unmerge_notify(complaint, original, actor=actor, why=text)
    return complaint


def _unmerge_notify(complaint: Complaint, original: Complaint, *, actor: User, why: str) -> None:
    """The handler (else the department's supervisors) hears that the complaint is back."""
    users = [u for u in _recipients(EscalationTarget.HANDLER, complaint, {}) if u.pk != actor.pk]
    text = reason("notice.unmerged", number=complaint.number, original=original.number, reason=why)
    notify_many([NotificationDraft(users, NotificationKind.REOPENED, text, complaint)])


def _status_before_merge(complaint: Complaint) -> str:
    """The status the complaint had when closed as a duplicate, from its last closing event;
    for one merged before that was recorded, the status its facts imply."""
    event = complaint.events.filter(type=EventType.CLOSED_DUPLICATE).order_by("-seq").first()
    before = (event.data or {}).get("before") if event is not None else None
    if before in complaint_rules.TRANSITIONS["close_duplicate"]:
        return str(before)
    if complaint.accepted_at is not None:
        return Status.IN_PROGRESS
    return Status.DISPATCHED if complaint.department_id else Status.REGISTERED


def _merged_time_discount(
    complaint: Complaint, *, merged_at: dt.datetime, now: dt.datetime
) -> list[str]:
    """Move the due times later by the time spent merged, as a resume does after a pause
    (see `complaint_unmerge`); the fields changed."""
    if complaint.paused_at is not None:
        return []
    policy = selectors.limit_of(complaint)
    counting = policy.counting if policy else Counting.CALENDAR
    cal = selectors.calendar_for(policy.calendar_id if policy else None)
    complaint.resolution_due = rules.pause_extension(
        complaint.resolution_due, merged_at, now, counting, cal
    )
    fields = ["resolution_due"]
    if complaint.accepted_at is None:
        complaint.first_response_due = rules.pause_extension(
            complaint.first_response_due, merged_at, now, counting, cal
        )
        fields.append("first_response_due")
    if complaint.resolution_due > now + constants.REMINDER_LEAD:
        complaint.reminder_sent_at = None
        fields.append("reminder_sent_at")
    return fields


def _reopen_notify(complaint: Complaint, *, actor: User | None, why: Reason | str) -> None:
    """The handler (else the department's supervisors) hears that the complaint is back."""
    users = _recipients(EscalationTarget.HANDLER, complaint, {})
    text = reason("notice.reopened", number=complaint.number, reason=why)
    users = [u for u in users if actor is None or u.pk != actor.pk]
    notify_many([NotificationDraft(users, NotificationKind.REOPENED, text, complaint)])
