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


class EarlierAction(models.TextChoices):
    """What closing a repeat does to the earlier open complaint of the same customer (issue
    13): close it with this one, as its duplicate, or link the two and leave it open."""

    CLOSE = "close", _("Close it as a duplicate of this one")
    LINK = "link", _("Link only, leave it open")


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


class RemedyBasis(models.TextChoices):
    """How a standard clause sets the amount of a remedy (R6.1)."""

    FIXED = "fixed", _("Fixed range")
    DISPUTED_AMOUNT = "disputed_amount", _("Refund of the disputed amount")
    PER_DAY = "per_day", _("Per day of outage or delay")
    NONE = "none", _("No money")


class EvidenceKind(models.TextChoices):
    """What an evidence attachment shows, so that a clause can require it (R5.2, R6.1)."""

    BILL = "bill", _("Bill or charge record")
    RECORDING = "recording", _("Call recording")
    SCREENSHOT = "screenshot", _("Screenshot")
    CONTRACT = "contract", _("Signed order or contract")
    FAULT_TICKET = "fault_ticket", _("Fault ticket or outage record")
    INSTALL_ORDER = "install_order", _("Installation order")
    STATEMENT = "statement", _("Written statement")
    OTHER = "other", _("Other")


class FlagKind(models.TextChoices):
    """Why an outcome was flagged as inconsistent (R6.3)."""

    OUT_OF_RANGE = "out_of_range", _("Outside the clause's range")
    TYPE_NOT_PRESCRIBED = "type_not_prescribed", _("Remedy not prescribed by the clause")
    OUTLIER = "outlier", _("Far from the same situation elsewhere")
    LEFT_OUT = "left_out", _("Prescribed remedy left out")
    NOT_TRUE_COMPENSATED = "not_true_compensated", _("Compensation on a complaint found not true")
