"""First-contact resolution end to end (issue 13, S3 授权): an agent registers and resolves a
small complaint through the API with their own token, closes it, and the 一次解决率 KPI — read
from the count tables the fill job keeps (D11) — counts it, while a complaint the back office
handled does not."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tousu.accounts.models import User
from tousu.analytics.models import ComplaintFact
from tousu.complaints.models import Complaint
from tousu.config import jobs
from tousu.core import clock

URL = "/api/v1/complaints"
Api = Callable[[Any], Any]

SMALL = {
    "finding": "partly_true",
    "cause": "explanation_lacking",
    "responsible_department": "billing",
    "remedies": [{"type": "refund", "amount": 20}],
    "reply": "已向您说明扣费原因，并退还多扣的20元。",
}


def register_by_api(client: Any) -> str:
    response = client.post(
        URL,
        {
            "channel": "hotline",
            "content": "这个月多扣了20元短信费，我没有订过短信包",
            "customer": {"phone": "13800138001", "name": "李四"},
            "category": "billing.unexplained_charge",
        },
    )
    assert response.status_code == 201, response.content
    return str(response.json()["number"])


def test_an_agent_resolves_and_closes_at_first_contact_by_api(api_as: Api, agent: User) -> None:
    client = api_as(agent)
    number = register_by_api(client)
    response = client.post(f"{URL}/{number}/resolve", SMALL)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "resolved"
    response = client.post(f"{URL}/{number}/close", {"customer_accepted": True})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "closed"
    assert Complaint.objects.get(number=number).first_contact


def test_over_the_agents_authority_the_api_answers_awaiting_approval(
    api_as: Api, agent: User
) -> None:
    client = api_as(agent)
    number = register_by_api(client)
    body = {**SMALL, "remedies": [{"type": "refund", "amount": 80}]}
    response = client.post(f"{URL}/{number}/resolve", body)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "awaiting_approval"


def test_another_agents_complaint_is_403_by_api(
    api_as: Api, agent: User, make_user: Callable[..., User]
) -> None:
    colleague = make_user("agent_b", "agent", department="customer_service")
    number = register_by_api(api_as(colleague))
    response = api_as(agent).post(f"{URL}/{number}/resolve", SMALL)
    assert response.status_code in (403, 404)  # 404 when the complaint is outside their scope
    assert Complaint.objects.get(number=number).status == "dispatched"


def test_responsible_staff_by_api(api_as: Api, agent: User, make_user: Callable[..., User]) -> None:
    make_user("clerk", "agent", department="billing")
    client = api_as(agent)
    number = register_by_api(client)
    response = client.post(f"{URL}/{number}/resolve", {**SMALL, "responsible_staff": "clerk"})
    assert response.status_code == 200, response.content
    complaint = Complaint.objects.get(number=number)
    assert complaint.handling.responsible_staff is not None
    assert complaint.handling.responsible_staff.username == "clerk"


def test_an_unknown_responsible_staff_is_422(api_as: Api, agent: User) -> None:
    client = api_as(agent)
    number = register_by_api(client)
    response = client.post(f"{URL}/{number}/resolve", {**SMALL, "responsible_staff": "nobody"})
    assert response.status_code == 422
    assert "responsible_staff" in response.json()["error"]["fields"]
    assert Complaint.objects.get(number=number).status == "dispatched"


@pytest.mark.parametrize("path", ["api", "dashboard"])
def test_the_kpi_counts_first_contact_resolutions_only(
    api_as: Api,
    agent: User,
    supervisor: User,
    lifecycle: Callable[..., Complaint],
    client: Any,
    path: str,
) -> None:
    front = api_as(agent)
    number = register_by_api(front)
    front.post(f"{URL}/{number}/resolve", SMALL)
    front.post(f"{URL}/{number}/close", {"customer_accepted": True})
    lifecycle("closed")  # accepted and resolved by the billing handler: not first contact
    jobs.run("analytics.fill")
    assert ComplaintFact.objects.count() == 2
    today = clock.local_today().isoformat()
    if path == "api":
        body = api_as(supervisor).get("/api/v1/stats/kpis", **{"from": today, "to": today})
        assert body.status_code == 200, body.content
        current = body.json()["current"]
        assert current["closed"] == 2
        assert current["first_contact_resolution_rate"] == 0.5
    else:
        client.force_login(supervisor)
        page = client.get("/dashboard/", {"from": today, "to": today})
        assert page.status_code == 200
        card = re.search(r'data-kpi="fcr".*?kpi-value">([^<]*)<', page.content.decode(), re.S)
        assert card is not None
        assert card.group(1).strip() == "50.0%"
