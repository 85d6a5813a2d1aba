"""API helpers without domain knowledge: pagination, time parsing for query strings, and
schema fields limited to the values of a TextChoices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

from django.db.models import Choices, Model
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ConfigDict, GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.core.errors import FieldErrors, ValidationFailed, date_range_message

PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 200


class Strict(Schema):
    """An input schema that refuses fields it does not know (a typo is an error, not ignored)."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Schema):
    code: str = Field(description="Stable and machine-readable, e.g. validation_error")
    message: str = Field(description="For people, in the language of the request")
    fields: dict[str, list[str]] = Field(
        default_factory=dict, description="Input field → its messages (invalid input only)"
    )
    existing: str | None = Field(
        default=None, description="What the request duplicates, e.g. a complaint's number"
    )


class Error(Schema):
    """The one shape of every failure (API.md): `{"error": {"code", "message", "fields"}}`."""

    error: ErrorDetail


# What each error status means for any operation that declares it (the OpenAPI document).
ERROR_DESCRIPTIONS = {
    400: "Malformed JSON, or characters the database cannot take (NUL)",
    401: "No valid API token",
    403: "The caller's role or data scope does not allow it",
    404: "No such object, or not in the caller's data scope",
    409: "Not possible in the object's current state, or a duplicate",
    413: "The request body is too large",
    422: "Invalid input; `fields` names each field's problems",
    429: "Too many requests; try again later",
}


def errors(*statuses: int) -> dict[int, type[Error]]:
    """The error responses an operation declares besides those every operation of its kind
    gives (added to the document in config/api.py: 401, and 400/404/413/422 from its
    parameters and body): `response={200: ComplaintOut, **errors(403, 409)}`."""
    unknown = set(statuses) - set(ERROR_DESCRIPTIONS)
    if unknown:
        raise ValueError(f"not an error status of the API: {sorted(unknown)}")
    return dict.fromkeys(statuses, Error)


M = TypeVar("M", bound=Model)
M_co = TypeVar("M_co", bound=Model, covariant=True)


class Pageable(Protocol[M_co]):
    """What a list must offer to be paginated: a QuerySet, or a ranked list of search results."""

    def count(self) -> int: ...

    def __getitem__(self, key: slice) -> Iterable[M_co]: ...


def page_check(page: int, page_size: int, depth_max: int | None = None) -> None:
    """Raise ValidationFailed for a page number or size out of range, or (`depth_max`) for a
    page reaching past the first `depth_max` items of a list shown no deeper."""
    errors = FieldErrors()
    if page < 1:
        errors.add("page", _("Pages start at 1"))
    if not 1 <= page_size <= PAGE_SIZE_MAX:
        errors.add("page_size", _("1 to %(max)s per page") % {"max": PAGE_SIZE_MAX})
    elif depth_max is not None and page * page_size > depth_max:
        errors.add("page", _("Only the first %(n)s items are shown") % {"n": depth_max})
    errors.raise_if_any(_("Invalid page parameters"))


def paginate(qs: Pageable[M], page: int, page_size: int) -> tuple[list[M], int]:
    """One page and the total count. Out-of-range sizes are an error, never silently changed."""
    page_check(page, page_size)
    if page == 1:  # a first page that is not full is the whole list: no count to ask for
        first = list(qs[:page_size])
        if len(first) < page_size:
            return first, len(first)
        return first, qs.count()
    count = qs.count()
    start = (page - 1) * page_size
    # A page past the end is empty without asking the database: an offset beyond 64 bits
    # (`?page=99999999999999999999`) is an error there, not an empty page.
    return (list(qs[start : start + page_size]) if start < count else []), count


def page_body(items: list[Any], count: int, page: int, page_size: int) -> dict[str, Any]:
    return {"items": items, "count": count, "page": page, "page_size": page_size}


# What the OpenAPI document says of a time parsed by `parse_time_bound`.
TIME_BOUND_DESCRIPTION = (
    "YYYY-MM-DD (a whole Asia/Shanghai day) or an ISO 8601 time, from TOUSU_EARLIEST_RECEIVED "
    f"(by default 2000-01-01) to {clock.LATEST_DAY.isoformat()}; others answer 422"
)


def parse_period(start: str, end: str) -> tuple[dt.datetime, dt.datetime]:
    """A required `?from=&to=` period of a report: [from, to] as times, `to` a whole day when
    it is a date (see `parse_time_bound`); both needed and in that order."""
    if not start or not end:
        errors = FieldErrors()
        errors.add("from", "YYYY-MM-DD")
        errors.add("to", "YYYY-MM-DD")
        errors.raise_if_any(_("Both from and to are needed"))
    low = parse_time_bound(start, "from")
    high = parse_time_bound(end, "to", end=True)
    if high <= low:
        raise ValidationFailed.for_field(
            "to", _("Must not be before from"), message=_("The end date is before the start date")
        )
    return low, high


def parse_time_bound(value: str, field: str, *, end: bool = False) -> dt.datetime:
    """A query-string time: a date (local midnight; as an end bound, the midnight after it, so
    `received_to=2026-11-20` includes that whole day) or an ISO 8601 time with offset (without
    one, Asia/Shanghai). Dates and times outside the days of `clock.day_in_range` are refused
    like malformed ones: the time arithmetic and the database cannot take year 1 or 9999."""
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            if not clock.day_in_range(day):
                raise _out_of_range(field)
            if end:
                day += dt.timedelta(days=1)
            return dt.datetime.combine(day, dt.time(), tzinfo=SHANGHAI)
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.for_field(
            field, _("Use YYYY-MM-DD or an ISO 8601 time"), message=_("Invalid time")
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    if not clock.moment_in_range(moment):
        raise _out_of_range(field)
    return moment


def _out_of_range(field: str) -> ValidationFailed:
    return ValidationFailed.for_field(
        field,
        date_range_message(clock.earliest_day(), clock.LATEST_DAY),
        message=_("Time out of range"),
    )


class OneOf:
    """Schema metadata for a text field that takes one of the values of a TextChoices class
    (or of a plain list of values), optionally only some of them:

        LevelValue = Annotated[str, OneOf(Level)]
        channel: Annotated[str, OneOf(Channel, only=[Channel.WEB, Channel.APP])] = "web"

    Validation and the OpenAPI enum are exactly those of `Literal[...]` of the values (pydantic's
    `literal_error`, which the API's error handler turns into "invalid value; one of: …"), but
    the values come from the choices, so a new choice reaches the API without copying it by
    hand. Annotated with `str` because type checkers cannot read a Literal built at run time."""

    def __init__(
        self, choices: type[Choices] | Iterable[str], *, only: Iterable[str] | None = None
    ):
        known = [str(v) for v in (choices.values if isinstance(choices, type) else choices)]
        values = known if only is None else [str(v) for v in only]
        if unknown := [v for v in values if v not in known]:
            raise ValueError(f"not among the choices: {', '.join(unknown)}")
        self.values = tuple(values)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.literal_schema(list(self.values))
