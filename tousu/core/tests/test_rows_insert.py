"""`core.rows.rows_insert`: new rows of several tables written together (on PostgreSQL in one
round trip), each table's rows with one INSERT, all or nothing with their transaction."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.core.rows import rows_insert
from tousu.customers.models import Customer
from tousu.intake.models import IdempotencyKey

pytestmark = pytest.mark.django_db


def keys_of(user: User, complaint: Complaint, *keys: str) -> list[IdempotencyKey]:
    return [IdempotencyKey(user=user, key=k, body_hash="h", complaint=complaint) for k in keys]


def test_rows_of_several_tables_go_in_with_one_insert_per_table(
    agent: User, register: Any, django_assert_num_queries: Any
) -> None:
    complaint = register()
    customers = [Customer(phone="13900000001"), Customer(phone="13900000002", name="李")]
    with django_assert_num_queries(2):  # two tables, two INSERTs, whatever the rows
        rows_insert([*customers, *keys_of(agent, complaint, "a", "b", "c")])
    assert set(Customer.objects.filter(phone__startswith="139000000").values_list("name")) == {
        ("",),
        ("李",),
    }
    stored = IdempotencyKey.objects.filter(complaint=complaint).order_by("key")
    assert [(k.key, k.user_id) for k in stored] == [
        ("a", agent.pk),
        ("b", agent.pk),
        ("c", agent.pk),
    ]
    assert all(k.created_at is not None for k in stored)  # filled in as `save()` does
    assert all(not row._state.adding for row in customers)


def test_a_refused_row_leaves_none_of_the_others(agent: User, register: Any) -> None:
    complaint = register()
    IdempotencyKey.objects.create(user=agent, key="used", body_hash="h", complaint=complaint)
    with pytest.raises(IntegrityError), transaction.atomic():
        rows_insert([Customer(phone="13900000003"), *keys_of(agent, complaint, "new", "used")])
    assert not Customer.objects.filter(phone="13900000003").exists()
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["used"]


def test_rows_of_one_table_have_keys_all_or_none(agent: User, register: Any) -> None:
    complaint = register()
    rows = keys_of(agent, complaint, "a", "b")
    rows[1].pk = 10_000
    with pytest.raises(ValueError, match="with and without keys"):
        rows_insert(rows)
    assert not IdempotencyKey.objects.exists()


def _prepared(text: str) -> list[str]:
    """The statements prepared on this connection whose text holds `text`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [s for (s,) in cursor.fetchall() if text in s]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_the_registration_statements_are_prepared_once_per_connection(register: Any) -> None:
    register()
    register()  # the customer's second: a repeat, whose row binds a value the first had not
    prepared = set(_prepared(""))
    with CaptureQueriesContext(connection) as queries:
        register()
    # The third ran the statements the second prepared, with new values bound by the
    # server: none prepared again, none added.
    assert set(_prepared("")) == prepared
    assert any(s.startswith('INSERT INTO "complaints_complaint"') and "$1" in s for s in prepared)
    assert Complaint.objects.count() == 3
    # What Django's debug wrapper shows of them is their text with the values in.
    head = 'INSERT INTO "complaints_complaint" ('
    [insert] = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(head)]
    assert "上个月话费无故多扣了58元" in insert
    assert "$1" not in insert
    assert "%s" not in insert
    # Django's own statements are not prepared (they bind on the client).
    Customer.objects.filter(phone="13900000009").exists()
    assert not _prepared('"customers_customer"."phone" = ')


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_a_refused_prepared_insert_leaves_the_connection_usable(agent: User, register: Any) -> None:
    complaint = register()
    IdempotencyKey.objects.create(user=agent, key="used", body_hash="h", complaint=complaint)
    for _attempt in range(2):  # refused twice: prepared or not, the same error
        with pytest.raises(IntegrityError), transaction.atomic():
            rows_insert([Customer(phone="13900000004"), *keys_of(agent, complaint, "used")])
    with transaction.atomic():
        rows_insert([Customer(phone="13900000004"), *keys_of(agent, complaint, "fresh")])
    later = register()
    assert Customer.objects.filter(phone="13900000004").count() == 1
    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == {"used", "fresh"}
    assert Complaint.objects.filter(pk=later.pk).exists()
