"""Time-limit configuration (R4): business calendars, policies and the escalation ladder.

These tables are small and edited by admins; the arithmetic over them is in `rules.py`, which
gets them as plain data (`rules.Calendar`, `rules.Limit`) from `selectors.py`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.complaints.choices import Channel, Level
from tousu.sla import constants
from tousu.sla.choices import AUTHORITY_CLOCKS, Counting, DayKind, EscalationTarget


def _weekend_days(value: str) -> set[int]:
    try:
        days = {int(part) for part in value.split(",") if part.strip()}
    except ValueError:
        raise ValidationError(_("Weekdays as numbers 1 (Monday) to 7 (Sunday), e.g. 6,7")) from None
    if not days <= set(range(1, 8)):
        raise ValidationError(_("Weekdays as numbers 1 (Monday) to 7 (Sunday), e.g. 6,7"))
    return days


def validate_weekend(value: str) -> None:
    if len(_weekend_days(value)) == 7:
        raise ValidationError(_("At least one day of the week must be a working day."))


class BusinessCalendar(models.Model):
    """Working hours and the days off: weekends, public holidays and the adjusted working days
    (调休) that come with them, one row per day in `CalendarDay`, edited per year."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    work_start = models.TimeField(_("working day starts"), default=constants.DEFAULT_WORK_START)
    work_end = models.TimeField(_("working day ends"), default=constants.DEFAULT_WORK_END)
    weekend_days = models.CharField(
        _("weekend days"),
        max_length=16,
        default=constants.DEFAULT_WEEKEND,
        validators=[validate_weekend],
        help_text=_("ISO weekday numbers, 1 = Monday … 7 = Sunday, separated by commas."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.work_start >= self.work_end:
            raise ValidationError(_("The working day must end after it starts."))

    @property
    def weekend(self) -> frozenset[int]:
        """Python weekday numbers (Monday = 0) of the weekend."""
        return frozenset(day - 1 for day in _weekend_days(self.weekend_days))


class CalendarDay(models.Model):
    """An exception to the week: a public holiday, or a weekend day that is worked (调休)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=64, blank=True)

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_day_unique")
        ]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class TimeLimitPolicy(models.Model):
    """First-response and resolution limits for complaints of a category (and its
    sub-categories), level and channel; blank means any. The most specific active policy
    applies (`selectors.policy_for`)."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=64)
    category = models.ForeignKey(
        "classification.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Applies to the category and its sub-categories; empty = every category."),
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=24, choices=Channel.choices, blank=True)
    first_response_minutes = models.PositiveIntegerField(_("first response limit (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution limit (minutes)"))
    counting = models.CharField(
        _("counted in"), max_length=8, choices=Counting.choices, default=Counting.WORKING
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies",
        help_text=_("Empty = the default calendar."),
    )
    warn_share = models.FloatField(
        _("amber from share used"),
        default=constants.DEFAULT_WARN_SHARE,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("time-limit policy")
        verbose_name_plural = _("time-limit policies")

    def __str__(self) -> str:
        return self.name


class EscalationStep(models.Model):
    """One rung of the escalation ladder (R4.2): `after_minutes` past the resolution limit
    (0 = at breach), notify `target` and optionally raise the level. The breach scan takes
    every complaint up the rungs in order, each exactly once."""

    order = models.PositiveSmallIntegerField(_("order"), unique=True)
    after_minutes = models.PositiveIntegerField(_("minutes after the resolution limit"))
    target = models.CharField(_("notify"), max_length=24, choices=EscalationTarget.choices)
    raise_to = models.CharField(
        _("raise level to"), max_length=16, choices=Level.choices, blank=True
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order"]
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")

    def __str__(self) -> str:
        return f"{self.order}: +{self.after_minutes} min → {self.get_target_display()}"


class ComplaintClock(models.Model):
    """A deadline someone else set on a complaint, kept beside the operator's own two (which
    stay on `Complaint`): a regulator's first contact and reply on a referral (工信部/通管局申诉
    转办, issue 17). Written at registration; each has its reminder (at `remind_at`) and its
    escalation at breach, once each (`reminded_at`, `escalated_at` are the claims, D6).

    A clock is met by the complaint's own moments — first contact by `accepted_at`, the reply by
    `resolved_at` (`rules.CLOCK_MET_BY`) — read, not copied, so no service of a higher app has
    to remember to stop it."""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="clocks"
    )
    name = models.CharField(
        _("clock"), max_length=32, choices=[(c.value, c.label) for c in AUTHORITY_CLOCKS]
    )
    authority = models.CharField(
        _("authority"),
        max_length=constants.AUTHORITY_NAME_MAX_CHARS,
        blank=True,
        help_text=_("Who set the deadline, e.g. 工信部 or 广东省通信管理局."),
    )
    # First contact counts from our receipt of the referral, the reply from the authority's.
    started_at = models.DateTimeField(_("counts from"))
    due = models.DateTimeField(_("due"))
    remind_at = models.DateTimeField(_("remind at"))
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["complaint", "due"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "name"], name="complaint_clock_unique")
        ]
        indexes = [
            # The scans ask for the clocks due for a reminder or an escalation.
            models.Index(
                fields=["remind_at"],
                name="clock_remind_due",
                condition=models.Q(reminded_at__isnull=True),
            ),
            models.Index(
                fields=["due"],
                name="clock_escalation_due",
                condition=models.Q(escalated_at__isnull=True),
            ),
        ]
        verbose_name = _("authority deadline")
        verbose_name_plural = _("authority deadlines")

    def __str__(self) -> str:
        return f"{self.get_name_display()} {self.due:%Y-%m-%d %H:%M}"
