"""Issue 17's done-when for e-mail: a complaint's acknowledgement leaves by e-mail through
Tousu's SMTP transport once, after the registration commits, and arrives in the customer's
mailbox — a real SMTP server on 127.0.0.1 delivering into Dovecot, read back over IMAP."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from tousu.complaints.models import Complaint
from tousu.config import jobs
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.customers.models import Customer

pytestmark = pytest.mark.django_db(transaction=True)

NOON = dt.datetime(2026, 12, 8, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture
def mail_out(settings: Any, smtp_relay: Any) -> None:
    settings.TOUSU_CUSTOMER_EMAIL_TRANSPORT = "smtp"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_relay.host, smtp_relay.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.TOUSU_CUSTOMER_EMAIL_FROM = "kefu@tousu.test"


def test_the_acknowledgement_arrives_in_the_customers_mailbox_once_after_commit(
    reference: None, register: Callable[..., Any], dovecot: Any, mail_out: None
) -> None:
    address = dovecot.mailbox("wangfang-ack")
    Customer.objects.create(
        phone="13800138000", name="王芳", email=address, preferred_channel="email"
    )
    with clock.frozen(NOON):
        # Rolled back: registered for nobody, so nothing may leave.
        with transaction.atomic():
            register(external_ref="rolled-back")
            transaction.set_rollback(True)
        jobs.run("messages.send")
        assert dovecot.messages(address) == []

        complaint = register()
        jobs.run("messages.send")
        jobs.run("messages.send")

    (raw,) = dovecot.messages(address)
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert complaint.number in mail["Subject"]
    assert complaint.number in mail.get_content()
    assert Complaint.objects.count() == 1
