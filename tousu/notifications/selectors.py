from __future__ import annotations

from django.db.models import QuerySet

from tousu.accounts.models import User
from tousu.notifications.models import Notification


def notifications_for_user(user: User) -> QuerySet[Notification]:
    """The user's own notifications, newest first, with the complaint for its link."""
    return (
        Notification.objects.filter(user=user)
        .select_related("complaint")
        .order_by("-created_at", "-pk")
    )


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
