"""Demo repair cases for `tousu demo` (issue 14): the demo's dissatisfied and unreachable
callbacks, reopened and repeat complaints become repair cases, opened when they happened. The
owner department's supervisor gives each to one of its handlers within hours (a case found
since waits unassigned in the department's queue); the older ones are worked through their
plan by their owner and closed with the customer's new satisfaction (or cancelled: the customer
would not take part), the recent ones worked as far as their steps have fallen due (a few
behind), in their owners' queues. Customers not repaired are
surveyed a month later, so that the effect report has a comparison group. Idempotent (the
identification is)."""

from __future__ import annotations

import datetime as dt
import random

from tousu.accounts.choices import Role
from tousu.accounts.models import User
from tousu.callbacks.choices import CallbackResult, CallbackStatus
from tousu.callbacks.models import CallbackTask, SurveyResponse
from tousu.complaints.choices import EventType
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.core import clock
from tousu.repair import jobs, services
from tousu.repair.choices import ACTIVE_STATUSES, RepairSource
from tousu.repair.models import RepairCase, RepairCaseSource

# Coded reasons for the demo's dissatisfied callbacks, by the complaint's top category: what
# customers of those complaints say (the callback form codes them from now on).
REASONS = {
    "network": ["network", "not_solved"],
    "billing": ["tariff", "explanation"],
    "marketing": ["publicity", "remedy"],
    "service": ["attitude"],
    "business": ["slow", "not_solved"],
}
# A case this old is worked to its end; younger ones wait in the queues.
WORKED_AFTER = dt.timedelta(days=12)
CANCEL_SHARE = 0.15
CANCEL_REASONS = ("客户表示不需要再联系", "多次联系未接通，客户拒绝修复")
NOTES = ("已电话联系客户，说明处理情况", "已按方案落实", "客户认可处理结果")


def _findings(now: dt.datetime) -> list[tuple[dt.datetime, services.Finding]]:
    found: list[tuple[dt.datetime, services.Finding]] = []
    done = CallbackTask.objects.filter(
        status=CallbackStatus.DONE,
        result__in=[CallbackResult.DISSATISFIED, CallbackResult.UNREACHABLE],
    ).select_related("complaint__customer", "complaint__category")
    for task in done:
        if task.result == CallbackResult.DISSATISFIED and not task.reasons:
            top = task.complaint.category.code.split(".")[0] if task.complaint.category else ""
            task.reasons = REASONS.get(top, ["not_solved"])
            CallbackTask.objects.filter(pk=task.pk).update(reasons=task.reasons)
        if (f := services.finding_of_callback(task)) is not None:
            found.append((task.done_at or now, f))
    reopened = ComplaintEvent.objects.filter(type=EventType.REOPENED).select_related(
        "complaint__customer", "complaint__category"
    )
    for event in reopened:
        f = services.finding_of_complaint(event.complaint, RepairSource.REOPENED, event.at)
        found.append((event.at, f))
    repeats = Complaint.objects.filter(repeat_of__isnull=False).select_related(
        "customer", "category"
    )
    for c in repeats:
        found.append(
            (c.received_at, services.finding_of_complaint(c, RepairSource.REPEAT, c.received_at))
        )
    # Survey answers (imported, or by link), found on the day the customer gave them: the
    # demo imports its whole survey file at once, now, which would open all their cases at
    # this moment, none of them yet seen by a supervisor.
    for survey in SurveyResponse.objects.select_related("customer"):
        if (f := services.finding_of_survey(survey)) is not None:
            found.append((survey.surveyed_at, f))
    return sorted(found, key=lambda x: (x[0], x[1].key))


def _handler(department_id: int, rng: random.Random) -> User | None:
    users = list(User.objects.filter(department=department_id, role=Role.HANDLER, is_active=True))
    return rng.choice(users) if users else User.objects.filter(role=Role.ADMIN).first()


def _assigner(department_id: int) -> User | None:
    """Who gives the department's new cases their owner: its supervisor, else its head, else
    (a department with no manager in the demo) the administrator."""
    for role in (Role.SUPERVISOR, Role.DEPT_HEAD, Role.ADMIN):
        users = User.objects.filter(role=role, is_active=True).order_by("username")
        if role != Role.ADMIN:
            users = users.filter(department=department_id)
        if (user := users.first()) is not None:
            return user
    return None


