"""`POST /api/v1/complaints` and the public endpoints, exactly as API.md promises."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache

from tousu.accounts.models import PiiAccess, User
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.customers.models import Customer
from tousu.intake.models import IdempotencyKey

URL = "/api/v1/complaints"
PUBLIC = "/api/v1/public/complaints"
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)

Api = Callable[[Any], Any]


@pytest.fixture(autouse=True)
def _clean_cache(db: None) -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen_now() -> Iterator[dt.datetime]:
    with clock.frozen(NOW):
        yield NOW


def body(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "channel": "hotline",
        "content": "上个月话费无故多扣了58元，客服说查不到原因",
        "customer": {"phone": "13800138000", "name": "张三"},
        "received_at": "2026-11-20T09:30:00+08:00",
        "demand": "退还多扣费用",
    }
    data.update(changes)
    return data


def counts() -> tuple[int, int, int, int]:
    return (
        Complaint.objects.count(),
        Customer.objects.count(),
        ComplaintEvent.objects.count(),
        IdempotencyKey.objects.count(),
    )


def error_of(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    payload = response.json()
    assert set(payload) == {"error"}
    error = payload["error"]
    assert set(error) <= {"code", "message", "fields"}
    assert isinstance(error["code"], str)
    assert error["code"]
    assert isinstance(error["message"], str)
    assert error["message"]
    if code is not None:
        assert error["code"] == code
    if "fields" in error:
        assert all(isinstance(v, list) and v for v in error["fields"].values())
    return error


# ---- the happy path ------------------------------------------------------------------------


def test_register_answers_201_with_the_complaint_of_the_example(
    api_as: Api, agent: User, frozen_now: dt.datetime
) -> None:
    response = api_as(agent).post(URL, body())
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["number"] == "TS202611200001"
    assert data["status"] == "dispatched"
    assert data["channel"] == "hotline"
    assert data["content"] == "上个月话费无故多扣了58元，客服说查不到原因"
    assert data["customer"]["phone"] == "138****8000"
    assert data["customer"]["name"] == "张*"
    category = data["category"]
    assert set(category) == {"code", "name", "confidence", "source"}
    assert category["code"] == "billing.unexplained_charge"
    assert category["name"] == "资费计费 > 不明扣费"
    assert category["source"] == "model"
    assert 0 < category["confidence"] <= 1
    assert data["level"] == "ordinary"
    assert data["department"] == {"code": "billing", "name": "计费中心"}
    assert data["handler"] is None
    assert data["repeat_of"] is None
    assert data["received_at"] == "2026-11-20T09:30:00+08:00"
    # Ordinary (sla policy): 2 working hours, 27 working hours (Friday → Wednesday).
    assert data["first_response_due"] == "2026-11-20T11:30:00+08:00"
    assert data["resolution_due"] == "2026-11-25T09:30:00+08:00"
    assert data["links"] == {"self": "/api/v1/complaints/TS202611200001"}
    example_keys = {
        "number",
        "status",
        "channel",
        "content",
        "customer",
        "category",
        "level",
        "department",
        "handler",
        "repeat_of",
        "received_at",
        "first_response_due",
        "resolution_due",
        "links",
    }
    assert example_keys <= set(data)
    assert not PiiAccess.objects.exists()  # nothing was revealed to the agent


def test_an_open_complaint_received_40_days_ago_makes_a_repeat(
    api_as: Api, agent: User, handler: User, register: Callable[..., Complaint]
) -> None:
    earlier = register(received_at=clock.now() - dt.timedelta(days=40))
    assert earlier.is_open
    response = api_as(agent).post(URL, body(received_at=None, channel="app"))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["repeat_of"] == earlier.number
    assert data["level"] == "important"
    assert data["handler"] == handler.username


def test_received_at_in_another_offset_is_answered_in_shanghai_time(
    api_as: Api, agent: User, frozen_now: dt.datetime
) -> None:
    response = api_as(agent).post(URL, body(received_at="2026-11-20T01:30:00Z"))
    assert response.status_code == 201
    assert response.json()["received_at"] == "2026-11-20T09:30:00+08:00"


def test_received_at_defaults_to_now(api_as: Api, agent: User, frozen_now: dt.datetime) -> None:
    data = body()
    del data["received_at"]
    response = api_as(agent).post(URL, data)
    assert response.status_code == 201
    assert response.json()["received_at"] == "2026-11-20T10:00:00+08:00"


def test_a_handler_token_sees_the_customer_and_the_reveal_is_logged(
    api_as: Api, handler: User
) -> None:
    response = api_as(handler).post(URL, body(customer={"phone": "13800138000", "name": "张三"}))
    assert response.status_code == 201
    data = response.json()
    assert data["customer"]["phone"] == "13800138000"
    assert data["customer"]["name"] == "张三"
    access = PiiAccess.objects.get()
    assert access.user == handler
    assert access.subject == data["number"]
    assert access.via == "api"
    assert "phone" in access.fields


def test_a_given_category_and_level(api_as: Api, agent: User) -> None:
    response = api_as(agent).post(
        URL,
        body(category="network.coverage", level="important", external_ref="MIIT-2026-0042"),
    )
    assert response.status_code == 201
    data = response.json()
    assert data["category"]["code"] == "network.coverage"
    assert data["category"]["source"] == "given"
    assert data["category"]["confidence"] is None
    assert data["level"] == "important"
    assert data["department"]["code"] == "network"
    assert data["external_ref"] == "MIIT-2026-0042"


def test_a_regulator_referral_is_over_level(api_as: Api, agent: User) -> None:
    response = api_as(agent).post(URL, body(channel="regulator"))
    data = response.json()
    assert data["level"] == "over_level"
    received = dt.datetime.fromisoformat(data["received_at"])
    assert dt.datetime.fromisoformat(data["resolution_due"]) - received == dt.timedelta(hours=24)


@pytest.mark.parametrize(
    "content",
    [
        "话费多扣😡😡😡，。！？",
        "繁體字：為什麼話費會這麼貴",
        "My bill 多扣了 58 元 — please refund ASAP (订单号 #A-123)",
        "全角ＡＢＣ１２３＋（）【】《》",
        "第一行\n第二行\t缩进",
    ],
)
def test_text_round_trips_intact(api_as: Api, agent: User, content: str) -> None:
    client = api_as(agent)
    response = client.post(URL, body(content=content, demand="退😡款"))
    assert response.status_code == 201
    assert response.json()["content"] == content
    again = client.get(response.json()["links"]["self"])
    assert again.json()["content"] == content
    assert again.json()["demand"] == "退😡款"


def test_control_characters_are_stripped(api_as: Api, agent: User) -> None:
    response = api_as(agent).post(
        URL,
        body(content="\ufeff话费\x00多扣\x07了\r\n请处理\x1f", customer={"phone": "13800138000"}),
    )
    assert response.status_code == 201
    assert response.json()["content"] == "话费多扣了\n请处理"
    assert Complaint.objects.get().content == "话费多扣了\n请处理"


def test_content_of_exactly_10000_characters_is_accepted_whole(api_as: Api, agent: User) -> None:
    content = "多" * 10_000
    response = api_as(agent).post(URL, body(content=content))
    assert response.status_code == 201
    assert response.json()["content"] == content
    assert len(Complaint.objects.get().content) == 10_000


# ---- idempotency -----------------------------------------------------------------------------


def test_the_same_idempotency_key_and_body_answer_200_with_the_first_complaint(
    api_as: Api, agent: User
) -> None:
    client = api_as(agent)
    first = client.post(URL, body(), HTTP_IDEMPOTENCY_KEY="crm-2026-42")
    again = client.post(URL, body(), HTTP_IDEMPOTENCY_KEY="crm-2026-42")
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["number"] == first.json()["number"]
    assert Complaint.objects.count() == 1


def test_key_order_and_whitespace_do_not_make_another_body(api_as: Api, agent: User) -> None:
    client = api_as(agent)
    data = body()
    first = client.post(URL, data, HTTP_IDEMPOTENCY_KEY="k")
    raw = json.dumps(dict(reversed(list(data.items()))), ensure_ascii=False, indent=2)
    again = client.post(URL, raw=raw, HTTP_IDEMPOTENCY_KEY="k")
    assert again.status_code == 200
    assert again.json()["number"] == first.json()["number"]


def test_the_same_key_with_another_body_is_409(api_as: Api, agent: User) -> None:
    client = api_as(agent)
    client.post(URL, body(), HTTP_IDEMPOTENCY_KEY="crm-2026-42")
    before = counts()
    response = client.post(
        URL, body(content="另一件事：宽带断网"), HTTP_IDEMPOTENCY_KEY="crm-2026-42"
    )
    error_of(response, 409, "conflict")
    assert counts() == before


def test_the_idempotency_key_is_per_user(api_as: Api, agent: User, handler: User) -> None:
    first = api_as(agent).post(URL, body(), HTTP_IDEMPOTENCY_KEY="same")
    second = api_as(handler).post(URL, body(), HTTP_IDEMPOTENCY_KEY="same")
    assert first.status_code == second.status_code == 201
    assert first.json()["number"] != second.json()["number"]


def test_without_a_key_every_post_registers(api_as: Api, agent: User) -> None:
    client = api_as(agent)
    assert client.post(URL, body()).status_code == 201
    assert client.post(URL, body()).status_code == 201
    assert Complaint.objects.count() == 2


def test_an_overlong_idempotency_key_is_422(api_as: Api, agent: User) -> None:
    response = api_as(agent).post(URL, body(), HTTP_IDEMPOTENCY_KEY="k" * 129)
    error_of(response, 422, "validation_error")
    assert counts() == (0, 0, 0, 0)


# ---- bad input: the right status, the error shape, nothing created ----------------------------


@pytest.mark.parametrize(
    "raw",
    ['{"channel": "hotline", "content": ', "not json", "{'channel': 'hotline'}", "\xff\xfe"],
)
def test_malformed_json_is_400(api_as: Api, agent: User, raw: str) -> None:
    error_of(api_as(agent).post(URL, raw=raw), 400)
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"priority": "high"}, "priority"),
        ({"customer": {"phone": "13800138000", "email": "a@b.c"}}, "customer.email"),
        ({"channel": "fax"}, "channel"),
        ({"channel": None}, "channel"),
        ({"category": "billing.nonsense"}, "category"),
        ({"level": "urgent"}, "level"),
        ({"content": "多" * 10_001}, "content"),
        ({"content": ""}, "content"),
        ({"content": "\x00\x07 "}, "content"),
        ({"content": 42}, "content"),
        ({"customer": {"phone": "12345"}}, "customer.phone"),
        ({"customer": {"phone": "1380013800a"}}, "customer.phone"),
        ({"customer": {"phone": "13800138000", "region": "atlantis"}}, "customer.region"),
        ({"customer": {"name": "张三"}}, "customer.phone"),
        ({"received_at": "2099-01-01T09:30:00+08:00"}, "received_at"),
        ({"received_at": "2026-11-20T09:30:00"}, "received_at"),
        ({"received_at": "yesterday"}, "received_at"),
        ({"demand": "退" * 2_001}, "demand"),
        ({"external_ref": "R" * 65}, "external_ref"),
    ],
)
def test_invalid_registrations_are_422_naming_the_field(
    api_as: Api, agent: User, changes: dict[str, Any], field: str
) -> None:
    error = error_of(api_as(agent).post(URL, body(**changes)), 422, "validation_error")
    assert field in error["fields"], error
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("missing", ["content", "channel", "customer"])
def test_a_missing_required_field_is_422(api_as: Api, agent: User, missing: str) -> None:
    data = body()
    del data[missing]
    error = error_of(api_as(agent).post(URL, data), 422, "validation_error")
    assert missing in error["fields"]
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    "changes",
    [
        {"category": "billing\x00"},
        {"customer": {"phone": "13800138000", "region": "nanjing\x00"}},
    ],
)
def test_a_nul_character_in_a_code_is_refused_without_a_server_error(
    api_as: Api, agent: User, changes: dict[str, Any]
) -> None:
    response = api_as(agent).post(URL, body(**changes))
    # SQLite finds no such code (422); PostgreSQL cannot compare NUL at all (400).
    assert response.status_code in (400, 422)
    error_of(response, response.status_code)
    assert counts() == (0, 0, 0, 0)


def test_a_nul_character_in_a_public_lookup_is_never_a_server_error(
    api_as: Api, register: Callable[..., Complaint]
) -> None:
    number = register().number
    response = api_as(None).get(f"{PUBLIC}/{number}%00", phone="13800138000")
    assert response.status_code in (400, 404)
    error_of(response, response.status_code)


def test_a_body_that_is_not_an_object_is_rejected(api_as: Api, agent: User) -> None:
    response = api_as(agent).post(URL, raw="[1, 2, 3]")
    assert response.status_code in (400, 422)
    error_of(response, response.status_code)
    assert counts() == (0, 0, 0, 0)


def test_a_body_over_the_upload_limit_is_413(api_as: Api, agent: User) -> None:
    limit = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    raw = json.dumps(body(content="多" * 10_000, demand="x" * limit))
    assert len(raw.encode()) > limit
    error_of(api_as(agent).post(URL, raw=raw), 413)
    assert counts() == (0, 0, 0, 0)


def test_the_upload_limit_fits_a_10000_character_complaint_escaped(
    api_as: Api, agent: User
) -> None:
    raw = json.dumps(body(content="多" * 10_000, demand="退" * 2_000), ensure_ascii=True)
    assert len(raw.encode()) < django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert api_as(agent).post(URL, raw=raw).status_code == 201


@pytest.mark.parametrize("header", [None, "Bearer ts_not-a-real-token", "Basic YWdlbnQ6eA==", ""])
def test_without_a_valid_token_is_401(db: None, header: str | None) -> None:
    from django.test import Client

    extra: dict[str, Any] = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = Client().post(URL, json.dumps(body()), content_type="application/json", **extra)
    error_of(response, 401, "unauthorized")
    assert Complaint.objects.count() == 0


def test_a_revoked_token_or_inactive_user_is_401(api_as: Api, agent: User) -> None:
    from tousu.accounts.models import ApiToken

    client = api_as(agent)
    ApiToken.objects.filter(user=agent).update(revoked=True)
    error_of(client.post(URL, body()), 401)
    client = api_as(agent)
    agent.is_active = False
    agent.save()
    error_of(client.post(URL, body()), 401)
    assert Complaint.objects.count() == 0


@pytest.mark.parametrize("persona", ["analyst", "quality"])
def test_roles_that_do_not_register_get_403(
    api_as: Api, request: pytest.FixtureRequest, persona: str
) -> None:
    response = api_as(request.getfixturevalue(persona)).post(URL, body())
    error_of(response, 403, "forbidden")
    assert counts() == (0, 0, 0, 0)


# ---- public (no token; rate-limited) ---------------------------------------------------------


def public_body(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "content": "宽带三天两头断网掉线，报修了也没人来修",
        "phone": "13800138000",
        "name": "张三",
        "demand": "尽快修好并减免月租",
    }
    data.update(changes)
    return data


def test_a_customer_submits_without_a_token_and_gets_a_receipt(
    api_as: Api, reference: None, frozen_now: dt.datetime
) -> None:
    response = api_as(None).post(PUBLIC, public_body())
    assert response.status_code == 201, response.content
    receipt = response.json()
    assert receipt["number"] == "TS202611200001"
    assert receipt["status"] == "dispatched"
    assert receipt["received_at"] == "2026-11-20T10:00:00+08:00"
    assert receipt["reply_due"] == "2026-11-25T10:00:00+08:00"  # 27 working hours
    assert "TS202611200001" in receipt["message"]
    complaint = Complaint.objects.get()
    assert complaint.channel == "web"
    assert complaint.registered_by is None
    assert complaint.events.get(type="registered").actor_name == "customer"
    assert complaint.department is not None
    assert complaint.department.code == "broadband"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"name": "张" * 65}, "name"),
        ({"content": ""}, "content"),
        ({"content": "多" * 10_001}, "content"),
        ({"email": "a@example.com"}, "email"),
        ({"channel": "regulator"}, "channel"),
        ({"category": "billing"}, "category"),
        ({"level": "over_level"}, "level"),
    ],
)
def test_the_public_form_accepts_only_its_own_fields(
    api_as: Api, reference: None, changes: dict[str, Any], field: str
) -> None:
    error = error_of(api_as(None).post(PUBLIC, public_body(**changes)), 422, "validation_error")
    assert set(error["fields"]) == {field}
    assert Complaint.objects.count() == 0


def test_the_customer_object_of_api_md_is_accepted(
    api_as: Api, reference: None, frozen_now: dt.datetime
) -> None:
    body = {
        "content": "上个月话费无故多扣了58元，客服说查不到原因",
        "customer": {
            "phone": "13800138000",
            "name": "张三",
            "account": "025-1",
            "region": "suzhou",
        },
        "demand": "退还多扣费用",
        "channel": "app",
    }
    response = api_as(None).post(PUBLIC, body)
    assert response.status_code == 201, response.content
    complaint = Complaint.objects.get(number=response.json()["number"])
    assert (complaint.customer.phone, complaint.customer.name) == ("13800138000", "张三")
    assert complaint.customer.account == "025-1"
    assert complaint.region is not None
    assert complaint.region.code == "suzhou"
    assert (complaint.channel, complaint.demand) == ("app", "退还多扣费用")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"customer": {"phone": "12345"}}, "customer.phone"),
        ({"customer": {"phone": "13800138000", "region": "atlantis"}}, "customer.region"),
        ({"customer": {"phone": "13800138000", "email": "a@example.com"}}, "customer.email"),
        ({"customer": {"name": "张三"}}, "customer.phone"),
        ({"customer": {"phone": "13800138000"}, "phone": "13800138000"}, "customer"),
        ({"phone": "", "name": ""}, "customer"),
    ],
)
def test_an_invalid_customer_object_is_422_naming_the_field(
    api_as: Api, reference: None, changes: dict[str, Any], field: str
) -> None:
    data = {k: v for k, v in public_body().items() if k not in ("phone", "name")}
    data.update(changes)
    error = error_of(api_as(None).post(PUBLIC, data), 422, "validation_error")
    assert set(error["fields"]) == {field}
    assert Complaint.objects.count() == 0


def test_the_customer_looks_up_the_status_with_their_phone(
    api_as: Api, reference: None, lifecycle: Callable[..., Complaint]
) -> None:
    complaint = lifecycle("in_progress")
    client = api_as(None)
    response = client.get(f"{PUBLIC}/{complaint.number}", phone="13800138000")
    assert response.status_code == 200
    status = response.json()
    assert status["number"] == complaint.number
    assert status["status"] == "in_progress"
    assert status["status_name"]
    assert status["reply"] is None
    assert status["closed_at"] is None
    assert status["category"] == "资费计费 > 不明扣费"
    assert status["reply_due"].endswith("+08:00")
    # however the customer writes the number and the phone
    spaced = client.get(f"{PUBLIC}/{complaint.number.lower()}", phone="+86 138-0013-8000")
    assert spaced.status_code == 200


def test_the_reply_is_shown_once_resolved(api_as: Api, lifecycle: Callable[..., Complaint]) -> None:
    complaint = lifecycle("resolved")
    status = api_as(None).get(f"{PUBLIC}/{complaint.number}", phone="13800138000").json()
    assert status["status"] == "resolved"
    assert status["reply"] == complaint.reply


def test_a_pending_approval_does_not_leak_the_reply(
    api_as: Api, lifecycle: Callable[..., Complaint]
) -> None:
    complaint = lifecycle("awaiting_approval")
    status = api_as(None).get(f"{PUBLIC}/{complaint.number}", phone="13800138000").json()
    assert status["reply"] is None


@pytest.mark.parametrize("phone", ["13900139000", "", "not-a-phone", "138****8000"])
def test_another_phone_gets_404(
    api_as: Api, register: Callable[..., Complaint], phone: str
) -> None:
    complaint = register()
    response = api_as(None).get(f"{PUBLIC}/{complaint.number}", phone=phone)
    error = error_of(response, 404, "not_found")
    assert complaint.content not in json.dumps(error, ensure_ascii=False)


def test_an_unknown_number_gets_404(api_as: Api, reference: None) -> None:
    error_of(api_as(None).get(f"{PUBLIC}/TS209901010001", phone="13800138000"), 404, "not_found")


def test_public_submissions_are_rate_limited(api_as: Api, reference: None, settings: Any) -> None:
    settings.TOUSU_PUBLIC_RATE_LIMIT = 2
    client = api_as(None)
    assert client.post(PUBLIC, public_body()).status_code == 201
    assert client.post(PUBLIC, public_body()).status_code == 201
    error_of(client.post(PUBLIC, public_body()), 429, "rate_limited")
    assert Complaint.objects.count() == 2


def test_status_lookups_are_rate_limited(
    api_as: Api, register: Callable[..., Complaint], settings: Any
) -> None:
    settings.TOUSU_PUBLIC_RATE_LIMIT = 2
    number = register().number
    client = api_as(None)
    assert client.get(f"{PUBLIC}/{number}", phone="13900139000").status_code == 404
    assert client.get(f"{PUBLIC}/{number}", phone="13900139001").status_code == 404
    # guessing phones is exactly what the limit stops: even the right one is refused now
    error_of(client.get(f"{PUBLIC}/{number}", phone="13800138000"), 429, "rate_limited")


def test_the_rate_limit_is_per_client_address(api_as: Api, reference: None, settings: Any) -> None:
    settings.TOUSU_PUBLIC_RATE_LIMIT = 1
    client = api_as(None)
    assert client.post(PUBLIC, public_body(), REMOTE_ADDR="10.0.0.1").status_code == 201
    assert client.post(PUBLIC, public_body(), REMOTE_ADDR="10.0.0.1").status_code == 429
    assert client.post(PUBLIC, public_body(), REMOTE_ADDR="10.0.0.2").status_code == 201
    # a forged X-Forwarded-For does not escape it
    forged = client.post(
        PUBLIC, public_body(), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4"
    )
    assert forged.status_code == 429


@pytest.mark.parametrize(
    "content",
    ["\u200b\u200b\u200b", "\u2060 \u200c\u200d", "\u202e\u3000\u200b", "\ufeff\u00a0\u2066\u2069"],
)
def test_content_of_only_invisible_characters_is_refused(
    api_as: Api, agent: User, content: str
) -> None:
    """Zero-width spaces, joiners and direction marks show nothing: a complaint made of them
    is empty, and nothing is written (issue 11)."""
    response = api_as(agent).post(URL, body(content=content))
    error = error_of(response, 422, "validation_error")
    assert "content" in error["fields"]
    assert not Complaint.objects.exists()


def test_content_with_an_emoji_sequence_is_kept_as_typed(api_as: Api, agent: User) -> None:
    text = "网速太慢了👨\u200d💻，每天晚上都断"
    response = api_as(agent).post(URL, body(content=text))
    assert response.status_code == 201, response.content
    assert Complaint.objects.get().content == text
