"""Query-string times (`core.api.parse_time_bound`, `parse_period`): what they accept, and that
every date they cannot compute with is the client's error, never an overflow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from tousu.core.api import parse_period, parse_time_bound
from tousu.core.clock import SHANGHAI
from tousu.core.errors import ValidationFailed


def test_a_date_is_local_midnight_and_as_an_end_the_midnight_after() -> None:
    assert parse_time_bound("2026-11-20", "from") == dt.datetime(2026, 11, 20, tzinfo=SHANGHAI)
    assert parse_time_bound("2026-11-20", "to", end=True) == dt.datetime(
        2026, 11, 21, tzinfo=SHANGHAI
    )


def test_a_time_keeps_its_offset_and_without_one_is_local() -> None:
    assert parse_time_bound("2026-11-20T01:30:00+00:00", "from") == dt.datetime(
        2026, 11, 20, 1, 30, tzinfo=dt.UTC
    )
    assert parse_time_bound("2026-11-20T09:30", "from") == dt.datetime(
        2026, 11, 20, 9, 30, tzinfo=SHANGHAI
    )


def test_the_range_ends_are_accepted() -> None:
    assert parse_time_bound("2000-01-01", "from") == dt.datetime(2000, 1, 1, tzinfo=SHANGHAI)
    assert parse_time_bound("2099-12-31", "to", end=True) == dt.datetime(
        2100, 1, 1, tzinfo=SHANGHAI
    )


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01",
        "1900-01-01",
        "1999-12-31",
        "2100-01-01",
        "9999-12-31",
        "0001-01-01T00:00:00+14:00",
        "1999-12-31T23:59:59+08:00",
        "9999-12-31T23:59:59-12:00",
        "9999-12-31T23:59:59",
    ],
)
@pytest.mark.parametrize("end", [False, True])
def test_out_of_range_is_a_field_error(value: str, end: bool) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as raised:
        parse_time_bound(value, "received_to", end=end)
    assert raised.value.status == 422
    assert raised.value.message == "Time out of range"
    assert raised.value.fields == {"received_to": ["Use a date from 2000-01-01 to 2099-12-31"]}


def test_the_range_starts_at_the_earliest_received_day(settings: object) -> None:
    settings.TOUSU_EARLIEST_RECEIVED = dt.date(1990, 1, 1)  # type: ignore[attr-defined]
    assert parse_time_bound("1999-12-31", "from") == dt.datetime(1999, 12, 31, tzinfo=SHANGHAI)
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as raised:
        parse_time_bound("1989-12-31", "from")
    assert raised.value.fields == {"from": ["请使用 1990-01-01 至 2099-12-31 之间的日期"]}


@pytest.mark.parametrize("value", ["notadate", "2026-02-30", "2026-13-01", "", "10000-01-01"])
def test_malformed_is_a_field_error(value: str) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as raised:
        parse_time_bound(value, "from")
    assert raised.value.fields == {"from": ["Use YYYY-MM-DD or an ISO 8601 time"]}


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("0001-01-01", "2026-01-01", "from"),
        ("2026-01-01", "9999-12-31", "to"),
        ("1900-01-01", "2026-01-01", "from"),
    ],
)
def test_a_period_out_of_range_names_its_field(start: str, end: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        parse_period(start, end)
    assert list(raised.value.fields) == [field]
