"""OneOf: a schema field limited to a TextChoices' values validates and documents exactly as the
hand-written `Literal[...]` it replaces."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pytest
from django.db import models
from pydantic import BaseModel, ValidationError

from tousu.core.api import OneOf


class Colour(models.TextChoices):
    RED = "red", "Red"
    GREEN = "green", "Green"
    BLUE = "blue", "Blue"


class ByHand(BaseModel):
    colour: Literal["red", "green", "blue"]
    warm: Literal["red"] | None = None


class FromChoices(BaseModel):
    colour: Annotated[str, OneOf(Colour)]
    warm: Annotated[str, OneOf(Colour, only=[Colour.RED])] | None = None


def errors(model: type[BaseModel], **data: Any) -> list[Any]:
    with pytest.raises(ValidationError) as raised:
        model(**data)
    # Not `input` or `url`: the same for both, and noise in a failure.
    return [(e["type"], e["loc"], e["msg"], e.get("ctx")) for e in raised.value.errors()]


def test_same_schema_as_the_literal() -> None:
    by_hand = ByHand.model_json_schema()
    from_choices = FromChoices.model_json_schema()
    assert from_choices["properties"] == by_hand["properties"]
    assert from_choices["properties"]["colour"]["enum"] == ["red", "green", "blue"]


@pytest.mark.parametrize(
    "data", [{"colour": "purple"}, {"colour": "red", "warm": "blue"}, {"colour": 3}]
)
def test_same_errors_as_the_literal(data: dict[str, Any]) -> None:
    assert errors(FromChoices, **data) == errors(ByHand, **data)


def test_accepts_the_values_as_plain_strings() -> None:
    value = FromChoices(colour="green", warm="red")
    assert (value.colour, value.warm) == ("green", "red")
    assert type(value.colour) is str


def test_plain_values() -> None:
    class Grouped(BaseModel):
        by: Annotated[str, OneOf(("day", "week"))]

    assert Grouped(by="week").by == "week"
    assert errors(Grouped, by="year")[0][3] == {"expected": "'day' or 'week'"}


def test_only_values_of_the_choices() -> None:
    with pytest.raises(ValueError, match="not among the choices: purple"):
        OneOf(Colour, only=["red", "purple"])
