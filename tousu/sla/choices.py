from django.db import models
from django.utils.translation import gettext_lazy as _


class Counting(models.TextChoices):
    """How a time limit is counted: only the calendar's working hours, or the clock."""

    WORKING = "working", _("Working time")
    CALENDAR = "calendar", _("Calendar time")


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday")
    # 调休: a Saturday or Sunday worked in exchange for a longer holiday.
    WORKDAY = "workday", _("Adjusted working day")


class EscalationTarget(models.TextChoices):
    HANDLER = "handler", _("Handler (or department supervisors when unassigned)")
    SUPERVISOR = "supervisor", _("Department supervisors")
    DEPT_HEAD = "dept_head", _("Department heads")
    COMPLAINT_OFFICE = "complaint_office", _("Complaint office heads")


class DueState(models.TextChoices):
    """The colour of the countdown."""

    OK = "ok", _("On time")
    WARN = "warn", _("Due soon")
    OVER = "over", _("Overdue")
    PAUSED = "paused", _("Paused")


class ClockName(models.TextChoices):
    """The clocks a complaint runs on: the operator's own two (on the complaint itself) and, for
    a regulator referral (工信部/通管局申诉转办), the authority's, side by side (issue 17)."""

    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Reply due")
    AUTHORITY_FIRST_CONTACT = "authority_first_contact", _("Regulator: first contact")
    AUTHORITY_REPLY = "authority_reply", _("Regulator: reply")


# The authority's clocks, the ones stored as `ComplaintClock` rows.
AUTHORITY_CLOCKS = (ClockName.AUTHORITY_FIRST_CONTACT, ClockName.AUTHORITY_REPLY)


class ClockState(models.TextChoices):
    """Where a clock stands (API `clocks[].state`)."""

    RUNNING = "running", _("Running")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    MET = "met", _("Met")
    PAUSED = "paused", _("Paused")
    # Closed without the moment that meets it (merged as a duplicate): nothing left to count.
    STOPPED = "stopped", _("Stopped")
