"""The product on the API (additive): each complaint says the plan it was registered under, and
the list filters by it — the same filter the complaint list page has, which an alert on a
product links to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tousu.customers.models import Customer

pytestmark = pytest.mark.django_db

PLAN = "5G畅享套餐129元"


@pytest.fixture
def complaints(register: Callable[..., Any]) -> list[Any]:
    Customer.objects.create(phone="13800138000", plan=PLAN)
    Customer.objects.create(phone="13900139000", plan="大流量卡39元")
    return [
        register(customer_phone="13800138000"),
        register(customer_phone="13900139000"),
        register(customer_phone="13700137000"),  # plan unknown
    ]


def test_the_api_says_the_product_and_filters_by_it(
    api_as: Callable[[Any], Any], admin_user: Any, complaints: list[Any]
) -> None:
    api = api_as(admin_user)
    mine = complaints[0].number
    detail = api.get(f"/api/v1/complaints/{mine}").json()
    assert detail["product"] == PLAN

    everything = api.get("/api/v1/complaints").json()
    assert {i["number"]: i["product"] for i in everything["items"]} == {
        mine: PLAN,
        complaints[1].number: "大流量卡39元",
        complaints[2].number: "",
    }
    filtered = api.get("/api/v1/complaints", product=PLAN).json()
    assert [i["number"] for i in filtered["items"]] == [mine]
    assert api.get("/api/v1/complaints", product="5G畅享").json()["count"] == 0  # exact


def test_the_list_page_filters_by_product_and_the_complaint_page_shows_it(
    client: Client, admin_user: Any, complaints: list[Any]
) -> None:
    client.force_login(admin_user)
    page = client.get("/complaints/", {"product": PLAN}).content.decode()
    assert complaints[0].number in page
    assert complaints[1].number not in page
    assert "产品/套餐" in page  # the filter's label
    detail = client.get(f"/complaints/{complaints[0].number}/").content.decode()
    assert PLAN in detail
