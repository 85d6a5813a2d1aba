from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AlertKind(models.TextChoices):
    SPIKE = "spike", _("Complaint spike")


class AlertWindow(models.TextChoices):
    HOUR = "hour", _("Latest hour")
    DAY = "day", _("Latest 24 hours")


# The dimensions a spike is looked for in, alone and in pairs (R10.1). The product is the
# customer's plan as it stood when the complaint was registered (Complaint.product); its value is
# the plan's name as the CRM gives it, there being no product table to number it.
SLICE_DIMENSIONS = ("category", "region", "channel", "product")


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


# ---- incidents (危机事件, R10.4) ----------------------------------------------------------------


class IncidentLevel(models.TextChoices):
    """The four crisis levels of the operators' emergency plans (一般/较大/重大/特别重大)."""

    GENERAL = "general", pgettext_lazy("incident level", "General")
    SERIOUS = "serious", pgettext_lazy("incident level", "Serious")
    MAJOR = "major", pgettext_lazy("incident level", "Major")
    EXTRAORDINARY = "extraordinary", pgettext_lazy("incident level", "Extraordinary")


class IncidentStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("incident status", "Open")
    RESOLVED = "resolved", pgettext_lazy("incident status", "Resolved")
    CLOSED = "closed", pgettext_lazy("incident status", "Closed")


# An incident in these statuses still takes children, statements and actions.
INCIDENT_ACTIVE = (IncidentStatus.OPEN, IncidentStatus.RESOLVED)


class IncidentActionKind(models.TextChoices):
    """What an action does to every child it reaches (once each)."""

    REPLY = "reply", _("Reply with the statement")
    RESOLVE = "resolve", _("Resolve with a common remedy")
    CLOSE = "close", _("Close resolved complaints")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DISMISSED = "dismissed", _("Dismissed")


class MediaTone(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")


class IncidentEventType(models.TextChoices):
    """The incident's own timeline (the children's timelines say their part)."""

    OPENED = "opened", pgettext_lazy("incident event", "Opened")
    COMPLAINTS_ADDED = "complaints_added", _("Complaints added")
    COMPLAINT_REMOVED = "complaint_removed", _("Complaint removed")
    PROPOSAL_DISMISSED = "proposal_dismissed", _("Proposal dismissed")
    STATEMENT_DRAFTED = "statement_drafted", _("Statement drafted")
    STATEMENT_APPROVED = "statement_approved", _("Statement approved")
    ACTION_STARTED = "action_started", _("Action started")
    ACTION_DONE = "action_done", _("Action done")
    MEDIA_LOGGED = "media_logged", _("Media coverage logged")
    RESOLVED = "resolved", pgettext_lazy("incident event", "Resolved")
    CLOSED = "closed", pgettext_lazy("incident event", "Closed")
