from django import template

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.core import clock

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


@register.filter
def overdue(item: object) -> bool:
    """A step of the plan (or a case) not done (closed) and past its due time."""
    if getattr(item, "done_at", None) is not None or getattr(item, "closed_at", None):
        return False
    due = getattr(item, "due_at", None)
    return due is not None and due < clock.now()
