"""Time-limit arithmetic: levels at intake, deadlines per level, the countdown colour, working
time over business calendars (holidays, 调休, time zones), pauses and policy choice."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tousu.complaints.choices import Channel, Level
from tousu.core.clock import SHANGHAI
from tousu.sla.choices import Counting
from tousu.sla.constants import ADJUSTED_WORKDAYS, HOLIDAYS
from tousu.sla.rules import (
    Calendar,
    Limit,
    add_working_time,
    deadlines,
    due_state,
    due_times,
    initial_level,
    pause_extension,
    policy_choose,
    time_left,
    working_time_between,
)

H = dt.timedelta(hours=1)
T0 = dt.datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("channel", "given", "level"),
    [
        # Regulator referrals and media reports are over-level whatever was given.
        (Channel.REGULATOR, None, Level.OVER_LEVEL),
        (Channel.REGULATOR, Level.ORDINARY, Level.OVER_LEVEL),
        (Channel.REGULATOR, Level.MAJOR, Level.OVER_LEVEL),
        (Channel.MEDIA, None, Level.OVER_LEVEL),
        (Channel.MEDIA, Level.IMPORTANT, Level.OVER_LEVEL),
        # The consumer association is important unless the registrar says otherwise.
        (Channel.CONSUMER_ASSOCIATION, None, Level.IMPORTANT),
        (Channel.CONSUMER_ASSOCIATION, "", Level.IMPORTANT),
        (Channel.CONSUMER_ASSOCIATION, Level.MAJOR, Level.MAJOR),
        (Channel.CONSUMER_ASSOCIATION, Level.ORDINARY, Level.ORDINARY),
        # Everything else: the given level, or ordinary.
        (Channel.HOTLINE, None, Level.ORDINARY),
        (Channel.HOTLINE, "", Level.ORDINARY),
        (Channel.HOTLINE, Level.MAJOR, Level.MAJOR),
        (Channel.WEB, Level.OVER_LEVEL, Level.OVER_LEVEL),
        (Channel.STORE, Level.IMPORTANT, Level.IMPORTANT),
    ],
)
def test_initial_level(channel: str, given: str | None, level: str) -> None:
    assert initial_level(channel, given) == level


@pytest.mark.parametrize(
    ("level", "first_response", "resolution"),
    [
        (Level.ORDINARY, 4 * H, 72 * H),
        (Level.IMPORTANT, 2 * H, 48 * H),
        (Level.MAJOR, 1 * H, 24 * H),
        (Level.OVER_LEVEL, 1 * H, 24 * H),
    ],
)
def test_deadlines_count_from_reception(
    level: str, first_response: dt.timedelta, resolution: dt.timedelta
) -> None:
    first_due, resolution_due = deadlines(level, T0)
    assert first_due == T0 + first_response
    assert resolution_due == T0 + resolution
    assert first_due.tzinfo is not None


def test_higher_levels_never_have_longer_limits() -> None:
    order = [Level.ORDINARY, Level.IMPORTANT, Level.MAJOR, Level.OVER_LEVEL]
    dues = [deadlines(level, T0) for level in order]
    for lower, higher in itertools.pairwise(dues):
        assert higher[0] <= lower[0]
        assert higher[1] <= lower[1]


def test_deadlines_reject_an_unknown_level() -> None:
    with pytest.raises(ValueError, match="urgent"):
        deadlines("urgent", T0)


DUE = T0 + 100 * H  # a 100-hour limit: amber from hour 75


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (T0 - H, "ok"),  # another system's clock ahead of ours
        (T0, "ok"),
        (T0 + 75 * H - dt.timedelta(seconds=1), "ok"),
        (T0 + 75 * H, "warn"),
        (DUE - dt.timedelta(seconds=1), "warn"),
        (DUE, "over"),
        (DUE + dt.timedelta(days=30), "over"),
    ],
)
def test_due_state_at_the_edges(now: dt.datetime, state: str) -> None:
    assert due_state(T0, DUE, now) == state


def test_due_state_with_a_zero_limit_is_over_at_once() -> None:
    assert due_state(T0, T0, T0) == "over"


def test_due_state_compares_instants_not_wall_clocks() -> None:
    now_utc = (T0 + 80 * H).astimezone(dt.UTC)
    assert due_state(T0, DUE, now_utc) == "warn"


def test_due_state_uses_the_given_warn_share() -> None:
    assert due_state(T0, DUE, T0 + 50 * H, 0.5) == "warn"
    assert due_state(T0, DUE, T0 + 50 * H - dt.timedelta(seconds=1), 0.5) == "ok"
    assert due_state(T0, DUE, T0 + 95 * H, 1.0) == "ok"


M = dt.timedelta(minutes=1)
D = dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("limit", "left", "state"),
    [
        # Issue 12's examples: 7 h 30 min of a 48 h limit is amber (under a quarter, 12 h).
        (48 * H, 7 * H + 30 * M, "warn"),
        (48 * H, 12 * H, "warn"),
        (48 * H, 12 * H + M, "ok"),
        # Under 4 h is amber whatever the limit, even where a quarter is less.
        (8 * H, 3 * H + 59 * M, "warn"),
        (8 * H, 4 * H, "ok"),
        (24 * H, 5 * H, "warn"),  # a quarter of 24 h is 6 h
        (24 * H, 6 * H + M, "ok"),
        # A long limit: amber from a quarter of it (2 d 12 h of 10 days), neutral before.
        (10 * D, 2 * D + 12 * H + M, "ok"),
        (10 * D, 1 * D + 8 * H, "warn"),
        (72 * H, 1 * D + 8 * H, "ok"),
        (72 * H, 18 * H, "warn"),
        (10 * D, -M, "over"),
        (30 * M, M, "warn"),
    ],
)
def test_due_state_by_time_left_and_limit(
    limit: dt.timedelta, left: dt.timedelta, state: str
) -> None:
    due = T0 + limit
    assert due_state(T0, due, due - left) == state


URGENCY = {"ok": 0, "warn": 1, "over": 2}


@settings(max_examples=200, deadline=None)
@given(
    limit_minutes=st.integers(min_value=1, max_value=30 * 24 * 60),
    a=st.integers(min_value=-1000, max_value=30 * 24 * 60),
    b=st.integers(min_value=-1000, max_value=30 * 24 * 60),
    share=st.floats(min_value=0.0, max_value=1.0),
)
def test_due_state_never_turns_calmer_as_time_runs_out(
    limit_minutes: int, a: int, b: int, share: float
) -> None:
    """Of two moments on one clock, the later is never calmer; overdue and the last 4 hours
    read the same on every limit."""
    due = T0 + limit_minutes * M
    earlier, later = sorted((due - a * M, due - b * M))
    assert URGENCY[due_state(T0, due, earlier, share)] <= URGENCY[due_state(T0, due, later, share)]
    left = due - later
    if left <= dt.timedelta(0):
        assert due_state(T0, due, later, share) == "over"
    elif left < 4 * H:
        assert due_state(T0, due, later, share) == "warn"


def test_due_state_without_a_start_knows_only_the_last_hours() -> None:
    assert due_state(None, DUE, DUE - 4 * H + M) == "warn"
    assert due_state(None, DUE, DUE - 4 * H) == "ok"
    assert due_state(None, DUE, T0 + 99 * H) == "warn"


def test_a_paused_complaint_is_paused_whatever_the_time() -> None:
    assert due_state(T0, DUE, DUE + H, paused=True) == "paused"
    assert due_state(T0, DUE, T0, paused=True) == "paused"


def test_time_left_stands_still_while_paused() -> None:
    assert time_left(DUE, T0 + 10 * H) == 90 * H
    assert time_left(DUE, T0 + 50 * H, paused_at=T0 + 10 * H) == 90 * H
    assert time_left(DUE, DUE + H) == -H


# ---- business calendars: working-time arithmetic -------------------------------------------


def _days(first: dt.date, last: dt.date) -> set[dt.date]:
    return {first + dt.timedelta(days=n) for n in range((last - first).days + 1)}


CN = Calendar(
    holidays=frozenset(d for first, last, _ in HOLIDAYS for d in _days(first, last)),
    workdays=frozenset(d for d, _ in ADJUSTED_WORKDAYS),
)
NEW_YORK = ZoneInfo("America/New_York")
M = dt.timedelta(minutes=1)


def sh(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def test_the_default_calendar_data() -> None:
    assert len(CN.holidays) == 3 + 9 + 3 + 5 + 3 + 3 + 7 + 3
    assert dt.date(2026, 10, 10) in CN.workdays  # a Saturday worked for National Day
    assert not CN.is_working_day(dt.date(2026, 10, 1))
    assert CN.is_working_day(dt.date(2026, 10, 8))
    assert CN.is_working_day(dt.date(2026, 10, 10))
    assert not CN.is_working_day(dt.date(2026, 10, 11))  # an ordinary Sunday


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        # Within one working day.
        (sh(11, 17, 9, 30), 2 * H, sh(11, 17, 11, 30)),
        # Overnight: 1 h today, 2 h tomorrow.
        (sh(11, 17, 17), 3 * H, sh(11, 18, 11)),
        # Over the weekend: Friday → Monday.
        (sh(11, 20, 17), 2 * H, sh(11, 23, 10)),
        # A start at 03:00 counts from 09:00.
        (sh(11, 17, 3), H, sh(11, 17, 10)),
        # A start on a Saturday counts from Monday 09:00.
        (sh(11, 21, 11), H, sh(11, 23, 10)),
        # Exactly at the end of the day: it ends at 18:00 sharp …
        (sh(11, 17, 17), H, sh(11, 17, 18)),
        # … and counting from 18:00 continues the next morning.
        (sh(11, 17, 18), H, sh(11, 18, 10)),
        (sh(11, 17, 18), dt.timedelta(0), sh(11, 17, 18)),
        (sh(11, 17, 18, 1), dt.timedelta(0), sh(11, 18, 9)),
        # The day before National Day at 17:30: 30 min, then Oct 1–7 off, Oct 8 (Thu) 1.5 h.
        (sh(9, 30, 17, 30), 2 * H, sh(10, 8, 10, 30)),
        # Friday Oct 9 → Saturday Oct 10, a 调休 working day.
        (sh(10, 9, 17), 2 * H, sh(10, 10, 10)),
        # Friday Sep 18 → Sunday Sep 20, a 调休 working day (Saturday Sep 19 is off).
        (sh(9, 18, 17), 2 * H, sh(9, 20, 10)),
        # Spring Festival: Friday Feb 13 → Saturday Feb 14 (worked) → Feb 24 after the holiday.
        (sh(2, 13, 17), 2 * H, sh(2, 14, 10)),
        (sh(2, 14, 17), 2 * H, sh(2, 24, 10)),
        # New Year 2026: Jan 1–3 off, Sunday Jan 4 worked.
        (sh(12, 31, 17, year=2025), 2 * H, sh(1, 4, 10)),
        # New Year 2027: Jan 1–3 off, Monday Jan 4.
        (sh(12, 31, 17), 2 * H, sh(1, 4, 10, year=2027)),
        # Labour Day: May 1–5 off, Wednesday May 6; Saturday May 9 worked.
        (sh(4, 30, 17), 3 * H, sh(5, 6, 11)),
        (sh(5, 8, 17), 2 * H, sh(5, 9, 10)),
        # The ordinary policy: 27 working hours from Friday 09:30 → Wednesday 09:30.
        (sh(11, 20, 9, 30), 27 * H, sh(11, 25, 9, 30)),
    ],
)
def test_add_working_time(start: dt.datetime, duration: dt.timedelta, due: dt.datetime) -> None:
    result = add_working_time(start, duration, CN)
    assert result == due
    assert result.tzinfo == SHANGHAI
    assert working_time_between(start, result, CN) == duration


def test_add_working_time_takes_any_time_zone() -> None:
    start = dt.datetime(2026, 11, 17, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
    result = add_working_time(start, H, CN)
    assert result == dt.datetime(2026, 11, 17, 2, 0, tzinfo=dt.UTC)
    assert result.utcoffset() == 8 * H
    # 20:00 in New York on Monday is 09:00 on Tuesday in Shanghai.
    assert add_working_time(dt.datetime(2026, 11, 16, 20, tzinfo=NEW_YORK), H, CN) == sh(11, 17, 10)


def test_add_working_time_refuses_naive_times_and_negative_durations() -> None:
    with pytest.raises(ValueError, match="aware"):
        add_working_time(dt.datetime(2026, 11, 17, 9), H, CN)
    with pytest.raises(ValueError, match="negative"):
        add_working_time(sh(11, 17, 9), -H, CN)


def test_a_calendar_needs_working_days_and_hours() -> None:
    with pytest.raises(ValueError, match="working days"):
        Calendar(weekend=frozenset(range(7)))
    with pytest.raises(ValueError, match="end after"):
        Calendar(work_start=dt.time(18), work_end=dt.time(9))


def test_another_calendar_with_other_hours_and_weekend() -> None:
    # A store open 08:00–12:00, Monday to Saturday, with a holiday on Wednesday.
    store = Calendar(
        work_start=dt.time(8),
        work_end=dt.time(12),
        weekend=frozenset({6}),
        holidays=frozenset({dt.date(2026, 11, 18)}),
    )
    assert add_working_time(sh(11, 17, 11), 2 * H, store) == sh(11, 19, 9)
    assert add_working_time(sh(11, 21, 11), 2 * H, store) == sh(11, 23, 9)  # Saturday worked


@pytest.mark.parametrize(
    ("a", "b", "worked"),
    [
        (sh(11, 17, 9), sh(11, 17, 18), 9 * H),
        (sh(11, 17, 3), sh(11, 17, 23), 9 * H),
        (sh(11, 20, 17), sh(11, 23, 10), 2 * H),  # over a weekend
        (sh(9, 30, 17), sh(10, 8, 10), 2 * H),  # over National Day
        (sh(11, 21, 9), sh(11, 22, 18), dt.timedelta(0)),  # a weekend
        (sh(11, 17, 12), sh(11, 17, 12), dt.timedelta(0)),
        (sh(11, 17, 12), sh(11, 17, 11), -H),  # backwards: negative
    ],
)
def test_working_time_between(a: dt.datetime, b: dt.datetime, worked: dt.timedelta) -> None:
    assert working_time_between(a, b, CN) == worked


def test_due_times_in_working_and_calendar_time() -> None:
    ordinary = Limit("ordinary", 120, 27 * 60, Counting.WORKING)
    fast = Limit("regulator", 30, 24 * 60, Counting.CALENDAR)
    friday_evening = sh(11, 20, 20)
    # 27 working hours from Monday 09:00 end at Wednesday 18:00 sharp.
    assert due_times(ordinary, friday_evening, CN) == (sh(11, 23, 11), sh(11, 25, 18))
    assert due_times(fast, friday_evening, CN) == (sh(11, 20, 20, 30), sh(11, 21, 20))


@pytest.mark.parametrize(
    ("counting", "paused", "resumed", "due", "moved"),
    [
        # Paused Friday 17:00, resumed Monday 10:00: two working hours, 65 clock hours.
        (Counting.WORKING, sh(11, 20, 17), sh(11, 23, 10), sh(11, 24, 15), sh(11, 24, 17)),
        (Counting.CALENDAR, sh(11, 20, 17), sh(11, 23, 10), sh(11, 24, 15), sh(11, 27, 8)),
        # Across the end of the day the due time moves into the next morning.
        (Counting.WORKING, sh(11, 23, 10), sh(11, 23, 12), sh(11, 24, 17), sh(11, 25, 10)),
        # Paused over a weekend only: a working-time limit does not move.
        (Counting.WORKING, sh(11, 21, 10), sh(11, 22, 10), sh(11, 24, 15), sh(11, 24, 15)),
        # Over National Day: only Sep 30 17:00–18:00 and Oct 8 09:00–10:00 count.
        (Counting.WORKING, sh(9, 30, 17), sh(10, 8, 10), sh(10, 9, 9, 30), sh(10, 9, 11, 30)),
        # A resume before the pause (clock skew) moves nothing.
        (Counting.WORKING, sh(11, 23, 12), sh(11, 23, 10), sh(11, 24, 15), sh(11, 24, 15)),
    ],
)
def test_pause_extension(
    counting: str, paused: dt.datetime, resumed: dt.datetime, due: dt.datetime, moved: dt.datetime
) -> None:
    assert pause_extension(due, paused, resumed, counting, CN) == moved


# ---- which policy applies --------------------------------------------------------------------

POLICIES = [
    Limit("ordinary", 120, 1620, level="ordinary"),
    Limit("important", 60, 1080, level="important"),
    Limit("over_level", 30, 1440, Counting.CALENDAR, level="over_level"),
    Limit("regulator", 30, 1440, Counting.CALENDAR, channel="regulator"),
    Limit("billing", 60, 600, category="billing"),
    Limit("billing_charge", 60, 300, category="billing.unexplained_charge"),
    Limit("charge_important", 30, 240, category="billing.unexplained_charge", level="important"),
    Limit("store_billing", 30, 200, category="billing", channel="store"),
]


@pytest.mark.parametrize(
    ("category", "level", "channel", "code"),
    [
        ("", "ordinary", "hotline", "ordinary"),
        ("network.coverage", "important", "web", "important"),
        # The regulator fast track wins over any category policy (R4.3).
        ("billing.unexplained_charge", "over_level", "regulator", "regulator"),
        ("", "over_level", "regulator", "regulator"),
        # A category policy applies to its sub-categories; the deepest wins …
        ("billing.package", "ordinary", "hotline", "billing"),
        ("billing.unexplained_charge", "ordinary", "hotline", "billing_charge"),
        # … then a channel, then a level.
        ("billing.unexplained_charge", "important", "hotline", "charge_important"),
        ("billing.package", "ordinary", "store", "store_billing"),
        # A prefix of the code is not a parent: "billingx" is not under "billing".
        ("billingx", "ordinary", "hotline", "ordinary"),
        # Nothing for this level and channel.
        ("", "major", "hotline", None),
    ],
)
def test_policy_choose(category: str, level: str, channel: str, code: str | None) -> None:
    chosen = policy_choose(POLICIES, category=category, level=level, channel=channel)
    assert (chosen.code if chosen else None) == code


def test_policy_choose_breaks_ties_by_the_shorter_limit() -> None:
    a, b = Limit("a", 60, 600, level="ordinary"), Limit("b", 60, 300, level="ordinary")
    assert policy_choose([a, b], category="", level="ordinary", channel="web") == b
    assert policy_choose([b, a], category="", level="ordinary", channel="web") == b


# ---- properties ------------------------------------------------------------------------------

starts = st.datetimes(
    min_value=dt.datetime(2025, 12, 1),
    max_value=dt.datetime(2027, 1, 31),
    timezones=st.sampled_from([SHANGHAI, dt.UTC, NEW_YORK]),
)
durations = st.integers(min_value=0, max_value=120 * 60 * 60).map(lambda s: dt.timedelta(seconds=s))
SETTINGS = settings(max_examples=300, deadline=None)


@SETTINGS
@given(start=starts, a=durations, b=durations)
def test_adding_a_then_b_is_adding_a_plus_b(
    start: dt.datetime, a: dt.timedelta, b: dt.timedelta
) -> None:
    assert add_working_time(add_working_time(start, a, CN), b, CN) == add_working_time(
        start, a + b, CN
    )


@SETTINGS
@given(start=starts, duration=durations)
def test_the_result_is_never_outside_working_hours(
    start: dt.datetime, duration: dt.timedelta
) -> None:
    result = add_working_time(start, duration, CN)
    assert result.tzinfo is not None
    assert CN.is_working_moment(result)
    assert result >= start
    assert working_time_between(start, result, CN) == duration


@SETTINGS
@given(start=starts, later=durations, a=durations, b=durations)
def test_add_working_time_is_monotonic(
    start: dt.datetime, later: dt.timedelta, a: dt.timedelta, b: dt.timedelta
) -> None:
    short, long = sorted((a, b))
    assert add_working_time(start, short, CN) <= add_working_time(start, long, CN)
    assert add_working_time(start, a, CN) <= add_working_time(start + later, a, CN)


@SETTINGS
@given(a=starts, b=starts, c=starts)
def test_working_time_between_adds_up(a: dt.datetime, b: dt.datetime, c: dt.datetime) -> None:
    a, b, c = sorted((a, b, c))
    ab, bc = working_time_between(a, b, CN), working_time_between(b, c, CN)
    assert ab >= dt.timedelta(0)
    assert ab + bc == working_time_between(a, c, CN)
    assert working_time_between(c, a, CN) == -(ab + bc)
