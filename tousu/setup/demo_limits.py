"""The time-limit scans of the demo's history, each at the minute the job would have run it.

The demo replays every complaint's story with the clock frozen at each step; the minute job
(`sla.remind`, `sla.first_response_scan`, `sla.breach_scan`) does not run meanwhile. Left to
the first run of `make run`, it would find every limit ever passed at once: weeks of reminders,
first-response alerts and escalations stamped with the hour the server started, and none at
all for the complaints that were late but are closed now. Here the job's own services are
applied to one complaint at a time, at the minute after each of its moments, between the
steps of its story (`Player`) and, for those still open, up to the demo's now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from tousu.complaints.models import Complaint
from tousu.complaints.rules import OPEN_STATUSES
from tousu.core import clock
from tousu.sla import constants, selectors, services
from tousu.sla.models import EscalationStep

# The job runs every minute: what falls due is acted on within the minute after.
JOB_LAG = dt.timedelta(minutes=1)

Apply = Callable[[int, dt.datetime, services.Recipients], bool]


def _climb(step: EscalationStep, previous: int) -> Apply:
    def apply(pk: int, now: dt.datetime, cache: services.Recipients) -> bool:
        return services.complaint_ladder_climb(
            pk=pk, step=step, previous=previous, now=now, cache=cache
        )

    return apply


def _remind(pk: int, now: dt.datetime, cache: services.Recipients) -> bool:
    return services.complaint_remind(pk=pk, now=now, cache=cache)


def _alert(pk: int, now: dt.datetime, cache: services.Recipients) -> bool:
    return services.complaint_first_response_alert(pk=pk, now=now, cache=cache)


@dataclass
class LimitScans:
    """The scans of one demo build: the ladder read once, the recipients cached as the job
    caches them within a run."""

    ladder: list[EscalationStep]
    cache: services.Recipients

    @classmethod
    def load(cls) -> LimitScans:
        return cls(selectors.ladder(), {})

    def _moments(self, c: Complaint) -> list[tuple[dt.datetime, str, Apply]]:
        """When each scan would next find the complaint due, as it stands now."""
        if c.status not in OPEN_STATUSES:
            return []
        out: list[tuple[dt.datetime, str, Apply]] = []
        if c.accepted_at is None and c.first_response_alerted_at is None:
            out.append((c.first_response_due, "alert", _alert))
        if c.paused_at is None and c.resolution_due is not None:
            if c.reminder_sent_at is None:
                out.append((c.resolution_due - constants.REMINDER_LEAD, "remind", _remind))
            previous = 0
            for step in self.ladder:
                if previous <= c.escalation_step < step.order:
                    after = dt.timedelta(minutes=step.after_minutes)
                    out.append(
                        (c.resolution_due + after, f"step {step.order}", _climb(step, previous))
                    )
                previous = step.order
        return out

    def replay(self, complaint: Complaint, *, since: dt.datetime, until: dt.datetime) -> None:
        """Apply the scans that fell due between two steps of the complaint's story (`since`,
        the last one; `until`, the next or the demo's now), earliest first, each at the minute
        after its moment and never before `since`: the timeline stays in time order. A scan
        that does not take the complaint then (a reminder whose limit was already past) is
        not asked again."""
        refused: set[str] = set()
        while True:
            complaint.refresh_from_db()
            due = [m for m in self._moments(complaint) if m[1] not in refused]
            if not due:
                return
            moment, name, apply = min(due, key=lambda m: m[0])
            # Due while a step was being taken: the next run, once the step is done.
            at = max(moment + JOB_LAG, since)
            if at > until:
                return
            with clock.frozen(at), transaction.atomic():
                if not apply(complaint.pk, at, self.cache):
                    refused.add(name)
            since = at

    def replay_open(self, now: dt.datetime) -> None:
        """`replay` up to now for every complaint still open, from its last event."""
        for complaint in Complaint.objects.filter(status__in=OPEN_STATUSES).order_by("pk"):
            last = complaint.events.order_by("-seq").values_list("at", flat=True).first()
            self.replay(complaint, since=last or complaint.registered_at, until=now)
