from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("Hotline")
    STORE = "store", _("Store")
    WEB = "web", _("Web")
    APP = "app", _("App")
    EMAIL = "email", _("E-mail")
    WECHAT = "wechat", _("WeChat")
    SMS = "sms", _("SMS")
    LETTER = "letter", _("Letter")
    REGULATOR = "regulator", _("Regulator referral")
    CONSUMER_ASSOCIATION = "consumer_association", _("Consumer association / 12315")
    MEDIA = "media", _("Media")


class TimeLeft(models.TextChoices):
    """An open complaint's time left to its resolution limit, in the buckets the dashboard's
    backlog and the list's filter share (bounds in rules.TIME_LEFT_HOURS)."""

    OVERDUE = "overdue", _("Overdue")
    WITHIN_4H = "within_4h", _("Under 4 h")
    WITHIN_24H = "within_24h", _("4–24 h")
    LATER = "later", _("Later")


class ArchiveFilter(models.TextChoices):
    """The complaint list's archive filter (R5.4); without it archived complaints are listed
    with the rest."""

    ONLY = "only", _("Archived only")
    EXCLUDE = "exclude", _("Not archived")


class Level(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary")
    IMPORTANT = "important", _("Important")
    MAJOR = "major", _("Major")
    OVER_LEVEL = "over_level", _("Over-level")


LEVEL_RANK = {Level.ORDINARY: 0, Level.IMPORTANT: 1, Level.MAJOR: 2, Level.OVER_LEVEL: 3}


class Finding(models.TextChoices):
    TRUE = "true", _("True")
    PARTLY_TRUE = "partly_true", _("Partly true")
    NOT_TRUE = "not_true", _("Not true")


class Cause(models.TextChoices):
    """R2.3 / S1: why the customer complained."""

    EXPLANATION_LACKING = "explanation_lacking", _("Our fault: explanation lacking")
    PROMISE_NOT_KEPT = "promise_not_kept", _("Our fault: promise not kept")
    ATTITUDE = "attitude", _("Our fault: staff attitude")
    PROCESS_ERROR = "process_error", _("Our fault: process or system error")
    CUSTOMER_MISUNDERSTANDING = "customer_misunderstanding", _("Customer misunderstanding")
    PRODUCT_DEFECT = "product_defect", _("Product or equipment defect")
    THIRD_PARTY = "third_party", _("Third party")


class CategorySource(models.TextChoices):
    GIVEN = "given", _("Given at registration")
    MODEL = "model", _("Automatic")
    MANUAL = "manual", _("Set by staff")


class EventType(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    CLASSIFIED = "classified", _("Classified")
    DISPATCHED = "dispatched", _("Dispatched")
    TRANSFERRED = "transferred", _("Transferred")
    RETURNED = "returned", _("Returned")
    TEAM_FORMED = "team_formed", _("Expert team formed")
    ACCEPTED = "accepted", _("Accepted")
    NOTE = "note", _("Note")
    ESCALATED = "escalated", _("Escalated")
    PAUSED = "paused", _("Paused")
    RESUMED = "resumed", _("Resumed")
    REMINDER = "reminder", _("Reminder before the time limit")
    FIRST_RESPONSE_OVERDUE = "first_response_overdue", _("First response overdue")
    HANDLING_STEP = "handling_step", _("Handling step recorded")
    EVIDENCE_ADDED = "evidence_added", _("Evidence added")
    RESOLVED = "resolved", _("Resolved")
    APPROVAL_REQUESTED = "approval_requested", _("Approval requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Approval rejected")
    CLOSED = "closed", _("Closed")
    CLOSED_DUPLICATE = "closed_duplicate", _("Closed as a duplicate")
    LINKED = "linked", _("Linked to a related complaint")
    # On the original's timeline: another complaint was closed as its duplicate (merged into
    # it); on both timelines when an administrator undoes that merge.
    MERGED = "merged", _("Duplicate merged into this complaint")
    UNMERGED = "unmerged", _("Merge undone")
    REOPENED = "reopened", _("Reopened")
    CALLBACK_SCHEDULED = "callback_scheduled", _("Callback scheduled")
    CALLBACK = "callback", _("Callback recorded")
    CALLBACK_ATTEMPT = "callback_attempt", _("Callback attempt")
    CALLBACK_OVERDUE = "callback_overdue", _("Callback overdue")
    REPAIR_FLAGGED = "repair_flagged", _("Handed to repair programme")
    REPAIR_OPENED = "repair_opened", _("Repair case opened")
    REPAIR_ASSIGNED = "repair_assigned", _("Repair case assigned")
    REPAIR_CLOSED = "repair_closed", _("Repair case closed")
    INSPECTED = "inspected", _("Quality inspection scored")
    INSPECTION_APPEALED = "inspection_appealed", _("Inspection score appealed")
    APPEAL_DECIDED = "appeal_decided", _("Inspection appeal decided")
    RISK_CHANGED = "risk_changed", _("Risk reassessed")
    PII_REVEALED = "pii_revealed", _("Personal data revealed")
    ARCHIVED = "archived", _("Archived")
    ANONYMISED = "anonymised", _("Personal data anonymised")
    # Incidents (R10.4): joining or leaving one, a progress reply sent to the customer (the
    # incident's statement; the public status page shows it) and an incident action applied.
    INCIDENT_ADDED = "incident_added", _("Added to an incident")
    INCIDENT_REMOVED = "incident_removed", _("Removed from an incident")
    INCIDENT_ACTION = "incident_action", _("Incident action applied")
    PROGRESS_REPLY = "progress_reply", _("Progress reply to the customer")
    # Messages (issue 17): one queued to the customer (SMS, e-mail, WeChat), one from them.
    MESSAGE_OUT = "message_out", _("Message to the customer")
    CUSTOMER_MESSAGE = "customer_message", _("Message from the customer")
