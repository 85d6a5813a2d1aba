"""Early-warning records (R10): the alerts the spike scan raises. Written only by this app;
what they are computed from is the count tables of analytics (D11)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tousu.early_warning.choices import AlertKind, AlertWindow, CareStatus, FaultKind


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
    # {"intercept": float, "coefficients": {feature: float}}
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


# ---- proactive care from known faults (issue 15 item 3, S3 先于客户发现问题) ---------------------
# Kept apart from the alerts and incidents above: a known fault (network outage, billing
# error) imported by `tousu import-faults`, and its care list of affected customers who have
# not complained yet.


class Fault(models.Model):
    """A known fault: a network outage or a billing error, in a region and/or for a list of
    accounts, from `started_at` (to `ended_at` when over). Its `key` (the file's external id,
    else kind + region + start + title) makes importing the same file twice a no-op."""

    kind = models.CharField(_("kind"), max_length=16, choices=FaultKind.choices)
    key = models.CharField(max_length=200, unique=True)
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    region = models.ForeignKey(
        "accounts.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("region"),
    )
    # Affected account numbers; empty = every customer of `region`.
    accounts = models.JSONField(_("affected accounts"), default=list, blank=True)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    source = models.CharField(_("source file"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("imported at"))
    # The last time its care list was built (new customers added, complaints matched).
    built_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("known fault")
        verbose_name_plural = _("known faults")

    def __str__(self) -> str:
        return self.title


class CareItem(models.Model):
    """One customer on a fault's proactive-care list (主动关怀): affected, not yet complained
    about it, and worth a call (earlier complaints, high value or high customer-level risk).
    `score` and `reasons` are the customer-level risk when listed; `complaint` is the complaint
    they made about the fault after being listed (`status` complained if nobody called first)."""

    fault = models.ForeignKey(Fault, on_delete=models.CASCADE, related_name="care_items")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="care_items"
    )
    score = models.FloatField(_("customer risk"))
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    # The customer's value tier as a rank (higher = more valuable) for ordering in SQL.
    value_rank = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=CareStatus.choices, default=CareStatus.OPEN
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    listed_at = models.DateTimeField(_("listed at"))
    due_at = models.DateTimeField(_("call by"))
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    complaint = models.ForeignKey(
        "complaints.Complaint",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("complaint about the fault"),
    )

    class Meta:
        ordering = ["-score", "-value_rank", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["fault", "customer"], name="care_item_once_per_fault")
        ]
        indexes = [models.Index(fields=["status", "department", "due_at"])]
        verbose_name = _("care item")
        verbose_name_plural = _("care items")

    def __str__(self) -> str:
        return f"{self.fault_id}:{self.customer_id} {self.status}"

    @property
    def high_risk(self) -> bool:
        """As likely to escalate as a high-risk complaint (settings.TOUSU_RISK_HIGH)."""
        return self.score >= settings.TOUSU_RISK_HIGH
