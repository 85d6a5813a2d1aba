from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertKind(models.TextChoices):
    SPIKE = "spike", _("Complaint spike")


class AlertWindow(models.TextChoices):
    HOUR = "hour", _("Latest hour")
    DAY = "day", _("Latest 24 hours")


# The dimensions a spike is looked for in, alone and in pairs (R10.1).
SLICE_DIMENSIONS = ("category", "region", "channel")


# ---- proactive care from known faults (issue 15 item 3, S3 先于客户发现问题) ---------------------


class FaultKind(models.TextChoices):
    """What a known fault is; its code is also the top of the category tree its complaints fall
    under (`network.*`, `billing.*`)."""

    NETWORK = "network", _("Network fault")
    BILLING = "billing", _("Billing error")


# The department that owns a fault of each kind and calls its customers (reference data:
# tousu.accounts.reference.DEPARTMENTS).
FAULT_DEPARTMENTS: dict[str, str] = {
    FaultKind.NETWORK: "network",
    FaultKind.BILLING: "billing",
}


class CareStatus(models.TextChoices):
    """Where a customer on a fault's care list stands. `complained` is set by the system: the
    customer complained about the fault anyway before anyone called (their complaint is then
    worked as a complaint, and the item leaves the queue)."""

    OPEN = "open", _("To contact")
    CONTACTED = "contacted", _("Contacted")
    DECLINED = "declined", _("Declined")
    DONE = "done", _("Done")
    COMPLAINED = "complained", _("Complained anyway")


# The outcomes a person records; `open` and `complained` are not chosen by hand.
CARE_OUTCOMES = (CareStatus.CONTACTED, CareStatus.DECLINED, CareStatus.DONE)
# An item may still be recorded (again) in these statuses: a contacted customer may later be
# marked done or declined.
CARE_RECORDABLE = (CareStatus.OPEN, CareStatus.CONTACTED)
