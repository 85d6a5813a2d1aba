from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportFailureCause(models.TextChoices):
    """Why a whole import run failed (its rows could not even be read by the job)."""

    FILE_MISSING = "file_missing", _("The uploaded file is no longer stored")
    FILE_UNREADABLE = "file_unreadable", _("The uploaded file can no longer be read")
