"""Keyed hash chaining of timeline events (tousu.core.keys: an HMAC under a key kept outside
the database). Pure functions apart from reading the key; the services write, this computes."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from tousu.core.keys import canonical, mac

__all__ = [
    "REDACTED_KEY",
    "REDACTIONS_KEY",
    "canonical",
    "event_hash",
    "facts_digest",
    "json_safe",
    "mac",
    "moment",
    "redacted_digest",
]


def moment(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat()


def event_hash(
    *,
    number: str,
    seq: int,
    at: dt.datetime,
    type: str,
    actor_name: str,
    data: dict[str, Any],
    prev_hash: str,
    key: bytes | None = None,
) -> str:
    payload = {
        "complaint": number,
        "seq": seq,
        "at": moment(at),
        "type": type,
        "actor": actor_name,
        "data": data,
        "prev": prev_hash,
    }
    return mac(payload, key)


# The registration facts: what the customer said and when and how, and who they are. No event
# records them (they are the complaint itself), so the first event of every chain carries their
# digest and the chain covers them. Keyed, because a plain hash of a phone number is reversed by
# trying every number.
FACTS_KEY = "facts"


def facts_digest(
    *,
    channel: str,
    content: str,
    demand: str,
    received_at: dt.datetime,
    phone: str,
    key: bytes | None = None,
) -> str:
    payload = {
        "channel": channel,
        "content": content,
        "demand": demand,
        "received_at": moment(received_at),
        "phone": phone,
    }
    return mac({"facts": payload}, key)


# Redaction at the end of the retention period (complaints.retention): an event whose data held
# personal data has it replaced, and carries REDACTED_KEY: the number of the `anonymised` event
# that covers it. That later event's data lists, under REDACTIONS_KEY, each redacted event's
# number with its hash (unchanged: the chain still links through it) and the keyed digest of
# its data as redacted. Its own hash covers that list, so the redacted data is as tamper-evident
# as the original was; and it carries FACTS_KEY again, the digest of the anonymised facts.
REDACTED_KEY = "redacted_by"
REDACTIONS_KEY = "redactions"


def redacted_digest(
    *, number: str, seq: int, data: dict[str, Any], key: bytes | None = None
) -> str:
    """The keyed digest of a redacted event's data, as its covering event records it."""
    return mac({"redacted": [number, seq, data]}, key)


def json_safe(data: dict[str, Any]) -> dict[str, Any]:
    """Decimals and datetimes as strings: what is hashed must be what the JSON column returns."""
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))
