"""Secrets kept outside the database: Django's secret key and the chain key that makes the
timeline and the audit log tamper-evident. Each is read from an environment variable when set,
otherwise from a file beside the data, generated once on first start.

The chain key signs every link of the hash chains (complaint timelines and their seals, the
audit log): `mac` is an HMAC-SHA256 under it. A plain hash would let whoever can rewrite rows
recompute the hashes after an edit; without the key a recomputed chain does not verify. The
settings module imports this one, so Django's settings are only read inside functions.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings

CHAIN_KEY_ENV = "TOUSU_CHAIN_KEY"


def secret_load(*, env: str, path: Path) -> str:
    """The secret in the environment variable `env`, or in the file `path`, generated once
    (readable by the owner only) when missing.

    The file is written under a temporary name and linked into place, which fails if another
    process got there first: two processes starting at once (web server and worker, or test
    workers) never each write their own key, and no process ever reads a half-written file.
    """
    if value := os.environ.get(env):  # as given: a secret may end in a space
        return value
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
            # Another process made it first: theirs is the key.
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    return path.read_text().strip()


@functools.cache
def _key_at(env_value: str, path: str) -> bytes:
    return secret_load(env=CHAIN_KEY_ENV, path=Path(path)).encode()


def chain_key() -> bytes:
    """The chain key, read once per process (per variable and path, so that a test may point
    the setting elsewhere)."""
    return _key_at(os.environ.get(CHAIN_KEY_ENV, ""), str(settings.TOUSU_CHAIN_KEY_PATH))


def canonical(data: Any) -> str:
    """`data` as JSON that is the same text for the same data: keys sorted, no spaces."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def mac(data: Any, key: bytes | None = None) -> str:
    """HMAC-SHA256 (hex) of the canonical JSON of `data` under the chain key, or `key`."""
    key = chain_key() if key is None else key
    return hmac.new(key, canonical(data).encode(), hashlib.sha256).hexdigest()


def link_problem(
    *, seq: int, expected: int, prev_hash: str, prev: str, intact: Callable[[], bool]
) -> str:
    """What is wrong with one link of a hash chain read in order (complaint events, seals,
    audit entries), or "" when nothing: its number must follow the last one's, it must name
    the last one's hash, and its own hash must still be what its content gives (`intact`,
    asked last: it is the costly check)."""
    if seq != expected:
        return f"sequence gap: expected {expected}"
    if prev_hash != prev:
        return "previous hash does not match"
    if not intact():
        return "content changed after it was written"
    return ""
