"""`core.rows.ValuesByKeys`: the rows of a keys' query, read by a statement the ORM wrote once,
are the rows `values_list` gives — the same values, converted the same way (aware datetimes,
JSON, NULLs of outer joins), in the same order, page by page — in one statement."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import OuterRef, Subquery

from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.rows import ValuesByKeys

pytestmark = pytest.mark.django_db

NAMES = (
    "pk",
    "number",
    "received_at",
    "closed_at",
    "risk_reasons",
    "risk_score",
    "customer__phone",
    "handler__username",
    "category__parent__name",
)
ORDER = ("-received_at", "-pk")


def linked() -> dict[str, Any]:
    return {
        "repeated": Subquery(Complaint.objects.filter(pk=OuterRef("repeat_of_id")).values("number"))
    }


@pytest.fixture
def complaints(complaint_in: Any) -> list[Complaint]:
    now = clock.now()
    first = complaint_in("closed", received_at=now - dt.timedelta(days=2))
    return [
        first,
        complaint_in("in_progress", risk_score=0.9, risk_reasons=["regulator", "media"]),
        complaint_in("dispatched", repeat_of=first),
        # The same moment as the one before: the order's ties are cut by the key.
        complaint_in("registered", received_at=now - dt.timedelta(hours=1)),
        complaint_in("registered", received_at=now - dt.timedelta(hours=1)),
    ]


@pytest.mark.parametrize(("start", "stop"), [(0, 2), (2, 4), (4, 6), (0, 50)])
def test_a_page_by_its_keys_is_the_page_values_list_reads(
    complaints: list[Complaint], start: int, stop: int, django_assert_num_queries: Any
) -> None:
    listed = Complaint.objects.order_by(*ORDER)
    expected = [
        list(row) for row in listed.annotate(**linked()).values_list(*NAMES, "repeated")[start:stop]
    ]
    statement = ValuesByKeys.of(Complaint, NAMES, ORDER, "default", linked())
    with django_assert_num_queries(1):
        rows = statement.rows(listed.values("pk")[start:stop])
    assert rows == expected
    types = [[type(v) for v in row] for row in rows]
    assert types == [[type(v) for v in row] for row in expected]
    received = [r[2] for r in rows]
    assert all(t.utcoffset() == dt.timedelta(0) for t in received)


def test_the_statement_is_written_once(complaints: list[Complaint]) -> None:
    first = ValuesByKeys.of(Complaint, NAMES, ORDER, "default", linked())
    assert ValuesByKeys.of(Complaint, NAMES, ORDER, "default", linked()) is first
    assert ValuesByKeys.of(Complaint, NAMES, ("-pk",), "default", linked()) is not first
    repeat = complaints[2]
    [row] = first.rows(Complaint.objects.filter(pk=repeat.pk).values("pk"))
    assert row[-1] == complaints[0].number
