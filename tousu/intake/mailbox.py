"""Reading the complaints mailbox over IMAP (imaplib): the folder's new mails by UID, from the
cursor on, each handed to `inbound_mail.mail_receive`, then marked seen (or moved)."""

from __future__ import annotations

import datetime as dt
import imaplib
import re
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from django.conf import settings

from tousu.intake.inbound_mail import mail_receive
from tousu.intake.mail_rules import mail_parse
from tousu.intake.models import MailboxCursor

# How many mails one run reads at most: a flood is worked through over several runs.
BATCH = 200
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


@contextmanager
def mailbox_open() -> Iterator[imaplib.IMAP4]:
    host, port = settings.TOUSU_MAIL_IMAP_HOST, settings.TOUSU_MAIL_IMAP_PORT
    timeout = settings.TOUSU_MAIL_IMAP_TIMEOUT
    security = settings.TOUSU_MAIL_IMAP_SECURITY
    client: imaplib.IMAP4
    if security == "ssl":
        client = imaplib.IMAP4_SSL(
            host, port, ssl_context=ssl.create_default_context(), timeout=timeout
        )
    else:
        client = imaplib.IMAP4(host, port, timeout=timeout)
        if security == "starttls":
            client.starttls(ssl.create_default_context())
    try:
        client.login(settings.TOUSU_MAIL_IMAP_USER, settings.TOUSU_MAIL_IMAP_PASSWORD)
        yield client
    finally:
        with suppress(imaplib.IMAP4.error, OSError):
            client.logout()


def _cursor(client: imaplib.IMAP4, folder: str) -> MailboxCursor:
    """The folder's cursor, started again from the first UID when the folder's UIDVALIDITY
    changed (its UIDs mean other mails now)."""
    status, _ = client.select(_quoted(folder))
    if status != "OK":
        raise imaplib.IMAP4.error(f"cannot open folder {folder!r}")
    # SELECT's "[UIDVALIDITY n]" response code, kept by imaplib under its name.
    _, data = client.response("UIDVALIDITY")
    validity = int(data[-1]) if data and data[-1] else 0
    cursor, _ = MailboxCursor.objects.get_or_create(folder=folder)
    if cursor.uidvalidity != validity:
        MailboxCursor.objects.filter(pk=cursor.pk).update(uidvalidity=validity, last_uid=0)
        cursor.uidvalidity, cursor.last_uid = validity, 0
    return cursor


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _new_uids(client: imaplib.IMAP4, after: int) -> list[int]:
    _, data = client.uid("SEARCH", f"UID {after + 1}:*")
    # "n:*" always includes the highest UID, even below n: keep only the new ones.
    return sorted(uid for uid in map(int, (data[0] or b"").split()) if uid > after)[:BATCH]


def _fetch(client: imaplib.IMAP4, uid: int) -> tuple[bytes, bool, dt.datetime | None] | None:
    """The mail (whole, or its headers only when larger than TOUSU_MAIL_MAX_BYTES: parsing
    a huge mail in memory is what an attacker sending one wants), whether it is headers only,
    and when the server received it."""
    status, data = client.uid("FETCH", str(uid), "(RFC822.SIZE INTERNALDATE)")
    if status != "OK" or not data or not isinstance(data[0], bytes):
        return None
    size = _SIZE.search(data[0])
    headers_only = size is not None and int(size.group(1)) > settings.TOUSU_MAIL_MAX_BYTES
    when = imaplib.Internaldate2tuple(data[0])  # the server's time of arrival
    received = dt.datetime.fromtimestamp(time.mktime(when), tz=dt.UTC) if when else None
    part = "BODY.PEEK[HEADER]" if headers_only else "BODY.PEEK[]"
    status, data = client.uid("FETCH", str(uid), f"({part})")
    if status != "OK":
        return None
    for item in data:
        if isinstance(item, tuple):
            return bytes(item[1]), headers_only, received
    return None


def _done(client: imaplib.IMAP4, uid: int) -> None:
    """The mail marked seen, and moved to the done folder when there is one."""
    client.uid("STORE", str(uid), "+FLAGS", "(\\Seen)")
    done = settings.TOUSU_MAIL_IMAP_DONE_FOLDER
    if done:
        client.uid("MOVE", str(uid), _quoted(done))


def mailbox_read() -> dict[str, int]:
    """Read the new mails of the folder and act on each once. Two workers may read the same
    mails: each mail's Message-ID is claimed before acting, and the cursor only moves forward
    (a conditional UPDATE), so nothing is acted on twice and nothing is skipped."""
    counts = {"read": 0, "new": 0}
    folder = settings.TOUSU_MAIL_IMAP_FOLDER
    with mailbox_open() as client:
        cursor = _cursor(client, folder)
        for uid in _new_uids(client, cursor.last_uid):
            fetched = _fetch(client, uid)
            if fetched is None:
                break  # gone meanwhile (moved by the other worker) or unreadable: next run
            raw, headers_only, received_at = fetched
            parsed = mail_parse(raw, headers_only=headers_only)
            record = mail_receive(mail=parsed, received_at=received_at)
            counts["read"] += 1
            if record is not None:
                counts["new"] += 1
                counts[record.outcome] = counts.get(record.outcome, 0) + 1
            _done(client, uid)
            MailboxCursor.objects.filter(pk=cursor.pk, last_uid__lt=uid).update(last_uid=uid)
    return counts
