"""`/api/v1/complaints…`: list with every filter, detail, timeline, every lifecycle action (its
success, its wrong status, its wrong role), scope, query counts, and the OpenAPI document."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import reply_release
from tousu.accounts.models import Department, PiiAccess, User
from tousu.callbacks.models import CallbackTask
from tousu.complaints.models import Complaint
from tousu.complaints.selectors import timeline_verify
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.resolution.models import Approval
from tousu.routing.services import complaint_dispatch

URL = "/api/v1/complaints"
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)

Api = Callable[[Any], Any]
Register = Callable[..., Complaint]
Lifecycle = Callable[..., Complaint]


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def error_of(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    payload = response.json()
    assert set(payload) == {"error"}
    error = payload["error"]
    assert {"code", "message"} <= set(error) <= {"code", "message", "fields"}
    assert error["message"]
    if code is not None:
        assert error["code"] == code
    return error


def numbers(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["number"] for item in response.json()["items"]}


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def department_id(code: str) -> int:
    return Department.objects.get(code=code).pk


# ---- the list --------------------------------------------------------------------------------


@dataclass
class Catalogue:
    """Seven complaints that differ in every filterable way (see `catalogue`)."""

    a: Complaint  # billing, hotline, nanjing, 20th 09:30, 13800138000
    b: Complaint  # billing.roaming, email, suzhou, major, 18th 15:00 (overdue), demand 退还漫游费
    c: Complaint  # classified broadband, web, wuxi, 15th 08:00 (overdue)
    d: Complaint  # billing, app, in progress with `handler`, 19th 12:00
    e: Complaint  # billing, store, closed by `handler`, 10th 09:00
    f: Complaint  # billing, wechat, same customer as a (nanjing), 20th 09:45, repeat of a
    g: Complaint  # network.coverage, regulator → over_level, nanjing, 20th 08:00, forwarded
    # by the complaint office (where regulator referrals land) to the network department

    def n(self, *names: str) -> set[str]:
        return {getattr(self, name).number for name in names}


@pytest.fixture
def frozen() -> Iterator[dt.datetime]:
    with clock.frozen(NOW):
        yield NOW


@pytest.fixture
def catalogue(register: Register, lifecycle: Lifecycle, frozen: dt.datetime) -> Catalogue:
    a = register(received_at=at(20, 9, 30), region="nanjing")
    b = register(
        category="billing.roaming",
        channel="email",
        level="major",
        content="出国漫游费一天扣了三百多",
        demand="退还漫游费",
        customer_phone="13900000001",
        region="suzhou",
        received_at=at(18, 15),
    )
    c = register(
        category="",
        channel="web",
        content="家里宽带经常掉线，打电话报修没人管",
        customer_phone="13900000002",
        region="wuxi",
        received_at=at(15, 8),
    )
    d = lifecycle(
        "in_progress",
        channel="app",
        content="话费莫名其妙多扣了",
        customer_phone="13900000003",
        received_at=at(19, 12),
    )
    e = lifecycle(
        "closed",
        channel="store",
        content="营业厅办理的套餐多扣钱",
        customer_phone="13900000004",
        received_at=at(10, 9),
    )
    f = register(channel="wechat", content="又一次多扣话费", received_at=at(20, 9, 45))
    Complaint.objects.filter(pk=f.pk).update(repeat_of=a)
    g = register(
        category="network.coverage",
        channel="regulator",
        content="小区没信号，已向工信部申诉",
        customer_phone="13900000005",
        region="nanjing",
        received_at=at(20, 8),
    )
    g = complaint_dispatch(
        complaint=g,
        actor=None,
        department=Department.objects.get(code="network"),
        reason="工信部转办：信号覆盖问题，转网络部门核查",
    )
    return Catalogue(a, b, c, d, e, fresh(f), g)


def test_the_list_has_the_page_shape(api_as: Api, analyst: User, catalogue: Catalogue) -> None:
    response = api_as(analyst).get(URL)
    assert response.status_code == 200
    page = response.json()
    assert set(page) == {"items", "count", "page", "page_size"}
    assert page["count"] == 7
    assert page["page"] == 1
    assert page["page_size"] == 50
    received = [item["received_at"] for item in page["items"]]
    assert received == sorted(received, reverse=True)  # newest first
    assert page["items"][0]["customer"]["phone"] == "138****8000"


def test_pages(api_as: Api, analyst: User, catalogue: Catalogue) -> None:
    client = api_as(analyst)
    seen: list[str] = []
    for page in (1, 2, 3, 4):
        body = client.get(URL, page=page, page_size=2).json()
        assert body["count"] == 7
        assert body["page"] == page
        assert body["page_size"] == 2
        assert len(body["items"]) == (2 if page < 4 else 1)
        seen += [item["number"] for item in body["items"]]
    assert len(set(seen)) == 7
    beyond = client.get(URL, page=5, page_size=2).json()
    assert beyond["items"] == []
    assert beyond["count"] == 7
    assert client.get(URL, page_size=200).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": 201}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"page": 0}, "page"),
        ({"page": "one"}, "page"),
        ({"overdue": "perhaps"}, "overdue"),
        ({"time_left": "soon"}, "time_left"),
        ({"received_from": "2026-13-01"}, "received_from"),
        ({"received_to": "yesterday"}, "received_to"),
        ({"closed_from": "2026-02-30"}, "closed_from"),
        ({"customer_phone": "12345"}, "customer_phone"),
    ],
)
def test_bad_list_parameters_are_422(
    api_as: Api, analyst: User, reference: None, params: dict[str, Any], field: str
) -> None:
    error = error_of(api_as(analyst).get(URL, **params), 422, "validation_error")
    assert field in error["fields"]


FILTERS: list[tuple[dict[str, str], tuple[str, ...]]] = [
    ({"status": "in_progress"}, ("d",)),
    ({"status": "closed"}, ("e",)),
    ({"status": "dispatched"}, ("a", "b", "c", "f", "g")),
    ({"category": "billing"}, ("a", "b", "d", "e", "f")),
    ({"category": "billing.roaming"}, ("b",)),
    ({"category": "network"}, ("c", "g")),
    ({"category": "bill"}, ()),  # a code, not a text prefix
    ({"channel": "email"}, ("b",)),
    ({"channel": "regulator"}, ("g",)),
    ({"level": "major"}, ("b",)),
    ({"level": "over_level"}, ("g",)),
    ({"department": "billing"}, ("a", "b", "d", "e", "f")),
    ({"department": "broadband"}, ("c",)),
    ({"department": "network"}, ("g",)),
    ({"handler": "handler"}, ("a", "b", "d", "e", "f")),  # billing's only handler: assigned
    ({"region": "nanjing"}, ("a", "f", "g")),  # f: the customer's region
    ({"region": "suzhou"}, ("b",)),
    ({"responsible_department": "billing"}, ("e",)),  # confirmed when e was resolved
    ({"responsible_department": "network"}, ()),
    ({"overdue": "true"}, ("b", "c")),
    ({"overdue": "false"}, ("a", "b", "c", "d", "e", "f", "g")),
    ({"time_left": "overdue"}, ("b", "c")),
    ({"time_left": "within_4h"}, ()),
    ({"time_left": "within_24h"}, ("g",)),  # over-level: a short limit
    ({"time_left": "later"}, ("a", "d", "f")),
    ({"repeat": "true"}, ("f",)),
    ({"received_from": "2026-11-18", "received_to": "2026-11-19"}, ("b", "d")),
    ({"received_from": "2026-11-20"}, ("a", "f", "g")),
    ({"received_to": "2026-11-15"}, ("c", "e")),
    ({"received_from": "2026-11-20T09:00:00+08:00"}, ("a", "f")),
    ({"received_to": "2026-11-20T01:00:00Z"}, ("b", "c", "d", "e", "g")),
    ({"closed_from": "2026-11-20", "closed_to": "2026-11-20"}, ("e",)),  # closed at NOW
    ({"closed_to": "2026-11-19"}, ()),
    ({"customer_phone": "13800138000"}, ("a", "f")),
    ({"customer_phone": "+86 138-0013-8000"}, ("a", "f")),
    ({"customer_phone": "13912345678"}, ()),
    ({"q": "宽带 掉线"}, ("c",)),
    ({"q": "宽带 漫游"}, ()),  # every term must match
    # e says 套餐多扣钱, which jieba cuts 多/扣钱: found through the character pair 多扣.
    ({"q": "多扣"}, ("a", "d", "e", "f")),
    ({"q": "工信部"}, ("g",)),
    ({"q": "退还漫游费"}, ("b",)),  # the demand is searched too
    ({"q": "  "}, ("a", "b", "c", "d", "e", "f", "g")),
    ({"category": "billing", "status": "dispatched", "channel": "hotline"}, ("a",)),
]


@pytest.mark.parametrize(("params", "expected"), FILTERS, ids=[str(p) for p, _ in FILTERS])
def test_every_filter_returns_the_right_complaints(
    api_as: Api,
    analyst: User,
    catalogue: Catalogue,
    params: dict[str, str],
    expected: tuple[str, ...],
) -> None:
    response = api_as(analyst).get(URL, **params)
    assert numbers(response) == catalogue.n(*expected)
    assert response.json()["count"] == len(expected)


def test_a_page_far_past_the_end_is_empty(api_as: Api, analyst: User, register: Register) -> None:
    register()
    body = api_as(analyst).get(URL, page="99999999999999999999").json()
    assert body["items"] == []
    assert body["count"] == 1


@pytest.mark.parametrize(
    "params",
    [
        {"status": "\x00"},
        {"q": "多扣\x00"},
        {"category": "billing\x00"},
        {"handler": "handler\x00"},
        {"department": "\x00"},
        {"region": "\x00"},
    ],
)
def test_a_nul_character_in_a_filter_is_never_a_server_error(
    api_as: Api, analyst: User, register: Register, params: dict[str, str]
) -> None:
    register()
    response = api_as(analyst).get(URL, **params)
    # SQLite compares the text and finds nothing; PostgreSQL cannot hold NUL: a 400. The
    # search (q) reads only letters and digits from the query: it finds 多扣 on both.
    if response.status_code == 200:
        assert response.json()["items"] == [] or "q" in params
    else:
        error_of(response, 400, "bad_request")


@pytest.mark.parametrize("suffix", ["", "/timeline"])
def test_a_nul_character_in_a_number_is_never_a_server_error(
    api_as: Api, analyst: User, register: Register, suffix: str
) -> None:
    number = register().number
    response = api_as(analyst).get(f"{URL}/{number}%00{suffix}")
    assert response.status_code in (400, 404)
    error_of(response, response.status_code)


def test_overdue_and_repeat_show_in_the_items(
    api_as: Api, analyst: User, catalogue: Catalogue
) -> None:
    items = {i["number"]: i for i in api_as(analyst).get(URL).json()["items"]}
    assert items[catalogue.b.number]["overdue"] is True
    assert items[catalogue.a.number]["overdue"] is False
    assert items[catalogue.e.number]["overdue"] is False  # closed
    assert items[catalogue.f.number]["repeat_of"] == catalogue.a.number


def test_the_list_reveals_personal_data_to_handlers_and_logs_it_once(
    api_as: Api, handler: User, catalogue: Catalogue
) -> None:
    response = api_as(handler).get(URL, department="billing")
    items = response.json()["items"]
    assert {i["customer"]["phone"] for i in items} >= {"13800138000"}
    access = PiiAccess.objects.get()
    assert access.user == handler
    assert access.count == len(items)


def test_outsiders_see_none_of_billings_complaints(
    api_as: Api, outsider: User, catalogue: Catalogue
) -> None:
    client = api_as(outsider)
    visible = numbers(client.get(URL))
    assert visible == catalogue.n("g")  # only the network department's
    assert numbers(client.get(URL, department="billing")) == set()
    assert numbers(client.get(URL, customer_phone="13800138000")) == set()
    for complaint in (catalogue.a, catalogue.d, catalogue.e):
        error_of(client.get(f"{URL}/{complaint.number}"), 404, "not_found")
        error_of(client.get(f"{URL}/{complaint.number}/timeline"), 404, "not_found")


def test_an_unknown_number_is_404_like_a_hidden_one(api_as: Api, outsider: User) -> None:
    error_of(api_as(outsider).get(f"{URL}/TS209901010001"), 404, "not_found")


def test_the_list_needs_a_token(api_as: Api, reference: None) -> None:
    error_of(api_as(None).get(URL), 401, "unauthorized")


KINDS = ("unexplained_charge", "tariff_dispute", "value_added", "roaming")


def test_the_list_runs_a_constant_number_of_queries(
    api_as: Api,
    handler: User,
    register: Register,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    client = api_as(handler)
    first = register()
    # A repeat from the start: the numbers of the complaints repeated are read once a page
    # (issue 19: the list's rows no longer join them), the same one query for 2 rows or 25.
    register(customer_phone="13900000099")
    Complaint.objects.exclude(pk=first.pk).update(repeat_of=first)
    client.get(URL)  # the token's first use writes its last-use time once
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(URL).json()["items"]) == 2
    for i in range(23):
        register(customer_phone=f"139{i:08d}", region="nanjing", category=f"billing.{KINDS[i % 4]}")
    # every related row the items show, so that a lazy load per item would be counted
    Complaint.objects.exclude(pk=first.pk).update(repeat_of=first, handler=handler)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get(URL).json()["items"]) == 25


# ---- detail and timeline ---------------------------------------------------------------------


def test_the_detail_has_the_current_due_times(
    api_as: Api, handler: User, register: Register
) -> None:
    with clock.frozen(NOW):
        complaint = register(received_at=at(20, 9, 30))
    data = api_as(handler).get(f"{URL}/{complaint.number}").json()
    assert data["number"] == complaint.number
    assert data["received_at"] == "2026-11-20T09:30:00+08:00"
    # Ordinary (sla policy): 2 working hours, 27 working hours (Friday → Wednesday).
    assert data["first_response_due"] == "2026-11-20T11:30:00+08:00"
    assert data["resolution_due"] == "2026-11-25T09:30:00+08:00"
    assert data["customer"] == {
        "phone": "13800138000",
        "name": "张三",
        "account": None,
        "region": None,
    }
    api_as(handler).post(
        f"{URL}/{complaint.number}/escalate", {"level": "major", "reason": "客户要找媒体"}
    )
    data = api_as(handler).get(f"{URL}/{complaint.number}").json()
    assert data["level"] == "major"
    assert data["first_response_due"] == "2026-11-20T10:00:00+08:00"  # major: 30 minutes
    assert data["resolution_due"] == "2026-11-21T09:30:00+08:00"


def test_the_timeline_lists_every_event_oldest_first(
    api_as: Api, handler: User, lifecycle: Lifecycle
) -> None:
    complaint = lifecycle("closed")
    response = api_as(handler).get(f"{URL}/{complaint.number}/timeline")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["type"] for i in items] == [
        "registered",
        "classified",
        "dispatched",
        "message_out",  # the acknowledgement to the customer (issue 17)
        "accepted",
        "resolved",
        "message_out",  # the reply
        "closed",
        "callback_scheduled",
        "message_out",  # the callback-survey notice
    ]
    times = [dt.datetime.fromisoformat(i["at"]) for i in items]
    assert times == sorted(times)
    assert all(i["at"].endswith("+08:00") for i in items)
    assert set(items[0]) == {"at", "type", "actor", "data"}
    assert items[0]["actor"] == "system"
    assert items[4]["actor"] == str(handler)
    assert items[5]["data"]["total"] == "58.00"


# ---- lifecycle through the API ---------------------------------------------------------------


def test_the_whole_lifecycle_through_the_api(
    api_as: Api, agent: User, handler: User, supervisor: User, reference: None
) -> None:
    as_agent, as_handler, as_supervisor = api_as(agent), api_as(handler), api_as(supervisor)
    created = as_agent.post(
        URL,
        {
            "channel": "hotline",
            "content": "上个月话费无故多扣了58元，客服说查不到原因",
            "customer": {"phone": "13800138000", "name": "张三"},
        },
    )
    assert created.status_code == 201
    number = created.json()["number"]
    path = f"{URL}/{number}"

    def act(client: Any, action: str, body: dict[str, Any]) -> dict[str, Any]:
        response = client.post(f"{path}/{action}", body)
        assert response.status_code == 200, (action, response.content)
        return response.json()

    data = act(as_supervisor, "dispatch", {"department": "billing", "handler": "handler"})
    assert (data["status"], data["handler"]) == ("dispatched", "handler")
    data = act(as_handler, "accept", {})
    assert data["status"] == "in_progress"
    assert data["accepted_at"] is not None
    data = act(as_handler, "notes", {"text": "已致电客户，核查账单中", "internal": True})
    assert data["status"] == "in_progress"
    data = act(as_handler, "escalate", {"level": "important", "reason": "客户扬言找媒体"})
    assert data["level"] == "important"
    data = act(
        as_handler,
        "resolve",
        {
            "finding": "true",
            "cause": "process_error",
            "responsible_department": "billing",
            "remedies": [
                {"type": "refund", "amount": 58.0},
                {"type": "bill_credit", "amount": 200},
            ],
            "reply": "经核查系计费错误，已退还58元并赠送200元话费",
            "disputed_amount": 58,
        },
    )
    assert data["status"] == "awaiting_approval"
    from tousu.resolution.models import HandlingRecord

    assert HandlingRecord.objects.get(complaint__number=number).disputed_amount == 58
    data = act(as_supervisor, "approve", {"approved": True, "note": "同意"})
    assert data["status"] == "resolved"
    assert data["resolved_at"] is not None
    # The reply queued at the approval has gone out, as by day (held at night, it would hold
    # the close as accepted: resolution's accepted_close_waits).
    reply_release(Complaint.objects.get(number=number))
    data = act(as_handler, "close", {"customer_accepted": True})
    assert data["status"] == "closed"
    assert data["closed_at"] is not None
    assert CallbackTask.objects.get(complaint__number=number).status == "pending"
    data = act(
        as_agent,
        "callback",
        {
            "result": "dissatisfied",
            "scores": {"timeliness": 2, "attitude": 4, "solution": 2, "simplicity": 3},
            "comment": "退款太慢",
        },
    )
    assert data["status"] == "in_progress"
    data = act(
        as_handler,
        "resolve",
        {
            "finding": "true",
            "cause": "process_error",
            "responsible_department": "billing",
            "remedies": [{"type": "apology"}],
            "reply": "已加急处理退款，向您致歉",
        },
    )
    assert data["status"] == "resolved"
    data = act(as_agent, "reopen", {"reason": "客户来电说仍未到账"})
    assert data["status"] == "in_progress"

    timeline = as_handler.get(f"{path}/timeline").json()["items"]
    assert [i["type"] for i in timeline] == [
        "registered",
        "classified",
        "dispatched",
        "message_out",  # the acknowledgement
        "dispatched",
        "accepted",
        "note",
        "escalated",
        "resolved",  # awaiting approval: no reply yet
        "approval_requested",
        "approved",
        "message_out",  # the reply, once approved
        "closed",
        "callback_scheduled",
        "message_out",  # the callback-survey notice
        "callback",
        "reopened",
        "resolved",
        "message_out",  # a new resolution, a new reply
        "reopened",
    ]
    assert timeline_verify([number]) == (1, [])


def test_dispatch_with_a_transfer_through_the_api(
    api_as: Api, handler: User, lifecycle: Lifecycle
) -> None:
    complaint = lifecycle("in_progress")
    client = api_as(handler)
    path = f"{URL}/{complaint.number}/dispatch"
    error = error_of(client.post(path, {"department": "network"}), 422, "validation_error")
    assert "reason" in error["fields"]
    assert fresh(complaint).department_id == department_id("billing")
    response = client.post(path, {"department": "network", "reason": "基站问题导致"})
    # The transfer worked: the answer says so, although the complaint has left the
    # handler's scope and is hidden from them from now on.
    assert response.status_code == 200, response.content
    assert response.json()["department"]["code"] == "network"
    assert response.json()["status"] == "dispatched"
    assert response.json()["handler"] is None
    after = fresh(complaint)
    assert after.department_id == department_id("network")
    assert after.events.latest("seq").type == "transferred"
    error_of(client.get(f"{URL}/{complaint.number}"), 404, "not_found")


@dataclass
class Action:
    name: str
    body: dict[str, Any]
    wrong_status: str | None  # a status where the action is refused (None: allowed in any)
    actor: str  # a persona allowed to do it
    wrong_role: str  # a persona that sees the complaint but may not do it
    right_status: str  # where the wrong role is tried


RESOLVE_BODY = {
    "finding": "partly_true",
    "cause": "explanation_lacking",
    "responsible_department": "billing",
    "remedies": [{"type": "refund", "amount": 10}],
    "reply": "已解释并退还10元",
}

ACTIONS = [
    Action(
        "dispatch", {"department": "billing"}, "resolved", "supervisor", "analyst", "dispatched"
    ),
    Action("accept", {}, "in_progress", "handler", "agent", "dispatched"),
    Action("notes", {"text": "备注"}, None, "handler", "analyst", "in_progress"),
    Action(
        "escalate", {"level": "major", "reason": "媒体"}, "closed", "handler", "agent", "dispatched"
    ),
    Action("resolve", RESOLVE_BODY, "dispatched", "handler", "quality", "in_progress"),
    Action(
        "approve", {"approved": True}, "in_progress", "supervisor", "handler2", "awaiting_approval"
    ),
    Action("close", {"customer_accepted": True}, "in_progress", "handler", "agent", "resolved"),
    Action("reopen", {"reason": "客户不满意"}, "in_progress", "agent", "quality", "closed"),
    Action("callback", {"result": "satisfied"}, "resolved", "agent", "handler", "closed"),
]


def snapshot(complaint: Complaint) -> tuple[Any, ...]:
    c = fresh(complaint)
    return (
        c.status,
        c.event_seq,
        c.event_hash,
        c.level,
        c.department_id,
        c.handler_id,
        c.resolution_due,
        c.updated_at,
        Approval.objects.filter(complaint=c).count(),
        CallbackTask.objects.filter(complaint=c, status="pending").count(),
    )


@pytest.mark.parametrize(
    "action",
    [a for a in ACTIONS if a.wrong_status],
    ids=[a.name for a in ACTIONS if a.wrong_status],
)
def test_an_action_in_a_wrong_status_is_409_and_changes_nothing(
    api_as: Api, lifecycle: Lifecycle, request: pytest.FixtureRequest, action: Action
) -> None:
    assert action.wrong_status is not None
    complaint = lifecycle(action.wrong_status)
    before = snapshot(complaint)
    client = api_as(request.getfixturevalue(action.actor))
    response = client.post(f"{URL}/{complaint.number}/{action.name}", action.body)
    error_of(response, 409, "invalid_transition")
    assert snapshot(complaint) == before


@pytest.mark.parametrize("action", ACTIONS, ids=[a.name for a in ACTIONS])
def test_an_action_by_a_wrong_role_is_403_and_changes_nothing(
    api_as: Api, lifecycle: Lifecycle, request: pytest.FixtureRequest, action: Action
) -> None:
    complaint = lifecycle(action.right_status)
    before = snapshot(complaint)
    client = api_as(request.getfixturevalue(action.wrong_role))
    response = client.post(f"{URL}/{complaint.number}/{action.name}", action.body)
    error_of(response, 403, "forbidden")
    assert snapshot(complaint) == before


@pytest.mark.parametrize("action", ACTIONS, ids=[a.name for a in ACTIONS])
def test_the_right_role_in_the_right_status_succeeds(
    api_as: Api, lifecycle: Lifecycle, request: pytest.FixtureRequest, action: Action
) -> None:
    complaint = lifecycle(action.right_status)
    client = api_as(request.getfixturevalue(action.actor))
    response = client.post(f"{URL}/{complaint.number}/{action.name}", action.body)
    assert response.status_code == 200, response.content
    assert fresh(complaint).event_seq > complaint.event_seq


@pytest.mark.parametrize("action", ACTIONS, ids=[a.name for a in ACTIONS])
def test_an_action_outside_the_scope_is_404_and_changes_nothing(
    api_as: Api, lifecycle: Lifecycle, outsider: User, action: Action
) -> None:
    complaint = lifecycle(action.right_status)
    before = snapshot(complaint)
    response = api_as(outsider).post(f"{URL}/{complaint.number}/{action.name}", action.body)
    error_of(response, 404, "not_found")
    assert snapshot(complaint) == before


@pytest.mark.parametrize("action", ACTIONS, ids=[a.name for a in ACTIONS])
def test_an_action_on_an_unknown_number_is_404(
    api_as: Api, admin_user: User, action: Action
) -> None:
    response = api_as(admin_user).post(f"{URL}/TS209901010001/{action.name}", action.body)
    error_of(response, 404, "not_found")


@pytest.mark.parametrize("action", ACTIONS, ids=[a.name for a in ACTIONS])
def test_an_action_needs_a_token(api_as: Api, lifecycle: Lifecycle, action: Action) -> None:
    complaint = lifecycle(action.right_status)
    response = api_as(None).post(f"{URL}/{complaint.number}/{action.name}", action.body)
    error_of(response, 401, "unauthorized")


BAD_BODIES: list[tuple[str, str, str, dict[str, Any], str]] = [
    # (status, persona, action, body, field named in the error)
    ("dispatched", "supervisor", "dispatch", {}, "department"),
    ("dispatched", "supervisor", "dispatch", {"department": "mars"}, "department"),
    (
        "dispatched",
        "supervisor",
        "dispatch",
        {"department": "billing", "handler": "nobody"},
        "handler",
    ),
    (
        "dispatched",
        "supervisor",
        "dispatch",
        {"department": "billing", "handler": "outsider"},
        "handler",
    ),
    ("dispatched", "supervisor", "dispatch", {"department": "billing", "x": 1}, "x"),
    ("dispatched", "handler", "accept", {"now": True}, "now"),
    ("in_progress", "handler", "notes", {}, "text"),
    ("in_progress", "handler", "notes", {"text": "  "}, "text"),
    ("in_progress", "handler", "notes", {"text": "备注", "internal": "maybe"}, "internal"),
    ("in_progress", "handler", "escalate", {"level": "urgent", "reason": "急"}, "level"),
    ("in_progress", "handler", "escalate", {"level": "major"}, "reason"),
    ("in_progress", "handler", "escalate", {"level": "ordinary", "reason": "降级"}, "level"),
    ("in_progress", "handler", "resolve", {**RESOLVE_BODY, "finding": "maybe"}, "finding"),
    ("in_progress", "handler", "resolve", {**RESOLVE_BODY, "cause": "luck"}, "cause"),
    ("in_progress", "handler", "resolve", {**RESOLVE_BODY, "reply": ""}, "reply"),
    (
        "in_progress",
        "handler",
        "resolve",
        {**RESOLVE_BODY, "responsible_department": "mars"},
        "responsible_department",
    ),
    (
        "in_progress",
        "handler",
        "resolve",
        {**RESOLVE_BODY, "remedies": [{"type": "cash", "amount": 1}]},
        "remedies.0.type",
    ),
    (
        "in_progress",
        "handler",
        "resolve",
        {**RESOLVE_BODY, "remedies": [{"type": "refund", "amount": -5}]},
        "remedies.0.amount",
    ),
    (
        "in_progress",
        "handler",
        "resolve",
        {**RESOLVE_BODY, "remedies": [{"type": "refund", "amount": "lots"}]},
        "remedies.0.amount",
    ),
    ("awaiting_approval", "supervisor", "approve", {}, "approved"),
    ("awaiting_approval", "supervisor", "approve", {"approved": False}, "note"),
    ("resolved", "handler", "close", {}, "customer_accepted"),
    ("closed", "agent", "reopen", {}, "reason"),
    ("closed", "agent", "reopen", {"reason": " "}, "reason"),
    ("closed", "agent", "callback", {"result": "happy"}, "result"),
    (
        "closed",
        "agent",
        "callback",
        {"result": "satisfied", "scores": {"attitude": 6}},
        "scores.attitude",
    ),
    (
        "closed",
        "agent",
        "callback",
        {"result": "satisfied", "scores": {"price": 3}},
        "scores.price",
    ),
    ("closed", "agent", "callback", {"result": "unreachable", "scores": {"attitude": 3}}, "scores"),
    ("closed", "agent", "callback", {"result": "dissatisfied", "action": "ignore"}, "action"),
]


@pytest.mark.parametrize(
    ("status", "persona", "action", "body", "field"),
    BAD_BODIES,
    ids=[f"{b[2]}-{b[4]}-{i}" for i, b in enumerate(BAD_BODIES)],
)
def test_a_bad_action_body_is_422_and_changes_nothing(
    api_as: Api,
    lifecycle: Lifecycle,
    request: pytest.FixtureRequest,
    outsider: User,  # exists, but is no billing handler
    status: str,
    persona: str,
    action: str,
    body: dict[str, Any],
    field: str,
) -> None:
    complaint = lifecycle(status)
    before = snapshot(complaint)
    client = api_as(request.getfixturevalue(persona))
    response = client.post(f"{URL}/{complaint.number}/{action}", body)
    error = error_of(response, 422, "validation_error")
    assert field in error.get("fields", {}), error
    assert snapshot(complaint) == before


@pytest.mark.parametrize("action", ACTIONS, ids=[a.name for a in ACTIONS])
def test_malformed_json_on_an_action_is_400(
    api_as: Api, lifecycle: Lifecycle, request: pytest.FixtureRequest, action: Action
) -> None:
    complaint = lifecycle(action.right_status)
    before = snapshot(complaint)
    client = api_as(request.getfixturevalue(action.actor))
    error_of(client.post(f"{URL}/{complaint.number}/{action.name}", raw="{oops"), 400)
    assert snapshot(complaint) == before


# ---- the OpenAPI document and the docs page --------------------------------------------------


def test_the_openapi_document_describes_the_contract(api_as: Api, db: None) -> None:
    response = api_as(None).get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"]
    assert doc["info"]["version"]
    paths = doc["paths"]
    expected = {
        "/api/v1/complaints": {"get", "post"},
        "/api/v1/complaints/{number}": {"get"},
        "/api/v1/complaints/{number}/timeline": {"get"},
        "/api/v1/public/complaints": {"post"},
        "/api/v1/public/complaints/{number}": {"get"},
        "/api/v1/stats/kpis": {"get"},
        **{f"/api/v1/complaints/{{number}}/{a.name}": {"post"} for a in ACTIONS},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
        for method in methods:
            operation = paths[path][method]
            assert operation["responses"], (path, method)
            assert operation.get("operationId")
    operation_ids = [op["operationId"] for item in paths.values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))
    assert any(s.get("scheme") == "bearer" for s in doc["components"]["securitySchemes"].values())
    # the public endpoints need no token, the others do
    assert not paths["/api/v1/public/complaints"]["post"].get("security")
    assert paths["/api/v1/complaints"]["get"]["security"]
    # every $ref resolves
    schemas = doc["components"]["schemas"]

    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(doc):
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in schemas, ref
    list_params = {p["name"] for p in paths["/api/v1/complaints"]["get"]["parameters"]}
    assert {"status", "category", "overdue", "q", "page", "page_size"} <= list_params
    kpi_params = {p["name"] for p in paths["/api/v1/stats/kpis"]["get"]["parameters"]}
    assert {"from", "to", "group_by"} <= kpi_params


def test_the_docs_page_answers(api_as: Api, db: None) -> None:
    response = api_as(None).get("/api/v1/docs")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"openapi.json" in response.content


# Client generators name their methods after the operation ids: they are part of what clients
# rely on, so moving an endpoint between modules must not change them.
PUBLISHED_OPERATION_IDS = {
    ("get", "/api/v1/complaints/{number}/messages"): "tousu_messages_api_complaint_messages",
    (
        "post",
        "/api/v1/complaints/{number}/messages",
    ): "tousu_messages_api_complaint_message_send",
    ("post", "/api/v1/messages/receipts/http"): "tousu_messages_api_message_receipt_http",
    ("get", "/api/v1/me/work"): "tousu_desk_api_my_work",
    ("get", "/api/v1/callbacks"): "tousu_callbacks_api_callbacks",
    ("get", "/api/v1/complaints"): "tousu_complaints_api_complaint_list",
    ("post", "/api/v1/complaints"): "tousu_intake_api_register",
    ("get", "/api/v1/complaints/{number}"): "tousu_complaints_api_complaint_get",
    ("get", "/api/v1/complaints/{number}/timeline"): "tousu_complaints_api_complaint_timeline",
    ("get", "/api/v1/complaints/{number}/similar"): "tousu_complaints_api_complaint_similar",
    ("get", "/api/v1/complaints/{number}/suggestion"): "tousu_knowledge_api_suggestion",
    ("post", "/api/v1/complaints/{number}/case"): "tousu_knowledge_api_case_create",
    ("post", "/api/v1/complaints/{number}/accept"): "tousu_complaints_api_accept",
    ("post", "/api/v1/complaints/{number}/notes"): "tousu_complaints_api_notes",
    ("post", "/api/v1/complaints/{number}/reopen"): "tousu_complaints_api_reopen",
    ("post", "/api/v1/complaints/{number}/merge"): "tousu_complaints_api_merge",
    ("post", "/api/v1/complaints/{number}/unmerge"): "tousu_complaints_api_unmerge",
    ("post", "/api/v1/complaints/{number}/dispatch"): "tousu_complaints_api_dispatch",
    ("post", "/api/v1/complaints/{number}/return"): "tousu_complaints_api_return_",
    ("post", "/api/v1/complaints/{number}/team"): "tousu_complaints_api_team",
    ("post", "/api/v1/complaints/{number}/escalate"): "tousu_complaints_api_escalate",
    ("post", "/api/v1/complaints/{number}/pause"): "tousu_complaints_api_pause",
    ("post", "/api/v1/complaints/{number}/resume"): "tousu_complaints_api_resume",
    ("post", "/api/v1/complaints/{number}/resolve"): "tousu_complaints_api_resolve",
    ("post", "/api/v1/complaints/{number}/approve"): "tousu_complaints_api_approve",
    ("post", "/api/v1/complaints/{number}/close"): "tousu_complaints_api_close",
    ("post", "/api/v1/complaints/{number}/callback"): "tousu_complaints_api_callback",
    ("post", "/api/v1/public/complaints"): "tousu_intake_api_public_submit",
    ("get", "/api/v1/public/complaints/{number}"): "tousu_intake_api_public_lookup",
    ("get", "/api/v1/stats/kpis"): "tousu_analytics_api_stats_kpis",
    ("get", "/api/v1/stats/responsible"): "tousu_analytics_api_stats_responsible",
    ("get", "/api/v1/reports/satisfaction-drivers"): "tousu_analytics_api_satisfaction_drivers",
    ("get", "/api/v1/reports/consistency"): "tousu_resolution_api_consistency",
    ("get", "/api/v1/alerts"): "tousu_early_warning_api_alerts",
    ("get", "/api/v1/forecast/backlog"): "tousu_early_warning_api_backlog_forecast",
    ("get", "/api/v1/repair/cases"): "tousu_repair_api_cases",
    ("post", "/api/v1/repair/cases"): "tousu_repair_api_case_open",
    ("get", "/api/v1/repair/cases/{id}"): "tousu_repair_api_case",
    ("post", "/api/v1/repair/cases/{id}/actions"): "tousu_repair_api_case_action",
    ("post", "/api/v1/repair/cases/{id}/close"): "tousu_repair_api_case_close",
    ("get", "/api/v1/reports/repair"): "tousu_repair_api_effect",
    ("get", "/api/v1/incidents"): "tousu_early_warning_api_incidents",
    ("post", "/api/v1/incidents"): "tousu_early_warning_api_incident_open",
    ("get", "/api/v1/incidents/{id}"): "tousu_early_warning_api_incident",
    ("post", "/api/v1/incidents/{id}/complaints"): "tousu_early_warning_api_incident_complaints",
    ("post", "/api/v1/incidents/{id}/statement"): "tousu_early_warning_api_incident_statement",
    (
        "post",
        "/api/v1/incidents/{id}/statement/{version}/approve",
    ): "tousu_early_warning_api_incident_statement_approve",
    ("post", "/api/v1/incidents/{id}/reply"): "tousu_early_warning_api_incident_reply",
    ("post", "/api/v1/incidents/{id}/resolve"): "tousu_early_warning_api_incident_resolve",
    ("post", "/api/v1/incidents/{id}/close"): "tousu_early_warning_api_incident_close",
    ("get", "/api/v1/inspections"): "tousu_quality_api_inspections",
    ("post", "/api/v1/inspections"): "tousu_quality_api_inspection_create",
    ("get", "/api/v1/inspections/{id}"): "tousu_quality_api_inspection",
    ("post", "/api/v1/inspections/{id}/score"): "tousu_quality_api_inspection_score",
    ("post", "/api/v1/inspections/{id}/appeal"): "tousu_quality_api_inspection_appeal",
    ("post", "/api/v1/inspections/{id}/appeal/decide"): "tousu_quality_api_appeal_decide",
    ("get", "/api/v1/capa"): "tousu_quality_api_capa_list",
    ("post", "/api/v1/capa"): "tousu_quality_api_capa_open",
    ("get", "/api/v1/capa/{id}"): "tousu_quality_api_capa",
    ("post", "/api/v1/capa/{id}/actions"): "tousu_quality_api_capa_action_add",
    ("post", "/api/v1/capa/{id}/actions/{action_id}/done"): "tousu_quality_api_capa_action_done",
    ("post", "/api/v1/capa/{id}/verify"): "tousu_quality_api_capa_verify",
    ("get", "/api/v1/documents"): "tousu_quality_api_documents",
    ("get", "/api/v1/documents/{code}"): "tousu_quality_api_document",
    ("post", "/api/v1/documents/{code}/acknowledge"): "tousu_quality_api_document_acknowledge",
}


def test_operation_ids_stay_as_published(db: None) -> None:
    from tousu.config.api import api

    paths = api.get_openapi_schema()["paths"]
    found = {(m, path): op["operationId"] for path, item in paths.items() for m, op in item.items()}
    assert found == PUBLISHED_OPERATION_IDS
