"""The customer 360° page and the logged reveal of personal data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tests.pages import as_user, page
from tousu.accounts.models import PiiAccess
from tousu.complaints.models import ComplaintEvent
from tousu.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_customer_360_lists_complaints_masked(
    lifecycle: Callable[..., Any], register: Callable[..., Any], handler: Any
) -> None:
    closed = lifecycle("closed")
    latest = register(content="又被多扣了10元")
    url = reverse("customers:detail", args=[closed.customer_id])
    text = page(as_user(handler).get(url))
    assert closed.number in text
    assert latest.number in text
    assert "138****8000" in text
    assert "13800138000" not in text
    assert "张*" in text
    assert "张三" not in text
    assert "¥58.00" in text  # compensation granted
    assert not PiiAccess.objects.exists()


def test_customer_360_outside_scope_is_404(register: Callable[..., Any], outsider: Any) -> None:
    complaint = register()
    url = reverse("customers:detail", args=[complaint.customer_id])
    assert as_user(outsider).get(url).status_code == 404


def test_reveal_logs_and_shows_unmasked(register: Callable[..., Any], handler: Any) -> None:
    complaint = register()
    customer = complaint.customer
    events = ComplaintEvent.objects.count()
    updated = customer.updated_at
    client = as_user(handler)

    detail = page(client.get(reverse("desk:detail", args=[complaint.number])))
    assert reverse("customers:reveal", args=[customer.pk]) in detail
    assert "13800138000" not in detail

    response = client.post(reverse("customers:reveal", args=[customer.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = page(response)
    assert "13800138000" in text
    assert "张三" in text
    assert "<html" not in text  # a fragment for HTMX

    access = PiiAccess.objects.get()
    assert (access.user, access.subject, access.via) == (handler, f"customer:{customer.pk}", "page")
    # The reveal writes the access log and nothing else.
    assert ComplaintEvent.objects.count() == events
    assert Customer.objects.get(pk=customer.pk).updated_at == updated


def test_reveal_without_htmx_shows_the_page(register: Callable[..., Any], handler: Any) -> None:
    complaint = register()
    response = as_user(handler).post(reverse("customers:reveal", args=[complaint.customer_id]))
    assert response.status_code == 200
    assert "13800138000" in page(response)
    assert "<html" in page(response)


def test_reveal_refused_to_roles_without_pii(
    register: Callable[..., Any], agent: Any, outsider: Any
) -> None:
    complaint = register()
    url = reverse("customers:reveal", args=[complaint.customer_id])
    assert url not in page(as_user(agent).get(reverse("desk:detail", args=[complaint.number])))
    assert as_user(agent).post(url).status_code == 403
    assert as_user(outsider).post(url).status_code == 404
    assert as_user(agent).get(url).status_code == 405
    assert not PiiAccess.objects.exists()
