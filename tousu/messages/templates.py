"""The wording of the messages Tousu sends by itself (acknowledgement, progress, reply,
callback survey), per kind and channel.

The approved wording (统一口径) lives in the knowledge app, which messages may not import (they
are siblings): a higher app registers a provider (`provider_register`, intake's AppConfig) that
finds the approved text for a kind and channel. Without one, or when no wording is approved,
the built-in texts below are used. Placeholders, filled by `render`: {number}, {greeting} (the
customer's name), {due} (the promised reply time), {category}, {status_link},
{reply}, {progress}, {survey_link}."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.messages.choices import MessageChannel, MessageKind


@dataclass(frozen=True)
class Wording:
    subject: str
    text: str


# (kind, channel) → the approved wording, or None to use the built-in text.
Provider = Callable[[str, str], Wording | None]
PROVIDERS: list[Provider] = []


def provider_register(provider: Provider) -> None:
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)


def builtin(kind: str, channel: str) -> Wording:
    """Tousu's own texts, short enough for one or two SMS."""
    short = channel == MessageChannel.SMS
    if kind == MessageKind.ACKNOWLEDGEMENT:
        return Wording(
            _("Your complaint has been received"),
            _(
                "{greeting}, your complaint {number} ({category}) has been received; we will "
                "reply by {due}. Progress: {status_link}"
            ),
        )
    if kind == MessageKind.PROGRESS:
        return Wording(
            _("Progress of your complaint"),
            _("{greeting}, progress on your complaint {number}: {progress}"),
        )
    if kind == MessageKind.REPLY:
        return Wording(
            _("Reply to your complaint"),
            _("{greeting}, your complaint {number} has been handled: {reply}")
            if short
            else _(
                "{greeting},\n\nyour complaint {number} has been handled:\n\n{reply}\n\n"
                "If anything is unclear, reply to this message. Details: {status_link}"
            ),
        )
    return Wording(
        _("How did we handle your complaint?"),
        _(
            "{greeting}, we will call you about complaint {number} to ask how satisfied you are "
            "with how it was handled. {survey_link}"
        ),
    )


def wording_for(kind: str, channel: str) -> Wording:
    for provider in PROVIDERS:
        found = provider(kind, channel)
        if found is not None:
            return found
    return builtin(kind, channel)


class _Lenient(string.Formatter):
    """A placeholder the text does not know stays as it is ({survey_link} until the customer's
    page fills it), instead of failing the change that sends the message."""

    def get_value(self, key: Any, args: Any, kwargs: Any) -> Any:
        if isinstance(key, str) and key not in kwargs:
            return "{" + key + "}"
        return super().get_value(key, args, kwargs)


def placeholders(complaint: Complaint, **extra: str) -> dict[str, str]:
    # The customer's real name: a letter greets its reader (WORKSPACE 8); staff screens mask
    # it where they show the message (core.pii.TextMask's names).
    name = complaint.customer.name
    due = complaint.resolution_due
    category = complaint.category.name if complaint.category is not None else ""
    return {
        "number": complaint.number,
        "greeting": _("Dear %(name)s") % {"name": name} if name else _("Dear customer"),
        "due": f"{clock.local(due):%m-%d %H:%M}" if due else "",
        "category": category,
        "status_link": f"{settings.TOUSU_PUBLIC_URL}/public/status/",
        "survey_link": "",
        **extra,
    }


def render(complaint: Complaint, kind: str, channel: str, **extra: str) -> Wording:
    return fill(wording_for(kind, channel), complaint, **extra)


# What an empty placeholder leaves in brackets: "您的投诉TS…（）已受理" of a complaint not
# classified yet.
_EMPTY_BRACKETS = re.compile(r"\s*(?:（\s*）|\(\s*\))")


def fill(wording: Wording, complaint: Complaint, **extra: str) -> Wording:
    """The wording with the complaint's placeholders filled in (without the brackets of one
    left empty)."""
    values = placeholders(complaint, **extra)
    formatter = _Lenient()
    return Wording(
        *(
            _EMPTY_BRACKETS.sub("", formatter.format(text, **values)).strip()
            for text in (wording.subject, wording.text)
        )
    )
