from django.db import models
from django.utils.translation import gettext_lazy as _


class CallbackResult(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")
    UNREACHABLE = "unreachable", _("Unreachable")


class CallbackStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class DissatisfiedAction(models.TextChoices):
    """What happens after a dissatisfied callback (R8.2)."""

    REOPEN = "reopen", _("Reopen the complaint")
    REPAIR = "repair", _("Hand to the repair programme")


# The perception factors of S2 that each callback scores from 1 to 5 (R8.3).
SCORE_FACTORS = ("timeliness", "attitude", "solution", "simplicity")
