from django import template

from tousu.accounts import permissions
from tousu.accounts.models import User

register = template.Library()


@register.filter
def may_view_repair(user: User) -> bool:
    return permissions.can_view_repair(user)


@register.filter
def step_title(action: object) -> str:
    """A step's title in the reader's language: steps keep a Chinese title and an English one."""
    from django.utils.translation import get_language

    english = getattr(action, "title_en", "")
    if english and (get_language() or "").startswith("en"):
        return str(english)
    return str(getattr(action, "title", ""))
