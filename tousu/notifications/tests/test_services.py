"""notify() and webhook_emit() write outbox rows in the change's transaction; nothing is sent
for a change that rolls back, and what commits is delivered after commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import transaction

from tousu.notifications.choices import DeliveryChannel, DeliveryStatus, NotificationKind
from tousu.notifications.models import Delivery, Notification, WebhookEndpoint
from tousu.notifications.services import notify, webhook_emit
from tousu.notifications.tests.receiver import Receiver


def with_email(user: Any, address: str) -> Any:
    user.email = address
    user.save(update_fields=["email"])
    return user


@pytest.mark.django_db
def test_notify_writes_one_row_per_user_and_mails_only_those_with_an_address(
    handler: Any, supervisor: Any
) -> None:
    with_email(handler, "handler@example.com")
    rows = notify(
        users=[handler, supervisor, handler], kind=NotificationKind.ASSIGNED, text="新投诉"
    )
    assert sorted(n.user.username for n in rows) == ["handler", "supervisor"]
    assert Notification.objects.count() == 2
    [delivery] = Delivery.objects.all()
    assert delivery.channel == DeliveryChannel.EMAIL
    assert delivery.recipient == "handler@example.com"
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.subject == "[Tousu] 新投诉"


@pytest.mark.django_db
def test_webhook_emit_queues_for_active_endpoints_that_want_the_event(
    register: Callable[..., Any],
) -> None:
    complaint = register()
    Delivery.objects.all().delete()  # registration's own "registered" webhooks, if any
    every = WebhookEndpoint.objects.create(name="all", url="http://127.0.0.1:9/", secret="s")
    WebhookEndpoint.objects.create(
        name="closing", url="http://127.0.0.1:9/", secret="s", events="closed"
    )
    WebhookEndpoint.objects.create(name="off", url="http://127.0.0.1:9/", secret="s", active=False)
    assert webhook_emit(event="escalated", complaint=complaint, data={"step": 1}) == 1
    [delivery] = Delivery.objects.all()
    assert delivery.endpoint == every
    assert delivery.payload["event"] == "escalated"
    assert delivery.payload["complaint"] == complaint.number
    assert delivery.payload["data"] == {"step": 1}


@pytest.mark.django_db
def test_registering_and_closing_emit_webhooks(lifecycle: Callable[..., Any]) -> None:
    WebhookEndpoint.objects.create(
        name="crm", url="http://127.0.0.1:9/", secret="s", events="registered closed"
    )
    complaint = lifecycle("closed")
    events = list(Delivery.objects.order_by("pk").values_list("event", "payload__complaint"))
    assert events == [("registered", complaint.number), ("closed", complaint.number)]


@pytest.mark.django_db(transaction=True)
def test_committed_notifications_are_delivered_after_commit(handler: Any) -> None:
    with_email(handler, "handler@example.com")
    with transaction.atomic():
        notify(users=[handler], kind=NotificationKind.ASSIGNED, text="新投诉")
        assert mail.outbox == []  # never inside the transaction
    # No broker and no runner thread in tests: the job ran in the caller, after commit.
    assert [m.to for m in mail.outbox] == [["handler@example.com"]]
    assert Delivery.objects.get().status == DeliveryStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_when_the_change_rolls_back(
    handler: Any, register: Callable[..., Any], receiver: Receiver
) -> None:
    with_email(handler, "handler@example.com")
    WebhookEndpoint.objects.create(name="crm", url=receiver.url, secret="s")
    complaint = register()
    receiver.requests.clear()
    sent = len(mail.outbox)
    notifications, deliveries = Notification.objects.count(), Delivery.objects.count()

    class Boom(Exception):
        pass

    def change_that_fails() -> None:
        with transaction.atomic():
            notify(users=[handler], kind="assigned", text="新投诉", complaint=complaint)
            webhook_emit(event="escalated", complaint=complaint, data={})
            raise Boom

    with pytest.raises(Boom):
        change_that_fails()

    assert Notification.objects.count() == notifications
    assert Delivery.objects.count() == deliveries
    assert len(mail.outbox) == sent
    assert receiver.requests == []
