"""Hash chaining of timeline events. Pure functions; the services write, this computes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(
    *,
    number: str,
    seq: int,
    at: dt.datetime,
    type: str,
    actor_name: str,
    data: dict[str, Any],
    prev_hash: str,
) -> str:
    payload = canonical(
        {
            "complaint": number,
            "seq": seq,
            "at": at.astimezone(dt.UTC).isoformat(),
            "type": type,
            "actor": actor_name,
            "data": data,
            "prev": prev_hash,
        }
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def json_safe(data: dict[str, Any]) -> dict[str, Any]:
    """Decimals and datetimes as strings: what is hashed must be what the JSON column returns."""
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))
