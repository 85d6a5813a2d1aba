from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.callbacks.choices import AttemptOutcome, CallbackResult, CallbackStatus


class CallbackTask(models.Model):
    """A callback (回访) to the customer after closing, due within a set time (R8.1)."""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="callbacks"
    )
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=CallbackStatus.choices, default=CallbackStatus.PENDING
    )
    result = models.CharField(max_length=24, choices=CallbackResult.choices, blank=True)
    timeliness = models.PositiveSmallIntegerField(null=True, blank=True)
    attitude = models.PositiveSmallIntegerField(null=True, blank=True)
    solution = models.PositiveSmallIntegerField(null=True, blank=True)
    simplicity = models.PositiveSmallIntegerField(null=True, blank=True)
    # Overall satisfaction 1–5, asked last (R8.3: what the factors drive).
    overall = models.PositiveSmallIntegerField(null=True, blank=True)
    # DissatisfactionReason codes, with the comment as free text.
    reasons = models.JSONField(default=list, blank=True)
    comment = models.TextField(blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    # Calls made so far (CallbackAttempt rows), kept here so that the worklist shows them
    # without counting rows per line.
    attempt_count = models.PositiveSmallIntegerField(default=0)
    # After a failed call: the start of the part of the day to try next (rules.next_attempt_at).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Claimed by the job `callbacks.chase` (D6): the team reminded before the due time, the
    # supervisors told once it passed.
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [models.Index(fields=["status", "due_at"])]
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.status} {self.result}"


class CallbackAttempt(models.Model):
    """One call of a callback (R8.1): when, by whom, how it went. A result is recorded only
    after a reached call; failed calls are tried again at another time of day."""

    task = models.ForeignKey(CallbackTask, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["task", "at", "pk"]
        verbose_name = _("callback attempt")
        verbose_name_plural = _("callback attempts")

    def __str__(self) -> str:
        return f"{self.task_id} {self.at:%Y-%m-%d %H:%M} {self.outcome}"


class SurveyResponse(models.Model):
    """One answer to the operator's own satisfaction survey (`tousu import-survey`): most
    dissatisfied customers never complain (S2), so the survey finds them too (R8.3, R9.1)."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="survey_responses"
    )
    surveyed_at = models.DateTimeField()
    overall = models.PositiveSmallIntegerField()
    # SurveyFactor code → score 1–5; a factor the survey did not ask is absent.
    scores = models.JSONField(default=dict, blank=True)
    # The imported file (its SHA-256) and the row in it: importing a file twice adds nothing.
    batch = models.CharField(max_length=64)
    row = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-surveyed_at"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "row"], name="survey_response_once")
        ]
        indexes = [models.Index(fields=["surveyed_at"])]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.surveyed_at:%Y-%m-%d} {self.overall}"
