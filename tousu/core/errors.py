"""Domain errors. Services raise them; the API and views turn them into one error shape.

`code` is stable and machine-readable; `message` is for people; `fields` maps input field names
to their messages (validation errors only).

Messages are translated when the error is raised (`gettext`: in the language of the request
being served, the default language, Chinese, outside a request), so build them with `_()` at
the raise site:

    errors = FieldErrors()
    if not title:
        errors.add("title", required_message())
    elif len(title) > TITLE_MAX_CHARS:
        errors.add("title", too_long_message(TITLE_MAX_CHARS))
    errors.raise_if_any(_("The case has errors"))

    raise ValidationFailed.for_field(
        "level", one_of_message(Level.values), message=_("Invalid level")
    )
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import ClassVar

from django.utils.translation import gettext as _


class DomainError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"

    @classmethod
    def for_field(cls, field: str, error: str, *, message: str | None = None) -> ValidationFailed:
        """One field's error; `message`, the headline, repeats the field's error unless given."""
        return cls(error if message is None else message, fields={field: [error]})


class NotAllowed(DomainError):
    """The caller's role or scope does not allow the action."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The action is not possible in the object's current state."""

    status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class Duplicate(Conflict):
    """The thing is registered already: `existing` names it (the API answers it beside the
    message, so that a client can follow it without parsing the message)."""

    code = "duplicate"

    def __init__(self, message: str, *, existing: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message, fields=fields)
        self.existing = existing


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"


class FieldErrors:
    """The field errors found while checking one input, raised together as one
    ValidationFailed: the caller hears about every field at once, not one per attempt."""

    def __init__(self) -> None:
        self._fields: dict[str, list[str]] = {}

    def add(self, field: str, error: str) -> None:
        self._fields.setdefault(field, []).append(error)

    def __bool__(self) -> bool:
        return bool(self._fields)

    def __contains__(self, field: object) -> bool:
        return field in self._fields

    @property
    def fields(self) -> dict[str, list[str]]:
        return {name: list(errors) for name, errors in self._fields.items()}

    def raise_if_any(self, message: str | None = None) -> None:
        """Raise ValidationFailed with every error added, headed by `message` (by default the
        generic "check the marked fields"); nothing when no error was added."""
        if self._fields:
            raise ValidationFailed(message or invalid_input_message(), fields=self.fields)


# ---- messages shared by many checks (functions: translated in the language of the moment) ----


def invalid_input_message() -> str:
    return _("The input has errors; please check the marked fields")


def required_message() -> str:
    return _("Required")


def too_long_message(limit: int, length: int | None = None) -> str:
    """ "At most 200 characters", with the given length when the caller wants to show it."""
    if length is None:
        return _("At most %(limit)s characters") % {"limit": limit}
    return _("At most %(limit)s characters, now %(length)s") % {"limit": limit, "length": length}


def date_range_message(earliest: dt.date, latest: dt.date) -> str:
    """The days a date input may name."""
    return _("Use a date from %(earliest)s to %(latest)s") % {
        "earliest": earliest.isoformat(),
        "latest": latest.isoformat(),
    }


def one_of_message(values: Iterable[str]) -> str:
    """The allowed values, as an API client must send them."""
    return _("One of: %(values)s") % {"values": ", ".join(values)}
