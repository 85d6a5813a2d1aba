from django.db import models
from django.utils.translation import gettext_lazy as _


class TransferKind(models.TextChoices):
    TRANSFER = "transfer", _("Transfer")
    RETURN = "return", _("Return")
