"""`/api/v1/repair/cases…` and `/api/v1/reports/repair`: shapes, masking, scope and errors
(the error shape, and nothing changed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tousu.callbacks.models import CallbackTask
from tousu.customers.models import Customer
from tousu.repair.models import RepairCase

Make = Callable[..., CallbackTask]


@pytest.fixture
def case(dissatisfied: Make) -> RepairCase:
    task = dissatisfied()
    return RepairCase.objects.get(customer=task.complaint.customer_id)


def test_the_list_shows_the_case_masked_to_an_agent_and_whole_to_the_handler(
    case: RepairCase, api_as: Any, handler: Any, agent: Any
) -> None:
    body = api_as(agent).get("/api/v1/repair/cases").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["customer"]["phone"] == "138****8000"
    assert (item["type"], item["source"], item["status"]) == ("tariff", "callback", "open")
    assert item["department"]["code"] == "billing"
    assert item["owner"] is None
    assert [a["step"] for a in item["actions"]] == ["contact", "bill_check", "refund", "follow_up"]
    assert case.complaint is not None
    assert item["complaint"] == case.complaint.number
    whole = api_as(handler).get("/api/v1/repair/cases").json()["items"][0]
    assert whole["customer"]["phone"] == "13800138000"


def test_another_departments_case_is_not_found(
    case: RepairCase, api_as: Any, outsider: Any
) -> None:
    client = api_as(outsider)
    assert client.get("/api/v1/repair/cases").json()["count"] == 0
    for answer in (
        client.get(f"/api/v1/repair/cases/{case.pk}"),
        client.post(f"/api/v1/repair/cases/{case.pk}/actions", {"contact_outcome": "reached"}),
        client.post(f"/api/v1/repair/cases/{case.pk}/close", {"satisfaction_after": 5}),
    ):
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "not_found"
    case.refresh_from_db()
    assert case.status == "open"


def test_a_step_a_contact_and_the_close(case: RepairCase, api_as: Any, handler: Any) -> None:
    client = api_as(handler)
    url = f"/api/v1/repair/cases/{case.pk}"
    answer = client.post(f"{url}/actions", {"step": "contact", "contact_outcome": "reached"})
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["status"] == "in_progress"
    assert body["owner"] == "handler"
    assert body["actions"][0]["done_by"] == "handler"
    assert body["contacts"][0]["outcome"] == "reached"
    answer = client.post(f"{url}/close", {"satisfaction_after": 4, "outcome": "已改套餐"})
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["satisfaction_after"]) == ("closed", 4)
    # A closed case takes nothing more: 409, as an illegal transition of a complaint.
    again = client.post(f"{url}/actions", {"contact_outcome": "reached"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invalid_transition"
    assert client.post(f"{url}/close", {"satisfaction_after": 5}).status_code == 409
    case.refresh_from_db()
    assert case.satisfaction_after == 4
    assert case.contacts.count() == 1


@pytest.mark.parametrize("score", [0, 6, "five", None])
def test_a_score_outside_1_to_5_is_422(
    case: RepairCase, api_as: Any, handler: Any, score: Any
) -> None:
    answer = api_as(handler).post(
        f"/api/v1/repair/cases/{case.pk}/close", {"satisfaction_after": score}
    )
    assert answer.status_code == 422
    assert "satisfaction_after" in answer.json()["error"]["fields"]
    case.refresh_from_db()
    assert case.status == "open"


def test_a_bad_step_is_422(case: RepairCase, api_as: Any, handler: Any) -> None:
    answer = api_as(handler).post(f"/api/v1/repair/cases/{case.pk}/actions", {"step": "dance"})
    assert answer.status_code == 422
    assert "step" in answer.json()["error"]["fields"]


def test_an_agent_may_see_but_not_act(case: RepairCase, api_as: Any, agent: Any) -> None:
    answer = api_as(agent).post(f"/api/v1/repair/cases/{case.pk}/close", {"satisfaction_after": 5})
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"


def test_open_by_hand_for_a_complaints_customer(
    reference: None, api_as: Any, supervisor: Any, complaint_in: Any
) -> None:
    complaint = complaint_in("closed", customer_phone="13600000001")
    client = api_as(supervisor)
    answer = client.post(
        "/api/v1/repair/cases", {"complaint": complaint.number, "type": "publicity"}
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["type"], body["source"], body["department"]["code"]) == (
        "publicity",
        "manual",
        "marketing",
    )
    assert body["complaint"] == complaint.number
    second = client.post(
        "/api/v1/repair/cases", {"customer_phone": "13600000001", "type": "tariff"}
    )
    assert second.status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"customer_phone": "13999999999", "type": "tariff"}, "customer_phone"),
        ({"complaint": "TS209901010001", "type": "tariff"}, "complaint"),
        ({"type": "tariff"}, "customer_phone"),
        ({"customer_phone": "13600000002", "type": "weather"}, "type"),
        ({"customer_phone": "13600000002", "type": "tariff", "colour": "red"}, "colour"),
    ],
)
def test_opening_with_bad_input_is_422_and_opens_nothing(
    reference: None, api_as: Any, supervisor: Any, body: dict[str, str], field: str
) -> None:
    Customer.objects.create(phone="13600000002")
    answer = api_as(supervisor).post("/api/v1/repair/cases", body)
    assert answer.status_code == 422
    assert field in answer.json()["error"]["fields"]
    assert not RepairCase.objects.exists()


def test_the_work_api_lists_the_repair_item(case: RepairCase, api_as: Any, handler: Any) -> None:
    items = api_as(handler).get("/api/v1/me/work").json()["items"]
    repair = [i for i in items if i["kind"] == "repair"]
    assert len(repair) == 1
    assert case.complaint is not None
    assert repair[0]["id"] == case.pk
    assert repair[0]["number"] == case.complaint.number
    assert repair[0]["links"]["self"] == f"/api/v1/repair/cases/{case.pk}"


def test_the_effect_report(case: RepairCase, api_as: Any, analyst: Any, handler: Any) -> None:
    from tousu.repair.services import repair_case_close

    repair_case_close(case=case, actor=handler, satisfaction_after=5)
    answer = api_as(analyst).get(
        "/api/v1/reports/repair", **{"from": "2020-01-01", "to": "2021-12-31"}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["repaired"]["n"] == 0
    assert body["comparison"]["n"] == 0
    assert api_as(analyst).get("/api/v1/reports/repair").status_code == 422
    assert (
        api_as(handler)
        .get("/api/v1/reports/repair", **{"from": "2026-01-01", "to": "2026-02-01"})
        .status_code
        == 403
    )
