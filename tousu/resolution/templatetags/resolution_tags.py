from django import template

from tousu.accounts import permissions
from tousu.accounts.models import User

register = template.Library()


@register.filter
def may_view_consistency(user: User) -> bool:
    return permissions.can_view_consistency(user)
