"""The demo's messages to the customers (issue 17): who prefers e-mail and who asked for no
messages, set before their complaints are registered (so the acknowledgements go the way
they asked), then every message due by now sent as the `messages.send` job would have sent it
at its time — through a demo transport, never a real SMS centre, mailbox or official account,
whatever the settings say. Most SMS are then delivered (the centre's receipt), the latest few
still only sent; one SMS is refused by the centre, with its error."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from tousu.core import clock
from tousu.customers.choices import ContactChannel
from tousu.customers.models import Customer
from tousu.messages import jobs, receipts
from tousu.messages.choices import Direction, MessageChannel, MessageStatus
from tousu.messages.models import Message
from tousu.messages.transports import TRANSPORTS, SendFailed

# Every sixth customer (from the fourth) prefers e-mail; the sixth asked for no messages.
EMAIL_EVERY, EMAIL_FROM, OPTED_OUT = 6, 3, 5
# The centre's refusal of one number (SMPP command status 0x45: submit failed).
REFUSED_ERROR = "SMSC: submit_sm refused (0x00000045), 号码状态异常"
# An SMS receipt arrives within seconds; those sent in the last hour may still be waiting.
RECEIPT_DELAY = dt.timedelta(seconds=20)
RECEIPT_PENDING = dt.timedelta(hours=1)


def contact_preferences_plan(customers: Sequence[Customer]) -> None:
    """Before the customers are saved: e-mail addresses at China Mobile's mailbox (139.com,
    the phone number as the name, as its subscribers have) for those who prefer e-mail, and
    one customer who asked not to be sent anything."""
    for i, customer in enumerate(customers):
        if i % EMAIL_EVERY == EMAIL_FROM:
            customer.email = f"{customer.phone}@139.com"
            customer.preferred_channel = ContactChannel.EMAIL
        elif i == OPTED_OUT:
            customer.contact_opt_out = True


class _DemoTransport:
    """Answers an id, like a centre or a mail server accepting the message; refuses the one
    message chosen to show a failure."""

    def __init__(self, refuse: int | None) -> None:
        self.refuse = refuse

    def send(self, message: Message) -> str:
        if message.pk == self.refuse:
            raise SendFailed(REFUSED_ERROR, retry=False)
        return f"demo-{message.channel}-{message.pk}"


@contextmanager
def _demo_transports(refuse: int | None) -> Iterator[None]:
    saved = dict(TRANSPORTS)
    demo = _DemoTransport(refuse)
    TRANSPORTS.update(
        {c: demo for c in (MessageChannel.SMS, MessageChannel.EMAIL, MessageChannel.WECHAT)}
    )
    try:
        yield
    finally:
        TRANSPORTS.clear()
        TRANSPORTS.update(saved)


def messages_demo_load(now: dt.datetime, *, one_refused: bool = True) -> dict[str, int]:
    """Send what was due by `now`, each at its own time; receipts for the SMS sent (those of
    the last hour still awaited). `one_refused`: the centre refuses one of the SMS."""
    due = list(
        Message.objects.filter(
            direction=Direction.OUT, status=MessageStatus.QUEUED, next_attempt_at__lte=now
        ).order_by("next_attempt_at", "pk")
    )
    sms = [m.pk for m in due if m.channel == MessageChannel.SMS]
    # One of the older SMS (not the first: that complaint's story is told elsewhere).
    refuse = sms[len(sms) // 3] if one_refused and len(sms) > 3 else None
    counts = {"sent": 0, "failed": 0, "delivered": 0}
    with _demo_transports(refuse):
        for message in due:
            at = max(message.next_attempt_at or now, message.created_at)
            with clock.frozen(min(at, now)):
                outcome = jobs.send_one(message.pk)
            if outcome in counts:
                counts[outcome] += 1
    for message in Message.objects.filter(
        pk__in=sms, status=MessageStatus.SENT, sent_at__lte=now - RECEIPT_PENDING
    ):
        assert message.sent_at is not None
        with clock.frozen(message.sent_at + RECEIPT_DELAY):
            counts["delivered"] += receipts.receipt_record(
                channel=MessageChannel.SMS, provider_id=message.provider_id, delivered=True
            )
    return counts
