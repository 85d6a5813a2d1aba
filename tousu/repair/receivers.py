"""What the repair programme does when the callbacks app tells it something (after commit)."""

from __future__ import annotations

from typing import Any

from tousu.callbacks.models import CallbackTask, SurveyResponse
from tousu.repair import services


def on_callback_recorded(sender: Any, task: CallbackTask, **kwargs: Any) -> None:
    """A dissatisfied, low-score or unreachable callback puts the customer in a case at once;
    the job `repair.identify` catches any the signal missed."""
    task = CallbackTask.objects.select_related("complaint__customer", "complaint__category").get(
        pk=task.pk
    )
    finding = services.finding_of_callback(task)
    if finding is not None:
        services.repair_case_find(finding=finding)


def on_surveys_imported(sender: Any, batch: str, **kwargs: Any) -> None:
    for survey in SurveyResponse.objects.filter(batch=batch).select_related("customer"):
        finding = services.finding_of_survey(survey)
        if finding is not None:
            services.repair_case_find(finding=finding)
