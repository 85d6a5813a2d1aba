"""The unread-notification count for the top bar: one COUNT query, and only when a page
actually shows it (the value is lazy)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from tousu.accounts.models import User
from tousu.notifications.selectors import unread_count


def unread(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User):  # anonymous: the public pages and the login page
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
