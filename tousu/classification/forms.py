"""Choosing a category on any page: the tree as one select, and the chosen code back to an
active category."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tousu.classification.models import Category
from tousu.core.forms import blank


def active_categories() -> list[Category]:
    """The active categories, each with its parent, in the tree's order."""
    return list(
        Category.objects.filter(active=True).select_related("parent").order_by("sort", "code")
    )


def category_choices(
    empty_label: Any, rows: Iterable[Category] | None = None
) -> list[tuple[str, Any]]:
    """The category tree as one select: parents, then their children indented under them.
    `rows`: `active_categories()` when read already (a per-process copy)."""
    rows = active_categories() if rows is None else rows
    return blank(empty_label) + [
        (c.code, ("\u3000" + c.local_name) if c.parent_id else c.local_name) for c in rows
    ]


def category_from_code(code: str) -> Category:
    """The active category of that code; a form error otherwise."""
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        raise forms.ValidationError(_("Choose a category."))
    return category
