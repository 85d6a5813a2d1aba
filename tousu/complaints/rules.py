"""The complaint status machine as an explicit transition table, and other pure rules."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from tousu.complaints.choices import LEVEL_RANK, Level, Status, TimeLeft
from tousu.core.errors import InvalidTransition

S = Status

# action → {from status: to status}. An action absent for a status is not allowed in it.
# `resolve` ends in RESOLVED, or AWAITING_APPROVAL when the remedies exceed the authority limit;
# `approve` ends in RESOLVED when approved and IN_PROGRESS when rejected: both listed as the
# primary outcome here, the alternative is chosen by the service through `ALTERNATIVE`.
TRANSITIONS: dict[str, dict[str, str]] = {
    "dispatch": {
        S.REGISTERED: S.DISPATCHED,
        S.DISPATCHED: S.DISPATCHED,
        S.IN_PROGRESS: S.DISPATCHED,
    },
    "accept": {S.DISPATCHED: S.IN_PROGRESS},
    "resolve": {S.IN_PROGRESS: S.RESOLVED},
    # Front-line resolution (S3 授权): the person who registered it settles it at first
    # contact, before the back office takes it up (permissions.at_first_contact says who).
    "resolve_first_contact": {S.REGISTERED: S.RESOLVED, S.DISPATCHED: S.RESOLVED},
    "approve": {S.AWAITING_APPROVAL: S.RESOLVED},
    "close": {S.RESOLVED: S.CLOSED},
    "reopen": {S.RESOLVED: S.IN_PROGRESS, S.CLOSED: S.IN_PROGRESS},
    # A double registration is closed as a duplicate of the complaint handled instead; not
    # while an approval is pending (its decision would find the complaint closed).
    "close_duplicate": {s: S.CLOSED for s in (S.REGISTERED, S.DISPATCHED, S.IN_PROGRESS)},
    "escalate": {
        s: s for s in (S.REGISTERED, S.DISPATCHED, S.IN_PROGRESS, S.AWAITING_APPROVAL, S.RESOLVED)
    },
    # 挂起: the clock stops while waiting for the customer, and restarts on resume (R4.1); a
    # complaint transferred or escalated while paused may still be resumed.
    "pause": {S.IN_PROGRESS: S.IN_PROGRESS},
    "resume": {s: s for s in (S.REGISTERED, S.DISPATCHED, S.IN_PROGRESS, S.AWAITING_APPROVAL)},
    # Investigation steps and evidence; after resolving, the handler still records the S1 thanks.
    "handle": {S.IN_PROGRESS: S.IN_PROGRESS, S.RESOLVED: S.RESOLVED},
    "callback": {S.CLOSED: S.CLOSED},
}

ALTERNATIVE: dict[str, str] = {
    "resolve": S.AWAITING_APPROVAL,  # over the authority limit
    "resolve_first_contact": S.AWAITING_APPROVAL,
    "approve": S.IN_PROGRESS,  # rejected: back to the handler
    "callback": S.IN_PROGRESS,  # dissatisfied: reopened
}

OPEN_STATUSES = (S.REGISTERED, S.DISPATCHED, S.IN_PROGRESS, S.AWAITING_APPROVAL)

# Hours left to the resolution limit per bucket: [from, to), None = open-ended.
TIME_LEFT_HOURS: dict[str, tuple[int | None, int | None]] = {
    TimeLeft.OVERDUE: (None, 0),
    TimeLeft.WITHIN_4H: (0, 4),
    TimeLeft.WITHIN_24H: (4, 24),
    TimeLeft.LATER: (24, None),
}


def time_left_bounds(
    bucket: str, now: dt.datetime
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The resolution limits [from, to) of the open complaints in `bucket` at `now`."""
    low, high = TIME_LEFT_HOURS[bucket]
    return (
        None if low is None else now + dt.timedelta(hours=low),
        None if high is None else now + dt.timedelta(hours=high),
    )


def allowed(action: str, status: str) -> bool:
    return status in TRANSITIONS.get(action, {})


def next_status(action: str, status: str, *, alternative: bool = False) -> str:
    """The status after `action`; raises InvalidTransition when not allowed in `status`."""
    if not allowed(action, status):
        raise InvalidTransition(
            _("Not possible in the current status (%(status)s): %(action)s")
            % {"status": Status(status).label, "action": action}
        )
    if alternative:
        return ALTERNATIVE[action]
    return TRANSITIONS[action][status]


def raise_level(current: str, proposed: str) -> str:
    """Levels only go up: the higher of the two."""
    return max(current, proposed, key=lambda level: LEVEL_RANK[Level(level)])


def format_number(day_yyyymmdd: str, sequence: int) -> str:
    """TS + date + daily sequence of at least four digits, growing past 9,999 (never wrapping)."""
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"TS{day_yyyymmdd}{sequence:04d}"
