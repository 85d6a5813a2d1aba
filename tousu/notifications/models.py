from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.notifications.choices import DeliveryChannel, DeliveryStatus, NotificationKind


class Notification(models.Model):
    """An in-app notification for one member of staff (R3.5)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    complaint = models.ForeignKey(
        "complaints.Complaint", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    # In the office language (settings.LANGUAGE_CODE), as e-mailed; `message` is the same
    # notice as a reason (tousu.core.reasons) that the in-app list shows in the reader's
    # language (empty for older notices, whose text is read back through `legacy`).
    text = models.CharField(max_length=300)
    message = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.user}: {self.text}"

    @property
    def notice(self) -> Any:
        """What the reader is told: the reason when there is one, else the stored text."""
        return self.message or self.text


class WebhookEndpoint(models.Model):
    """Another system that wants complaint events, signed with its own secret (HMAC-SHA256)."""

    name = models.CharField(max_length=64)
    url = models.URLField(max_length=300)
    secret = models.CharField(max_length=128)
    # Event types (timeline event types, e.g. "registered escalated closed"); empty = all.
    events = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        return not self.events.strip() or event in self.events.split()


class Delivery(models.Model):
    """An e-mail or webhook to send: written in the transaction of the change it reports (an
    outbox), sent after commit by the `notifications.deliver` job; its attempts are the
    delivery log."""

    channel = models.CharField(max_length=8, choices=DeliveryChannel.choices)
    endpoint = models.ForeignKey(
        WebhookEndpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient = models.CharField(max_length=254, blank=True)  # e-mail address
    event = models.CharField(max_length=32)
    subject = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=500, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.channel} {self.event} {self.status}"
