"""`Cache-Control: no-store` on what carries personal data: no browser cache (a shared counter
PC, the back button after logging out) or proxy keeps it. Every page and API operation is also
checked in tests/test_query_counts.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from tests.pages import as_user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def no_store(response: Any) -> bool:
    return "no-store" in {d.strip() for d in response.get("Cache-Control", "").split(",")}


def test_staff_pages_exports_and_evidence(
    complaint_in: Callable[..., Any], handler: Any, supervisor: Any
) -> None:
    from tousu.resolution.services import evidence_add

    complaint = complaint_in("in_progress")
    evidence = evidence_add(complaint=complaint, actor=handler, name="bill.png", content=PNG)
    staff = as_user(supervisor)
    responses = {
        "queue": as_user(handler).get("/"),
        "list": staff.get("/complaints/"),
        "complaint": staff.get(f"/complaints/{complaint.number}/"),
        "customer": staff.get(f"/customers/{complaint.customer_id}/"),
        "export csv": staff.get("/complaints/export/", {"format": "csv"}),
        "export xlsx": staff.get("/complaints/export/", {"format": "xlsx"}),
        "evidence": as_user(handler).get(f"/complaints/{complaint.number}/evidence/{evidence.pk}/"),
        "notifications": as_user(handler).get("/notifications/"),
    }
    for name, response in responses.items():
        assert response.status_code == 200, name
        assert no_store(response), f"{name}: {response.get('Cache-Control')!r}"


def test_api_answers(
    complaint_in: Callable[..., Any], supervisor: Any, api_as: Callable[[Any], Any]
) -> None:
    complaint = complaint_in("in_progress")
    api = api_as(supervisor)
    for response in (
        api.get("/api/v1/complaints"),
        api.get(f"/api/v1/complaints/{complaint.number}"),
        api.get(f"/api/v1/complaints/{complaint.number}/timeline"),
        api_as(None).get("/api/v1/complaints"),  # 401
    ):
        assert no_store(response), response.get("Cache-Control")


def test_public_pages(reference: None) -> None:
    """The customer's own pages show their complaint and phone number."""
    client = Client()
    for path in ("/public/", "/public/status/", "/login/"):
        assert no_store(client.get(path)), path
