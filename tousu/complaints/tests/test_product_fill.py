"""The data migration that gives complaints registered before the product was recorded their
customer's plan (complaints 0032): blanks filled, a recorded product kept, a customer without a
plan leaves it blank, a second run changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

import pytest
from django.apps import apps

from tousu.complaints.models import Complaint
from tousu.customers.models import Customer

pytestmark = pytest.mark.django_db

fill = import_module("tousu.complaints.migrations.0032_complaint_product_fill")


def test_old_complaints_take_their_customer_s_plan_and_recorded_ones_stay(
    register: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fill, "BATCH", 2)  # several ranges of ids
    Customer.objects.create(phone="13800138000", plan="5G畅享套餐129元")
    Customer.objects.create(phone="13900139000", plan="大流量卡39元")
    old = [register(customer_phone="13800138000") for _ in range(3)]
    old.append(register(customer_phone="13700137000"))  # no plan known
    kept = register(customer_phone="13900139000")
    Complaint.objects.filter(pk__in=[c.pk for c in old]).update(product="")
    Complaint.objects.filter(pk=kept.pk).update(product="4G飞享套餐38元")  # as imported

    fill._fill_products(apps, None)
    fill._fill_products(apps, None)

    products = dict(Complaint.objects.values_list("pk", "product"))
    assert [products[c.pk] for c in old] == ["5G畅享套餐129元"] * 3 + [""]
    assert products[kept.pk] == "4G飞享套餐38元"
