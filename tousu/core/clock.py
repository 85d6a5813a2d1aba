"""The one source of "now" for services.

The demo and the importer replay history: registering a complaint received 90 days ago must
write timeline events at that time, not today. `frozen()` sets "now" for the current context
only (contextvars), so concurrent requests are never affected.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Asia/Shanghai's standard offset; see `local`.
CHINA_STANDARD = dt.timezone(dt.timedelta(hours=8))
# Made once: `local` runs about 500 times for a page of the API list (issue 19).
_MINUTE = dt.timedelta(minutes=1)
# The last day a date given by a user or client may name (a list filter, a report period):
# late enough for any real period, far from 9999-12-31, the end of Python's calendar, where
# adding a day or converting to UTC overflows. The first is TOUSU_EARLIEST_RECEIVED.
LATEST_DAY = dt.date(2099, 12, 31)

_frozen: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar(
    "tousu_frozen_now", default=None
)


def now() -> dt.datetime:
    return _frozen.get() or timezone.now()


def local_today() -> dt.date:
    return now().astimezone(SHANGHAI).date()


@contextlib.contextmanager
def frozen(at: dt.datetime) -> Iterator[None]:
    if timezone.is_naive(at):
        raise ValueError("frozen() needs an aware datetime")
    token = _frozen.set(at)
    try:
        yield
    finally:
        _frozen.reset(token)


def local(moment: dt.datetime) -> dt.datetime:
    """The time as people here read it: Asia/Shanghai, with its +08:00 offset.

    Always an offset of whole minutes, as ISO 8601 and RFC 3339 write them: before 1901 the
    zone is local mean time, +08:05:43, which the API would print as such; those times (of
    rows registered before received times were bounded) are given at +08:00. A time that
    cannot be moved (within hours of year 1 or 9999) is returned as it is."""
    try:
        shown = moment.astimezone(SHANGHAI)
        offset = shown.utcoffset()
        if offset is not None and offset % _MINUTE:
            shown = moment.astimezone(CHINA_STANDARD)
    except OverflowError:
        return moment
    return shown


def earliest_day() -> dt.date:
    """The first day (Asia/Shanghai) that a complaint may be received on and a date input may
    name: TOUSU_EARLIEST_RECEIVED."""
    day: dt.date = settings.TOUSU_EARLIEST_RECEIVED
    return day


def earliest() -> dt.datetime:
    """The first moment of `earliest_day`."""
    return dt.datetime.combine(earliest_day(), dt.time(), tzinfo=SHANGHAI)


def day_in_range(day: dt.date) -> bool:
    """Whether a date given as input lies in [earliest_day, LATEST_DAY]: one outside is an
    error of the input, not a period to compute with."""
    return earliest_day() <= day <= LATEST_DAY


def moment_in_range(moment: dt.datetime) -> bool:
    """Whether an aware time lies within the days of `day_in_range`. Compared as instants,
    without converting it: 9999-12-31T23:00-12:00 cannot be converted to UTC."""
    end = dt.datetime.combine(LATEST_DAY + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)
    return earliest() <= moment < end