# A new case waits this long before its supervisor assigns it (in office hours when it can).
ASSIGN_AFTER_MINUTES = (20, 240)
# The newest cases of the last days are left unassigned, waiting in their department's queue
# (so that the demo shows what a supervisor does with them): this many at most.
FRESH_LEFT = 2
FRESH_WITHIN = dt.timedelta(days=2)


def _assign(case: RepairCase, now: dt.datetime, rng: random.Random) -> dt.datetime | None:
    """The supervisor gives the case to a handler of the owner department within hours: in
    office hours (the next morning for one found at night), or, for one found out of hours
    whose morning has not come, by the supervisor on the evening shift. After the complaint's
    last event, so that its timeline stays in order of time. Returns when it was assigned."""
    owner = _handler(case.department_id, rng)
    by = _assigner(case.department_id)
    if owner is None or by is None or owner.department_id != case.department_id:
        return None
    planned = case.opened_at + dt.timedelta(minutes=rng.randint(*ASSIGN_AFTER_MINUTES))
    at = _office_hours(planned)
    if at >= now:
        at = min(planned, case.opened_at + (now - case.opened_at) / 2)
    if case.complaint is not None:
        at = max(at, case.complaint.events.latest("seq").at + dt.timedelta(minutes=1))
    if at >= now:
        return None
    with clock.frozen(at):
        services.repair_case_assign(case=case, actor=by, owner=owner)
    case.owner = owner
    return at


OFFICE_OPENS, OFFICE_CLOSES = 9, 18


def _office_hours(moment: dt.datetime) -> dt.datetime:
    """The moment, or a time of the next office day after it (staff call customers 9:00–18:00),
    spread over the day by the moment's own time rather than all at opening."""
    local = clock.local(moment)
    if OFFICE_OPENS <= local.hour < OFFICE_CLOSES:
        return moment
    day = local.date() if local.hour < OFFICE_OPENS else local.date() + dt.timedelta(days=1)
    opens = dt.datetime.combine(day, dt.time(OFFICE_OPENS), tzinfo=local.tzinfo)
    spread = (local.hour * 60 + local.minute) % ((OFFICE_CLOSES - OFFICE_OPENS) * 60)
    return (opens + dt.timedelta(minutes=spread)).astimezone(moment.tzinfo)


def _work(case: RepairCase, now: dt.datetime, rng: random.Random, assigned: dt.datetime) -> None:
    """Play the plan by the case's owner from its assignment: each step done on its day, then
    closed (or cancelled)."""
    owner = case.owner
    if owner is None:
        return
    at = assigned
    cancel = rng.random() < CANCEL_SHARE
    for action in case.actions.all():
        at = _office_hours(max(at, action.due_at - dt.timedelta(hours=rng.uniform(2, 30))))
        if at >= now:
            return
        actor = (
            owner
            if action.department_id == case.department_id
            else _handler(action.department_id, rng)
        )
        with clock.frozen(at):
            if cancel:
                services.repair_action_record(case=case, actor=owner, contact_outcome="refused")
                services.repair_case_cancel(
                    case=case, actor=owner, reason=rng.choice(CANCEL_REASONS)
                )
                return
            services.repair_action_record(
                case=case, actor=actor or owner, step=action.step, note=rng.choice(NOTES),
                contact_outcome="reached" if action.sort == 0 else "",
            )  # fmt: skip
    before = case.satisfaction_before or 2
    after = min(5, before + rng.choice((0, 1, 2, 2, 3)))
    at = _office_hours(at + dt.timedelta(hours=rng.uniform(1, 24)))
    if at < now:
        with clock.frozen(at):
            services.repair_case_close(
                case=case, actor=owner, satisfaction_after=after, outcome="客户对修复结果表示认可"
            )


def _start(case: RepairCase, now: dt.datetime, rng: random.Random, assigned: dt.datetime) -> None:
    """A recent case whose first step is done by its owner: in progress in their queue."""
    first = case.actions.first()
    owner = case.owner
    at = _office_hours(max(assigned, case.opened_at + dt.timedelta(hours=rng.uniform(1, 20))))
    if first and owner and at < now:
        with clock.frozen(at):
            services.repair_action_record(
                case=case, actor=owner, step=first.step, note=rng.choice(NOTES),
                contact_outcome="reached",
            )  # fmt: skip


