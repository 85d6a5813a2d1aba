"""A customer's value tier comes from the CRM as its Chinese name (五星); pages read the known
tiers in the reader's language and keep the stored value as the CRM sent it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.customers.models import Customer


def _page(client: Client, user: User, path: str, language: str) -> str:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def test_value_tier_reads_in_the_readers_language_on_the_customer_and_complaint_pages(
    register: Callable[..., Complaint], agent: User, supervisor: User, client: Client
) -> None:
    complaint = register(actor=agent)
    Customer.objects.filter(pk=complaint.customer_id).update(value_tier="五星")
    paths = [
        reverse("customers:detail", args=[complaint.customer_id]),
        f"/complaints/{complaint.number}/",
    ]
    for path in paths:
        english = _page(client, supervisor, path, "en")
        assert "5-star" in english, path
        assert "五星" not in english, path
        chinese = _page(client, supervisor, path, "zh-hans")
        assert "五星" in chinese, path
        assert "5-star" not in chinese, path
    assert Customer.objects.get(pk=complaint.customer_id).value_tier == "五星"


def test_a_tier_the_crm_names_otherwise_reads_as_stored(
    register: Callable[..., Complaint], agent: User, supervisor: User, client: Client
) -> None:
    complaint = register(actor=agent)
    Customer.objects.filter(pk=complaint.customer_id).update(value_tier="钻石卡")
    path: Any = reverse("customers:detail", args=[complaint.customer_id])
    assert "钻石卡" in _page(client, supervisor, path, "en")


def test_the_high_value_risk_reason_names_the_tier_in_the_readers_language() -> None:
    from django.utils import translation

    import tousu.early_warning.rules  # noqa: F401  (declares the reason)
    from tousu.core.reasons import reason, reason_text

    stored = reason("customer_risk.high_value", tier="五星")
    assert stored["params"] == {"tier": "五星"}
    with translation.override("en"):
        assert reason_text(stored) == "High-value customer (5-star)"
    with translation.override("zh-hans"):
        assert "五星" in reason_text(stored)
