"""Delivery of e-mails and webhooks from the outbox (`Delivery` rows), the
`notifications.deliver` job.

Exactly one runner sends a row: a run claims it with a conditional UPDATE (pending → sending,
D6) and sends only what it claimed, so any number of concurrent runs send each row once. While
a row is `sending`, `next_attempt_at` is its lease: a row still `sending` after LEASE (its
worker was killed mid-send) goes back to pending and is sent again. Delivery is therefore
at-least-once: a receiver that must not act twice dedupes on the `X-Tousu-Delivery` header (the
row id, the same on every attempt).

Webhook requests are signed: `X-Tousu-Signature: sha256=<hex>` is the HMAC-SHA256, keyed with
the endpoint's secret, of `f"{X-Tousu-Timestamp}.{body}"` (body as sent, UTF-8 JSON).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F

from tousu.core import clock
from tousu.notifications.choices import DeliveryChannel, DeliveryStatus
from tousu.notifications.models import Delivery

logger = logging.getLogger("tousu.notifications")

# Wait before attempt 2, 3, …; the attempt after the last wait is the last one.
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = dt.timedelta(minutes=10)  # a `sending` row older than this was abandoned
WEBHOOK_TIMEOUT_SECONDS = 10
BATCH = 100
MAX_PER_RUN = 2000  # the rest waits for the next run: one run never holds a worker for long


class SendFailed(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def deliver() -> dict[str, int]:
    """Send the due deliveries once each; schedule retries for the failures."""
    counts = {"sent": 0, "retrying": 0, "failed": 0, "recovered": recover_abandoned()}
    handled = 0
    while handled < MAX_PER_RUN:
        due = list(
            Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=clock.now())
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not due:
            break
        for pk in due:
            outcome = deliver_one(pk)
            if outcome:
                counts[outcome] += 1
            handled += 1
    return counts


def recover_abandoned() -> int:
    """Rows left `sending` past their lease go back to pending (or fail: no attempts left)."""
    stuck = Delivery.objects.filter(status=DeliveryStatus.SENDING, next_attempt_at__lte=clock.now())
    error = "interrupted while sending (runner stopped); sent again"
    failed = stuck.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=DeliveryStatus.FAILED, last_error=error
    )
    return failed + stuck.update(status=DeliveryStatus.PENDING, last_error=error)


def deliver_one(pk: int) -> str | None:
    """Claim delivery `pk` and send it. Returns "sent", "retrying", "failed", or None when
    another runner claimed it first (or it is no longer due)."""
    now = clock.now()
    claimed = Delivery.objects.filter(
        pk=pk, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("endpoint").get(pk=pk)
    status: int | None = None
    try:
        if delivery.channel == DeliveryChannel.EMAIL:
            send_email(delivery)
        else:
            status = send_webhook(delivery)
    except SendFailed as exc:
        return _failed(delivery, str(exc), exc.status)
    except Exception as exc:  # a bug or an unexpected transport error: retry, keep the cause
        logger.exception("delivery %s failed", pk)
        return _failed(delivery, f"{type(exc).__name__}: {exc}", None)
    Delivery.objects.filter(pk=pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.SENT,
        sent_at=clock.now(),
        response_status=status,
        last_error="",
    )
    return "sent"


def _failed(delivery: Delivery, error: str, status: int | None) -> str:
    attempts = delivery.attempts  # this attempt included (counted at the claim)
    final = attempts >= MAX_ATTEMPTS
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.FAILED if final else DeliveryStatus.PENDING,
        next_attempt_at=clock.now() + (BACKOFF[-1] if final else BACKOFF[attempts - 1]),
        last_error=error[:500],
        response_status=status,
    )
    logger.warning("delivery %s attempt %s failed: %s", delivery.pk, attempts, error)
    return "failed" if final else "retrying"


def send_email(delivery: Delivery) -> None:
    """Send through settings.EMAIL_BACKEND; its errors (SMTP, network) mean "retry"."""
    payload = delivery.payload or {}
    lines = [str(payload.get("text") or delivery.subject)]
    if payload.get("complaint"):
        lines += ["", str(payload["complaint"])]
    send_mail(
        delivery.subject,
        "\n".join(lines),
        settings.DEFAULT_FROM_EMAIL,
        [delivery.recipient],
        fail_silently=False,
    )


def signature(secret: str, timestamp: str, body: str) -> str:
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp}.{body}".encode(), hashlib.sha256
    ).hexdigest()
    return f"sha256={digest}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a delivery: following it would turn the POST into a GET."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def send_webhook(delivery: Delivery) -> int:
    endpoint = delivery.endpoint
    if endpoint is None or not endpoint.active:
        raise SendFailed("endpoint removed or deactivated")
    if not endpoint.url.lower().startswith(("http://", "https://")):
        raise SendFailed(f"not an http(s) URL: {endpoint.url}")
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"))
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        endpoint.url,
        data=body.encode("utf-8"),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Tousu-Webhook/1",
            "X-Tousu-Event": delivery.event,
            "X-Tousu-Delivery": str(delivery.pk),
            "X-Tousu-Timestamp": timestamp,
            "X-Tousu-Signature": signature(endpoint.secret, timestamp, body),
        },
    )
    try:
        with _opener.open(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            status: int = response.status
    except urllib.error.HTTPError as exc:
        raise SendFailed(f"HTTP {exc.code} {exc.reason}", exc.code) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SendFailed(f"{type(exc).__name__}: {reason}") from exc
    if not 200 <= status < 300:
        raise SendFailed(f"HTTP {status}", status)
    return status
