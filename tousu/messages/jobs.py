"""Sending queued messages to the customer, the `messages.send` job.

Exactly one runner sends a message: a run claims it with a conditional UPDATE (queued →
sending, D6) and sends only what it claimed. While a message is `sending`, `next_attempt_at`
is its lease: one still `sending` after LEASE (its worker was killed mid-send) is given up as
failed rather than sent again — a customer must never get the same SMS twice, and a transport
that was killed mid-send may well have sent it."""

from __future__ import annotations

import datetime as dt
import functools
import logging

from django.db import connection, connections
from django.db.models import F, QuerySet

from tousu.core import clock
from tousu.core.rows import prepared_cursor
from tousu.messages.choices import MessageStatus
from tousu.messages.models import Message
from tousu.messages.transports import SendFailed, transport_for

logger = logging.getLogger("tousu.messages")

# Wait before attempt 2, 3, …; the attempt after the last wait is the last one.
BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30))
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = dt.timedelta(minutes=10)
BATCH = 100
MAX_PER_RUN = 2000


def send() -> dict[str, int]:
    """Send the due messages once each; schedule retries for the failures.

    Asked for after every registration (its acknowledgement), so a run is cheap: the due
    messages are claimed in one statement and read in one, each then sent and marked; a short
    batch was the last one; the sweep of abandoned sends is a job of its own
    (`messages.abandoned`)."""
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    handled = 0
    while handled < MAX_PER_RUN:
        claimed = _claim_due(clock.now())
        messages = Message.objects.in_bulk(claimed)
        for pk in claimed:
            counts[_deliver(messages[pk])] += 1
        handled += len(claimed)
        if len(claimed) < BATCH:
            break
    return counts


def _claim_due(now: dt.datetime) -> list[int]:
    """Claim up to BATCH due messages (queued → sending, the lease set) and return their keys,
    oldest due first. One UPDATE … RETURNING: the status is checked again on the row it
    updates, so of two runners at once each claims a message or neither (D6)."""
    if not connection.features.can_return_columns_from_insert:  # SQLite before 3.35
        due = _due(now).order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:BATCH]
        return [pk for pk in list(due) if _claim(pk, now)]
    columns = {field.name: field.column for field in Message._meta.concrete_fields}
    lease = Message._meta.get_field("next_attempt_at")
    quote = connection.ops.quote_name
    table, pk = quote(Message._meta.db_table), quote(columns["id"])
    status, attempts, due_at = (
        quote(columns[name]) for name in ("status", "attempts", "next_attempt_at")
    )
    with prepared_cursor(connection) as cursor:
        cursor.execute(
            f"UPDATE {table} SET {status} = %s, {attempts} = {attempts} + 1, {due_at} = %s "  # noqa: S608 (quoted model names; values bound)
            f"WHERE {pk} IN (SELECT {pk} FROM {table} WHERE {status} = %s AND {due_at} <= %s "
            f"ORDER BY {due_at}, {pk} LIMIT %s) AND {status} = %s RETURNING {pk}",
            [
                MessageStatus.SENDING,
                lease.get_db_prep_value(now + LEASE, connection),
                MessageStatus.QUEUED,
                lease.get_db_prep_value(now, connection),
                BATCH,
                MessageStatus.QUEUED,
            ],
        )
        return sorted(pk for (pk,) in cursor.fetchall())


def _due(now: dt.datetime) -> QuerySet[Message]:
    return Message.objects.filter(status=MessageStatus.QUEUED, next_attempt_at__lte=now)


def _claim(pk: int, now: dt.datetime) -> bool:
    """Claim message `pk` alone (queued → sending): False when another runner did first, or
    it is no longer due."""
    return bool(
        _due(now)
        .filter(pk=pk)
        .update(
            status=MessageStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + LEASE
        )
    )


def abandoned_fail() -> dict[str, int]:
    """Messages left `sending` past their lease: failed, with the cause (not sent again). The
    `messages.abandoned` job: a lease is LEASE long, so a sweep every few minutes finds them
    soon enough, and sending need not look for them on every run."""
    failed = Message.objects.filter(
        status=MessageStatus.SENDING, next_attempt_at__lte=clock.now()
    ).update(status=MessageStatus.FAILED, error="interrupted while sending; not sent again")
    return {"abandoned": failed}


def send_one(pk: int) -> str | None:
    """Claim message `pk` and send it: "sent", "retrying", "failed", or None when another
    runner claimed it first (or it is no longer due)."""
    if not _claim(pk, clock.now()):
        return None
    return _deliver(Message.objects.get(pk=pk))


def _deliver(message: Message) -> str:
    """Send a message claimed by this run and record the outcome."""
    try:
        provider_id = transport_for(message.channel).send(message)
    except SendFailed as exc:
        return _failed(message, str(exc), retry=exc.retry)
    except Exception as exc:  # a bug or an unexpected transport error: retry, keep the cause
        logger.exception("message %s failed", message.pk)
        return _failed(message, f"{type(exc).__name__}: {exc}", retry=True)
    sent_at = Message._meta.get_field("sent_at").get_db_prep_value(clock.now(), connection)
    with prepared_cursor(connection) as cursor:
        cursor.execute(
            _mark_sent_sql(connection.alias),
            [MessageStatus.SENT, sent_at, provider_id[:255], message.pk, MessageStatus.SENDING],
        )
    return "sent"


@functools.lru_cache(maxsize=4)
def _mark_sent_sql(alias: str) -> str:
    """The UPDATE that marks one message sent, written once per process: every message sent
    runs it, and the ORM's building of it cost more than the database's work (issue 19).
    Parameters: SENT, the time, the provider's id, the key, SENDING."""
    quote = connections[alias].ops.quote_name
    meta = Message._meta
    columns = {field.name: field.column for field in meta.concrete_fields}
    status, sent_at, provider_id, error, pk = (
        quote(columns[name]) for name in ("status", "sent_at", "provider_id", "error", "id")
    )
    return (
        f"UPDATE {quote(meta.db_table)} SET {status} = %s, {sent_at} = %s, "  # noqa: S608 (quoted model names; values bound)
        f"{provider_id} = %s, {error} = '' WHERE {pk} = %s AND {status} = %s"
    )


def _failed(message: Message, error: str, *, retry: bool) -> str:
    final = not retry or message.attempts >= MAX_ATTEMPTS
    Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
        status=MessageStatus.FAILED if final else MessageStatus.QUEUED,
        next_attempt_at=None if final else clock.now() + BACKOFF[message.attempts - 1],
        error=error[:500],
    )
    logger.warning("message %s attempt %s failed: %s", message.pk, message.attempts, error)
    return "failed" if final else "retrying"


def sms_deliveries() -> dict[str, int]:
    """Take the SMS centre's delivery receipts and the customers' SMS (SMPP only: an HTTP
    gateway POSTs its receipts). Run by the `intake.sms_read` job, which then acts on the SMS."""
    from django.conf import settings

    from tousu.messages import smpp

    if settings.TOUSU_SMS_TRANSPORT != "smpp":
        return {}
    try:
        return smpp.deliveries_read()
    except (OSError, smpp.smpplib.exceptions.ConnectionError, smpp.smpplib.exceptions.PDUError):
        # The centre is down or refuses the bind: what it holds waits there for the next run.
        logger.warning("SMPP receiver: cannot bind", exc_info=True)
        return {"unreachable": 1}
