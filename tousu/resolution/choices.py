from django.db import models
from django.utils.translation import gettext_lazy as _


class RemedyType(models.TextChoices):
    REFUND = "refund", _("Refund")
    BILL_CREDIT = "bill_credit", _("Bill credit")
    DATA_CREDIT = "data_credit", _("Data or voice credit")
    APOLOGY = "apology", _("Apology")
    EXPLANATION = "explanation", _("Explanation")
    REPAIR = "repair", _("Repair")
    EXCHANGE = "exchange", _("Exchange or return")
    GIFT = "gift", _("Gift")
    DISCOUNT = "discount", _("Discount")


class HandlingStep(models.TextChoices):
    """S1's handling steps that the handler records; accept, responsibility, resolve are
    recorded by their own actions."""

    CALM = "calm", _("Calm the customer")
    CLARIFY = "clarify", _("Clarify the problem")
    INVESTIGATE = "investigate", _("Investigate")
    SOLUTION = "solution", _("Discuss a solution")
    THANK = "thank", _("Thank the customer")


# The investigation questions of S1: is it true, what does the customer want, is it
# reasonable, is the demand legitimate.
INVESTIGATION_QUESTIONS = ("is_true", "purpose", "reasonable", "demand_legitimate")
