"""The callback chase (R8.1), registered in `tousu.config.jobs` as `callbacks.chase`: the team is
reminded of callbacks falling due, the team's supervisors are told of overdue ones. Each
callback is claimed before it is reminded or escalated (D6), so a second run, or a second
worker, sends nothing new."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.db.models import QuerySet

from tousu.callbacks import selectors, services
from tousu.callbacks.models import CallbackTask
from tousu.core import clock

logger = logging.getLogger(__name__)

# Callbacks claimed per transaction.
CHASE_BATCH = 200


def _drain(qs: QuerySet[CallbackTask], apply: Callable[[list[int]], int], name: str) -> int:
    """Run `apply(pks)` on the rows of `qs`, batch by batch, until none is left but those this
    run already tried (held by another worker: it does them). Returns how many it applied to."""
    tried: set[int] = set()
    applied = 0
    while True:
        batch = [pk for pk in qs.values_list("pk", flat=True)[:CHASE_BATCH] if pk not in tried]
        if not batch:
            return applied
        tried.update(batch)
        with transaction.atomic():
            applied += apply(batch)


def chase() -> dict[str, int]:
    """`callbacks.chase`: remind the team of callbacks due within TOUSU_CALLBACK_REMIND_HOURS,
    escalate those past their due time to the team's supervisors; each callback once."""
    now = clock.now()
    reminded = _drain(
        selectors.due_for_reminder(now),
        lambda pks: services.callbacks_remind(pks=pks, now=now),
        "callbacks.chase",
    )
    escalated = _drain(
        selectors.due_for_escalation(now),
        lambda pks: services.callbacks_escalate(pks=pks, now=now),
        "callbacks.chase",
    )
    return {"reminded": reminded, "escalated": escalated}
