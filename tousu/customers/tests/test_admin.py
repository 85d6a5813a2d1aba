"""The admin never shows a customer's phone or name whole outside the logged change page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tousu.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_the_admin_names_a_customer_masked(admin_user: Any, register: Any) -> None:
    register(customer_phone="13812345678", customer_name="张三丰")
    nameless = Customer.objects.create(phone="13987654321")
    client = Client()
    client.force_login(admin_user)
    listing = client.get("/admin/customers/customer/").content.decode()
    delete = client.get(f"/admin/customers/customer/{nameless.pk}/delete/").content.decode()
    history = client.get(f"/admin/customers/customer/{nameless.pk}/history/").content.decode()
    for page in (listing, delete, history):
        assert "13812345678" not in page
        assert "13987654321" not in page
        assert "张三丰" not in page
    assert "139****4321" in delete
    assert str(nameless) == "139****4321"
