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
