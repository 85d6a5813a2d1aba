from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AlertKind(models.TextChoices):
    SPIKE = "spike", _("Complaint spike")


class AlertWindow(models.TextChoices):
    HOUR = "hour", _("Latest hour")
    DAY = "day", _("Latest 24 hours")


# The dimensions a spike is looked for in, alone and in pairs (R10.1).
SLICE_DIMENSIONS = ("category", "region", "channel")


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
