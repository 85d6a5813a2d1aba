"""Quality inspection (质检, R12.3, S4): scoring sheets and their versions, sampling plans and
their runs, inspections with their item scores, the handler's appeal, calibration rounds."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tousu.core import clock
from tousu.quality.choices import AppealStatus, InspectionStatus, SampleReason


class ScoringSheet(models.Model):
    """One version of a scoring sheet (质检评分表): its items with weights and fatal flags.
    A score keeps the version it used; a sheet that scored something is not edited but saved
    as a new version (the admin's "save as new"), and the newest active version of a code
    scores new inspections."""

    code = models.SlugField(_("code"), max_length=32)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=80)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="quality_sheet_version_once")
        ]
        verbose_name = _("scoring sheet")
        verbose_name_plural = _("scoring sheets")

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ScoringItem(models.Model):
    """One item of a sheet: scored from 0 to `max_points`, weighing `weight` in the total
    (out of 100). A fatal item scored 0 zeroes the whole score (致命项)."""

    sheet = models.ForeignKey(ScoringSheet, on_delete=models.CASCADE, related_name="items")
    code = models.SlugField(_("code"), max_length=32)
    title = models.CharField(_("title"), max_length=60)
    title_en = models.CharField(max_length=60, blank=True)
    guidance = models.CharField(_("guidance"), max_length=200, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"))
    max_points = models.PositiveSmallIntegerField(_("highest score"), default=5)
    fatal = models.BooleanField(_("fatal"), default=False)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sheet", "sort", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "code"], name="quality_item_code_once"),
            models.CheckConstraint(condition=Q(max_points__gte=1), name="quality_item_scale"),
        ]
        verbose_name = _("scoring item")
        verbose_name_plural = _("scoring items")

    def __str__(self) -> str:
        return self.title


class SamplingPlan(models.Model):
    """Which closed complaints are inspected (抽检方案): `share` of each handler's complaints
    closed in each period, at least `minimum` of them, drawn reproducibly from `seed`, plus
    every complaint of the mandatory kinds the plan names."""

    name = models.CharField(_("name"), max_length=80)
    share = models.DecimalField(
        _("share"), max_digits=4, decimal_places=3, default=Decimal("0.050")
    )
    minimum = models.PositiveSmallIntegerField(_("minimum per handler"), default=1)
    period_days = models.PositiveSmallIntegerField(_("period in days"), default=7)
    seed = models.PositiveIntegerField(_("seed"), default=2026)
    over_level = models.BooleanField(_("every over-level or escalated complaint"), default=True)
    reopened = models.BooleanField(_("every reopened complaint"), default=True)
    out_of_standard = models.BooleanField(_("every out-of-standard complaint"), default=True)
    dissatisfied = models.BooleanField(_("every dissatisfied callback"), default=True)
    sheet_code = models.SlugField(_("scoring sheet"), max_length=32, default="default")
    # Whom the plan's tasks go to, by load; none named: every active quality inspector.
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("inspectors")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(share__gte=0, share__lte=1), name="quality_plan_share_range"
            ),
            models.CheckConstraint(condition=Q(period_days__gte=1), name="quality_plan_period"),
        ]
        verbose_name = _("sampling plan")
        verbose_name_plural = _("sampling plans")

    def __str__(self) -> str:
        return self.name

    def mandatory(self) -> list[str]:
        """The mandatory kinds this plan inspects in full."""
        return [
            str(kind)
            for kind in (
                SampleReason.OVER_LEVEL,
                SampleReason.REOPENED,
                SampleReason.OUT_OF_STANDARD,
                SampleReason.DISSATISFIED,
            )
            if getattr(self, kind.value)
        ]


class SamplingRun(models.Model):
    """A plan's draw for one period, made once (unique): the job claims the period by creating
    this row, so that a second run, or a second worker, draws nothing again."""

    plan = models.ForeignKey(SamplingPlan, on_delete=models.CASCADE, related_name="runs")
    period_start = models.DateField()
    period_end = models.DateField()
    ran_at = models.DateTimeField()
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "period_start"], name="quality_run_once")
        ]
        verbose_name = _("sampling run")
        verbose_name_plural = _("sampling runs")

    def __str__(self) -> str:
        return f"{self.plan_id} {self.period_start}"


class CalibrationRound(models.Model):
    """Several inspectors score the same complaints (校准) so that their agreement is known.
    A round started without a name is called after its month in the reader's language
    (`title`)."""

    name = models.CharField(_("name"), max_length=80, blank=True)
    sheet = models.ForeignKey(ScoringSheet, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("calibration round")
        verbose_name_plural = _("calibration rounds")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        """The name it was given, else "Calibration 2026-12" in the reader's language."""
        if self.name:
            return self.name
        month = clock.local(self.created_at)
        return gettext("Calibration %(year)d-%(month)02d") % {
            "year": month.year,
            "month": month.month,
        }


class Inspection(models.Model):
    """The inspection of one handled complaint (质检任务): assigned to an inspector, scored on
    a sheet version, told to the handler who handled it, who may appeal within a deadline."""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.PROTECT, related_name="inspections"
    )
    sheet = models.ForeignKey(ScoringSheet, on_delete=models.PROTECT, related_name="inspections")
    reason = models.CharField(_("reason"), max_length=16, choices=SampleReason.choices)
    plan = models.ForeignKey(
        SamplingPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(null=True, blank=True)
    calibration = models.ForeignKey(
        CalibrationRound,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="inspections",
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inspections_assigned"
    )
    # Who is inspected: the person who resolved the complaint (rules.inspected_handler: not
    # the handler dispatch named, who may never have acted on it), and their department.
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections_received",
    )
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=InspectionStatus.choices, default=InspectionStatus.OPEN
    )
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField(_("due"))
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)
    total = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    fatal = models.BooleanField(_("fatal item failed"), default=False)
    comment = models.TextField(_("comment"), blank=True)
    appeal_due_at = models.DateTimeField(_("appeal by"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A plan samples a complaint once, whatever the period and the number of runs.
            models.UniqueConstraint(
                fields=["plan", "complaint"],
                condition=Q(plan__isnull=False),
                name="quality_plan_samples_once",
            ),
            models.UniqueConstraint(
                fields=["calibration", "complaint", "inspector"],
                condition=Q(calibration__isnull=False),
                name="quality_calibration_scores_once",
            ),
        ]
        indexes = [
            models.Index(fields=["inspector", "status"]),
            models.Index(fields=["handler", "status"]),
            models.Index(fields=["status", "scored_at"]),
        ]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self) -> str:
        return f"Q{self.pk}"


class InspectionScore(models.Model):
    """The points an inspection gave one item, with the inspector's comment on it."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(ScoringItem, on_delete=models.PROTECT, related_name="+")
    points = models.PositiveSmallIntegerField(_("points"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        ordering = ["inspection", "item__sort", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="quality_score_item_once")
        ]
        verbose_name = _("item score")
        verbose_name_plural = _("item scores")

    def __str__(self) -> str:
        return f"{self.inspection_id} {self.item_id}={self.points}"


class InspectionAppeal(models.Model):
    """The handler's appeal of a score (申诉), and its decision by another inspector: upheld
    (the score revised; both versions kept here) or rejected."""

    inspection = models.OneToOneField(Inspection, on_delete=models.CASCADE, related_name="appeal")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("appealed at"))
    status = models.CharField(
        _("status"), max_length=8, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision"), blank=True)
    total_before = models.DecimalField(max_digits=5, decimal_places=1)
    total_after = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    # Item code → points, before the decision and (upheld) after it.
    points_before = models.JSONField(default=dict)
    points_after = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]
        verbose_name = _("inspection appeal")
        verbose_name_plural = _("inspection appeals")

    def __str__(self) -> str:
        return f"{self.inspection_id} {self.status}"
