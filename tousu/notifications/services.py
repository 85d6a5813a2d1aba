"""Notifying people and systems. Called inside the transaction of the change being reported:
rows are written there (so a rolled-back change notifies nobody) and delivery runs after
commit, in a job (D5), never inside the request."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.jobs import enqueue_on_commit
from tousu.core.reasons import Reason, reason_office_fields, reason_office_text
from tousu.core.refcache import RefCache
from tousu.notifications.choices import DeliveryChannel
from tousu.notifications.models import Delivery, Notification, WebhookEndpoint


def _deliver_after_commit() -> None:
    enqueue_on_commit("notifications.deliver")


# A notice: a reason (`reason("notice.assigned", number=…)`), shown to each reader in their
# language and e-mailed in the office's; or text as written.
Notice = Reason | str


@dataclass
class NotificationDraft:
    """A notification of `kind` to each of `users`, about `complaint`."""

    users: Iterable[User]
    kind: str
    text: Notice
    complaint: Complaint | None = None


def notify_many(drafts: Iterable[NotificationDraft], *, email: bool = True) -> list[Notification]:
    """For each draft, an in-app notification to each of its users (once per user) and an
    e-mail to those who have an address; one INSERT of each kind for all the drafts.
    Precondition: inside the transaction of the change."""
    now = clock.now()
    rows: list[Notification] = []
    mails: list[Delivery] = []
    for draft in drafts:
        unique = {u.pk: u for u in draft.users if u is not None and u.is_active}
        complaint = draft.complaint
        message = draft.text if isinstance(draft.text, dict) else None
        text = reason_office_text(draft.text)
        rows += [
            Notification(
                user=u,
                complaint=complaint,
                kind=draft.kind,
                text=text[:300],
                message=message,
                created_at=now,
            )
            for u in unique.values()
        ]
        mails += [
            Delivery(
                channel=DeliveryChannel.EMAIL,
                recipient=u.email,
                event=draft.kind,
                subject=f"[Tousu] {complaint.number + ' ' if complaint else ''}{text}"[:200],
                payload={"text": text, "complaint": complaint.number if complaint else None},
                next_attempt_at=now,
                created_at=now,
            )
            for u in unique.values()
            if email and u.email
        ]
    created = Notification.objects.bulk_create(rows) if rows else []
    if mails:
        Delivery.objects.bulk_create(mails)
        _deliver_after_commit()
    return created


def notify(
    *,
    users: Iterable[User],
    kind: str,
    text: Notice,
    complaint: Complaint | None = None,
    email: bool = True,
) -> list[Notification]:
    """An in-app notification for each user (once per user), and an e-mail to those who have
    an address. Precondition: inside the transaction of the change."""
    return notify_many([NotificationDraft(users, kind, text, complaint)], email=email)


def _active_endpoints() -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.objects.filter(active=True))


# Every registration emits `registered`: the (few) active endpoints, per process
# (tousu.core.refcache), dropped when an endpoint is saved or deleted.
_endpoints = RefCache(
    "webhook endpoints", _active_endpoints, models=("notifications.WebhookEndpoint",)
)


def webhook_endpoints_for(event: str) -> list[WebhookEndpoint]:
    """The active endpoints that want `event` (shared instances, not to be changed)."""
    return [e for e in _endpoints.get() if e.wants(event)]


def webhook_emit_many(*, event: str, items: Sequence[tuple[Complaint, dict[str, Any]]]) -> int:
    """Queue `event` about each (complaint, data) for every active endpoint that wants it, with
    the endpoints from the per-process copy and one INSERT; returns how many deliveries were
    queued."""
    if not items:
        return 0
    endpoints = webhook_endpoints_for(event)
    now = clock.now()
    rows = [
        Delivery(
            channel=DeliveryChannel.WEBHOOK,
            endpoint=endpoint,
            event=event,
            payload={
                "event": event,
                "complaint": complaint.number,
                "at": now.isoformat(),
                "data": reason_office_fields(data),
            },
            next_attempt_at=now,
            created_at=now,
        )
        for complaint, data in items
        for endpoint in endpoints
    ]
    if rows:
        Delivery.objects.bulk_create(rows)
        _deliver_after_commit()
    return len(rows)


def webhook_emit_record(*, event: str, data: dict[str, Any]) -> int:
    """Queue `event` about a record that is not one complaint (an alert, an incident) for every
    active endpoint that wants it. Precondition: inside the transaction of the change."""
    endpoints = webhook_endpoints_for(event)
    now = clock.now()
    payload = {"event": event, "at": now.isoformat(), "data": data}
    Delivery.objects.bulk_create(
        Delivery(
            channel=DeliveryChannel.WEBHOOK,
            endpoint=endpoint,
            event=event,
            payload=payload,
            next_attempt_at=now,
            created_at=now,
        )
        for endpoint in endpoints
    )
    if endpoints:
        _deliver_after_commit()
    return len(endpoints)


def webhook_emit(*, event: str, complaint: Complaint, data: dict[str, Any]) -> int:
    """Queue `event` for every active endpoint that wants it; returns how many."""
    return webhook_emit_many(event=event, items=[(complaint, data)])


def notifications_mark_read(*, user: User, complaint: Complaint | None = None) -> int:
    """Mark the user's unread notifications read — all of them, or those about `complaint`
    (opening it is reading them); returns how many."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if complaint is not None:
        unread = unread.filter(complaint=complaint)
    return unread.update(read_at=clock.now())
