"""The repair programme's vocabulary (R9, S2 不满意客户修复)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RepairType(models.TextChoices):
    """S2's five kinds of dissatisfied customer, each repaired by its own measures."""

    # A context: the same words name survey factors and categories elsewhere (资费 vs 资费类).
    COMPLAINT = "complaint", pgettext_lazy("repair type", "Complaint")
    TARIFF = "tariff", pgettext_lazy("repair type", "Tariff")
    NETWORK = "network", pgettext_lazy("repair type", "Network")
    PUBLICITY = "publicity", pgettext_lazy("repair type", "Publicity")
    DATA_USAGE = "data_usage", pgettext_lazy("repair type", "Data usage")


class RepairSource(models.TextChoices):
    """Where the programme found the dissatisfied customer (R9.1)."""

    CALLBACK = "callback", _("Dissatisfied callback")
    UNREACHABLE = "unreachable", _("Unreachable on callback")
    REOPENED = "reopened", _("Reopened complaint")
    REPEAT = "repeat", _("Repeat complaint")
    SURVEY = "survey", _("Satisfaction survey")
    MANUAL = "manual", _("Opened by hand")


class RepairStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", pgettext_lazy("repair status", "Repaired")
    CANCELLED = "cancelled", _("Cancelled")


# A customer has at most one case in these statuses (a constraint on RepairCase).
ACTIVE_STATUSES = (RepairStatus.OPEN, RepairStatus.IN_PROGRESS)


class ContactOutcome(models.TextChoices):
    """How a contact with the customer went."""

    REACHED = "reached", _("Reached, talked it through")
    ACCEPTED = "accepted", _("Reached, accepted the measure")
    REFUSED = "refused", _("Reached, refused")
    UNREACHABLE = "unreachable", _("Not reached")
