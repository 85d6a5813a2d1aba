"""`references_by_code`: the category and the region a registration names, from the
per-process copies of their tables (tousu.core.refcache)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.forms.models import model_to_dict

from tousu.accounts.models import Region
from tousu.classification.models import Category
from tousu.core.refcache import refcache_clear_all
from tousu.intake.selectors import references_by_code

CATEGORY = "billing.unexplained_charge"


def test_both_found_as_full_rows_with_no_query_once_loaded(
    reference: None, django_assert_num_queries: Callable[..., Any]
) -> None:
    with django_assert_num_queries(2):  # each table, once per process
        references_by_code(category=CATEGORY, region="nanjing")
    with django_assert_num_queries(0):
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


def test_a_change_is_seen_at_once(reference: None) -> None:
    """A category switched off, or a region added, in this process: the copies are dropped on
    save (post_save), not read stale for their minute."""
    assert references_by_code(category=CATEGORY, region="atlantis")[0] is not None
    category = Category.objects.get(code=CATEGORY)
    category.active = False
    category.save()
    Region.objects.create(code="atlantis", name="亚特兰蒂斯")
    found, region = references_by_code(category=CATEGORY, region="atlantis")
    assert found is None
    assert region is not None
    assert region.code == "atlantis"


def test_a_change_behind_the_signals_is_seen_once_told(reference: None) -> None:
    """An UPDATE sends no signal: the copy stands until `refcache_clear_all` (or its minute)."""
    assert references_by_code(category=CATEGORY, region="")[0] is not None
    Category.objects.filter(code=CATEGORY).update(active=False)
    assert references_by_code(category=CATEGORY, region="")[0] is not None
    refcache_clear_all()
    assert references_by_code(category=CATEGORY, region="")[0] is None
