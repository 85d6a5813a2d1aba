"""Fixtures of the repair tests: a dissatisfied callback through the real services, with the
signal sent after commit as in production."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings

from tousu.callbacks.models import CallbackTask
from tousu.callbacks.services import complaint_callback_record
from tousu.complaints.models import Complaint

SCORES = {"timeliness": 2, "attitude": 3, "solution": 1, "simplicity": 2}


@pytest.fixture
def dissatisfied(
    complaint_in: Callable[..., Complaint],
    agent: Any,
    django_capture_on_commit_callbacks: Any,
) -> Callable[..., CallbackTask]:
    """`dissatisfied(**complaint_fields, action=…, reasons=[…], overall=…)`: a closed complaint
    whose callback the agent records as dissatisfied; the signal runs as after a commit."""

    def make(
        *, action: str = "repair", reasons: list[str] | None = None, overall: int | None = None,
        result: str = "dissatisfied", **fields: Any,
    ) -> CallbackTask:  # fmt: skip
        complaint = complaint_in("closed", **fields)
        # Unreachable is a failed call; the callback ends so after the configured number.
        calls = settings.TOUSU_CALLBACK_ATTEMPTS if result == "unreachable" else 1
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(calls):
                task = complaint_callback_record(
                    complaint=complaint,
                    actor=agent,
                    result=result,
                    scores={} if result == "unreachable" else SCORES,
                    comment="问题还是没解决",
                    dissatisfied_action=action,
                    overall=overall,
                    reasons=reasons or [],
                )
        task.refresh_from_db()
        return task

    return make
