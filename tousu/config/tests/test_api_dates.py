"""Every date and time the API takes, in a query string or a body, answers a date it cannot
use (year 1, 1900, year 9999, not a date, 30 February) with 422 and the error shape, never a
500: year 1 and 9999 overflowed the time arithmetic (a day added, a previous period, UTC), 1900
registered a complaint overdue at once.

`DATE_INPUTS` lists them; a test reads the OpenAPI document so that a new one is walked too."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tousu.complaints.models import Complaint
from tousu.config.api import api
from tousu.core.clock import SHANGHAI

pytestmark = pytest.mark.django_db

BAD_DATES = ["0001-01-01", "1900-01-01", "9999-12-31", "notadate", "2026-02-30"]
# As a time of day, with and without an offset, for inputs that take one.
BAD_TIMES = [
    *BAD_DATES,
    "0001-01-01T00:00:00+08:00",  # no UTC time
    "0001-01-01T09:30:00+08:00",  # was registered
    "1900-01-01T09:30:00+08:00",  # was registered, overdue at once
    "1999-12-31T23:59:59+08:00",
    "9999-12-31T23:59:59-12:00",
    "9999-12-31T23:59:59",
    "2026-02-30T09:30:00+08:00",
]
VALID_DAY = "2026-01-01"
# The rest of a valid body of each POST walked (only the date under test is bad).
BODIES: dict[str, dict[str, Any]] = {}

OPERATIONS = {
    "list": ("GET", "/api/v1/complaints"),
    "register": ("POST", "/api/v1/complaints"),
    "kpis": ("GET", "/api/v1/stats/kpis"),
    "responsible": ("GET", "/api/v1/stats/responsible"),
    "consistency": ("GET", "/api/v1/reports/consistency"),
    "alerts": ("GET", "/api/v1/alerts"),
    "drivers": ("GET", "/api/v1/reports/satisfaction-drivers"),
    "repair": ("GET", "/api/v1/reports/repair"),
    "capa_open": ("POST", "/api/v1/capa"),
    "capa_action": ("POST", "/api/v1/capa/{id}/actions"),
}
# (operation, where, name) of every date input; `others` are the other inputs it needs.
DATE_INPUTS: list[tuple[str, str, str, dict[str, str]]] = [
    ("list", "query", "received_from", {}),
    ("list", "query", "received_to", {}),
    ("list", "query", "closed_from", {}),
    ("list", "query", "closed_to", {}),
    ("kpis", "query", "from", {"to": VALID_DAY}),
    ("kpis", "query", "to", {"from": VALID_DAY}),
    ("responsible", "query", "from", {"to": VALID_DAY}),
    ("responsible", "query", "to", {"from": VALID_DAY}),
    ("consistency", "query", "from", {"to": VALID_DAY}),
    ("consistency", "query", "to", {"from": VALID_DAY}),
    ("alerts", "query", "from", {"to": VALID_DAY}),
    ("alerts", "query", "to", {"from": VALID_DAY}),
    ("drivers", "query", "from", {"to": VALID_DAY}),
    ("drivers", "query", "to", {"from": VALID_DAY}),
    ("repair", "query", "from", {"to": VALID_DAY}),
    ("repair", "query", "to", {"from": VALID_DAY}),
    ("register", "body", "received_at", {}),
    ("capa_open", "body", "due_on", {}),
    # The date is checked before the corrective action is looked up: none need exist.
    ("capa_action", "body", "due_on", {}),
]
REGISTRATION = {
    "channel": "hotline",
    "content": "上个月话费无故多扣了58元",
    "customer": {"phone": "13800138000"},
}
BODIES["register"] = REGISTRATION
BODIES["capa_open"] = {
    "title": "不明扣费",
    "source": "manual",
    "channel": "hotline",
    "root_cause": "二次确认短信未下发",
}
BODIES["capa_action"] = {"title": "恢复二次确认短信"}
# A name that says "date or time": what the guard below looks for besides formats.
DATE_NAME = re.compile(r"(^|_)(from|to|at|date|day|time|since|until|due)($|_)")
# Inputs with such a name that take no date.
NOT_DATES = {
    ("GET /api/v1/complaints", "query", "time_left"),  # a bucket: TimeLeft's values
    ("POST /api/v1/incidents/{id}/close", "body", "to_improve"),  # the review's text
}


def _walk() -> Iterator[tuple[str, str, str, str, dict[str, str]]]:
    for operation, where, name, others in DATE_INPUTS:
        for value in BAD_TIMES if where == "body" else BAD_DATES:
            yield operation, where, name, value, others


def _call(client: Any, operation: str, name: str, value: Any, others: Any) -> Any:
    method, path = OPERATIONS[operation]
    path = path.format(id=1)
    if method == "GET":
        return client.get(path, **{**others, name: value})
    return client.post(path, {**BODIES[operation], **others, name: value})


@pytest.mark.parametrize(
    ("operation", "where", "name", "value", "others"),
    list(_walk()),
    ids=[f"{op}-{name}={value}" for op, _, name, value, _ in _walk()],
)
def test_a_date_out_of_range_or_unparseable_is_a_422_with_the_error_shape(
    api_as: Callable[[Any], Any],
    admin_user: Any,
    operation: str,
    where: str,
    name: str,
    value: str,
    others: dict[str, str],
) -> None:
    client = api_as(admin_user)
    client.client.raise_request_exception = False  # a 500 is a failure to report, not raise

    response = _call(client, operation, name, value, others)

    assert response.status_code == 422, response.content[:500]
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == "validation_error"
    assert isinstance(error["message"], str)
    assert error["message"]
    assert list(error["fields"]) == [name]
    assert all(isinstance(m, str) and m for m in error["fields"][name])
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    "value",
    [
        -62135596800,  # a Unix time: 0001-01-01T00:00:00Z, which pydantic takes
        -2208988800,  # 1900-01-01T00:00:00Z
        253402300799,  # 9999-12-31T23:59:59Z
    ],
)
def test_a_received_time_as_a_number_is_bounded_too(
    api_as: Callable[[Any], Any], admin_user: Any, value: int
) -> None:
    client = api_as(admin_user)
    client.client.raise_request_exception = False
    response = client.post("/api/v1/complaints", {**REGISTRATION, "received_at": value})
    assert response.status_code == 422, response.content[:500]
    assert list(response.json()["error"]["fields"]) == ["received_at"]


def test_with_an_idempotency_key_too(api_as: Callable[[Any], Any], admin_user: Any) -> None:
    client = api_as(admin_user)
    client.client.raise_request_exception = False
    for value in ("0001-01-01T00:00:00+08:00", "1900-01-01T09:30:00+08:00"):
        response = client.post(
            "/api/v1/complaints",
            {**REGISTRATION, "received_at": value},
            HTTP_IDEMPOTENCY_KEY=f"k-{value}",
        )
        assert response.status_code == 422, response.content[:500]
        assert list(response.json()["error"]["fields"]) == ["received_at"]


def test_the_message_names_the_range(api_as: Callable[[Any], Any], admin_user: Any) -> None:
    client = api_as(admin_user)
    body = client.get("/api/v1/complaints", received_from="1900-01-01").json()
    assert body["error"]["message"] == "时间超出范围"
    assert body["error"]["fields"] == {
        "received_from": ["请使用 2000-01-01 至 2099-12-31 之间的日期"]
    }
    body = client.post(
        "/api/v1/complaints", {**REGISTRATION, "received_at": "1900-01-01T09:30:00+08:00"}
    ).json()
    assert body["error"]["fields"] == {"received_at": ["受理时间不能早于 2000-01-01"]}


def test_the_ends_of_the_range_are_accepted(api_as: Callable[[Any], Any], admin_user: Any) -> None:
    client = api_as(admin_user)
    assert client.get("/api/v1/complaints", received_from="2000-01-01").status_code == 200
    assert client.get("/api/v1/complaints", received_to="2099-12-31").status_code == 200
    kpis = client.get("/api/v1/stats/kpis", **{"from": "2000-01-01", "to": "2099-12-31"})
    assert kpis.status_code == 200
    # The previous period of the same length starts in 1900, when Asia/Shanghai was local mean
    # time (+08:05:43): printed with an ISO 8601 offset all the same.
    period = kpis.json()["period"]
    assert period["start"] == "2000-01-01T00:00:00+08:00"
    assert period["end"] == "2100-01-01T00:00:00+08:00"
    assert period["previous_start"] == "1899-12-30T23:54:17+08:00"
    previous = dt.datetime.fromisoformat(period["previous_start"])
    assert previous == dt.datetime(1899, 12, 31, tzinfo=SHANGHAI)
    created = client.post(
        "/api/v1/complaints", {**REGISTRATION, "received_at": "2000-01-01T00:00:00+08:00"}
    )
    assert created.status_code == 201
    assert created.json()["received_at"] == "2000-01-01T00:00:00+08:00"


# ---- every date input is in the walk ----------------------------------------------------------


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return dict(components[schema["$ref"].rsplit("/", 1)[-1]])
    return schema


def _dated(schema: dict[str, Any], components: dict[str, Any]) -> bool:
    schema = _resolve(schema, components)
    options = schema.get("anyOf", [schema])
    return any(_resolve(o, components).get("format") in ("date", "date-time") for o in options)


def _inputs() -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(path, where, name, schema) of every input of every operation, bodies one level deep."""
    document = api.get_openapi_schema()
    components = document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                yield f"{method.upper()} {path}", "query", parameter["name"], parameter["schema"]
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                body = _resolve(media["schema"], components)
                for name, schema in body.get("properties", {}).items():
                    yield f"{method.upper()} {path}", "body", name, schema


def test_every_date_input_of_the_api_is_walked() -> None:
    walked = {(" ".join(OPERATIONS[op]), where, name) for op, where, name, _ in DATE_INPUTS}
    components = api.get_openapi_schema()["components"]["schemas"]
    found = {
        (path, where, name)
        for path, where, name, schema in _inputs()
        if _dated(schema, components) or DATE_NAME.search(name)
    }
    found -= NOT_DATES
    assert found == walked, "a date input is missing from DATE_INPUTS (or one was removed)"


def test_an_operation_known_to_the_walk_exists() -> None:
    paths = {
        f"{m.upper()} {p}" for p, ops in api.get_openapi_schema()["paths"].items() for m in ops
    }
    assert {" ".join(v) for v in OPERATIONS.values()} <= paths
    assert dt.date.fromisoformat(VALID_DAY)
