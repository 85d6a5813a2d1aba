from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.intake.choices import ImportFailureCause, ImportStatus


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


def import_path(instance: ImportRun, filename: str) -> str:
    # A random name: no user-chosen path ever reaches the file system; the user's own name
    # is kept in `original_name`.
    return f"imports/{uuid.uuid4().hex}{instance.extension}"


class ImportRun(models.Model):
    """One upload of a CSV/Excel file of complaints from the web (issue 17): the stored file
    and how far the `intake.import_run` job has registered its rows.

    `cursor` counts the data rows already handled; it moves in the same transaction as those
    rows' complaints, so a run resumed after a crash starts after the last committed row and
    never registers a row twice."""

    file = models.FileField(upload_to=import_path, max_length=200)
    original_name = models.CharField(_("file"), max_length=200)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    # Channel of rows without a channel column (a code; blank when the file has the column).
    default_channel = models.CharField(max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    failure = models.CharField(max_length=32, choices=ImportFailureCause.choices, blank=True)
    headers = models.JSONField(default=list)  # the header row as the user wrote it
    total = models.PositiveIntegerField(_("rows"), default=0)
    cursor = models.PositiveIntegerField(default=0)
    registered = models.PositiveIntegerField(_("registered"), default=0)
    duplicates = models.PositiveIntegerField(_("already registered"), default=0)
    errors = models.PositiveIntegerField(_("rows with errors"), default=0)
    # While running: the claim's lease; a run still running after it was abandoned.
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("uploaded at"))
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "lease_until"], name="import_run_due")]
        verbose_name = _("import run")

    def __str__(self) -> str:
        return self.original_name

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.cursor * 100 // self.total)


class ImportRowError(models.Model):
    """A data row of an import run that was not registered, with why: a line of the run's
    error file."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="row_errors")
    row = models.PositiveIntegerField()  # the row number the user sees in the sheet
    # [[column as the user named it, message], …]; the messages of the registration service,
    # written in the office's language like the command line's error report.
    errors = models.JSONField(default=list)
    values = models.JSONField(default=list)  # the row's cells as text
    duplicate = models.BooleanField(default=False)

    class Meta:
        ordering = ["run", "row"]
        constraints = [
            models.UniqueConstraint(fields=["run", "row"], name="import_row_error_unique"),
        ]
        verbose_name = _("import row error")

    def __str__(self) -> str:
        return f"{self.run_id}:{self.row}"
