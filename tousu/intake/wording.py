"""The approved wording (knowledge) as the messages' template provider: registered by
IntakeConfig.ready, since messages and knowledge are siblings that may not import each other."""

from __future__ import annotations

from tousu.knowledge.selectors import message_wording
from tousu.messages.templates import Wording


def approved_message_wording(kind: str, channel: str) -> Wording | None:
    found = message_wording(kind, channel)
    if found is None:
        return None
    title, text = found
    return Wording(subject=title, text=text)
