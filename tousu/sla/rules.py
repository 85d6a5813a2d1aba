"""Time-limit arithmetic (R4). Pure functions, no database (D9).

Business calendars arrive as plain data (`Calendar`); policies as anything with the fields of
`Limit`. Times may come in any time zone and must be aware; results are aware, in the
calendar's zone (Asia/Shanghai). Arithmetic is done in UTC, so it would stay right even for a
zone with daylight saving time.

Working time runs from `work_start` to `work_end` on working days: days that are not weekend
days and not holidays, plus the adjusted working days (调休). A start outside working hours
counts from the next working moment. A limit that ends exactly at the end of a working day
ends there (18:00), not at the next morning's 09:00.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy

from tousu.complaints.choices import Channel, Level
from tousu.core.reasons import choice, reason_kind, reason_text
from tousu.sla import constants
from tousu.sla.choices import ClockName, ClockState, Counting, DueState

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC
ZERO = dt.timedelta(0)
DAY = dt.timedelta(days=1)


class Limits(NamedTuple):
    first_response: dt.timedelta
    resolution: dt.timedelta


H = dt.timedelta(hours=1)

# The fallback when no time-limit policy matches (an empty database, a deleted policy): clock
# hours per level. Over-level and regulator complaints run on a fast track (R4.3).
DEFAULT_LIMITS: dict[str, Limits] = {
    Level.ORDINARY: Limits(4 * H, 72 * H),
    Level.IMPORTANT: Limits(2 * H, 48 * H),
    Level.MAJOR: Limits(1 * H, 24 * H),
    Level.OVER_LEVEL: Limits(1 * H, 24 * H),
}

# The share of the resolution limit used after which the countdown turns amber, when the
# complaint's policy does not say.
WARN_SHARE = constants.DEFAULT_WARN_SHARE
# Under this much time left every clock is amber, whatever its limit (issue 12).
URGENT_LEFT = constants.URGENT_LEFT

FAST_TRACK_CHANNELS = {Channel.REGULATOR, Channel.MEDIA}


def initial_level(channel: str, given: str | None) -> str:
    """Regulator referrals and media reports are over-level by nature (R2.4); otherwise the
    level given at registration, or ordinary."""
    if channel in FAST_TRACK_CHANNELS:
        return Level.OVER_LEVEL
    if channel == Channel.CONSUMER_ASSOCIATION and not given:
        return Level.IMPORTANT
    return given or Level.ORDINARY


def deadlines(level: str, received_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(first response due, resolution due) by `DEFAULT_LIMITS`, in clock time: the fallback
    when no policy matches."""
    limits = DEFAULT_LIMITS[Level(level)]
    return received_at + limits.first_response, received_at + limits.resolution


