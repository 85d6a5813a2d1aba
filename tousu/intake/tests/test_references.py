"""`references_by_code`: the category and the region a registration names, in one query."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.forms.models import model_to_dict

from tousu.accounts.models import Region
from tousu.classification.models import Category
from tousu.intake.selectors import references_by_code

CATEGORY = "billing.unexplained_charge"


def test_both_found_in_one_query_as_full_rows(
    reference: None, django_assert_num_queries: Callable[..., Any]
) -> None:
    with django_assert_num_queries(1):
        category, region = references_by_code(category=CATEGORY, region="nanjing")
        assert category is not None
        assert category.parent is not None
        assert category.parent.code == "billing"  # read with it
    expected = Region.objects.get(code="nanjing")
    assert region == expected
    assert region is not None
    assert model_to_dict(region) == model_to_dict(expected)
    assert region._state.adding is False
    assert category == Category.objects.get(code=CATEGORY)


@pytest.mark.parametrize(
    ("category", "region", "expected"),
    [
        (CATEGORY, "atlantis", (CATEGORY, None)),
        ("billing.nonsense", "nanjing", (None, "nanjing")),
        ("billing.nonsense", "atlantis", (None, None)),
        (CATEGORY, "", (CATEGORY, None)),
        ("", "nanjing", (None, "nanjing")),
        ("", "", (None, None)),
    ],
)
def test_what_is_not_given_or_not_found_is_none(
    reference: None, category: str, region: str, expected: tuple[str | None, str | None]
) -> None:
    found = references_by_code(category=category, region=region)
    assert tuple(row.code if row else None for row in found) == expected


def test_an_inactive_category_is_not_found(reference: None) -> None:
    Category.objects.filter(code=CATEGORY).update(active=False)
    category, region = references_by_code(category=CATEGORY, region="nanjing")
    assert category is None
    assert region is not None
    assert region.code == "nanjing"
