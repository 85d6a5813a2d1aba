"""Pure rules of callbacks: the parts of the day calls are tried in, when to try again after a
failed call, who the callback team is, and the column layout of a survey file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from tousu.callbacks.choices import AttemptOutcome, CallbackResult, DaySlot

SHANGHAI = ZoneInfo("Asia/Shanghai")

# When each part of the day's calls start, local time: customers are called in working hours
# and early evening, not over lunch or late at night.
SLOT_STARTS: dict[str, dt.time] = {
    DaySlot.MORNING: dt.time(9, 0),
    DaySlot.AFTERNOON: dt.time(14, 0),
    DaySlot.EVENING: dt.time(18, 30),
}
# The last calls of the day: nobody is called later, so no callback falls due later either.
CALLS_END = dt.time(21, 0)
# Where one part of the day ends and the next begins, for a call made at any time: a call at
# 13:00 was an after-lunch (afternoon) call, one at 18:00 an evening call.
_AFTERNOON_FROM = dt.time(13, 0)
_EVENING_FROM = dt.time(18, 0)
# How many days ahead a next try is looked for: three parts of the day give an untried part
# within a day, so two days always find one.
_LOOKAHEAD_DAYS = 3


def result_for_overall(overall: int) -> str:
    """The callback result a customer's own overall score 1–5 stands for, when they answer the
    survey themselves and no agent hears them say it: 4–5 satisfied, 3 basically satisfied,
    1–2 dissatisfied (the ranges the scores of an agent's callbacks fall in)."""
    if overall >= 4:
        return CallbackResult.SATISFIED
    if overall == 3:
        return CallbackResult.BASICALLY_SATISFIED
    return CallbackResult.DISSATISFIED


def slot_of(moment: dt.datetime) -> str:
    """The part of the day (Asia/Shanghai) a call at `moment` was made in."""
    local = moment.astimezone(SHANGHAI).time()
    if local < _AFTERNOON_FROM:
        return DaySlot.MORNING
    if local < _EVENING_FROM:
        return DaySlot.AFTERNOON
    return DaySlot.EVENING


def callback_due(closed: dt.datetime, hours: int) -> dt.datetime:
    """When the callback of a complaint closed at `closed` is due: `hours` later, but never
    at night (a complaint closed at 01:43 was due at 01:43 two days on, when nobody calls and
    the chase would wake no one): one that would fall outside the calling day (the morning's
    start to CALLS_END) is due at the end of the calling day before — sooner, so that the
    promise of a call within `hours` holds — or, when that is not after the close, at the
    start of the next one."""
    due = closed + dt.timedelta(hours=hours)
    local = due.astimezone(SHANGHAI)
    start = SLOT_STARTS[DaySlot.MORNING]
    if start <= local.time() < CALLS_END:
        return due
    day = local.date() if local.time() >= CALLS_END else local.date() - dt.timedelta(days=1)
    sooner = dt.datetime.combine(day, CALLS_END, tzinfo=SHANGHAI)
    if sooner > closed:
        return sooner
    return dt.datetime.combine(day + dt.timedelta(days=1), start, tzinfo=SHANGHAI)


def is_failed(outcome: str) -> bool:
    return outcome != AttemptOutcome.REACHED


def next_attempt_at(after: dt.datetime, tried: Sequence[str]) -> dt.datetime:
    """When to call again after a failed call at `after`, having tried the parts of the day
    `tried` (oldest first; the last is the failed call's): the earliest start of a part of the
    day not tried yet, or, when all have been tried, of one other than the last. Never the same
    part twice in a row."""
    local = after.astimezone(SHANGHAI)
    last = tried[-1] if tried else slot_of(after)
    starts = [
        dt.datetime.combine(local.date() + dt.timedelta(days=day), start, tzinfo=SHANGHAI)
        for day in range(_LOOKAHEAD_DAYS)
        for start in SLOT_STARTS.values()
    ]
    later = [(moment, slot_of(moment)) for moment in sorted(starts) if moment > local]
    for moment, slot in later:
        if slot not in tried and slot != last:
            return moment
    return next(moment for moment, slot in later if slot != last)


@dataclass(frozen=True)
class CallbackTeam:
    """Who calls customers back (settings.TOUSU_CALLBACK_TEAM): users of these roles, and users
    of these departments (by code)."""

    roles: frozenset[str]
    departments: frozenset[str]


def team_parse(spec: str) -> CallbackTeam:
    """`"role:agent,dept:callback_center"` → the team. Raises ValueError on a bad term."""
    roles: set[str] = set()
    departments: set[str] = set()
    for term in spec.split(","):
        kind, _, value = term.strip().partition(":")
        if not value or kind not in ("role", "dept"):
            raise ValueError(f"bad callback team term {term!r}: expected role:ROLE or dept:CODE")
        (roles if kind == "role" else departments).add(value.strip())
    return CallbackTeam(frozenset(roles), frozenset(departments))


# ---- survey files ---------------------------------------------------------------------------

# The columns a survey file must have, and those it may have; every other column is one score
# per SurveyFactor code.
SURVEY_REQUIRED = ("phone", "surveyed_at", "overall")
SURVEY_OPTIONAL = ("name", "region")


def score_parse(text: str) -> int | None:
    """A score cell: blank → None (not asked); a whole number 1–5; else ValueError."""
    value = text.strip()
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 5:
        raise ValueError(value)
    return int(value)
