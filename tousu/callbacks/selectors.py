"""Reads of callback tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tousu.callbacks.choices import CallbackStatus
from tousu.callbacks.models import CallbackTask

if TYPE_CHECKING:
    from tousu.complaints.models import Complaint


def complaint_callbacks(complaint: Complaint) -> list[CallbackTask]:
    """Every callback of the complaint, oldest due first, with who did it."""
    return list(complaint.callbacks.select_related("done_by"))


def pending_callback(complaint: Complaint) -> CallbackTask | None:
    return complaint.callbacks.filter(status=CallbackStatus.PENDING).first()
