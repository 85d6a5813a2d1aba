"""Pure rules of SMS intake: who sent it, when the parts of a long SMS are all there (or waited
for long enough), their text, and what the text asks — to unsubscribe, or about which complaint.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tousu.core.text import normalise_phone
from tousu.messages.sms_rules import sms_decode

# A long SMS whose parts are not all there this long after its first arrived is acted on with
# what arrived: parts come seconds apart, and a part lost by the network never comes; the
# customer's complaint must not wait for it longer than the first response would.
PARTS_WAIT = dt.timedelta(minutes=30)
# An SMS from a customer with an open complaint to whom we sent an SMS within this time (or who
# texted it to us within it) is about that complaint: they answer what our acknowledgement or
# progress told them. A week covers the answer to a progress message; after it, a text is a
# new complaint (linked to the earlier as a repeat when it is the same issue).
THREAD_WINDOW = dt.timedelta(days=7)
# "TD" and "退订" alone: the convention, in China, for "no more SMS from you".
UNSUBSCRIBE = frozenset({"TD", "退订"})

_NUMBER = re.compile(r"(?<![A-Za-z0-9])TS\d{12,}(?!\d)", re.IGNORECASE)
_TRIM = " \t\r\n。.!！,，~～"


def sender_phone(address: str) -> str | None:
    """The customer's phone from the SMS's sender address as centres write it (13800138000,
    8613800138000, +86 138…, 008613800138000); None when it is not a mainland number (an
    alphanumeric sender, a short code)."""
    digits = unicodedata.normalize("NFKC", address).strip()
    if digits.isdigit() and len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return normalise_phone(digits) if digits else None


def is_unsubscribe(text: str) -> bool:
    """The text says only "TD" or "退订" (any case or width, trailing punctuation aside)."""
    return unicodedata.normalize("NFKC", text).strip(_TRIM).upper() in UNSUBSCRIBE


def number_in(text: str) -> str:
    """The complaint number (TS…) the text names, or ""."""
    found = _NUMBER.search(unicodedata.normalize("NFKC", text))
    return found.group(0).upper() if found else ""


@dataclass(frozen=True)
class Part:
    """One stored part, as the rules need it."""

    seq: int
    data_coding: int
    payload: bytes


def group_ready(
    *, total: int, seqs: Sequence[int], first_at: dt.datetime, now: dt.datetime
) -> bool:
    """Whether a long SMS is to be acted on: every part is there, or the wait is over."""
    return set(range(1, total + 1)) <= set(seqs) or now - first_at >= PARTS_WAIT


def text_assemble(parts: Sequence[Part], *, total: int, gap: Callable[[int], str]) -> str | None:
    """The SMS's text: its parts in order, each run of consecutive parts decoded whole (a
    Chinese character's two bytes may straddle parts), `gap(n)` in place of a missing part n.
    None when a run is not text (an unknown coding, bytes invalid in it)."""
    by_seq = {p.seq: p for p in parts}
    pieces: list[str | None] = []
    run: list[Part] = []
    for seq in range(1, max(total, 1) + 1):
        if seq in by_seq:
            run.append(by_seq[seq])
            continue
        if run:
            pieces.append(_decoded(run))
            run = []
        pieces.append(gap(seq))
    if run:
        pieces.append(_decoded(run))
    texts = [piece for piece in pieces if piece is not None]
    return "".join(texts) if len(texts) == len(pieces) else None


def _decoded(run: list[Part]) -> str | None:
    return sms_decode(run[0].data_coding, b"".join(p.payload for p in run))
