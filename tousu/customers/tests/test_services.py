"""`customer_get_or_create`: one customer per phone, found or created on first contact."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import QuerySet

from tousu.accounts.models import Region
from tousu.customers.models import Customer
from tousu.customers.services import customer_get_or_create

PHONE = "13800138000"


def test_a_new_customer_is_created_with_what_the_channel_knows(
    reference: None, django_assert_num_queries: Callable[..., Any]
) -> None:
    region = Region.objects.get(code="nanjing")
    # The look-up and one INSERT: no savepoint around it.
    with django_assert_num_queries(2):
        customer, created = customer_get_or_create(
            phone=PHONE, name="张三", account="A-1", region=region
        )
    assert created is True
    fresh = Customer.objects.get(phone=PHONE)
    assert fresh.pk == customer.pk
    assert (fresh.name, fresh.account, fresh.region_id) == ("张三", "A-1", region.pk)
    assert fresh.created_at == customer.created_at
    assert fresh.created_at is not None
    assert customer._state.adding is False


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


def test_a_customer_created_concurrently_is_read_not_duplicated(
    reference: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another registration inserts the same phone after our look-up: our INSERT does nothing
    (no error to break the registering transaction) and theirs is the customer."""
    theirs = Customer.objects.create(phone=PHONE, name="张三")
    monkeypatch.setattr(QuerySet, "first", lambda self: None)  # the look-up came too early
    customer, created = customer_get_or_create(phone=PHONE, name="李四", account="A-1")
    assert created is False
    assert customer.pk == theirs.pk
    assert customer.name == "张三"
    assert Customer.objects.get().account == "A-1"  # missing details filled in, as ever
