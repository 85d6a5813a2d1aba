from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Direction(models.TextChoices):
    OUT = "out", _("To the customer")
    IN = "in", _("From the customer")


class MessageChannel(models.TextChoices):
    """How a message reaches the customer or comes from them. `page` is the customer's own
    complaint page (they read it there, and write there)."""

    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    WECHAT = "wechat", _("WeChat")
    PAGE = "page", _("Customer page")


class MessageKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
    PROGRESS = "progress", _("Progress")
    REPLY = "reply", _("Reply")
    CALLBACK_SURVEY = "callback_survey", _("Callback survey")
    CUSTOMER_MESSAGE = "customer_message", _("Customer message")
    # Written by staff (POST …/messages): the customer is told something outside the templates.
    FREE = "free", _("Message from staff")
    # The one-time code of the customer's own page: never shown in clear to staff.
    CODE = "code", _("One-time code")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    # Not sent on purpose, with the reason in `error`: the customer opted out, or there is no
    # address for any channel.
    WITHHELD = "withheld", _("Withheld")
    # An inbound message, recorded.
    RECEIVED = "received", pgettext_lazy("message status", "Received")
