"""The one source of "now" for services.

The demo and the importer replay history: registering a complaint received 90 days ago must
write timeline events at that time, not today. `frozen()` sets "now" for the current context
only (contextvars), so concurrent requests are never affected.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")

_frozen: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar(
    "tousu_frozen_now", default=None
)


def now() -> dt.datetime:
    return _frozen.get() or timezone.now()


def local_today() -> dt.date:
    return now().astimezone(SHANGHAI).date()


@contextlib.contextmanager
def frozen(at: dt.datetime) -> Iterator[None]:
    if timezone.is_naive(at):
        raise ValueError("frozen() needs an aware datetime")
    token = _frozen.set(at)
    try:
        yield
    finally:
        _frozen.reset(token)


def local(moment: dt.datetime) -> dt.datetime:
    """The time as people here read it: Asia/Shanghai, with its +08:00 offset."""
    return moment.astimezone(SHANGHAI)
