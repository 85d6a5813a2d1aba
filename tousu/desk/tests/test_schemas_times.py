"""Every time the API prints about a complaint (detail, list, timeline, similar, suggestion) is
ISO 8601 with an offset of hours and minutes, as API.md promises: `datetime.fromisoformat`
reads it back aware.

Rows registered before received times were bounded (1900, year 1) are there to stay: in those
years Asia/Shanghai was local mean time, +08:05:43, and the API printed
`1900-01-01T09:35:43+08:05:43`, which is no ISO 8601 time (JavaScript's Date refuses it)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tousu.complaints.models import Complaint
from tousu.config.api import api
from tousu.sla.services import complaint_pause, complaint_resume

pytestmark = pytest.mark.django_db

# RFC 3339, the profile of ISO 8601 for the internet: a date, a time, an offset (or Z).
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)")
ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")
# A string that starts like a date: checked wherever it is (the timeline's free-form data too).
DATE_LIKE = re.compile(r"\d{4}-\d\d-\d\d")

OLD = dt.datetime(1900, 1, 1, 1, 30, tzinfo=dt.UTC)
YEAR_ONE = dt.datetime(1, 1, 1, 1, 30, tzinfo=dt.UTC)


def assert_iso_time(value: Any, where: str) -> None:
    assert isinstance(value, str), f"{where}: {value!r}"
    assert ISO_TIME.fullmatch(value), f"{where}: {value!r} is not ISO 8601 with an offset"
    parsed = dt.datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, f"{where}: {value!r} has no offset"


@functools.cache
def openapi() -> dict[str, Any]:
    return api.get_openapi_schema()


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    components = openapi()["components"]["schemas"]
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def check(value: Any, schema: dict[str, Any] | None, where: str) -> Iterator[str]:
    """Check `value` against the times its response schema declares, and every date-like
    string anywhere; yield the path of each time checked."""
    if schema is not None:
        schema = _resolve(schema)
        options = [_resolve(o) for o in schema.get("anyOf", [])]
        if options:
            schema = next((o for o in options if o.get("type") != "null"), None)
    fmt = (schema or {}).get("format")
    if value is None:
        return
    if fmt == "date-time":
        assert_iso_time(value, where)
        yield where
    elif fmt == "date":
        assert isinstance(value, str), f"{where}: {value!r}"
        assert ISO_DATE.fullmatch(value), f"{where}: {value!r}"
        assert dt.date.fromisoformat(value)
    elif isinstance(value, str) and DATE_LIKE.match(value):
        if ISO_DATE.fullmatch(value):
            assert dt.date.fromisoformat(value)
        else:  # a time in free-form data (timeline events): the same rule
            assert_iso_time(value, where)
            yield where
    elif isinstance(value, dict):
        properties = (schema or {}).get("properties", {})
        for key, item in value.items():
            yield from check(item, properties.get(key), f"{where}.{key}")
    elif isinstance(value, list):
        items = (schema or {}).get("items")
        for i, item in enumerate(value):
            yield from check(item, items, f"{where}[{i}]")


def response_schema(path: str) -> dict[str, Any]:
    responses = openapi()["paths"][path]["get"]["responses"]
    ok = responses[200] if 200 in responses else responses["200"]
    return dict(ok["content"]["application/json"]["schema"])


@pytest.fixture
def complaints(complaint_in: Callable[..., Complaint], handler: Any, quality: Any) -> list[str]:
    """A complaint of today, paused and resumed; one received in 1900, closed, with its
    callback; one received in year 1 (as the API registered it before it refused such times)."""
    from tousu.knowledge import services as knowledge

    current = complaint_in("in_progress")
    complaint_resume(
        complaint=complaint_pause(complaint=current, actor=handler, reason="等待客户提供账单"),
        actor=handler,
    )
    old = complaint_in("closed", received_at=OLD)
    first = complaint_in("dispatched")
    Complaint.objects.filter(pk=first.pk).update(
        received_at=YEAR_ONE,
        first_response_due=YEAR_ONE + dt.timedelta(hours=2),
        resolution_due=YEAR_ONE + dt.timedelta(days=3),
    )
    # Approved wording for the suggestion, with its dates.
    knowledge.wording_article_create(
        actor=quality,
        key="unexplained-charge",
        title="不明扣费退费口径",
        topic="policy",
        first_version=knowledge.WordingVersionInput(
            body="不明扣费核实属实的，全额退还。",
            effective_from=dt.date(2026, 1, 1),
            valid_until=dt.date(2099, 12, 31),
        ),
    )
    return [current.number, old.number, first.number]


def test_every_time_about_a_complaint_is_iso_8601_with_an_offset(
    api_as: Callable[[Any], Any], admin_user: Any, complaints: list[str]
) -> None:
    client = api_as(admin_user)
    checked: list[str] = []
    listed = client.get("/api/v1/complaints", page_size=200)
    assert listed.status_code == 200
    assert {c["number"] for c in listed.json()["items"]} == set(complaints)
    checked += check(listed.json(), response_schema("/api/v1/complaints"), "list")
    for number in complaints:
        for suffix in ("", "/timeline", "/similar", "/suggestion"):
            response = client.get(f"/api/v1/complaints/{number}{suffix}")
            assert response.status_code == 200, (number, suffix, response.content[:300])
            schema = response_schema(f"/api/v1/complaints/{{number}}{suffix}")
            checked += check(response.json(), schema, f"{number}{suffix}")

    # Not a vacuous walk: the times of each kind were there to check.
    kinds = {re.sub(r"\[\d+\]|TS\d+", "", path) for path in checked}
    assert {
        "list.items.received_at",
        "list.items.closed_at",
        ".received_at",
        ".first_response_due",
        ".resolution_due",
        ".accepted_at",
        "/timeline.items.at",
        "/timeline.items.data.due_at",
        "/timeline.items.data.paused_at",
        "/similar.items.received_at",
    } <= kinds, sorted(kinds)


def test_times_of_1900_and_year_1_are_given_at_plus_eight(
    api_as: Callable[[Any], Any], admin_user: Any, complaints: list[str]
) -> None:
    client = api_as(admin_user)
    old = client.get(f"/api/v1/complaints/{complaints[1]}").json()
    assert old["received_at"] == "1900-01-01T09:30:00+08:00"
    first = client.get(f"/api/v1/complaints/{complaints[2]}").json()
    assert first["received_at"] == "0001-01-01T09:30:00+08:00"
    assert first["resolution_due"] == "0001-01-04T09:30:00+08:00"
    assert first["overdue"] is True
