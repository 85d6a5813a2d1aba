"""The quality app's vocabulary (issue 16).

The vocabulary of corrective actions and controlled documents (R12.1, R12.4, S0)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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


class CapaKind(models.TextChoices):
    CORRECTIVE = "corrective", _("Corrective")
    PREVENTIVE = "preventive", _("Preventive")


class CapaSource(models.TextChoices):
    """What the corrective action was opened from (the cluster of complaints it is about).
    Inspection findings and incidents keep their kind and reference here too."""

    TERM = "term", _("Root-cause word")
    CATEGORY = "category", _("Category")
    CLAUSE = "clause", _("Standard clause with consistency flags")
    ALERT = "alert", _("Complaint spike")
    INSPECTION = "inspection", _("Quality inspection finding")
    INCIDENT = "incident", _("Incident")
    MANUAL = "manual", _("Opened by hand")


class CapaStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("capa status", "Open")
    ACTIONS_DONE = "actions_done", _("Actions done, effect being watched")
    CLOSED_EFFECTIVE = "closed_effective", _("Closed: effective")
    CLOSED_NOT_EFFECTIVE = "closed_not_effective", _("Closed: not effective")


# A corrective action still to be worked or verified.
CAPA_ACTIVE = (CapaStatus.OPEN, CapaStatus.ACTIONS_DONE)
CAPA_CLOSED = (CapaStatus.CLOSED_EFFECTIVE, CapaStatus.CLOSED_NOT_EFFECTIVE)


# Controlled documents


class DocumentKind(models.TextChoices):
    """The parts of a complaint-management manual (S0: 投诉管理手册的常见结构). A context:
    "Rule" and "Standard" name other things elsewhere (routing rules, standard clauses)."""

    MANUAL = "manual", pgettext_lazy("document kind", "Manual")
    POLICY = "policy", pgettext_lazy("document kind", "Policy")
    OBJECTIVES = "objectives", pgettext_lazy("document kind", "Objectives")
    RESPONSIBILITIES = "responsibilities", pgettext_lazy("document kind", "Responsibilities")
    PROCEDURE = "procedure", pgettext_lazy("document kind", "Procedure")
    STANDARD = "standard", pgettext_lazy("document kind", "Standard")
    RULE = "rule", pgettext_lazy("document kind", "Rule")


class VersionStatus(models.TextChoices):
    APPROVED = "approved", _("Approved, not yet in force")
    IN_FORCE = "in_force", _("In force")
    SUPERSEDED = "superseded", _("Superseded")
