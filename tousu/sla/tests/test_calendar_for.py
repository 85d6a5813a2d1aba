"""`calendar_for` reads a calendar with its days in one query (registration reads it for every
complaint); the default calendar when none is named; weekdays 09:00–18:00 without one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tousu.sla import constants, rules
from tousu.sla.choices import DayKind
from tousu.sla.models import BusinessCalendar, CalendarDay
from tousu.sla.selectors import calendar_for


@pytest.mark.django_db
def test_a_calendar_with_its_days_in_one_query() -> None:
    calendar = BusinessCalendar.objects.create(
        code="store",
        name="营业厅",
        work_start=dt.time(8, 30),
        work_end=dt.time(20, 0),
        weekend_days="7",
    )
    CalendarDay.objects.create(calendar=calendar, date=dt.date(2026, 10, 1), kind=DayKind.HOLIDAY)
    CalendarDay.objects.create(calendar=calendar, date=dt.date(2026, 10, 11), kind=DayKind.WORKDAY)
    with CaptureQueriesContext(connection) as queries:
        read = calendar_for(calendar.pk)
    assert len(queries) == 1
    assert (read.work_start, read.work_end) == (dt.time(8, 30), dt.time(20, 0))
    assert read.weekend == frozenset({6})
    assert read.holidays == frozenset({dt.date(2026, 10, 1)})
    assert read.workdays == frozenset({dt.date(2026, 10, 11)})


@pytest.mark.django_db
def test_a_calendar_without_days() -> None:
    calendar = BusinessCalendar.objects.create(code="plain", name="无节假日")
    read = calendar_for(calendar.pk)
    assert read.holidays == read.workdays == frozenset()
    assert read.weekend == BusinessCalendar(weekend_days=calendar.weekend_days).weekend


@pytest.mark.django_db
def test_none_named_is_the_default_and_none_at_all_is_weekdays() -> None:
    default = BusinessCalendar.objects.get(code=constants.DEFAULT_CALENDAR_CODE)
    assert calendar_for(None).holidays == frozenset(
        default.days.filter(kind=DayKind.HOLIDAY).values_list("date", flat=True)
    )
    BusinessCalendar.objects.filter(pk=default.pk).update(code="renamed")
    assert calendar_for(None) == rules.Calendar()
    assert calendar_for(default.pk + 1000) == rules.Calendar()
