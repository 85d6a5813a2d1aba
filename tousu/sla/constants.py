"""Named numbers and the default time-limit configuration loaded by `tousu init` (R4).

Everything here is a *default*: admins edit policies, calendars and the ladder in the admin
pages, and `reference_data_load` never overwrites their edits.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from tousu.complaints.choices import Channel, Level

DEFAULT_CALENDAR_CODE = "cn"
DEFAULT_WORK_START = dt.time(9, 0)
DEFAULT_WORK_END = dt.time(18, 0)
DEFAULT_WEEKEND = "6,7"  # ISO weekdays: Saturday, Sunday

DEFAULT_WARN_SHARE = 0.75
# A clock with less than this left is amber whatever its limit (issue 12: "under a quarter of
# its limit or under 4 h").
URGENT_LEFT = dt.timedelta(hours=4)

# The reminder to the handler goes out this long before the resolution limit (sla.remind).
# A fixed lead keeps the query on the (status, resolution_due) index; the amber pill (at the
# policy's warn share) is the earlier, passive signal.
REMINDER_LEAD = dt.timedelta(hours=2)

# Rows claimed per query and per transaction by the scans (D6).
SCAN_BATCH = 500

# How far add_working_time looks for working time before deciding the calendar has none.
MAX_CALENDAR_DAYS = 3_660


# 2026 public holidays and adjusted working days (调休) of the mainland, as announced by the
# General Office of the State Council (国务院办公厅关于2026年部分节假日安排的通知).
# ADMINS MUST CHECK THESE AGAINST THE STATE COUNCIL NOTICE EACH YEAR (it is published around
# November for the next year) and add the next year's days in the admin (业务日历 → 日期).
# (first day, last day, name) of each holiday; adjusted working days as (date, name).
HOLIDAYS: tuple[tuple[dt.date, dt.date, str], ...] = (
    (dt.date(2026, 1, 1), dt.date(2026, 1, 3), "元旦"),
    (dt.date(2026, 2, 15), dt.date(2026, 2, 23), "春节"),
    (dt.date(2026, 4, 4), dt.date(2026, 4, 6), "清明节"),
    (dt.date(2026, 5, 1), dt.date(2026, 5, 5), "劳动节"),
    (dt.date(2026, 6, 19), dt.date(2026, 6, 21), "端午节"),
    (dt.date(2026, 9, 25), dt.date(2026, 9, 27), "中秋节"),
    (dt.date(2026, 10, 1), dt.date(2026, 10, 7), "国庆节"),
    (dt.date(2027, 1, 1), dt.date(2027, 1, 3), "元旦"),
)
ADJUSTED_WORKDAYS: tuple[tuple[dt.date, str], ...] = (
    (dt.date(2026, 1, 4), "元旦调休"),
    (dt.date(2026, 2, 14), "春节调休"),
    (dt.date(2026, 2, 28), "春节调休"),
    (dt.date(2026, 5, 9), "劳动节调休"),
    (dt.date(2026, 9, 20), "国庆节调休"),
    (dt.date(2026, 10, 10), "国庆节调休"),
)


class PolicyDefault(NamedTuple):
    code: str
    name: str
    level: str
    channel: str
    first_response_minutes: int
    resolution_minutes: int
    counting: str


WORKING_HOUR = 60
WORKING_DAY = 9 * WORKING_HOUR  # 09:00–18:00

# Telecom defaults (R4.1, R4.3): ordinary complaints are answered within the working day and
# resolved within three working days (27 working hours at 9 h a day); important ones within
# two working days. Major, over-level and regulator-referred (工信部申诉转办) complaints run on
# the fast track: 30 minutes to a first response and 24 clock hours to resolve, nights and
# holidays included — the regulator's own deadlines do not stop for weekends.
POLICIES: tuple[PolicyDefault, ...] = (
    PolicyDefault(
        "ordinary", "普通投诉", Level.ORDINARY, "", 2 * WORKING_HOUR, 3 * WORKING_DAY, "working"
    ),
    PolicyDefault(
        "important", "重要投诉", Level.IMPORTANT, "", WORKING_HOUR, 2 * WORKING_DAY, "working"
    ),
    PolicyDefault("major", "重大投诉", Level.MAJOR, "", 30, 24 * 60, "calendar"),
    PolicyDefault("over_level", "越级投诉", Level.OVER_LEVEL, "", 30, 24 * 60, "calendar"),
    PolicyDefault("regulator", "工信部申诉转办", "", Channel.REGULATOR, 30, 24 * 60, "calendar"),
)


class StepDefault(NamedTuple):
    order: int
    after_minutes: int
    target: str
    raise_to: str


# The default escalation ladder (R4.2): at breach the handler, then up the department, then
# the complaint office, which takes the complaint as a major one.
LADDER: tuple[StepDefault, ...] = (
    StepDefault(1, 0, "handler", ""),
    StepDefault(2, 4 * 60, "supervisor", ""),
    StepDefault(3, 24 * 60, "dept_head", ""),
    StepDefault(4, 48 * 60, "complaint_office", Level.MAJOR),
)


# ---- a regulator's deadlines on a referral (工信部/通管局申诉转办, issue 17) -----------------
# The referral letter names its deadlines, and registration takes them as given. When it does
# not, these defaults apply. They are an ASSUMPTION in the spirit of the 电信用户申诉处理办法
# (MIIT order no. 35): the authority expects the operator to contact the customer within a day
# of the transfer and to report the outcome back well inside its own 30-day limit; ten
# calendar days from the authority's receipt is the common practice assumed here. Calendar
# time: the authority's limits do not stop for weekends, nights or the operator's pauses.
# A complaint office with other figures changes them here.
AUTHORITY_FIRST_CONTACT = dt.timedelta(hours=24)  # from the operator's receipt of the referral
AUTHORITY_REPLY = dt.timedelta(days=10)  # from the authority's receipt of the complaint
# The reminder before an authority deadline: a quarter of the clock's limit before it, at most
# a day (so a ten-day reply is reminded the day before, a two-hour contact half an hour before).
AUTHORITY_REMINDER_LEAD_MAX = dt.timedelta(days=1)
AUTHORITY_NAME_MAX_CHARS = 64
