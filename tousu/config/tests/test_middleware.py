"""Every failure under /api/v1/ has the API's error shape, even those the API did not make."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api/v1/complaints/TS1/nope", "/api/v1/", "/api/v1/stats/"]
)
def test_an_unknown_api_address_is_a_json_404(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"
    assert response.json()["error"]["message"] == "API 中没有这个地址。"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("delete", "/api/v1/complaints", "GET, POST"),
        ("put", "/api/v1/stats/kpis", "GET"),
        ("get", "/api/v1/complaints/TS1/resolve", "POST"),
    ],
)
def test_a_method_an_address_does_not_take_is_a_json_405(
    api_as: Any, handler: Any, method: str, path: str, allowed: str
) -> None:
    client = api_as(handler)
    response = getattr(client.client, method)(path, **client.headers)
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "method_not_allowed"
    # The order of the methods is the router's, not part of the promise.
    assert set(response["Allow"].split(", ")) == set(allowed.split(", "))
    assert all(method in error["message"] for method in allowed.split(", "))


def test_pages_keep_their_html_404(client: Client, handler: Any) -> None:
    client.force_login(handler)
    response = client.get("/complaints/TS1/nope/")
    assert response.status_code in (404, 405)
    assert response["Content-Type"].startswith("text/html")


def test_english_on_request() -> None:
    response = Client().get("/api/v1/nope", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["error"]["message"] == "The API has no such address."
