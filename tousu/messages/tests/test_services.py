"""Messages to and from the customer (issue 17): queued on the timeline in the change's
transaction, withheld for an opted-out customer, held for the quiet hours, sent once by the
job, recorded once per provider id."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction

from tousu.complaints.models import ComplaintEvent
from tousu.config import jobs
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.messages.models import Message
from tousu.messages.rules import send_not_before
from tousu.messages.services import Incoming, Outgoing, message_queue, message_receive
from tousu.messages.transports import TRANSPORTS, SendFailed
from tousu.notifications.models import Notification

pytestmark = pytest.mark.django_db


class Recorder:
    """A transport that keeps what it was given: the interface's own contract, not a
    protocol (the real transports have their own tests against real servers)."""

    def __init__(self, fail: list[SendFailed] | None = None) -> None:
        self.sent: list[Message] = []
        self.fail = fail or []

    def send(self, message: Message) -> str:
        if self.fail:
            raise self.fail.pop(0)
        self.sent.append(message)
        return f"id-{message.pk}"


@pytest.fixture
def sms(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setitem(TRANSPORTS, "sms", recorder)
    return recorder


def test_quiet_hours_hold_an_sms_until_eight_unless_urgent() -> None:
    late = dt.datetime(2026, 12, 7, 22, 30, tzinfo=SHANGHAI)
    early = dt.datetime(2026, 12, 8, 6, 0, tzinfo=SHANGHAI)
    eight = dt.datetime(2026, 12, 8, 8, 0, tzinfo=SHANGHAI)
    assert send_not_before(late, channel="sms", urgent=False) == eight
    assert send_not_before(early, channel="sms", urgent=False) == eight
    assert send_not_before(late, channel="sms", urgent=True) == late
    assert send_not_before(late, channel="email", urgent=False) == late
    noon = dt.datetime(2026, 12, 8, 12, 0, tzinfo=SHANGHAI)
    assert send_not_before(noon, channel="sms", urgent=False) == noon


def test_queued_message_is_on_the_timeline_and_sent_once(
    register: Callable[..., Any], sms: Recorder
) -> None:
    # Registered at the test's moment too: registered in the quiet hours, the acknowledgement
    # counted below would wait for 08:00 of a day after 10:00 on 2026-12-08, and not be sent.
    with clock.frozen(dt.datetime(2026, 12, 8, 10, 0, tzinfo=SHANGHAI)):
        complaint = register()
        message = message_queue(
            complaint=complaint,
            outgoing=Outgoing(kind="free", text="您的投诉已在处理中", key="t1"),
            actor=None,
        )
        again = message_queue(
            complaint=complaint, outgoing=Outgoing(kind="free", text="x", key="t1"), actor=None
        )
        assert again.pk == message.pk
        assert (message.channel, message.address, message.status) == (
            "sms",
            "13800138000",
            "queued",
        )
        # The acknowledgement of the registration, and this one.
        assert ComplaintEvent.objects.filter(complaint=complaint, type="message_out").count() == 2
        jobs.run("messages.send")
        jobs.run("messages.send")
    assert [m.kind for m in sms.sent] == ["acknowledgement", "free"]
    assert sms.sent[1].pk == message.pk
    message.refresh_from_db()
    assert (message.status, message.provider_id) == ("sent", f"id-{message.pk}")


def test_opted_out_customer_gets_nothing(register: Callable[..., Any], sms: Recorder) -> None:
    complaint = register()
    # The registration's acknowledgement went before they opted out (sent at once in the day,
    # held until 08:00 in the quiet hours): only what is queued after counts here.
    Message.objects.filter(complaint=complaint).delete()
    complaint.customer.contact_opt_out = True
    complaint.customer.save()
    message = message_queue(
        complaint=complaint, outgoing=Outgoing(kind="progress", text="进展"), actor=None
    )
    assert (message.status, message.error) == ("withheld", "message.opted_out")
    jobs.run("messages.send")
    assert sms.sent == []


def test_a_timeout_is_retried_and_a_refusal_is_final(
    register: Callable[..., Any], sms: Recorder
) -> None:
    complaint = register()
    # Only this test's message meets the failures, not the registration's acknowledgement.
    Message.objects.filter(complaint=complaint).delete()
    sms.fail = [SendFailed("gateway timed out"), SendFailed("number refused", retry=False)]
    at = dt.datetime(2026, 12, 8, 10, 0, tzinfo=SHANGHAI)
    with clock.frozen(at):
        message = message_queue(
            complaint=complaint, outgoing=Outgoing(kind="free", text="您好"), actor=None
        )
        jobs.run("messages.send")
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == ("queued", 1, "gateway timed out")
    with clock.frozen(at + dt.timedelta(minutes=2)):
        jobs.run("messages.send")
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == ("failed", 2, "number refused")


def test_a_customer_message_is_recorded_once_and_the_handler_told(
    lifecycle: Callable[..., Any],
) -> None:
    complaint = lifecycle("in_progress")
    incoming = Incoming(channel="email", text="补充：扣费发生在11月3日", external_id="<a@b>")
    first, new = message_receive(complaint=complaint, incoming=incoming)
    second, again = message_receive(complaint=complaint, incoming=incoming)
    assert (new, again, first.pk) == (True, False, second.pk)
    assert Message.objects.filter(direction="in").count() == 1
    assert ComplaintEvent.objects.filter(complaint=complaint, type="customer_message").count() == 1
    assert Notification.objects.filter(user=complaint.handler, kind="customer_message").count() == 1


def test_a_send_abandoned_mid_way_is_failed_by_its_sweep_never_sent_again(
    register: Callable[..., Any], sms: Recorder
) -> None:
    complaint = register()
    Message.objects.filter(complaint=complaint).delete()
    at = dt.datetime(2026, 12, 8, 10, 0, tzinfo=SHANGHAI)
    with clock.frozen(at):
        message = message_queue(
            complaint=complaint, outgoing=Outgoing(kind="free", text="您好"), actor=None
        )
    # A runner claimed it and was killed mid-send: `sending`, its lease running to 10:10.
    Message.objects.filter(pk=message.pk).update(
        status="sending", attempts=1, next_attempt_at=at + dt.timedelta(minutes=10)
    )
    with clock.frozen(at + dt.timedelta(minutes=5)):
        assert jobs.run("messages.abandoned") == {"abandoned": 0}  # still leased
    with clock.frozen(at + dt.timedelta(minutes=11)):
        jobs.run("messages.send")  # sending does not touch it, nor send it
        message.refresh_from_db()
        assert message.status == "sending"
        assert jobs.run("messages.abandoned") == {"abandoned": 1}
        jobs.run("messages.send")
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.error == "interrupted while sending; not sent again"
    assert sms.sent == []


@pytest.mark.django_db(transaction=True)
def test_a_runner_claiming_at_the_same_time_as_another_gets_none_of_its_messages(
    register: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runners' claims meet on the same due messages: the second waits on the first's row
    locks and, once the first has committed, finds them claimed — none is sent twice (D6)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: concurrent claims need PostgreSQL")
    from tousu.config import runner
    from tousu.messages.jobs import _claim_due

    complaint = register()
    Message.objects.filter(complaint=complaint).delete()  # its acknowledgement, sent already
    monkeypatch.setattr(runner, "enqueue", lambda job: None)  # queued only, sent by no one
    at = dt.datetime(2026, 12, 8, 10, 0, tzinfo=SHANGHAI)
    with clock.frozen(at):
        queued = sorted(
            message_queue(
                complaint=complaint, outgoing=Outgoing(kind="free", text=f"第{n}条"), actor=None
            ).pk
            for n in range(40)
        )
    first_claimed, second_started = threading.Event(), threading.Event()
    claims: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                claims["first"] = _claim_due(at)
                first_claimed.set()
                second_started.wait(5)
                time.sleep(0.3)  # the second's UPDATE is waiting on our row locks by now
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def second() -> None:
        try:
            first_claimed.wait(5)
            second_started.set()
            claims["second"] = _claim_due(at)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert claims == {"first": queued, "second": []}
