from django import template

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.resolution.choices import RemedyType

register = template.Library()


@register.filter
def may_view_consistency(user: User) -> bool:
    return permissions.can_view_consistency(user)


@register.filter
def remedy_label(value: str) -> str:
    """A remedy type by its name ("refund" → 退款); an unknown one as stored."""
    return str(dict(RemedyType.choices).get(value, value))
