"""The `notifications.deliver` job: e-mail through Django's backend, signed webhooks to a real
HTTP server, retries with back-off, recovery of abandoned sends, and each delivery sent once
however many runs compete for it."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
from typing import Any

import pytest
from django.core import mail
from django.db import connection

from tousu.core import clock
from tousu.notifications import jobs
from tousu.notifications.choices import DeliveryChannel, DeliveryStatus
from tousu.notifications.models import Delivery, WebhookEndpoint
from tousu.notifications.tests.receiver import Receiver

SECRET = "s3cret-值"


def webhook(url: str, event: str = "escalated", **payload: Any) -> Delivery:
    endpoint = WebhookEndpoint.objects.create(name="crm", url=url, secret=SECRET)
    now = clock.now()
    body = {"event": event, "complaint": "TS202601010001", "data": {"text": "升级到主管"}}
    body.update(payload)
    return Delivery.objects.create(
        channel=DeliveryChannel.WEBHOOK,
        endpoint=endpoint,
        event=event,
        payload=body,
        next_attempt_at=now,
        created_at=now,
    )


def email(recipient: str = "handler@example.com") -> Delivery:
    now = clock.now()
    return Delivery.objects.create(
        channel=DeliveryChannel.EMAIL,
        recipient=recipient,
        event="assigned",
        subject="[Tousu] 新投诉",
        payload={"text": "新投诉已分派给你", "complaint": "TS202601010001"},
        next_attempt_at=now,
        created_at=now,
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.mark.django_db
def test_email_is_sent_through_the_backend(settings: Any) -> None:
    settings.DEFAULT_FROM_EMAIL = "tousu@operator.example"
    delivery = email()
    assert jobs.deliver() == {"sent": 1, "retrying": 0, "failed": 0, "recovered": 0}
    [message] = mail.outbox
    assert message.to == ["handler@example.com"]
    assert message.from_email == "tousu@operator.example"
    assert message.subject == "[Tousu] 新投诉"
    assert "新投诉已分派给你" in message.body
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)
    assert delivery.sent_at is not None
    assert jobs.deliver()["sent"] == 0  # sent once, not again


@pytest.mark.django_db
def test_webhook_is_posted_signed_and_the_signature_verifies(receiver: Receiver) -> None:
    delivery = webhook(receiver.url)
    assert jobs.deliver()["sent"] == 1
    [request] = receiver.requests
    assert request.path == "/hooks/tousu"
    headers = request.headers
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["X-Tousu-Event"] == "escalated"
    assert headers["X-Tousu-Delivery"] == str(delivery.pk)
    body = request.body.decode("utf-8")
    assert "升级到主管" in body  # UTF-8 as is, not \u escapes
    assert json.loads(body) == delivery.payload
    expected = hmac.new(
        SECRET.encode(), f"{headers['X-Tousu-Timestamp']}.{body}".encode(), hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(headers["X-Tousu-Signature"], f"sha256={expected}")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_status) == (DeliveryStatus.SENT, 200)


@pytest.mark.django_db
def test_a_refused_webhook_is_retried_with_back_off_then_fails(receiver: Receiver) -> None:
    receiver.status = 500
    delivery = webhook(receiver.url)
    waits = []
    for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
        at = delivery.next_attempt_at
        with clock.frozen(at):
            outcome = jobs.deliver()
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        assert delivery.response_status == 500
        assert delivery.last_error.startswith("HTTP 500")
        if attempt < jobs.MAX_ATTEMPTS:
            assert outcome["retrying"] == 1
            assert delivery.status == DeliveryStatus.PENDING
            waits.append(delivery.next_attempt_at - at)
            with clock.frozen(at):  # not due again before its back-off
                assert jobs.deliver()["retrying"] == 0
    assert outcome["failed"] == 1
    assert delivery.status == DeliveryStatus.FAILED
    assert waits == [
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=30),
        dt.timedelta(hours=2),
        dt.timedelta(hours=12),
    ]
    assert len(receiver.requests) == jobs.MAX_ATTEMPTS
    with clock.frozen(clock.now() + dt.timedelta(days=30)):
        assert jobs.deliver() == {"sent": 0, "retrying": 0, "failed": 0, "recovered": 0}


@pytest.mark.django_db
def test_an_unreachable_webhook_records_the_error_and_is_retried() -> None:
    delivery = webhook(f"http://127.0.0.1:{closed_port()}/")
    assert jobs.deliver()["retrying"] == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.response_status is None
    assert "URLError" in delivery.last_error
    assert delivery.next_attempt_at > clock.now() + dt.timedelta(seconds=50)


@pytest.mark.django_db
def test_a_redirect_is_not_followed(receiver: Receiver) -> None:
    receiver.status = 302
    delivery = webhook(receiver.url)
    assert jobs.deliver()["retrying"] == 1
    delivery.refresh_from_db()
    assert delivery.response_status == 302


@pytest.mark.django_db
def test_a_send_abandoned_mid_way_is_recovered_and_sent(receiver: Receiver) -> None:
    abandoned = webhook(receiver.url)
    in_flight = webhook(receiver.url)
    now = clock.now()
    # One claimed 11 minutes ago by a worker that was killed; one claimed a minute ago and
    # still being sent by a live worker: only the first may be taken over.
    Delivery.objects.filter(pk=abandoned.pk).update(
        status=DeliveryStatus.SENDING, attempts=1, next_attempt_at=now - dt.timedelta(minutes=1)
    )
    Delivery.objects.filter(pk=in_flight.pk).update(
        status=DeliveryStatus.SENDING, attempts=1, next_attempt_at=now + dt.timedelta(minutes=9)
    )
    assert jobs.deliver() == {"sent": 1, "retrying": 0, "failed": 0, "recovered": 1}
    assert receiver.delivery_ids() == [str(abandoned.pk)]
    abandoned.refresh_from_db()
    assert (abandoned.status, abandoned.attempts) == (DeliveryStatus.SENT, 2)
    in_flight.refresh_from_db()
    assert in_flight.status == DeliveryStatus.SENDING


@pytest.mark.django_db
def test_an_abandoned_send_with_no_attempts_left_fails() -> None:
    delivery = email()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING,
        attempts=jobs.MAX_ATTEMPTS,
        next_attempt_at=clock.now() - dt.timedelta(seconds=1),
    )
    assert jobs.deliver()["recovered"] == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_claimed_row_is_not_sent_by_another_run() -> None:
    delivery = email()
    assert jobs.deliver_one(delivery.pk) == "sent"
    assert jobs.deliver_one(delivery.pk) is None
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_send_each_delivery_once(receiver: Receiver) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises every write)")
    endpoint = WebhookEndpoint.objects.create(name="crm", url=receiver.url, secret=SECRET)
    now = clock.now()
    Delivery.objects.bulk_create(
        Delivery(
            channel=DeliveryChannel.WEBHOOK,
            endpoint=endpoint,
            event="escalated",
            payload={"n": n},
            next_attempt_at=now,
            created_at=now,
        )
        for n in range(60)
    )
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def run() -> None:
        try:
            start.wait()
            results.append(jobs.deliver())
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    ids = receiver.delivery_ids()
    assert len(ids) == len(set(ids)) == 60
    assert sum(r["sent"] for r in results) == 60
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 60
