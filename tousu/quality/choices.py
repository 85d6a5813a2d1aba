"""The quality app's vocabulary (issue 16)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Inspection


class SampleReason(models.TextChoices):
    """Why a complaint was picked for inspection: the plan's random share, one of the kinds
    every one of which is inspected (R12.3, S4), by hand, or for a calibration round."""

    RANDOM = "random", _("Random sample")
    OVER_LEVEL = "over_level", _("Over-level or escalated")
    REOPENED = "reopened", _("Reopened")
    OUT_OF_STANDARD = "out_of_standard", _("Out of standard")
    DISSATISFIED = "dissatisfied", _("Dissatisfied callback")
    MANUAL = "manual", _("Chosen by hand")
    CALIBRATION = "calibration", _("Calibration")


# The kinds a sampling plan inspects in full, in order of precedence (a complaint that is
# several of them is sampled once, for the first).
MANDATORY_REASONS = (
    SampleReason.OVER_LEVEL,
    SampleReason.REOPENED,
    SampleReason.OUT_OF_STANDARD,
    SampleReason.DISSATISFIED,
)


class InspectionStatus(models.TextChoices):
    OPEN = "open", _("To score")
    # A context: "Scored" is also the column of when a score was given.
    SCORED = "scored", pgettext_lazy("inspection status", "Scored")


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("Appeal pending")
    UPHELD = "upheld", _("Appeal upheld")
    REJECTED = "rejected", _("Appeal rejected")
