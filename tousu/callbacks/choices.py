from django.db import models
from django.utils.translation import gettext_lazy as _


class CallbackResult(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")
    UNREACHABLE = "unreachable", _("Unreachable")


class CallbackStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class DissatisfiedAction(models.TextChoices):
    """What happens after a dissatisfied callback (R8.2)."""

    REOPEN = "reopen", _("Reopen the complaint")
    REPAIR = "repair", _("Hand to the repair programme")


# The perception factors of S2 that each callback scores from 1 to 5 (R8.3).
SCORE_FACTORS = ("timeliness", "attitude", "solution", "simplicity")


class DissatisfactionReason(models.TextChoices):
    """Why a customer is not satisfied, as the callback agent codes it (R8.1). The repair
    programme types the customer partly by these (R9.1, S2's five kinds)."""

    NOT_SOLVED = "not_solved", _("Problem not solved")
    SLOW = "slow", _("Handled too slowly")
    ATTITUDE = "attitude", _("Poor attitude")
    EXPLANATION = "explanation", _("Unclear explanation")
    REMEDY = "remedy", _("Remedy not acceptable")
    TARIFF = "tariff", _("Tariff or charges unreasonable")
    NETWORK = "network", _("Network still poor")
    PUBLICITY = "publicity", _("Not as advertised")
    DATA_USAGE = "data_usage", _("Data usage or charges unclear")
    OTHER = "other", _("Other")


class SurveyFactor(models.TextChoices):
    """The perception factors an operator's own satisfaction survey scores from 1 to 5: the four
    a callback asks, and the product factors S2 repairs by (network, tariff, publicity, data
    usage)."""

    TIMELINESS = "timeliness", _("Timeliness")
    ATTITUDE = "attitude", _("Attitude")
    SOLUTION = "solution", _("Solution")
    SIMPLICITY = "simplicity", _("Simplicity")
    NETWORK = "network", _("Network quality")
    TARIFF = "tariff", _("Tariff")
    PUBLICITY = "publicity", _("Publicity")
    DATA_USAGE = "data_usage", _("Data usage")


class AttemptOutcome(models.TextChoices):
    """How one call of a callback went (R8.1). Every outcome but `reached` is a failed attempt:
    the next try goes to another part of the day, and after the configured number the customer
    is unreachable."""

    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    SWITCHED_OFF = "switched_off", _("Switched off")
    REFUSED = "refused", _("Refused the callback")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class DaySlot(models.TextChoices):
    """The parts of the day a callback is tried in: a customer who cannot answer at work in the
    morning may answer in the evening, so a failed try is not repeated in the same part."""

    MORNING = "morning", _("Morning")
    AFTERNOON = "afternoon", _("Afternoon")
    EVENING = "evening", _("Evening")


class CallbackState(models.TextChoices):
    """The callback lists' filter (GET /api/v1/callbacks?state=): still in time, past the due
    time, or done (with a result, unreachable included)."""

    DUE = "due", _("Due")
    OVERDUE = "overdue", _("Overdue")
    DONE = "done", _("Done")
