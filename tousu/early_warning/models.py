"""Early-warning records (R10): the alerts the spike scan raises. Written only by this app;
what they are computed from is the count tables of analytics (D11)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tousu.early_warning.choices import AlertKind, AlertWindow


class Alert(models.Model):
    """A spike: a slice that brought many more complaints than usual. It stays `ongoing` (and
    is not raised again) until the slice's latest 24 hours fall back near normal."""

    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    # The slice as sorted [dimension, value] pairs, e.g. [["category", "12"], ["region", "3"]];
    # `slice_key` is the same in one string, for the one-ongoing-alert-per-slice constraint.
    slice = models.JSONField(_("slice"))
    slice_key = models.CharField(max_length=96)
    window = models.CharField(_("window"), max_length=8, choices=AlertWindow.choices)
    observed = models.PositiveIntegerField(_("observed"))
    expected = models.FloatField(_("expected"))
    z = models.FloatField()
    window_start = models.DateTimeField(_("window start"))
    detected_at = models.DateTimeField(_("detected at"), db_index=True)
    last_seen_at = models.DateTimeField(_("last seen"))
    # The most complaints in one 24-hour window while the alert went on.
    peak_day = models.PositiveIntegerField(default=0)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # [{"term": word, "docs": n}] and sample complaint numbers, taken when raised.
    terms = models.JSONField(default=list, blank=True)
    examples = models.JSONField(default=list, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-detected_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "slice_key"],
                condition=Q(ended_at__isnull=True),
                name="alert_one_ongoing_per_slice",
            )
        ]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return f"{self.kind} {self.slice_key} {self.detected_at:%Y-%m-%d %H:%M}"

    @property
    def ongoing(self) -> bool:
        return self.ended_at is None

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected > 0 else float("inf")


class BacklogModel(models.Model):
    """One training run of the backlog forecast (R10.3): the logistic model as JSON (feature
    → coefficient, intercept) and how well it did on the newest 20 % of its history. The
    newest row is the one in use."""

    trained_at = models.DateTimeField(_("trained at"), db_index=True)
    rows = models.PositiveIntegerField(_("training rows"))
    base_rate = models.FloatField(_("base rate"))
    # {"intercept": float, "coefficients": {feature: float}, "calibration": [[score, p], …]}
    # (forecast.Model.as_json; a row without "calibration" predicts the logistic's own p).
    coefficients = models.JSONField()
    # [{"low", "high", "predicted", "observed", "n"}] per decile of predicted probability.
    calibration = models.JSONField(default=list)
    brier = models.FloatField()
    base_brier = models.FloatField(default=0.0)

    class Meta:
        ordering = ["-trained_at", "-pk"]
        verbose_name = _("backlog model")
        verbose_name_plural = _("backlog models")

    def __str__(self) -> str:
        return f"{self.trained_at:%Y-%m-%d %H:%M} ({self.rows})"
