"""A category's name with its parent (`path_name`), as selects and lists show it."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from tousu.classification.models import Category


def test_categories_read_without_their_parents_name_them_without_a_query_each(
    reference: None, django_assert_num_queries: Any
) -> None:
    children = list(Category.objects.filter(parent__isnull=False))
    assert len(children) > 10
    # One statement for the names of them all, none per category.
    with django_assert_num_queries(1), translation.override("zh-hans"):
        names = {c.code: c.path_name for c in children}
    assert names["billing.unexplained_charge"] == "资费计费 > 不明扣费"
    with django_assert_num_queries(0), translation.override("en"):
        english = {c.code: c.path_name for c in children}
    assert english["billing.unexplained_charge"].startswith("Tariffs and billing > ")


def test_a_renamed_parent_reads_renamed_at_once(reference: None) -> None:
    child = Category.objects.get(code="billing.unexplained_charge")
    assert child.path_name.startswith("资费计费 > ")
    parent = Category.objects.get(code="billing")
    parent.name = "计费"
    parent.save()
    assert Category.objects.get(pk=child.pk).path_name == "计费 > 不明扣费"
