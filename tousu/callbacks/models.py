from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.callbacks.choices import CallbackResult, CallbackStatus


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
    comment = models.TextField(blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["due_at"]
        indexes = [models.Index(fields=["status", "due_at"])]
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.status} {self.result}"
