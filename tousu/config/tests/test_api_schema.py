"""The OpenAPI document tells the truth about failures: every operation lists the error statuses
it can answer, all with the one `Error` schema, and each listed status is one the operation
really gives; and no two schemas share a name (django-ninja keeps the last one of a name, so a
collision silently describes one endpoint's answer with another's schema)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from ninja.openapi.schema import OpenAPISchema

from tousu.config.api import api

ERROR_REF = "#/components/schemas/Error"
NUMBER_UNKNOWN = "TS209901010001"


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, item in document["paths"].items() for m, op in item.items()]


def test_no_two_schemas_share_a_name() -> None:
    seen: dict[str, dict[str, Any]] = {}
    collisions: set[str] = set()

    class Recording(OpenAPISchema):
        def add_schema_definitions(self, definitions: dict[str, Any]) -> None:
            for name, schema in definitions.items():
                if seen.setdefault(name, schema) != schema:
                    collisions.add(name)
            super().add_schema_definitions(definitions)

    Recording(api, "api/v1/")
    assert not collisions, f"schemas named alike, one hidden by the other: {sorted(collisions)}"


def test_the_suggestion_and_the_consistency_report_keep_their_clause_shapes() -> None:
    """The collision that was: the suggestion's clause (with its text) and the consistency
    report's clause (with its outcomes) were both `ClauseOut`; the report kept the name."""
    schemas = api.get_openapi_schema()["components"]["schemas"]
    assert "outcomes" in schemas["ClauseOut"]["properties"]
    suggestion_clause = schemas["SuggestionOut"]["properties"]["clause"]["anyOf"][0]["$ref"]
    assert "text" in schemas[suggestion_clause.rsplit("/", 1)[1]]["properties"]


def test_every_operation_lists_its_errors_with_the_one_error_schema() -> None:
    document = api.get_openapi_schema()
    for method, path, op in operations(document):
        errors = {int(s): r for s, r in op["responses"].items() if int(s) >= 400}
        label = f"{method.upper()} {path}"
        if op.get("security"):
            assert 401 in errors, label
        if "requestBody" in op:
            assert {400, 413, 422} <= set(errors), label
        if "{number}" in path:
            assert 404 in errors, label
        for status, response in errors.items():
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": ERROR_REF}, (label, status)
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    detail = document["components"]["schemas"]["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message"}


def test_each_public_and_reporting_operation_lists_its_own_errors() -> None:
    paths = api.get_openapi_schema()["paths"]

    def statuses(method: str, path: str) -> set[int]:
        return {int(s) for s in paths[path][method]["responses"] if int(s) >= 400}

    assert {429} <= statuses("post", "/api/v1/public/complaints")
    assert {429, 404} <= statuses("get", "/api/v1/public/complaints/{number}")
    assert 401 not in statuses("post", "/api/v1/public/complaints")
    assert {403, 422} <= statuses("get", "/api/v1/stats/kpis")
    assert {403, 409, 422} <= statuses("post", "/api/v1/complaints")
    assert {403, 409} <= statuses("post", "/api/v1/complaints/{number}/accept")


# ---- each listed status is real ------------------------------------------------------------


def url(path: str) -> str:
    return path.replace("{number}", NUMBER_UNKNOWN)


