"""`number_allocate`: one upsert per number (two statements fewer per registration), and the
three-statement way on SQLite before 3.35, which has no RETURNING."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tousu.complaints.models import DailySequence
from tousu.complaints.services import number_allocate

DAY = dt.date(2026, 11, 20)


@pytest.mark.django_db
def test_the_first_number_of_a_day_is_1_then_they_count_up_in_one_statement_each() -> None:
    assert number_allocate(DAY) == 1
    with CaptureQueriesContext(connection) as queries:
        assert number_allocate(DAY) == 2
    assert len(queries) == 1
    assert number_allocate(DAY + dt.timedelta(days=1)) == 1
    assert DailySequence.objects.get(day=DAY).last == 2


@pytest.mark.django_db
def test_without_returning_it_reads_its_own_increment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection.features, "can_return_columns_from_insert", False)
    assert [number_allocate(DAY) for _ in range(3)] == [1, 2, 3]
    assert DailySequence.objects.get(day=DAY).last == 3
