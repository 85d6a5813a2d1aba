"""Reads of the time-limit configuration, as the plain data `rules.py` works on.

Writes (escalation, pause) read policies and calendars fresh from the database; registration,
which every complaint goes through, reads the active policies and the calendars from
per-process copies (tousu.core.refcache), dropped when a policy or calendar changes.
The countdown on lists and in the API needs only each policy's warn share, for every row: it
reads a per-process copy of the (small) policy table, another refcache copy — so a page of 50
complaints costs no query for its countdowns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

from tousu.accounts.choices import Role
from tousu.accounts.models import User
from tousu.accounts.reference import DEFAULT_DEPARTMENT as COMPLAINT_OFFICE
from tousu.classification.models import Category
from tousu.complaints.choices import Channel
from tousu.complaints.models import Complaint
from tousu.complaints.rules import OPEN_STATUSES
from tousu.complaints.selectors import ApiRow, ListRow
from tousu.core.refcache import RefCache
from tousu.sla import constants, rules
from tousu.sla.choices import ClockName, DayKind, EscalationTarget
from tousu.sla.models import BusinessCalendar, ComplaintClock, EscalationStep, TimeLimitPolicy


def _limit(policy: TimeLimitPolicy) -> rules.Limit:
    return rules.Limit(
        code=policy.code,
        first_response_minutes=policy.first_response_minutes,
        resolution_minutes=policy.resolution_minutes,
        counting=policy.counting,
        warn_share=policy.warn_share,
        category=policy.category.code if policy.category_id and policy.category else "",
        level=policy.level,
        channel=policy.channel,
        calendar_id=policy.calendar_id,
    )


def active_policies() -> list[rules.Limit]:
    return [
        _limit(p) for p in TimeLimitPolicy.objects.filter(active=True).select_related("category")
    ]


def _policy_table() -> dict[str, rules.Limit]:
    return {p.code: _limit(p) for p in TimeLimitPolicy.objects.select_related("category")}


# Every policy (active or not: complaints keep the code they were registered with) by code.
_table = RefCache(
    "time-limit policy table",
    _policy_table,
    models=("sla.TimeLimitPolicy", "classification.Category"),
)


def policy_table() -> dict[str, rules.Limit]:
    """Every policy by code, from the per-process copy (the countdown's warn shares)."""
    return _table.get()


def calendar_for(calendar_id: int | None) -> rules.Calendar:
    """The calendar as plain data, read with its days in one query: the given one, else the
    default, else weekdays 09:00–18:00 with no holidays."""
    qs = BusinessCalendar.objects.all()
    qs = (
        qs.filter(pk=calendar_id)
        if calendar_id
        else qs.filter(code=constants.DEFAULT_CALENDAR_CODE)
    )
    # One row per day of the calendar (one with no day when it has none).
    rows = list(
        qs.values_list("work_start", "work_end", "weekend_days", "days__date", "days__kind")
    )
    if not rows:
        return rules.Calendar()
    work_start, work_end, weekend_days = rows[0][:3]
    days = [(day, kind) for *_, day, kind in rows if day is not None]
    return rules.Calendar(
        work_start=work_start,
        work_end=work_end,
        weekend=BusinessCalendar(weekend_days=weekend_days).weekend,
        holidays=frozenset(d for d, kind in days if kind == DayKind.HOLIDAY),
        workdays=frozenset(d for d, kind in days if kind == DayKind.WORKDAY),
    )


# Registration's copies (tousu.core.refcache): the active policies, and each calendar asked for
# (by id; None for the default) as it is first asked for.
_policies = RefCache(
    "active time-limit policies",
    active_policies,
    models=("sla.TimeLimitPolicy", "classification.Category"),
)
_calendars: RefCache[dict[int | None, rules.Calendar]] = RefCache(
    "business calendars", dict, models=("sla.BusinessCalendar", "sla.CalendarDay")
)


def calendar_cached(calendar_id: int | None) -> rules.Calendar:
    """`calendar_for`, from the per-process copy."""
    calendars = _calendars.get()
    found = calendars.get(calendar_id)
    if found is None:
        # Two threads may both read it: the same rows, the last one kept.
        found = calendars[calendar_id] = calendar_for(calendar_id)
    return found


def policy_for(category: Category | None, level: str, channel: str) -> rules.Limit | None:
    """The most specific active policy for a complaint (`rules.policy_choose`), or None; from
    the per-process copy of the active policies."""
    return rules.policy_choose(
        _policies.get(),
        category=category.code if category else "",
        level=level,
        channel=channel,
    )


def due_times_for(
    *, category: Category | None, level: str, channel: str, received_at: dt.datetime
) -> tuple[dt.datetime, dt.datetime, str]:
    """(first response due, resolution due, policy code) of a complaint; the clock-hour
    `rules.DEFAULT_LIMITS` (and an empty code) when no policy matches."""
    policy = policy_for(category, level, channel)
    if policy is None:
        first, resolution = rules.deadlines(level, received_at)
        return first, resolution, ""
    first, resolution = rules.due_times(policy, received_at, calendar_cached(policy.calendar_id))
    return first, resolution, policy.code


def limit_of(complaint: Complaint) -> rules.Limit | None:
    """The policy the complaint's due times were set by (possibly inactive now), fresh."""
    if not complaint.time_limit_policy:
        return None
    policy = (
        TimeLimitPolicy.objects.select_related("category")
        .filter(code=complaint.time_limit_policy)
        .first()
    )
    return _limit(policy) if policy else None


class Countdown(NamedTuple):
    seconds: int | None  # negative when overdue; None when not open
    state: str | None  # ok | warn | over | paused; None when not open


def countdown(complaint: Complaint | ListRow | ApiRow, now: dt.datetime) -> Countdown:
    """Time left to the resolution limit and its colour, at the warn share of the complaint's
    policy (R4.2). No query beyond the cached policy table."""
    if complaint.status not in OPEN_STATUSES:
        return Countdown(None, None)
    policy = (
        policy_table().get(complaint.time_limit_policy) if complaint.time_limit_policy else None
    )
    share = policy.warn_share if policy else rules.WARN_SHARE
    left = rules.time_left(complaint.resolution_due, now, complaint.paused_at)
    state = rules.due_state(
        complaint.received_at,
        complaint.resolution_due,
        now,
        share,
        paused=complaint.paused_at is not None,
    )
    return Countdown(int(left.total_seconds() // 1), str(state))


def ladder() -> list[EscalationStep]:
    """The active escalation steps, lowest first."""
    return list(EscalationStep.objects.filter(active=True).order_by("order"))


def escalation_recipients(target: str, department_id: int | None) -> list[User]:
    """The active people a ladder step notifies for a complaint of `department_id`."""
    users = User.objects.filter(is_active=True).order_by("username")
    if target == EscalationTarget.COMPLAINT_OFFICE:
        # Its heads; an office without any, its staff who handle complaints; without those,
        # the administrators, who can at least see that the office is empty.
        office = users.filter(department__code=COMPLAINT_OFFICE)
        for people in (
            office.filter(role__in=[Role.SUPERVISOR, Role.DEPT_HEAD]),
            office.filter(role__in=[Role.HANDLER, Role.ADMIN]),
            users.filter(role=Role.ADMIN),
        ):
            if found := list(people):
                return found
        return []
    if department_id is None:
        return []
    role = Role.DEPT_HEAD if target == EscalationTarget.DEPT_HEAD else Role.SUPERVISOR
    return list(users.filter(role=role, department_id=department_id))


# ---- parallel clocks (issue 17) --------------------------------------------------------------


def authority_clocks_of(
    complaints: Sequence[Complaint | ApiRow],
) -> dict[int, list[ComplaintClock]]:
    """The authority clocks of `complaints` by complaint pk, in one query — and none when no
    complaint among them is a regulator referral (only those have such clocks)."""
    pks = [c.pk for c in complaints if c.channel == Channel.REGULATOR]
    found: dict[int, list[ComplaintClock]] = {pk: [] for pk in pks}
    if pks:
        for row in ComplaintClock.objects.filter(complaint_id__in=pks).order_by("due", "name"):
            found[row.complaint_id].append(row)
    return found


def complaint_clocks(
    complaint: Complaint | ApiRow,
    now: dt.datetime,
    authority: list[ComplaintClock] | None = None,
) -> list[rules.Clock]:
    """Every clock of the complaint: the operator's first response and reply (from the
    complaint; paused with it), then the authority's (`authority`, or read), soonest first.
    No query for a complaint that is not a regulator referral."""
    if authority is None:
        authority = authority_clocks_of([complaint]).get(complaint.pk, [])
    policy = (
        policy_table().get(complaint.time_limit_policy) if complaint.time_limit_policy else None
    )
    share = policy.warn_share if policy else rules.WARN_SHARE
    is_open = complaint.status in OPEN_STATUSES

    def clock(name: str, start: dt.datetime, due: dt.datetime, who: str | None) -> rules.Clock:
        met_at = getattr(complaint, rules.CLOCK_MET_BY[name])
        state = rules.clock_state(
            start=start,
            due=due,
            met_at=met_at,
            is_open=is_open,
            now=now,
            warn_share=share,
            paused=who is None and complaint.paused_at is not None,
        )
        return rules.Clock(name, due, state, start, met_at, who)

    own = [
        clock(ClockName.FIRST_RESPONSE, complaint.received_at, complaint.first_response_due, None),
        clock(ClockName.RESOLUTION, complaint.received_at, complaint.resolution_due, None),
    ]
    theirs = [clock(c.name, c.started_at, c.due, c.authority) for c in authority]
    return own + theirs
