"""Login, logout, login throttling and the language switch."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conftest import PASSWORD
from tests.pages import page

pytestmark = pytest.mark.django_db


def login(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post("/login/", {"username": username, "password": password}, **extra)


def test_anonymous_is_sent_to_login(client: Client, reference: None) -> None:
    response = client.get("/complaints/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/complaints/"
    assert "登录" in page(client.get("/login/"))


def test_login_and_logout(client: Client, handler: Any) -> None:
    response = login(client, "handler", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    queue = page(client.get("/"))
    assert "我的待办" in queue
    assert "投诉处理人" in queue

    assert client.get("/logout/").status_code == 405  # logging out is a POST
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused(client: Client, handler: Any) -> None:
    response = login(client, "handler", "wrong")
    assert response.status_code == 200
    assert "errorlist" in page(response)
    assert client.get("/").status_code == 302


def test_login_throttled_after_repeated_failures(
    client: Client, handler: Any, handler2: Any, settings: Any
) -> None:
    settings.TOUSU_LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        login(client, "handler", "wrong")
    refused = login(client, "handler", PASSWORD)  # even the right password, now
    assert refused.status_code == 429
    assert "登录失败次数过多" in page(refused)
    assert client.get("/").status_code == 302

    # The limit is per user name, from every address (tousu/accounts/tests/test_lockout.py):
    # a guesser cannot get round it by moving. Others from the same address still get in.
    assert login(Client(), "handler", PASSWORD, REMOTE_ADDR="10.2.2.2").status_code == 429
    assert login(Client(), "handler2", PASSWORD).status_code == 302


def test_successful_login_clears_failures(client: Client, handler: Any, settings: Any) -> None:
    settings.TOUSU_LOGIN_FAILURE_LIMIT = 3
    login(client, "handler", "wrong")
    login(client, "handler", "wrong")
    assert login(client, "handler", PASSWORD).status_code == 302
    client.post("/logout/")
    login(client, "handler", "wrong")
    login(client, "handler", "wrong")
    assert login(client, "handler", PASSWORD).status_code == 302


def test_language_switch(client: Client, handler: Any) -> None:
    client.force_login(handler)
    assert "我的待办" in page(client.get("/"))
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/complaints/"})
    assert response["Location"] == "/complaints/"
    english = page(client.get("/"))
    assert "My queue" in english
    assert "Complaint handler" in english
    assert 'value="zh-hans"' in english  # the switch back
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "我的待办" in page(client.get("/"))


def test_admin_link_only_for_administrators(client: Client, handler: Any, admin_user: Any) -> None:
    client.force_login(handler)
    assert "/admin/" not in page(client.get("/"))
    client.force_login(admin_user)
    assert "/admin/" in page(client.get("/"))
    assert client.get("/admin/").status_code == 200


def test_admin_configuration_pages(
    client: Client, admin_user: Any, register: Any, lifecycle: Any
) -> None:
    from django.contrib import admin
    from django.urls import reverse

    from tousu.accounts.models import PiiAccess

    complaint = lifecycle("closed")
    client.force_login(admin_user)
    tousu_models = [m for m in admin.site._registry if m.__module__.startswith("tousu.")]
    assert len(tousu_models) >= 11
    for model in tousu_models:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
    customers = page(client.get(reverse("admin:customers_customer_changelist")))
    assert "138****8000" in customers
    assert "13800138000" not in customers
    # Complaints are read-only, shown with the customer masked.
    change = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    text = page(client.get(change))
    assert "138****8000" in text
    assert "13800138000" not in text
    assert client.post(change, {}).status_code == 403
    # Opening a customer's record shows personal data, and is logged.
    client.get(reverse("admin:customers_customer_change", args=[complaint.customer_id]))
    assert PiiAccess.objects.filter(via="admin").count() == 1


def test_the_admin_pages_carry_the_products_icon(admin_user: Any) -> None:
    """Without it the browser asks for /favicon.ico and the console shows a 404."""
    client = Client()
    client.force_login(admin_user)
    for path in ("/admin/", "/admin/routing/routingrule/add/"):
        html = client.get(path).content.decode()
        assert '<link rel="icon" type="image/svg+xml" href="/static/tousu/favicon.svg' in html
        assert "<title>" in html  # the admin's own head is kept
