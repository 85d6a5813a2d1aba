"""The repair programme's jobs (registered in `tousu.config.jobs`); both idempotent (D6).

- `identify`: finds the dissatisfied customers the signals did not bring (a signal lost with a
  worker, reopened and repeat complaints, which send none). Every record is added to a case
  once (RepairCaseSource.key is unique): a second run opens nothing.
- `facts`: fills what only time tells in the effect report's fact table — a repeat complaint
  within 90 days once the 90 days have passed, and the later satisfaction of customers not
  repaired, from their next callback or survey.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q

from tousu.callbacks.choices import CallbackResult, CallbackStatus
from tousu.callbacks.models import CallbackTask, SurveyResponse
from tousu.complaints.choices import EventType
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.core import clock
from tousu.repair import rules, services
from tousu.repair.choices import RepairSource
from tousu.repair.models import RepairCaseSource, RepairFact

# How far back a run looks: further back, a record that found nobody then finds nobody now.
LOOKBACK = dt.timedelta(days=30)
# Rows of the fact table one run of `facts` looks at.
FACTS_BATCH = 5_000


def _new(keys: Iterable[str]) -> set[str]:
    wanted = set(keys)
    return wanted - set(
        RepairCaseSource.objects.filter(key__in=wanted).values_list("key", flat=True)
    )


def identify() -> dict[str, int]:
    since = clock.now() - LOOKBACK
    found = 0
    callbacks = CallbackTask.objects.filter(status=CallbackStatus.DONE, done_at__gte=since).filter(
        Q(result__in=[CallbackResult.DISSATISFIED, CallbackResult.UNREACHABLE])
        | Q(overall__lte=rules.LOW_SCORE)
    )
    fresh = _new(f"callback:{pk}" for pk in callbacks.values_list("pk", flat=True))
    for task in callbacks.select_related("complaint__customer", "complaint__category"):
        if f"callback:{task.pk}" in fresh and (f := services.finding_of_callback(task)):
            found += services.repair_case_find(finding=f) is not None
    surveys = SurveyResponse.objects.filter(created_at__gte=since).select_related("customer")
    fresh = _new(f"survey:{pk}" for pk in surveys.values_list("pk", flat=True))
    for survey in surveys:
        if f"survey:{survey.pk}" in fresh and (f := services.finding_of_survey(survey)):
            found += services.repair_case_find(finding=f) is not None
    related = ("complaint__customer", "complaint__category")
    reopened = ComplaintEvent.objects.filter(type=EventType.REOPENED, at__gte=since)
    fresh = _new(f"reopened:{pk}" for pk in reopened.values_list("complaint_id", flat=True))
    for event in reopened.select_related(*related):
        if f"reopened:{event.complaint_id}" in fresh:
            fresh.discard(f"reopened:{event.complaint_id}")
            f = services.finding_of_complaint(event.complaint, RepairSource.REOPENED, event.at)
            found += services.repair_case_find(finding=f) is not None
    repeats = Complaint.objects.filter(repeat_of__isnull=False, received_at__gte=since)
    fresh = _new(f"repeat:{pk}" for pk in repeats.values_list("pk", flat=True))
    for complaint in repeats.select_related("customer", "category"):
        if f"repeat:{complaint.pk}" in fresh:
            f = services.finding_of_complaint(complaint, RepairSource.REPEAT, complaint.received_at)
            found += services.repair_case_find(finding=f) is not None
    return {"found": found}


def facts() -> dict[str, int]:
    now = clock.now()
    window = dt.timedelta(days=rules.REPEAT_WINDOW_DAYS)
    due = RepairFact.objects.filter(repeat_90d__isnull=True, index_at__lte=now - window)
    settled = 0
    for fact in due.select_related("case").order_by("index_at")[:FACTS_BATCH]:
        repeated = Complaint.objects.filter(
            customer=fact.case.customer_id,
            received_at__gt=fact.index_at,
            received_at__lte=fact.index_at + window,
        ).exists()
        RepairFact.objects.filter(pk=fact.pk, repeat_90d__isnull=True).update(repeat_90d=repeated)
        settled += 1
    later = 0
    waiting = RepairFact.objects.filter(repaired=False, after__isnull=True)
    for fact in waiting.select_related("case").order_by("index_at")[:FACTS_BATCH]:
        score = _later_score(fact.case.customer_id, fact.index_at)
        if score is not None:
            RepairFact.objects.filter(pk=fact.pk, repaired=False, after__isnull=True).update(
                after=score
            )
            later += 1
    return {"repeat_settled": settled, "after_found": later}


def _later_score(customer_id: int, since: dt.datetime) -> int | None:
    """The customer's first overall score after `since`, from a survey or a callback."""
    survey = (
        SurveyResponse.objects.filter(customer=customer_id, surveyed_at__gt=since)
        .order_by("surveyed_at")
        .values_list("overall", "surveyed_at")
        .first()
    )
    callback = (
        CallbackTask.objects.filter(
            complaint__customer=customer_id, done_at__gt=since, overall__isnull=False
        )
        .order_by("done_at")
        .values_list("overall", "done_at")
        .first()
    )
    found = [(row[1], row[0]) for row in (survey, callback) if row is not None and row[1]]
    return min(found)[1] if found else None
