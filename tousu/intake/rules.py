"""Pure rules of intake: when a new complaint repeats an earlier one (R2.5)."""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext_lazy

from tousu.complaints.choices import Level
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
