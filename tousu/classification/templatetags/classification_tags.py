from django import template

from tousu.accounts.models import User
from tousu.accounts.permissions import can_triage, can_view_classifier

register = template.Library()


@register.filter
def may_triage(user: User) -> bool:
    return isinstance(user, User) and can_triage(user)


@register.filter
def may_view_classifier(user: User) -> bool:
    return isinstance(user, User) and can_view_classifier(user)
