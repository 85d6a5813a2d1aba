from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """A client's `Idempotency-Key` for a registration: a retried request with the same key and
    the same body gets the first complaint back instead of a duplicate (R1.4)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    body_hash = models.CharField(max_length=64)
    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique"),
        ]
        verbose_name = _("idempotency key")

    def __str__(self) -> str:
        return self.key


class PageCode(models.Model):
    """A one-time code sent by SMS to the customer who asks to open their own complaint's page
    (issue 17): stored as a keyed hash, never in clear (the SMS record hides it from staff
    too), valid for a few minutes and a few tries, used once. A new code replaces the
    earlier ones of the complaint."""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="+"
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    # Wrong codes typed so far; counted with a conditional UPDATE so that parallel guesses
    # cannot exceed the limit.
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["complaint", "created_at"])]
        verbose_name = _("page code")
        verbose_name_plural = _("page codes")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.created_at:%Y-%m-%d %H:%M}"
