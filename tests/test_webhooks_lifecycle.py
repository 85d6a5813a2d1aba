"""Issue 13 (Done when): every lifecycle event of a complaint reaches a webhook receiver, a
real HTTP server, signed with the endpoint's secret, after the change commits."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conftest import reply_release
from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.notifications.models import Delivery, WebhookEndpoint
from tousu.notifications.tests.receiver import Receiver, webhook_receiver

URL = "/api/v1/complaints"
SECRET = "crm-密钥"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running


def verified(receiver: Receiver) -> list[dict[str, Any]]:
    """The bodies received, each after checking its signature and headers."""
    bodies = []
    for request in receiver.requests:
        headers, body = request.headers, request.body.decode()
        signed = f"{headers['X-Tousu-Timestamp']}.{body}".encode()
        expected = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
        assert headers["X-Tousu-Signature"] == f"sha256={expected}"
        payload = json.loads(body)
        assert headers["X-Tousu-Event"] == payload["event"]
        bodies.append(payload)
    return bodies


@pytest.mark.django_db(transaction=True)
def test_every_lifecycle_event_reaches_the_receiver_signed(
    reference: None,
    receiver: Receiver,
    api_as: Callable[[Any], Any],
    agent: User,
    handler: User,
    supervisor: User,
    outsider: User,
) -> None:
    WebhookEndpoint.objects.create(name="crm", url=receiver.url, secret=SECRET)
    as_agent, as_handler, as_supervisor = api_as(agent), api_as(handler), api_as(supervisor)
    created = as_agent.post(
        URL,
        {
            "channel": "hotline",
            "content": "上个月话费无故多扣了58元，客服说查不到原因",
            "customer": {"phone": "13800138000", "name": "张三"},
        },
    )
    assert created.status_code == 201, created.content
    number = created.json()["number"]

    def act(client: Any, action: str, body: dict[str, Any]) -> None:
        response = client.post(f"{URL}/{number}/{action}", body)
        assert response.status_code == 200, (action, response.content)

    act(as_supervisor, "dispatch", {"department": "network", "reason": "疑似基站问题"})
    act(api_as(outsider), "return", {"reason": "核查系计费问题，非网络原因"})
    act(as_supervisor, "dispatch", {"department": "billing", "handler": "handler"})
    act(as_handler, "accept", {})
    act(as_handler, "escalate", {"level": "important", "reason": "客户扬言找媒体"})
    resolution = {
        "finding": "true",
        "cause": "process_error",
        "responsible_department": "billing",
        "remedies": [{"type": "refund", "amount": 58}, {"type": "bill_credit", "amount": 200}],
        "reply": "经核查系计费错误，已退还58元并赠送200元话费",
        "disputed_amount": 58,
    }
    act(as_handler, "resolve", resolution)  # over the handler's authority
    act(as_supervisor, "approve", {"approved": True, "note": "同意"})
    reply_release(Complaint.objects.get(number=number))  # gone out, as by day
    act(as_handler, "close", {"customer_accepted": True})
    scores = {"timeliness": 2, "attitude": 4, "solution": 2, "simplicity": 3}
    act(as_agent, "callback", {"result": "dissatisfied", "scores": scores, "comment": "退款太慢"})

    bodies = verified(receiver)
    assert {b["complaint"] for b in bodies} == {number}
    assert [b["event"] for b in bodies] == [
        "registered",
        "transferred",
        "returned",
        "dispatched",
        "accepted",
        "escalated",
        "resolved",
        "approval_requested",
        "approved",
        "closed",
        "callback",
        "reopened",
    ]
    data = {b["event"]: b["data"] for b in bodies}
    assert data["transferred"] == {
        "department": "network",
        "handler": "outsider",  # network assigns automatically
        "from_department": "billing",
        "reason": "疑似基站问题",
    }
    assert data["returned"]["department"] == "billing"
    assert data["dispatched"] == {"department": "billing", "handler": "handler"}
    assert data["accepted"] == {"handler": "handler", "on_time": True}
    assert (data["escalated"]["from"], data["escalated"]["to"]) == ("ordinary", "important")
    assert data["resolved"]["status"] == "awaiting_approval"
    assert data["resolved"]["total"] == "258.00"
    assert "reply" not in data["resolved"]  # the reply names the customer: it stays inside
    assert data["approval_requested"]["amount"] == "258.00"
    assert data["approved"]["amount"] == "258.00"
    assert data["callback"] == {"result": "dissatisfied", "scores": scores}
    assert data["reopened"]["reason"].startswith("回访不满意")
    # Each was sent once, after its change committed, and is logged as sent.
    assert len(set(receiver.delivery_ids())) == len(bodies)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_a_rejection_is_sent_too(
    lifecycle: Callable[..., Any], supervisor: User, receiver: Receiver
) -> None:
    from tousu.resolution.services import complaint_approve

    WebhookEndpoint.objects.create(name="crm", url=receiver.url, secret=SECRET, events="rejected")
    complaint = lifecycle("awaiting_approval")
    complaint_approve(complaint=complaint, actor=supervisor, approved=False, note="金额过高")
    [delivery] = Delivery.objects.all()
    assert delivery.payload["event"] == "rejected"
    assert delivery.payload["complaint"] == complaint.number
    assert delivery.payload["data"] == {
        "amount": "258.00",
        "level": "supervisor",
        "note": "金额过高",
    }