# ---- business calendars ---------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """A business calendar as plain data. `weekend` holds Python weekday numbers (Monday = 0);
    `holidays` and `workdays` (调休) are local dates that override the week."""

    work_start: dt.time = constants.DEFAULT_WORK_START
    work_end: dt.time = constants.DEFAULT_WORK_END
    weekend: frozenset[int] = frozenset({5, 6})
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)
    tz: ZoneInfo = SHANGHAI

    def __post_init__(self) -> None:
        if self.work_start >= self.work_end:
            raise ValueError("the working day must end after it starts")
        if len(self.weekend) >= 7 and not self.workdays:
            raise ValueError("a calendar needs working days")

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.holidays:
            return False
        return day in self.workdays or day.weekday() not in self.weekend

    def hours(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """The working hours of `day` in UTC, or None on a day off."""
        if not self.is_working_day(day):
            return None
        opens = dt.datetime.combine(day, self.work_start, tzinfo=self.tz).astimezone(UTC)
        closes = dt.datetime.combine(day, self.work_end, tzinfo=self.tz).astimezone(UTC)
        return opens, closes

    def is_working_moment(self, moment: dt.datetime) -> bool:
        """Inside working hours, both ends included (a limit may end at 18:00 sharp)."""
        _aware(moment)
        hours = self.hours(moment.astimezone(self.tz).date())
        return hours is not None and hours[0] <= moment <= hours[1]


def _aware(moment: dt.datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"an aware datetime is needed, got {moment!r}")


def add_working_time(start: dt.datetime, duration: dt.timedelta, cal: Calendar) -> dt.datetime:
    """The moment `duration` of working time after `start`.

    Precondition: `start` aware, `duration` not negative. Adding zero moves a start outside
    working hours to the next working moment; so `add(add(s, a), b) == add(s, a + b)`.
    """
    _aware(start)
    if duration < ZERO:
        raise ValueError("a duration of working time cannot be negative")
    cursor = start.astimezone(UTC)
    day = start.astimezone(cal.tz).date()
    remaining = duration
    for _ in range(constants.MAX_CALENDAR_DAYS):
        hours = cal.hours(day)
        if hours is not None:
            opens, closes = hours
            begin = max(cursor, opens)
            if begin <= closes:
                available = closes - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(cal.tz)
                remaining -= available
        day += DAY
    raise ValueError("no working time found in the calendar within ten years")


def working_time_between(a: dt.datetime, b: dt.datetime, cal: Calendar) -> dt.timedelta:
    """Working time from `a` to `b`; negative when `b` is before `a`."""
    _aware(a)
    _aware(b)
    if b < a:
        return -working_time_between(b, a, cal)
    a_utc, b_utc = a.astimezone(UTC), b.astimezone(UTC)
    day, last = a.astimezone(cal.tz).date(), b.astimezone(cal.tz).date()
    total = ZERO
    while day <= last:
        hours = cal.hours(day)
        if hours is not None:
            begin, end = max(a_utc, hours[0]), min(b_utc, hours[1])
            if end > begin:
                total += end - begin
        day += DAY
    return total


# ---- policies and due times -----------------------------------------------------------------


class LimitLike(Protocol):
    """What due-time arithmetic needs of a policy (a TimeLimitPolicy row, or a `Limit`)."""

    @property
    def first_response_minutes(self) -> int: ...
    @property
    def resolution_minutes(self) -> int: ...
    @property
    def counting(self) -> str: ...


@dataclass(frozen=True)
class Limit:
    """A policy as plain data."""

    code: str
    first_response_minutes: int
    resolution_minutes: int
    counting: str = Counting.WORKING
    warn_share: float = WARN_SHARE
    category: str = ""  # category code; applies to its sub-categories too
    level: str = ""
    channel: str = ""
    calendar_id: int | None = None


def add_time(
    start: dt.datetime, duration: dt.timedelta, counting: str, cal: Calendar
) -> dt.datetime:
    """`duration` after `start`, counted in working or calendar time."""
    if counting == Counting.CALENDAR:
        _aware(start)
        return (start + duration).astimezone(cal.tz)
    return add_working_time(start, duration, cal)


def due_times(
    policy: LimitLike, received_at: dt.datetime, cal: Calendar
) -> tuple[dt.datetime, dt.datetime]:
    """(first response due, resolution due) of a complaint received at `received_at`."""
    minute = dt.timedelta(minutes=1)
    return (
        add_time(received_at, policy.first_response_minutes * minute, policy.counting, cal),
        add_time(received_at, policy.resolution_minutes * minute, policy.counting, cal),
    )


def pause_extension(
    due: dt.datetime,
    paused_at: dt.datetime,
    resumed_at: dt.datetime,
    counting: str,
    cal: Calendar,
) -> dt.datetime:
    """The due time after a pause (挂起) from `paused_at` to `resumed_at`: later by the time
    paused, counted as the policy counts (a pause over a weekend moves a working-time limit by
    nothing). A resume before the pause (clock skew) moves nothing."""
    if resumed_at <= paused_at:
        return due
    if counting == Counting.CALENDAR:
        return due + (resumed_at - paused_at)
    paused = working_time_between(paused_at, resumed_at, cal)
    return due if paused == ZERO else add_working_time(due, paused, cal)


def policy_rank(policy: Limit) -> tuple[bool, int, bool, bool]:
    """How specific a matching policy is; the highest wins. A fast-track channel policy
    (regulator referral, R4.3) beats everything for complaints of that channel; then the
    deepest category, then a channel, then a level."""
    depth = policy.category.count(".") + 1 if policy.category else 0
    fast = bool(policy.channel) and policy.channel in FAST_TRACK_CHANNELS
    return fast, depth, bool(policy.channel), bool(policy.level)


def policy_choose(
    policies: list[Limit], *, category: str, level: str, channel: str
) -> Limit | None:
    """The most specific of `policies` matching a complaint (category code, level, channel);
    ties go to the shorter resolution limit, then the code (deterministic)."""

    def matches(p: Limit) -> bool:
        if p.level and p.level != level:
            return False
        if p.channel and p.channel != channel:
            return False
        return not p.category or category == p.category or category.startswith(p.category + ".")

    candidates = [p for p in policies if matches(p)]
    if not candidates:
        return None

    def order(p: Limit) -> tuple[int, int, int, int, int, str]:
        fast, depth, has_channel, has_level = policy_rank(p)
        return (-fast, -depth, -has_channel, -has_level, p.resolution_minutes, p.code)

    return min(candidates, key=order)


# ---- the countdown --------------------------------------------------------------------------


def due_state(
    start: dt.datetime | None,
    due: dt.datetime,
    now: dt.datetime,
    warn_share: float = WARN_SHARE,
    *,
    paused: bool = False,
) -> str:
    """The colour of a clock (resolution, first response, approval): one scale for them all,
    ordered by urgency (issue 12). `over` once `due` has passed; `warn` (amber) when under
    `URGENT_LEFT` is left, or once `warn_share` of the limit from `start` to `due` is used
    (the last quarter by default; no share rule without a `start`); `ok` otherwise; `paused`
    while the clock stands still. Clock time, both for the time left and the limit.

    Ordered: as `now` advances, a clock never turns calmer; of two clocks with the same limit,
    the one with less time left is never calmer; under `URGENT_LEFT` every clock is amber
    whatever its limit, so a short limit never reads calmer than a long one at the end."""
    if paused:
        return DueState.PAUSED
    left = due - now
    if left <= ZERO:
        return DueState.OVER
    if left < URGENT_LEFT:
        return DueState.WARN
    if start is not None:
        limit = due - start
        if limit > ZERO and left <= limit * (1 - warn_share):
            return DueState.WARN
    return DueState.OK


def time_left(
    due: dt.datetime, now: dt.datetime, paused_at: dt.datetime | None = None
) -> dt.timedelta:
    """Time until `due`; while paused the clock stands still at the moment of the pause."""
    return due - (paused_at if paused_at is not None else now)


# ---- parallel clocks (issue 17) --------------------------------------------------------------

# The complaint's moment that meets each clock: the operator's and the authority's first
# contact are met when the handler accepts it; the reply, when it is resolved.
CLOCK_MET_BY: dict[str, str] = {
    ClockName.FIRST_RESPONSE: "accepted_at",
    ClockName.RESOLUTION: "resolved_at",
    ClockName.AUTHORITY_FIRST_CONTACT: "accepted_at",
    ClockName.AUTHORITY_REPLY: "resolved_at",
}

_STATE_OF_DUE = {
    DueState.OK: ClockState.RUNNING,
    DueState.WARN: ClockState.DUE_SOON,
    DueState.OVER: ClockState.OVERDUE,
    DueState.PAUSED: ClockState.PAUSED,
}


@dataclass(frozen=True)
class Clock:
    """One clock of a complaint as plain data: the operator's or an authority's."""

    name: str
    due: dt.datetime
    state: str
    start: dt.datetime
    met_at: dt.datetime | None = None
    authority: str | None = None  # None: the operator's own clock

    @property
    def late(self) -> bool:
        """Met, but after its due time."""
        return self.met_at is not None and self.met_at > self.due


def clock_state(
    *,
    start: dt.datetime,
    due: dt.datetime,
    met_at: dt.datetime | None,
    is_open: bool,
    now: dt.datetime,
    warn_share: float = WARN_SHARE,
    paused: bool = False,
) -> str:
    """running / due_soon / overdue on the one colour scale of `due_state`; `met` once the
    moment that meets it happened (on time or late); `stopped` when the complaint ended without
    it; `paused` while the operator's clock stands still (an authority's never does)."""
    if met_at is not None:
        return ClockState.MET
    if not is_open:
        return ClockState.STOPPED
    return _STATE_OF_DUE[DueState(due_state(start, due, now, warn_share, paused=paused))]


def authority_dues(
    *,
    received_at: dt.datetime,
    authority_received_at: dt.datetime | None,
    first_contact_due: dt.datetime | None,
    reply_due: dt.datetime | None,
) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """(authority received at, first contact due, reply due) of a referral: the deadlines the
    referral gives, else the defaults (`constants.AUTHORITY_*`), in calendar time — first
    contact from our receipt, the reply from the authority's. Without its own date the
    authority received it when we did."""
    started = authority_received_at or received_at
    contact = first_contact_due or received_at + constants.AUTHORITY_FIRST_CONTACT
    reply = reply_due or started + constants.AUTHORITY_REPLY
    return started, contact, reply


def remind_at(start: dt.datetime, due: dt.datetime) -> dt.datetime:
    """When an authority clock's reminder goes out: a quarter of its limit before it, at most
    `AUTHORITY_REMINDER_LEAD_MAX` (never before it started)."""
    lead = min(max(due - start, ZERO) / 4, constants.AUTHORITY_REMINDER_LEAD_MAX)
    return due - lead


def earliest_breach(clocks: list[Clock]) -> Clock | None:
    """Of the clocks still counting, the one that breaches first (the one to act on)."""
    counting = [c for c in clocks if c.state not in (ClockState.MET, ClockState.STOPPED)]
    return min(counting, key=lambda c: c.due, default=None)


# ---- the reasons the clocks write, in the reader's language (tousu.core.reasons) --------------
# Rows and notifications written before codes hold the Chinese text; `legacy` reads it back.
reason_kind("sla.overdue", gettext_lazy("Past the time limit"), legacy="超时升级")
reason_kind(
    "notice.reminder",
    gettext_lazy("Complaint %(number)s is due at %(due)s: please handle it in time"),
    legacy=r"投诉单 (?P<number>\S+) 将于 (?P<due>.+?) 到期，请及时处理",
)
reason_kind(
    "notice.first_response_overdue",
    gettext_lazy("Complaint %(number)s is past its first-response limit and not yet accepted"),
    legacy=r"投诉单 (?P<number>\S+) 超过首次响应时限仍未受理",
)
reason_kind(
    "notice.escalated",
    gettext_lazy(
        "Complaint %(number)s is %(hours)s hours past its reply limit: escalation step %(step)s"
    ),
    legacy=r"投诉单 (?P<number>\S+) 已超过答复时限 (?P<hours>\d+) 小时，升级第 (?P<step>\d+) 级",
)
reason_kind(
    "notice.unmerged",
    gettext_lazy(
        "Complaint %(number)s is no longer a duplicate of %(original)s and is open again: "
        "%(reason)s"
    ),
    reason=reason_text,
)
reason_kind(
    "notice.reopened",
    gettext_lazy("Complaint %(number)s reopened: %(reason)s"),
    legacy=r"投诉单 (?P<number>\S+) 已重新打开：(?P<reason>.*)",
    reason=reason_text,
)


def authority_name(value: object) -> str:
    """The authority as a reason names it; a referral registered without one, generically."""
    return str(value) if value else str(gettext_lazy("the regulator"))


reason_kind(
    "notice.authority_reminder",
    gettext_lazy("Complaint %(number)s: %(clock)s of %(authority)s is due at %(due)s"),
    clock=choice(ClockName),
    authority=authority_name,
)
reason_kind(
    "notice.authority_overdue",
    gettext_lazy("Complaint %(number)s is past %(clock)s of %(authority)s (due %(due)s)"),
    clock=choice(ClockName),
    authority=authority_name,
)
reason_kind("sla.authority_overdue", gettext_lazy("Past the regulator's deadline"))
