"""The shared test mail servers themselves: a mail handed to the SMTP relay, or delivered over
LMTP, is read back over IMAP from the recipient's mailbox."""

from __future__ import annotations

import smtplib
from typing import Any


def test_a_mail_sent_over_smtp_arrives_in_the_test_mailbox(dovecot: Any, smtp_relay: Any) -> None:
    box = dovecot.mailbox("relay-check")
    dovecot.deliver(
        box, b"From: a@example.com\r\nSubject: by LMTP\r\nMessage-ID: <1@x>\r\n\r\nhi\r\n"
    )
    with smtplib.SMTP(smtp_relay.host, smtp_relay.port) as smtp:
        smtp.sendmail(
            "b@example.com", [box], b"From: b@example.com\r\nSubject: by SMTP\r\n\r\nhi\r\n"
        )

    received = dovecot.messages(box)

    assert [b"by LMTP" in m for m in received] == [True, False]
    assert b"by SMTP" in received[1]
