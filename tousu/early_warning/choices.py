from django.db import models
from django.utils.translation import gettext_lazy as _


class AlertKind(models.TextChoices):
    SPIKE = "spike", _("Complaint spike")


class AlertWindow(models.TextChoices):
    HOUR = "hour", _("Latest hour")
    DAY = "day", _("Latest 24 hours")


# The dimensions a spike is looked for in, alone and in pairs (R10.1).
SLICE_DIMENSIONS = ("category", "region", "channel")
