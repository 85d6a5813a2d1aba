"""The customer's own page in the demo (issue 17): a customer who opened their page added a
note with a screenshot of the bill (the handler was told), and a customer answered the
callback survey through the link sent to them."""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from dataclasses import dataclass

from django.db.models import Max

from tousu.callbacks.choices import CallbackStatus
from tousu.callbacks.models import CallbackTask
from tousu.complaints.choices import Status
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.intake.selectors import survey_task
from tousu.intake.services import PageFile, page_note_add, survey_answer
from tousu.messages.links import SURVEY_LINK_MAX_AGE, survey_task_id, survey_token

NOTE = "补充一下：我刚查了详单，上个月也有一笔同样的扣费，两笔加起来一百多元，账单截图发给你们。"
SURVEY_SCORES = {"timeliness": 4, "attitude": 5, "solution": 5, "simplicity": 4}
SURVEY_COMMENT = "处理挺快的，退款已经到账了，谢谢。"
# A few minutes ago: the demo's history ends before the moment it is loaded.
ANSWERED_BEFORE_NOW = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class PageDemo:
    note_on: str | None
    survey_on: str | None


def _png() -> bytes:
    """A small grey image: the customer's 'screenshot' (a valid PNG, as the evidence checks
    read the bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    width, height = 8, 8
    raw = b"".join(b"\x00" + b"\xc8" * width for _row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def page_demo_load(now: dt.datetime) -> PageDemo:
    """One note from the page on an open billing complaint with a handler, and one survey
    answered through the link on a recently closed complaint whose callback is still pending
    (the latest due one is left for the callback team). Both a few minutes before `now`, on
    complaints where nothing happened since."""
    at = now - ANSWERED_BEFORE_NOW
    quiet = Max("events__at")
    note_on = (
        Complaint.objects.filter(
            status=Status.IN_PROGRESS,
            handler__isnull=False,
            category__code__startswith="billing",
            archived_at__isnull=True,
        )
        .annotate(last=quiet)
        .filter(last__lt=at)
        .order_by("-received_at")
        .first()
    )
    if note_on is not None:
        with clock.frozen(at):
            page_note_add(
                complaint=note_on,
                text=NOTE,
                files=[PageFile(name="账单截图.png", content=_png(), size=len(_png()))],
                key="demo-note",
            )
    pending = list(
        CallbackTask.objects.filter(
            status=CallbackStatus.PENDING, created_at__gt=now - SURVEY_LINK_MAX_AGE
        )
        .annotate(last=Max("complaint__events__at"))
        .order_by("-due_at")
    )
    answered = None
    # The latest due one is left for the callback team; a complaint whose last event (an
    # overdue reminder, the survey notice) came within the last minutes is answered just
    # after it, never before (so the answer does not depend on the time of day).
    for pending_task in pending[1:]:
        last: dt.datetime = pending_task.last  # annotated above
        when = max(at, last + dt.timedelta(seconds=30))
        if when >= now:
            continue
        # As the customer does: the link from the SMS, read back, then the answer.
        task = survey_task(survey_task_id(survey_token(pending_task.pk)))
        with clock.frozen(when):
            survey_answer(task=task, scores=SURVEY_SCORES, overall=5, comment=SURVEY_COMMENT)
        answered = task.complaint.number
        break
    return PageDemo(note_on=note_on.number if note_on else None, survey_on=answered)
