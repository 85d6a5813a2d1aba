"""Domain errors. Services raise them; the API and views turn them into one error shape.

`code` is stable and machine-readable; `message` is for people; `fields` maps input field names
to their messages (validation errors only).
"""

from __future__ import annotations

from typing import ClassVar


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


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
