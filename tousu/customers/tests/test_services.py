"""`customer_get_or_create`: one customer per phone, found or created on first contact."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction

from tousu.accounts.models import Region
from tousu.customers import services
from tousu.customers.models import Customer
from tousu.customers.services import customer_get_or_create

PHONE = "13800138000"


def test_a_new_customer_is_created_with_what_the_channel_knows(
    reference: None, django_assert_num_queries: Callable[..., Any]
) -> None:
    region = Region.objects.get(code="nanjing")
    # No savepoint around the INSERT; on PostgreSQL the look-up is in the same statement.
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        customer, created = customer_get_or_create(
            phone=PHONE, name="张三", account="A-1", region=region
        )
        assert customer.region == region  # with them, not read again
    assert created is True
    fresh = Customer.objects.get(phone=PHONE)
    assert fresh.pk == customer.pk
    assert (fresh.name, fresh.account, fresh.region_id) == ("张三", "A-1", region.pk)
    assert fresh.created_at == customer.created_at
    assert fresh.created_at is not None
    assert customer._state.adding is False


def test_a_known_customer_is_found_with_their_region_in_one_statement(
    reference: None, django_assert_num_queries: Callable[..., Any]
) -> None:
    region = Region.objects.get(code="nanjing")
    known = Customer.objects.create(phone=PHONE, name="张三", account="A-1", region=region)
    with django_assert_num_queries(1):
        customer, created = customer_get_or_create(phone=PHONE, name="张三")
        assert customer.region == region
    assert (created, customer.pk, customer.name) == (False, known.pk, "张三")
    assert customer._state.adding is False
    assert Customer.objects.count() == 1


def test_a_known_customer_gets_missing_details_never_overwritten(reference: None) -> None:
    known = Customer.objects.create(phone=PHONE, name="张三")
    region = Region.objects.get(code="nanjing")
    customer, created = customer_get_or_create(
        phone=PHONE, name="李四", account="A-1", region=region
    )
    assert created is False
    assert customer.pk == known.pk
    known.refresh_from_db()
    assert (known.name, known.account, known.region_id) == ("张三", "A-1", region.pk)
    assert Customer.objects.count() == 1


def test_a_customer_created_after_the_look_up_is_read_not_duplicated(
    reference: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: another registration inserted the same phone after our look-up (as if it came
    too early): our INSERT does nothing (no error to break the registering transaction) and
    theirs is the customer. PostgreSQL looks up and inserts in one statement: the test below."""
    if connection.vendor == "postgresql":
        pytest.skip("one statement on PostgreSQL: see the concurrent test")
    theirs = Customer.objects.create(phone=PHONE, name="张三")
    monkeypatch.setattr(services, "_customer_by_phone", lambda phone: None)
    customer, created = customer_get_or_create(phone=PHONE, name="李四", account="A-1")
    assert created is False
    assert customer.pk == theirs.pk
    assert customer.name == "张三"
    assert Customer.objects.get().account == "A-1"  # missing details filled in, as ever


@pytest.mark.django_db(transaction=True)
def test_a_customer_inserted_concurrently_is_read_not_duplicated(
    reference: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: another registration inserts the same phone and commits while our statement
    waits on its row. Our INSERT then does nothing, and our statement's look-up, which sees
    the table as it was when the statement began, does not find it either: theirs is read
    afresh, with the details it lacks filled in, and no second customer exists."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: a concurrent insert needs PostgreSQL")
    inserted, ours_waits = threading.Event(), threading.Event()
    result: list[tuple[Customer, bool]] = []
    statement: list[object] = []  # what our one statement gave
    one_statement = services._insert_or_find

    def watched(customer: Customer) -> object:
        statement.append(one_statement(customer))
        return statement[-1]

    monkeypatch.setattr(services, "_insert_or_find", watched)

    def theirs() -> None:
        try:
            with transaction.atomic():
                Customer.objects.create(phone=PHONE, name="张三")
                inserted.set()
                ours_waits.wait(timeout=10)
                time.sleep(0.3)  # our statement is now waiting on this uncommitted row
        finally:
            connections.close_all()

    def ours() -> None:
        try:
            inserted.wait(timeout=10)
            ours_waits.set()
            with transaction.atomic():
                result.append(customer_get_or_create(phone=PHONE, name="李四", account="A-1"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=theirs), threading.Thread(target=ours)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [(customer, created)] = result
    assert statement == [None]  # neither part of it saw their row
    assert created is False
    assert customer.name == "张三"
    stored = Customer.objects.get()
    assert (stored.pk, stored.account) == (customer.pk, "A-1")
