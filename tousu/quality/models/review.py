"""Complaint-handling objectives (投诉管理目标, ISO 10002 clause 6, S0): the target of each KPI the
management review measures the period against. Loaded by `tousu init` from S0's objectives,
then set in the admin."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class ObjectiveKpi(models.TextChoices):
    """The KPIs of analytics.selectors.figures that have a target (rates, 0–1)."""

    ON_TIME = "on_time_rate", _("On-time closure rate")
    FIRST_RESPONSE = "first_response_on_time_rate", _("First response on time")
    SATISFACTION = "satisfaction_rate", _("Satisfaction rate")
    FIRST_CONTACT = "first_contact_resolution_rate", _("First-contact resolution rate")
    REPEAT = "repeat_rate", _("Repeat complaint rate")
    ESCALATION = "escalation_rate", _("Escalation rate")


class ObjectiveDirection(models.TextChoices):
    AT_LEAST = "at_least", _("at least")
    AT_MOST = "at_most", _("at most")


class Objective(models.Model):
    kpi = models.CharField(_("KPI"), max_length=40, choices=ObjectiveKpi.choices, unique=True)
    direction = models.CharField(_("direction"), max_length=8, choices=ObjectiveDirection.choices)
    target = models.DecimalField(
        _("target"),
        max_digits=4,
        decimal_places=3,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text=_("A rate between 0 and 1, e.g. 0.900 for 90%."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kpi"]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")

    def __str__(self) -> str:
        return f"{self.get_kpi_display()} {self.get_direction_display()} {self.target:.1%}"

    def met(self, value: float | None) -> bool | None:
        """Whether `value` meets the target; None when there is no value to judge."""
        if value is None:
            return None
        target = float(self.target)
        return value >= target if self.direction == ObjectiveDirection.AT_LEAST else value <= target
