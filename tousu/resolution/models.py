from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.accounts.choices import Role
from tousu.resolution.choices import RemedyType


class AuthorityLimit(models.Model):
    """The compensation a role may grant alone on one complaint (R6.2); above it an approver
    whose own limit covers the amount must approve. No row, or an empty amount, = unlimited."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, unique=True)
    max_amount = models.DecimalField(
        _("maximum amount (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("authority limit")
        verbose_name_plural = _("authority limits")

    def __str__(self) -> str:
        return f"{self.role}: {self.max_amount if self.max_amount is not None else '∞'}"


class Remedy(models.Model):
    """One remedy granted on a complaint (R5.3); money amounts in yuan."""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="remedies"
    )
    type = models.CharField(_("type"), max_length=16, choices=RemedyType.choices)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2, default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("remedy")
        verbose_name_plural = _("remedies")

    def __str__(self) -> str:
        return f"{self.type} {self.amount}"


class Approval(models.Model):
    """A request to approve remedies above the resolver's authority, and its decision."""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="approvals"
    )
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    approved = models.BooleanField(null=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.amount} {self.approved}"


class HandlingRecord(models.Model):
    """The guided record of S1's handling steps for one complaint (R5.1): per step, what the
    handler did and found, as `{step: {"text": …, "answers": {…}, "at": …, "by": …}}`."""

    complaint = models.OneToOneField(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="handling"
    )
    steps = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("handling record")

    def __str__(self) -> str:
        return f"{self.complaint_id}: {', '.join(self.steps)}"


def evidence_path(instance: Evidence, filename: str) -> str:
    # The stored name is the content hash: no user-chosen path ever reaches the file system.
    return f"evidence/{instance.complaint.number}/{instance.sha256}{instance.extension}"


class Evidence(models.Model):
    """An evidence attachment (R5.2): a recording, screenshot, bill…"""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(upload_to=evidence_path, max_length=200)
    original_name = models.CharField(max_length=200)
    extension = models.CharField(max_length=8)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.original_name