def _survey_the_unrepaired(now: dt.datetime, rng: random.Random) -> None:
    """A month after, the operator's survey reaches some customers not repaired: how they feel
    without repair (the comparison group's "after")."""
    rows = []
    for case in RepairCase.objects.exclude(status="closed").select_related("customer"):
        at = case.opened_at + dt.timedelta(days=30)
        if at < now and rng.random() < 0.7:
            before = case.satisfaction_before or 2
            rows.append((case, at, max(1, min(5, before + rng.choice((-1, 0, 0, 1))))))
    SurveyResponse.objects.bulk_create(
        [
            SurveyResponse(
                customer=case.customer,
                surveyed_at=at,
                overall=overall,
                scores={},
                batch="demo-repair",
                row=i,
                created_at=at,
            )
            for i, (case, at, overall) in enumerate(rows)
        ],
        ignore_conflicts=True,
    )


def _find_and_work(now: dt.datetime, rng: random.Random) -> None:
    """Every record not yet in a case found at its time; an older case assigned and worked
    at once, a recent one left for `_assign_recent`."""
    # In the order they happened: a case is worked as soon as it is opened (its steps dated
    # after), so that a later record finds the customer repaired, or still in the case.
    known = set(RepairCaseSource.objects.values_list("key", flat=True))
    for at, finding in _findings(now):
        if finding.key in known:
            continue
        if finding.complaint is not None:
            # Not before the complaint's last event: its timeline stays in order of time (the
            # demo plays each complaint to its end before the repair programme runs).
            at = max(at, finding.complaint.events.latest("seq").at)
        # Opened a little after the record, as the signal's listener or the identify job
        # would. A record of the last minutes (a callback made, or its complaint touched since:
        # the customer's page note, an overdue callback chased) gets its case between it and
        # now, never after now nor none at all: skipped, its customer was in no case at the
        # hours when such a record falls within the delay drawn.
        delay = dt.timedelta(minutes=rng.randint(5, 90))
        if at + delay >= now:
            delay = max(now - at, dt.timedelta(0)) / 2
        at += delay
        with clock.frozen(at):
            case = services.repair_case_find(finding=finding)
        if case is None or case.sources.count() > 1:
            continue
        if case.opened_at < now - WORKED_AFTER and (assigned := _assign(case, now, rng)):
            _work(case, now, rng, assigned)


# Of the recent cases assigned, the share whose owner fell behind (only the first step done,
# the others late: red in the queue); the others are worked step by step as they fall due.
LAGGING_SHARE = 0.2


def _assign_recent(now: dt.datetime, rng: random.Random) -> None:
    """The cases nobody owns yet, once all are open: the newest few of the last days wait
    unassigned in their department's queue; the others are assigned and worked by their
    owner as far as their plan's due dates have come (a few fall behind)."""
    waiting = list(
        RepairCase.objects.filter(owner__isnull=True, status__in=ACTIVE_STATUSES)
        .select_related("complaint")
        .order_by("opened_at", "pk")
    )
    fresh = [c.pk for c in waiting if c.opened_at >= now - FRESH_WITHIN]
    left = set(fresh[-FRESH_LEFT:])
    for case in waiting:
        if case.pk in left:
            continue
        assigned = _assign(case, now, rng)
        if assigned is None:
            continue
        if rng.random() < LAGGING_SHARE:
            _start(case, now, rng, assigned)
        else:
            _work(case, now, rng, assigned)


def repair_demo_load(*, now: dt.datetime, seed: int) -> int:
    """Cases from the demo's records; returns how many cases there are. The recent ones are
    assigned by `repair_demo_finish`, after the records of the demo's later parts."""
    rng = random.Random(seed)
    _find_and_work(now, rng)
    _survey_the_unrepaired(now, rng)
    with clock.frozen(now):
        jobs.facts()
    return RepairCase.objects.count()


def repair_demo_finish(*, now: dt.datetime, seed: int) -> int:
    """Last of the demo: the records that came after `repair_demo_load` (surveys of the
    unrepaired, complaints by mail, WeChat, SMS or import that repeat an earlier one) found at
    their times as the identify job would have (else it finds them when the server starts, all
    at that moment, unassigned); then the cases nobody owns assigned. Returns how many cases
    there are."""
    rng = random.Random(seed + 14)
    _find_and_work(now, rng)
    _assign_recent(now, rng)
    with clock.frozen(now):
        jobs.facts()
    return RepairCase.objects.count()
