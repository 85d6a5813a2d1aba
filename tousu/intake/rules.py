"""Pure rules of intake: when a new complaint repeats an earlier one (R2.5)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django.utils.translation import gettext_lazy

from tousu.complaints.choices import EventType, Level
from tousu.complaints.rules import raise_level
from tousu.core.reasons import reason_kind

# Two texts with at least this share of character bigrams in common tell the same story.
SIMILARITY_THRESHOLD = 0.5

# A repeat is raised one step above the earlier complaint (or its own level when higher), but
# not past major automatically: over-level is the customer going above us, never inferred.
RAISE = {
    Level.ORDINARY: Level.IMPORTANT,
    Level.IMPORTANT: Level.MAJOR,
    Level.MAJOR: Level.MAJOR,
    Level.OVER_LEVEL: Level.MAJOR,
}


def _significant(text: str) -> str:
    """Letters and digits only, lower-cased: punctuation and spaces say nothing about the
    issue, and full-width forms are folded to half-width."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if ch.isalnum())


def bigrams(text: str) -> set[str]:
    chars = _significant(text)
    if len(chars) == 1:
        return {chars}
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def text_similarity(a: str, b: str) -> float:
    """Jaccard similarity of the character bigrams of two texts, 0..1. Chinese needs no word
    segmentation for this: two-character words are most of its vocabulary."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


def similar_text(a: str, b: str, threshold: float = SIMILARITY_THRESHOLD) -> bool:
    return text_similarity(a, b) >= threshold


def same_category(a: str, b: str) -> bool:
    """The same category code, or the same top-level category when either of the two is only
    a top-level one (classified less precisely). Unknown ("") never matches."""
    if not a or not b:
        return False
    if a == b:
        return True
    if "." in a and "." in b:
        return False
    return a.split(".")[0] == b.split(".")[0]


def repeat_level(level: str, earlier_level: str = "") -> str:
    """The level of a repeat complaint: one step above the higher of its own and the earlier
    complaint's level, at most major — and never below its own level (an over-level repeat
    stays over-level). A third complaint about one issue is thus major."""
    base = raise_level(level, earlier_level) if earlier_level else level
    return raise_level(level, RAISE[Level(base)])


def registered_level(
    initial: str, *, earlier_level: str | None, risk_score: float, risk_high: float
) -> str:
    """The level a complaint is registered at: its initial level (the channel's or the one
    given, `sla.rules.initial_level`), raised for a repeat of a complaint of `earlier_level`,
    and one step more at a high escalation risk — never past major, never down (an
    over-level complaint stays so)."""
    level = initial if earlier_level is None else repeat_level(initial, earlier_level)
    if risk_score >= risk_high:
        level = repeat_level(level)
    return level


# ---- the notice intake writes, in the reader's language (tousu.core.reasons) ------------------
# Notifications written before codes hold the Chinese text; `legacy` reads it back.
reason_kind(
    "notice.repeat",
    gettext_lazy(
        "The customer complained again about the issue of complaint %(earlier)s: %(number)s"
    ),
    legacy=r"客户就投诉单 (?P<earlier>\S+) 的问题再次投诉：(?P<number>\S+)",
)


# ---- the customer's own page (issue 17) ----------------------------------------------------

# The one-time code: six digits, ten minutes, five tries. Five tries at a million codes is a
# one-in-200,000 chance per code, and a number can ask for a few codes an hour only.
PAGE_CODE_DIGITS = 6
PAGE_CODE_TTL = dt.timedelta(minutes=10)
PAGE_CODE_MAX_TRIES = 5
# Codes a number (or a phone) may ask for per hour: a customer who mistypes asks twice, a
# script that sends SMS to a stranger is stopped.
PAGE_CODES_PER_HOUR = 5
# The page's session: long enough to read and write a note, short on a shared phone.
PAGE_SESSION_TTL = dt.timedelta(minutes=30)
# Notes (with their attachments) a complaint's page takes per hour, and files per note.
PAGE_NOTES_PER_HOUR = 10
PAGE_NOTE_MAX_CHARS = 2_000
PAGE_NOTE_MAX_FILES = 3

# The timeline events the customer reads on their page, with what they say to them. The rest
# (classification, transfers inside the company, notes, approvals, risk) is internal.
CUSTOMER_STEPS: dict[str, Any] = {
    EventType.REGISTERED: gettext_lazy("We received your complaint"),
    EventType.DISPATCHED: gettext_lazy("Passed to the department that handles it"),
    EventType.ACCEPTED: gettext_lazy("A member of staff is handling it"),
    EventType.PROGRESS_REPLY: gettext_lazy("Progress update"),
    EventType.RESOLVED: gettext_lazy("We replied with our solution"),
    EventType.REOPENED: gettext_lazy("Taken up again"),
    EventType.CLOSED: gettext_lazy("Closed"),
    EventType.CUSTOMER_MESSAGE: gettext_lazy("You sent us more information"),
    EventType.EVIDENCE_ADDED: gettext_lazy("A file was added"),
}


def customer_step_visible(event_type: str, actor_name: str) -> bool:
    """Whether the customer sees a timeline event: a step meant for them; of files added, only
    their own (staff evidence may show other people's data)."""
    if event_type not in CUSTOMER_STEPS:
        return False
    return event_type != EventType.EVIDENCE_ADDED or actor_name == "customer"
