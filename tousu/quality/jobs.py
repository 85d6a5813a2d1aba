"""The quality app's jobs (registered in `tousu.config.jobs`), idempotent (D6).

Inspection
- `sample`: each active sampling plan draws its last complete period once (the period's
  SamplingRun row claims it) and tops up the mandatory kinds of the periods before; a
  complaint is sampled once per plan (a constraint), so a second run creates nothing.

Jobs of the quality app (registered in `tousu.config.jobs`), idempotent (D6).

# Corrective action
- `capa_overdue`: an action past its due day tells its owner once; ESCALATE_AFTER_DAYS later
  it tells the owner's supervisors and department head once. Each notice is claimed with a
  conditional UPDATE of its column, so two workers, or a second run, send nothing twice.

# Controlled documents
- `documents_activate`: versions approved for a day that has come are put in force.
"""

from __future__ import annotations

from django.db import transaction

from tousu.core import clock
from tousu.core.reasons import reason
from tousu.notifications.choices import NotificationKind
from tousu.notifications.services import notify
from tousu.quality import rules, selectors, services
from tousu.quality.choices import CAPA_ACTIVE
from tousu.quality.models import CapaAction, SamplingPlan


def sample() -> dict[str, int]:
    totals = {"plans": 0, "drawn": 0, "mandatory_late": 0}
    for plan in SamplingPlan.objects.filter(active=True).order_by("pk"):
        counts = services.plan_sample(plan=plan)
        totals["plans"] += 1
        totals["drawn"] += counts["drawn"]
        totals["mandatory_late"] += counts["mandatory_late"]
    return totals


# Actions one run looks at (the oldest due first).
OVERDUE_BATCH = 1_000


def capa_overdue() -> dict[str, int]:
    now = clock.now()
    today = selectors.today()
    due = (
        CapaAction.objects.filter(
            done_at__isnull=True, due_on__lt=today, capa__status__in=CAPA_ACTIVE
        )
        .filter(owner_told_at__isnull=True) | CapaAction.objects.filter(
            done_at__isnull=True, due_on__lt=today, capa__status__in=CAPA_ACTIVE,
            escalated_at__isnull=True,
        )
    )  # fmt: skip
    told = escalated = 0
    for action in due.select_related("owner", "capa").order_by("due_on", "pk")[:OVERDUE_BATCH]:
        stage = rules.overdue_stage(action.due_on, today)
        if stage >= 1 and action.owner_told_at is None:
            told += _tell_owner(action, now)
        if stage >= 2 and action.escalated_at is None:
            escalated += _escalate(action, now)
    return {"owners_told": told, "escalated": escalated}


def _tell_owner(action: CapaAction, now: object) -> int:
    with transaction.atomic():
        claimed = CapaAction.objects.filter(
            pk=action.pk, owner_told_at__isnull=True, done_at__isnull=True
        ).update(owner_told_at=now)
        if claimed:
            text = reason(
                "notice.capa_action_overdue",
                capa=action.capa_id,
                action=action.title[:60],
                due=action.due_on.isoformat(),
            )
            notify(users=[action.owner], kind=NotificationKind.OVERDUE, text=text)
    return claimed


def _escalate(action: CapaAction, now: object) -> int:
    with transaction.atomic():
        claimed = CapaAction.objects.filter(
            pk=action.pk, escalated_at__isnull=True, done_at__isnull=True
        ).update(escalated_at=now)
        if claimed:
            text = reason(
                "notice.capa_action_escalated",
                capa=action.capa_id,
                owner=str(action.owner),
                action=action.title[:60],
                due=action.due_on.isoformat(),
            )
            notify(
                users=selectors.supervisors_of(action.owner),
                kind=NotificationKind.ESCALATED,
                text=text,
            )
    return claimed


def documents_activate() -> dict[str, int]:
    return services.documents_activate()
