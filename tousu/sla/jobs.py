"""The time-limit scans (R4.2), registered in `tousu.config.jobs`.

Each scan asks only for the rows that are due, through an index on the due time, in batches
of `SCAN_BATCH`, and hands each batch to a service that claims its rows (D6): a row another
worker took meanwhile is skipped, so every reminder, alert and ladder step happens once
however many workers run. A batch commits as one transaction: a worker killed mid-batch
leaves neither claims nor effects of that batch. When a batch fails, its rows are retried one
by one, each in its own transaction, so that one bad row is rolled back alone (and tried
again on the next run) while the others go through.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from tousu.complaints.models import Complaint
from tousu.complaints.rules import OPEN_STATUSES
from tousu.core import clock
from tousu.sla import constants, selectors, services
from tousu.sla.models import ComplaintClock, EscalationStep

logger = logging.getLogger(__name__)


def _drain(qs: QuerySet[Any], apply: Callable[[list[int]], int], name: str) -> tuple[int, int]:
    """Run `apply(pks)` on the rows of `qs`, batch by batch, until no row is left (or only rows
    this run already tried). Returns (applied, failed)."""
    tried: set[int] = set()
    applied = failed = 0
    while True:
        batch = [
            pk for pk in qs.values_list("pk", flat=True)[: constants.SCAN_BATCH] if pk not in tried
        ]
        if not batch:
            return applied, failed
        tried.update(batch)
        # Count what a batch did only once it has committed: PostgreSQL may still refuse at
        # COMMIT (a deadlock found by the deferred foreign-key checks), and then the rows are
        # tried again one by one.
        try:
            with transaction.atomic():
                done = apply(batch)
            applied += done
            continue
        except Exception:
            logger.warning("%s: a batch of %d failed; retrying row by row", name, len(batch))
        for pk in batch:
            try:
                with transaction.atomic():
                    done = apply([pk])
                applied += done
            except Exception:
                failed += 1
                logger.exception("%s failed on complaint %s", name, pk)


def due_for_reminder(now: dt.datetime) -> QuerySet[Complaint]:
    """Open, running complaints not yet reminded whose limit is less than REMINDER_LEAD away
    (index: status, resolution_due)."""
    return Complaint.objects.filter(
        status__in=OPEN_STATUSES,
        resolution_due__gt=now,
        resolution_due__lte=now + constants.REMINDER_LEAD,
        reminder_sent_at__isnull=True,
        paused_at__isnull=True,
    )


def due_for_first_response_alert(now: dt.datetime) -> QuerySet[Complaint]:
    """Complaints nobody accepted past their first-response limit, not yet alerted (partial
    index on first_response_due of the unaccepted, unalerted ones)."""
    return Complaint.objects.filter(
        accepted_at__isnull=True,
        first_response_alerted_at__isnull=True,
        first_response_due__lte=now,
        status__in=OPEN_STATUSES,
    )


def due_for_step(
    now: dt.datetime, order: int, previous: int, after_minutes: int
) -> QuerySet[Complaint]:
    """Open, running complaints below rung `order` (and at or above the rung before it) whose
    resolution limit passed `after_minutes` ago (partial index on escalation_step,
    resolution_due of open complaints)."""
    return Complaint.objects.filter(
        status__in=OPEN_STATUSES,
        escalation_step__gte=previous,
        escalation_step__lt=order,
        resolution_due__lte=now - dt.timedelta(minutes=after_minutes),
        paused_at__isnull=True,
    )


def remind() -> dict[str, int]:
    """`sla.remind`: the reminder to the handler REMINDER_LEAD before the resolution limit."""
    now = clock.now()
    cache: services.Recipients = {}
    sent, failed = _drain(
        due_for_reminder(now),
        lambda pks: services.complaints_remind(pks=pks, now=now, cache=cache),
        "sla.remind",
    )
    return {"reminded": sent, "failed": failed}


def first_response_scan() -> dict[str, int]:
    """`sla.first_response_scan`: alert the department's supervisors about complaints nobody
    accepted within the first-response limit."""
    now = clock.now()
    cache: services.Recipients = {}
    alerted, failed = _drain(
        due_for_first_response_alert(now),
        lambda pks: services.complaints_first_response_alert(pks=pks, now=now, cache=cache),
        "sla.first_response_scan",
    )
    return {"alerted": alerted, "failed": failed}


def _climber(
    step: EscalationStep, previous: int, now: dt.datetime, cache: services.Recipients
) -> Callable[[list[int]], int]:
    def climb(pks: list[int]) -> int:
        return services.complaints_ladder_climb(
            pks=pks, step=step, previous=previous, now=now, cache=cache
        )

    return climb


def breach_scan() -> dict[str, int]:
    """`sla.breach_scan`: take every overdue complaint up the escalation ladder, lowest rung
    first, each rung exactly once. A complaint far past its limit climbs several rungs in one
    run, in order."""
    now = clock.now()
    cache: services.Recipients = {}
    counts: dict[str, int] = {"escalated": 0, "failed": 0}
    previous = 0
    for step in selectors.ladder():
        done, failed = _drain(
            due_for_step(now, step.order, previous, step.after_minutes),
            _climber(step, previous, now, cache),
            "sla.breach_scan",
        )
        counts[f"step_{step.order}"] = done
        counts["escalated"] += done
        counts["failed"] += failed
        previous = step.order
    return counts


def clock_scan() -> dict[str, int]:
    """`sla.clock_scan`: the authority's clocks of regulator referrals (issue 17), beside the
    operator's: the reminder before each deadline, then the escalation at its breach — each
    once per clock, whichever clock of a complaint comes first, and never stopped by the
    operator's pause (the regulator's deadline does not wait)."""
    now = clock.now()
    cache: services.Recipients = {}
    reminded, failed = _drain(
        ComplaintClock.objects.filter(services.clocks_due_for_reminder(now)).order_by("remind_at"),
        lambda pks: services.clocks_remind(pks=pks, now=now, cache=cache),
        "sla.clock_scan",
    )
    escalated, failed_too = _drain(
        ComplaintClock.objects.filter(services.clocks_due_for_escalation(now)).order_by("due"),
        lambda pks: services.clocks_escalate(pks=pks, now=now, cache=cache),
        "sla.clock_scan",
    )
    return {"reminded": reminded, "escalated": escalated, "failed": failed + failed_too}