def test_every_listed_input_error_is_what_the_operation_answers(
    api_as: Callable[[Any], Any], admin_user: Any, settings: Any
) -> None:
    """The statuses implied by an operation's shape, checked for every operation: 401 without
    a token, 400 for a body that is not JSON, 413 for one too large, 422 for an unknown
    field, 404 for an unknown number — each with the error shape."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    admin, anonymous = api_as(admin_user), api_as(None)
    answers: dict[tuple[str, str, int], int] = {}

    def send(client: Any, method: str, path: str, raw: str | None = None) -> Any:
        if method == "get":
            return client.get(url(path))
        return client.post(url(path), raw=raw if raw is not None else "")

    for method, path, op in operations(api.get_openapi_schema()):
        declared = {int(s) for s in op["responses"] if int(s) >= 400}
        probes: dict[int, Any] = {}
        if 401 in declared:
            probes[401] = lambda m=method, p=path: send(anonymous, m, p, "{}")
        if "requestBody" in op:
            probes[400] = lambda m=method, p=path: send(admin, m, p, "{not json")
            probes[413] = lambda m=method, p=path: send(admin, m, p, json.dumps({"x": "字" * 999}))
            probes[422] = lambda m=method, p=path: send(admin, m, p, '{"zz_unknown": 1}')
        body_required = op.get("requestBody", {}).get("required", False)
        if "{number}" in path and not body_required:
            probes[404] = lambda m=method, p=path: send(admin, m, p)
        for status, probe in probes.items():
            response = probe()
            answers[(method, path, status)] = response.status_code
            if response.status_code == status:
                assert set(response.json()) == {"error"}
    wrong = {k: v for k, v in answers.items() if k[2] != v}
    assert not wrong, wrong
    assert len(answers) > 60  # every operation was probed


def test_listed_domain_errors_are_what_a_representative_request_answers(
    api_as: Callable[[Any], Any],
    agent: Any,
    handler: Any,
    analyst: Any,
    lifecycle: Callable[..., Any],
    settings: Any,
) -> None:
    """403, 409, 422 (a query) and 429, each as its operation lists it, for a sample."""
    settings.TOUSU_PUBLIC_RATE_LIMIT = 1
    dispatched = lifecycle("dispatched")
    closed = lifecycle("closed")
    as_agent, as_handler = api_as(agent), api_as(handler)
    answers = {
        ("post", "/api/v1/complaints/{number}/accept", 403): as_agent.post(
            f"/api/v1/complaints/{dispatched.number}/accept"
        ),
        ("post", "/api/v1/complaints/{number}/accept", 409): as_handler.post(
            f"/api/v1/complaints/{closed.number}/accept"
        ),
        ("post", "/api/v1/complaints/{number}/case", 403): as_agent.post(
            f"/api/v1/complaints/{closed.number}/case"
        ),
        ("post", "/api/v1/complaints", 403): api_as(analyst).post(
            "/api/v1/complaints", REGISTRATION
        ),
        ("get", "/api/v1/stats/kpis", 403): as_agent.get("/api/v1/stats/kpis"),
        ("get", "/api/v1/stats/kpis", 422): api_as(analyst).get(
            "/api/v1/stats/kpis", **{"from": "2026-13-01", "to": "2026-12-01"}
        ),
        ("get", "/api/v1/reports/consistency", 403): as_agent.get("/api/v1/reports/consistency"),
        ("get", "/api/v1/complaints", 422): as_handler.get("/api/v1/complaints", page="0"),
    }
    anonymous = api_as(None)
    anonymous.get(f"/api/v1/public/complaints/{closed.number}", phone="13800138000")
    answers[("get", "/api/v1/public/complaints/{number}", 429)] = anonymous.get(
        f"/api/v1/public/complaints/{closed.number}", phone="13800138000"
    )
    paths = api.get_openapi_schema()["paths"]
    for (method, path, status), response in answers.items():
        assert str(status) in {str(s) for s in paths[path][method]["responses"]}, (path, status)
        assert response.status_code == status, (path, status, response.json())
        assert response.json()["error"]["code"]


REGISTRATION = {
    "channel": "hotline",
    "content": "上个月话费无故多扣了58元",
    "customer": {"phone": "13800138000"},
}


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite stores a NUL; PostgreSQL refuses it"
)
def test_a_nul_in_a_parameter_is_the_listed_400(api_as: Callable[[Any], Any], handler: Any) -> None:
    response = api_as(handler).get("/api/v1/complaints/TS%00/timeline")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
