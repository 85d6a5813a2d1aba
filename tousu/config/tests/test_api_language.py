"""The API answers in Chinese by default and in English to a client that asks for it
(`Accept-Language: en`): the error handlers' own words and the services' messages alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

ENGLISH: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def client_of(api_as: Callable[[Any], Any], handler: Any) -> Any:
    return api_as(handler)


def error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    return dict(response.json()["error"])


def test_schema_validation_error_in_chinese_by_default(client_of: Any) -> None:
    body = error(client_of.post("/api/v1/complaints", {"channel": "fax"}), 422)
    assert body["code"] == "validation_error"
    assert body["message"] == "提交的内容有误"
    assert body["fields"]["content"] == ["此项为必填项"]
    assert body["fields"]["channel"][0].startswith("取值无效，可选：'hotline'")


def test_schema_validation_error_in_english_on_request(client_of: Any) -> None:
    response = client_of.post("/api/v1/complaints", {"channel": "fax"}, **ENGLISH)
    body = error(response, 422)
    assert body["code"] == "validation_error"
    assert body["message"] == "The input is invalid"
    assert body["fields"]["content"] == ["Required"]
    assert body["fields"]["channel"][0].startswith("Invalid value; one of: 'hotline'")
    assert "Accept-Language" in response["Vary"]  # caches keep the two languages apart


def test_service_error_in_both_languages(client_of: Any, register: Callable[..., Any]) -> None:
    number = register().number
    url = f"/api/v1/complaints/{number}/notes"
    chinese = error(client_of.post(url, {"text": " "}), 422)
    assert chinese == {
        "code": "validation_error",
        "message": "备注不能为空",
        "fields": {"text": ["此项为必填项"]},
    }
    english = error(client_of.post(url, {"text": " "}, **ENGLISH), 422)
    assert english == {
        "code": "validation_error",
        "message": "The note is empty",
        "fields": {"text": ["Required"]},
    }


def test_conflict_in_both_languages(client_of: Any, register: Callable[..., Any]) -> None:
    number = register().number
    url = f"/api/v1/complaints/{number}/close"
    assert error(client_of.post(url, {"customer_accepted": True}), 409)["message"] == (
        "当前状态（已派单）下不能执行此操作：close"
    )
    english = error(client_of.post(url, {"customer_accepted": True}, **ENGLISH), 409)
    assert english["code"] == "invalid_transition"
    assert english["message"] == "Not possible in the current status (Dispatched): close"


def test_handler_messages_in_both_languages(db: None) -> None:
    client = Client()
    assert error(client.get("/api/v1/complaints"), 401)["message"] == (
        "需要有效的 API 令牌 (Authorization: Bearer …)"
    )
    english = error(client.get("/api/v1/complaints", **ENGLISH), 401)
    assert english["message"] == "A valid API token is required (Authorization: Bearer …)"


def test_public_not_found_in_both_languages(db: None) -> None:
    client = Client()
    url = "/api/v1/public/complaints/TS202611200001?phone=13800138000"
    assert error(client.get(url), 404)["message"] == "未找到该投诉，请核对编号和电话号码"
    english = error(client.get(url, **ENGLISH), 404)["message"]
    assert english == "No complaint with this number and phone number; please check both"


def test_public_receipt_in_both_languages(db: None, reference: None) -> None:
    client = Client()
    body = {"content": "宽带三天没有网络，报修后无人上门", "phone": "13800138000"}
    chinese = client.post("/api/v1/public/complaints", body, content_type="application/json")
    assert chinese.status_code == 201, chinese.content
    assert chinese.json()["message"].startswith("您的投诉已受理，编号 TS")
    english = client.post(
        "/api/v1/public/complaints", body, content_type="application/json", **ENGLISH
    )
    assert english.status_code == 201, english.content
    assert english.json()["message"].startswith("Your complaint is registered as TS")


def test_registration_refused_in_both_languages(client_of: Any, reference: None) -> None:
    """Intake's own checks, past the schema: the fields and the headline in either language."""
    body = {
        "channel": "hotline",
        "content": "上个月话费无故多扣了58元",
        "customer": {"phone": "12345", "region": "atlantis"},
        "category": "billing.nonsense",
    }
    chinese = error(client_of.post("/api/v1/complaints", body), 422)
    assert chinese == {
        "code": "validation_error",
        "message": "提交的内容有误，请检查标出的字段",
        "fields": {
            "customer.phone": ["电话号码无效：应为 11 位手机号或带区号的固定电话"],
            "customer.region": ["未知地区「atlantis」"],
            "category": ["未知类别「billing.nonsense」"],
        },
    }
    english = error(client_of.post("/api/v1/complaints", body, **ENGLISH), 422)
    assert english == {
        "code": "validation_error",
        "message": "The input has errors; please check the marked fields",
        "fields": {
            "customer.phone": [
                "Invalid phone number: an 11-digit mobile number or a landline with its area code"
            ],
            "customer.region": ["Unknown region “atlantis”"],
            "category": ["Unknown category “billing.nonsense”"],
        },
    }


def test_idempotency_conflict_in_both_languages(client_of: Any, reference: None) -> None:
    body = {"channel": "hotline", "content": "话费多扣", "customer": {"phone": "13800138000"}}
    key = {"HTTP_IDEMPOTENCY_KEY": "crm-7"}
    assert client_of.post("/api/v1/complaints", body, **key).status_code == 201
    other = {**body, "content": "宽带断网"}
    chinese = error(client_of.post("/api/v1/complaints", other, **key), 409)
    assert chinese["message"] == "该 Idempotency-Key 已用于另一份内容不同的请求"
    english = error(client_of.post("/api/v1/complaints", other, **key, **ENGLISH), 409)
    assert english["message"] == (
        "This Idempotency-Key was used for another request with a different body"
    )


def test_rejection_without_reason_in_both_languages(
    api_as: Callable[[Any], Any], supervisor: Any, lifecycle: Callable[..., Any]
) -> None:
    number = lifecycle("awaiting_approval").number
    client = api_as(supervisor)
    url = f"/api/v1/complaints/{number}/approve"
    chinese = error(client.post(url, {"approved": False}), 422)
    assert chinese == {
        "code": "validation_error",
        "message": "驳回时请说明原因",
        "fields": {"note": ["此项为必填项"]},
    }
    english = error(client.post(url, {"approved": False}, **ENGLISH), 422)
    assert english == {
        "code": "validation_error",
        "message": "Give the reason for rejecting",
        "fields": {"note": ["Required"]},
    }
