"""What registering a complaint through the API costs in statements (issue 10): each decision
reads what it needs once, and the complaint row is inserted once, with everything decided."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tousu.accounts.models import User

URL = "/api/v1/complaints"
# Before issue 10: 41 statements for a new customer (45 with an Idempotency-Key), 38 for a known
# one (42); after it 18 (20) and 16 (18), on SQLite and PostgreSQL alike.
MAX_QUERIES = 20
KNOWN_PHONE = "13900139000"


def body(phone: str) -> dict[str, Any]:
    return {
        "channel": "hotline",
        "content": "上个月话费无故多扣了58元，客服说查不到原因",
        "customer": {"phone": phone, "name": "张三"},
        "received_at": "2026-11-20T09:30:00+08:00",
        "demand": "退还多扣费用",
    }


@pytest.mark.parametrize("idempotency_key", [None, "retry-safe-1"])
@pytest.mark.parametrize("phone", ["13800138000", KNOWN_PHONE], ids=["new", "known"])
def test_registering_through_the_api_costs_at_most_20_queries(
    api_as: Callable[[Any], Any],
    agent: User,
    django_assert_max_num_queries: Callable[..., Any],
    idempotency_key: str | None,
    phone: str,
) -> None:
    client = api_as(agent)
    # As on a running server: the classifier is loaded and the day's sequence row exists. The
    # known customer's earlier complaint is about something else (no repeat: the full path).
    earlier = {**body(KNOWN_PHONE), "content": "小区里手机信号很差", "demand": ""}
    assert client.post(URL, earlier).status_code == 201
    headers = {"HTTP_IDEMPOTENCY_KEY": idempotency_key} if idempotency_key else {}
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.post(URL, body(phone), **headers)
    assert response.status_code == 201, response.content
    assert response.json()["repeat_of"] is None
    assert response.json()["department"]["code"] == "billing"
