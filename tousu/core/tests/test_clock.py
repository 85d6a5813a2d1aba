"""The clock's bounds on input dates and its local time, which the API prints."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from tousu.core import clock
from tousu.core.clock import SHANGHAI

# An offset as ISO 8601 and RFC 3339 write it: hours and minutes, or Z.
ISO_OFFSET = re.compile(r"(Z|[+-]\d\d:\d\d)$")


def test_the_range_is_the_earliest_received_day_to_the_latest_day(settings: Any) -> None:
    settings.TOUSU_EARLIEST_RECEIVED = dt.date(2000, 1, 1)
    assert clock.earliest() == dt.datetime(2000, 1, 1, tzinfo=SHANGHAI)
    assert clock.day_in_range(dt.date(2000, 1, 1))
    assert clock.day_in_range(clock.LATEST_DAY)
    assert not clock.day_in_range(dt.date(1999, 12, 31))
    assert not clock.day_in_range(clock.LATEST_DAY + dt.timedelta(days=1))
    settings.TOUSU_EARLIEST_RECEIVED = dt.date(1990, 1, 1)
    assert clock.day_in_range(dt.date(1999, 12, 31))


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (dt.datetime(2000, 1, 1, tzinfo=SHANGHAI), True),
        (dt.datetime(1999, 12, 31, 16, tzinfo=dt.UTC), True),  # the same instant
        (dt.datetime(1999, 12, 31, 15, 59, tzinfo=dt.UTC), False),
        (dt.datetime(2099, 12, 31, 23, 59, tzinfo=SHANGHAI), True),
        (dt.datetime(2100, 1, 1, tzinfo=SHANGHAI), False),
        (dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14))), False),
        (dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-12))), False),
    ],
)
def test_a_moment_is_compared_without_converting_it(moment: dt.datetime, inside: bool) -> None:
    assert clock.moment_in_range(moment) is inside


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC),
        dt.datetime(1988, 7, 1, tzinfo=dt.UTC),  # summer time then: +09:00
        dt.datetime(1900, 1, 1, 1, 30, tzinfo=dt.UTC),  # local mean time then: +08:05:43
        dt.datetime(1, 1, 1, 1, 30, tzinfo=dt.UTC),
        dt.datetime(9999, 12, 31, 20, tzinfo=dt.UTC),  # +08:00 would pass the year 9999
    ],
)
def test_local_time_is_the_same_instant_with_an_iso_offset(moment: dt.datetime) -> None:
    shown = clock.local(moment)
    assert shown == moment
    assert ISO_OFFSET.search(shown.isoformat()), shown.isoformat()


def test_local_time_is_shanghai_time() -> None:
    shown = clock.local(dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC))
    assert shown.isoformat() == "2026-11-20T09:30:00+08:00"
    assert clock.local(dt.datetime(1900, 1, 1, 1, 30, tzinfo=dt.UTC)).isoformat() == (
        "1900-01-01T09:30:00+08:00"
    )
