from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    """A case is written as a draft and shown to the front line once quality staff publish it."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class WordingTopic(models.TextChoices):
    """What an approved wording (统一口径) explains (R7.2, S2)."""

    TARIFF = "tariff", _("Tariffs")
    PROMOTION = "promotion", _("Promotions")
    OUTAGE = "outage", _("Outages")
    POLICY = "policy", _("Policies")
    # What Tousu itself tells the customer (issue 17): acknowledgement, progress, reply,
    # callback survey; one article per kind, keyed MESSAGE_WORDING_KEY, with its SMS variant.
    MESSAGES = "messages", _("Messages to customers")


class VersionState(models.TextChoices):
    """Where a wording version stands on a given day (rules.version_state)."""

    UPCOMING = "upcoming", _("Not yet effective")
    CURRENT = "current", _("Current")
    EXPIRED = "expired", _("Expired")
