"""Asking for a background job from any layer (D5).

How jobs run — Celery workers, or the in-process runner of `tousu serve` — is decided by the
wiring in `tousu.config.jobs`, which the domain apps may not import (they sit below it); the
setting `TOUSU_JOB_ENQUEUE` names its `enqueue` function.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string


def enqueue_on_commit(name: str) -> None:
    """Ask for a run of the job `name` once the current transaction commits (at once outside
    one); a rolled-back change asks for nothing."""
    enqueue = import_string(settings.TOUSU_JOB_ENQUEUE)
    transaction.on_commit(lambda: enqueue(name))
