"""Notifying people and systems. Called inside the transaction of the change being reported:
rows are written there (so a rolled-back change notifies nobody) and delivery runs after
commit, in a job (D5), never inside the request."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.notifications.choices import DeliveryChannel
from tousu.notifications.models import Delivery, Notification, WebhookEndpoint


def _deliver_after_commit() -> None:
    from tousu.config import jobs

    transaction.on_commit(lambda: jobs.enqueue("notifications.deliver"))


def notify(
    *,
    users: Iterable[User],
    kind: str,
    text: str,
    complaint: Complaint | None = None,
    email: bool = True,
) -> list[Notification]:
    """An in-app notification for each user (once per user), and an e-mail to those who have
    an address. Precondition: inside the transaction of the change."""
    now = clock.now()
    unique = {u.pk: u for u in users if u is not None and u.is_active}
    rows = Notification.objects.bulk_create(
        Notification(user=u, complaint=complaint, kind=kind, text=text[:300], created_at=now)
        for u in unique.values()
    )
    mails = [
        Delivery(
            channel=DeliveryChannel.EMAIL,
            recipient=u.email,
            event=kind,
            subject=f"[Tousu] {complaint.number + ' ' if complaint else ''}{text}"[:200],
            payload={"text": text, "complaint": complaint.number if complaint else None},
            next_attempt_at=now,
            created_at=now,
        )
        for u in unique.values()
        if email and u.email
    ]
    if mails:
        Delivery.objects.bulk_create(mails)
        _deliver_after_commit()
    return rows


def webhook_emit(*, event: str, complaint: Complaint, data: dict[str, Any]) -> int:
    """Queue `event` for every active endpoint that wants it; returns how many."""
    now = clock.now()
    payload = {"event": event, "complaint": complaint.number, "at": now.isoformat(), "data": data}
    rows = [
        Delivery(
            channel=DeliveryChannel.WEBHOOK,
            endpoint=endpoint,
            event=event,
            payload=payload,
            next_attempt_at=now,
            created_at=now,
        )
        for endpoint in WebhookEndpoint.objects.filter(active=True)
        if endpoint.wants(event)
    ]
    if rows:
        Delivery.objects.bulk_create(rows)
        _deliver_after_commit()
    return len(rows)


def notifications_mark_read(*, user: User) -> int:
    """Mark all of the user's unread notifications read; returns how many."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=clock.now())
