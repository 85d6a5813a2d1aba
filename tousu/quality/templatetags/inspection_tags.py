"""Template filters of the inspection pages and the navigation."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.quality import rules

register = template.Library()


@register.filter
def may_inspect(user: User) -> bool:
    return permissions.can_inspect(user)


@register.filter
def may_view_quality_scores(user: User) -> bool:
    return permissions.can_view_quality_scores(user)


@register.filter
def may_have_scores(user: User) -> bool:
    """The back office, whose handling is inspected, has a "my scores" page."""
    return user.is_active and user.role in permissions.BACK_OFFICE_ROLES


@register.filter
def item_title(item: Any) -> str:
    """A sheet item's title in the reader's language (Chinese `title`, English `title_en`)."""
    english = getattr(item, "title_en", "")
    if english and (get_language() or "").startswith("en"):
        return str(english)
    return str(getattr(item, "title", ""))


@register.filter
def agreement(value: float | None) -> str:
    """An agreement figure with two decimals, or a dash when it cannot be computed."""
    return "—" if value is None else f"{value:.2f}"


@register.filter
def alpha(value: float | None) -> str:
    """Krippendorff's alpha as shown (`rules.alpha_shown`: rounded down, 1.00 only for full
    agreement), or a dash when it is undefined: nothing varies."""
    return "—" if value is None else f"{rules.alpha_shown(value):.2f}"


@register.filter
def rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"
