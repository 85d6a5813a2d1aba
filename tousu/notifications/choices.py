from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned to you")
    DISPATCHED = "dispatched", _("New in your department")
    REMINDER = "reminder", _("Due soon")
    FIRST_RESPONSE_OVERDUE = "first_response_overdue", _("First response overdue")
    OVERDUE = "overdue", _("Overdue")
    ESCALATED = "escalated", _("Escalated to you")
    APPROVAL = "approval", _("Approval requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Approval rejected")
    RETURNED = "returned", _("Returned")
    REOPENED = "reopened", _("Reopened")
    TEAM = "team", _("Added to an expert team")
    REPEAT = "repeat", _("Repeat complaint")
    INTEGRITY = "integrity", _("Tamper evidence")
    ALERT = "alert", _("Complaint spike")
    INSPECTION = "inspection", _("Quality inspection")
    CUSTOMER_MESSAGE = "customer_message", _("Message from the customer")


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
