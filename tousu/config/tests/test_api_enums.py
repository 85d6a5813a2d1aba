"""The OpenAPI document's enums come from the TextChoices (core.api.OneOf): a new choice reaches
the API and its document without copying it by hand."""

from __future__ import annotations

from typing import Any

from tousu.analytics.selectors import GROUPS
from tousu.complaints.choices import Channel, Level
from tousu.config.api import api


def enum(schema: dict[str, Any]) -> list[str]:
    """The enum of a property, whether required or nullable (`anyOf` with null)."""
    for option in schema.get("anyOf", [schema]):
        if "enum" in option:
            return list(option["enum"])
    raise AssertionError(f"no enum in {schema}")


def test_register_and_public_enums_are_the_choices() -> None:
    schemas = api.get_openapi_schema()["components"]["schemas"]
    register = schemas["RegisterIn"]["properties"]
    assert enum(register["channel"]) == list(Channel.values)
    assert enum(register["level"]) == list(Level.values)
    assert enum(schemas["PublicIn"]["properties"]["channel"]) == ["web", "app", "wechat"]


def test_kpi_grouping_enum() -> None:
    kpis = api.get_openapi_schema()["paths"]["/api/v1/stats/kpis"]["get"]
    (group_by,) = (p for p in kpis["parameters"] if p["name"] == "group_by")
    assert enum(group_by["schema"]) == list(GROUPS)
