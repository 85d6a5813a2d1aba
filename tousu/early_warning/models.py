"""Early-warning records (R10): the alerts the spike scan raises. Written only by this app;
what they are computed from is the count tables of analytics (D11)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tousu.early_warning.choices import (
    AlertKind,
    AlertWindow,
    CareStatus,
    FaultKind,
    IncidentActionKind,
    IncidentEventType,
    IncidentLevel,
    IncidentStatus,
    MediaTone,
    ProposalStatus,
)


class Alert(models.Model):
    """A spike: a slice that brought many more complaints than usual. It stays `ongoing` (and
    is not raised again) until the slice's latest 24 hours fall back near normal."""

    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    # The slice as sorted [dimension, value] pairs, e.g. [["category", "12"], ["region", "3"]];
    # `slice_key` is the same in one string, for the one-ongoing-alert-per-slice constraint.
    slice = models.JSONField(_("slice"))
    # Room for a pair with a product (its name, up to 64 characters).
    slice_key = models.CharField(max_length=160)
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


# ---- incidents (危机事件, R10.4) ----------------------------------------------------------------

_USER = settings.AUTH_USER_MODEL


class Incident(models.Model):
    """One event (an outage, a billing error) whose complaints are handled as one: its children
    (IncidentComplaint), one external statement with versions, a media log, its own timeline,
    and an after-action review when closed. Opened from an alert (`alert`) or by hand; new
    complaints of its slice that use one of its terms are proposed as children at intake."""

    title = models.CharField(_("title"), max_length=200)
    level = models.CharField(_("level"), max_length=16, choices=IncidentLevel.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    owner = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The slice as Alert.slice ([[dimension, value]], values as the count tables hold them) and
    # the words its complaints use: together they say which new complaints belong to it.
    slice = models.JSONField(_("slice"), default=list, blank=True)
    terms = models.JSONField(_("terms"), default=list, blank=True)
    alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    opened_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("opened at"), db_index=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The after-action review (复盘), written when closing.
    review_cause = models.TextField(_("root cause"), blank=True)
    review_went_well = models.TextField(_("what went well"), blank=True)
    review_to_improve = models.TextField(_("what to improve"), blank=True)
    review_follow_up = models.TextField(_("follow-up actions"), blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["status"], name="incident_status")]
        constraints = [
            # An alert becomes one incident, however many people press the button.
            models.UniqueConstraint(
                fields=["alert"], condition=Q(alert__isnull=False), name="incident_one_per_alert"
            )
        ]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        return f"INC{self.pk:05d}"

    @property
    def is_active(self) -> bool:
        return self.status != IncidentStatus.CLOSED


class IncidentComplaint(models.Model):
    """A child: the complaint is handled as part of the incident. A complaint belongs to at
    most one incident (the constraint on `complaint`)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links")
    complaint = models.OneToOneField(
        "complaints.Complaint", on_delete=models.PROTECT, related_name="incident_link"
    )
    added_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["incident", "pk"]
        verbose_name = _("incident complaint")
        verbose_name_plural = _("incident complaints")

    def __str__(self) -> str:
        return f"{self.incident_id}:{self.complaint_id}"


class IncidentProposal(models.Model):
    """A new complaint that looks like the incident's (its slice, one of its terms), proposed
    at intake as a child: the owner accepts (it becomes a child) or dismisses it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="proposals")
    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="incident_proposals"
    )
    status = models.CharField(
        max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    # The incident's terms the complaint used.
    terms = models.JSONField(default=list, blank=True)
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["proposed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "complaint"], name="incident_proposal_once")
        ]
        indexes = [models.Index(fields=["incident", "status"], name="incident_proposal_status")]
        verbose_name = _("incident proposal")
        verbose_name_plural = _("incident proposals")

    def __str__(self) -> str:
        return f"{self.incident_id}:{self.complaint_id} {self.status}"


class Statement(models.Model):
    """A version of the incident's external statement (对外口径). A version is a draft until a
    department head or an administrator other than its author approves it; the latest approved
    version is the one in force, the only one that is sent to customers."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="statements")
    version = models.PositiveSmallIntegerField()
    text = models.TextField(_("text"))
    author = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["incident", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "version"], name="statement_version_once")
        ]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")

    def __str__(self) -> str:
        return f"{self.incident_id} v{self.version}"

    @property
    def approved(self) -> bool:
        return self.approved_at is not None


class MediaLogEntry(models.Model):
    """What the press or a platform said about the incident (媒体监测)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="media")
    outlet = models.CharField(_("outlet or platform"), max_length=100)
    at = models.DateTimeField(_("published at"))
    summary = models.TextField(_("summary"))
    link = models.URLField(_("link"), max_length=500, blank=True)
    reach = models.PositiveIntegerField(_("reach"), null=True, blank=True)
    tone = models.CharField(_("tone"), max_length=12, choices=MediaTone.choices)
    recorded_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["incident", "-at", "-pk"]
        verbose_name = _("media log entry")
        verbose_name_plural = _("media log entries")

    def __str__(self) -> str:
        return f"{self.outlet} {self.at:%Y-%m-%d}"


class IncidentEvent(models.Model):
    """One line of the incident's timeline."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    type = models.CharField(max_length=24, choices=IncidentEventType.choices)
    actor = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["incident", "at", "pk"]
        verbose_name = _("incident event")
        verbose_name_plural = _("incident events")

    def __str__(self) -> str:
        return f"{self.incident_id} {self.type}"


class IncidentAction(models.Model):
    """An action on every open child of the incident, applied by a job (`incident_actions`),
    each child once (IncidentApplication). `reach` is how many children it was meant for when
    started; `applied`/`skipped` are counted when it is done (`finished_at`)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("action"), max_length=12, choices=IncidentActionKind.choices)
    actor = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    statement = models.ForeignKey(
        Statement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The resolve action's outcome: finding, cause, responsible department, remedies.
    params = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField()
    reach = models.PositiveIntegerField(default=0)
    applied = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["incident", "-started_at", "-pk"]
        indexes = [
            models.Index(
                fields=["started_at"],
                condition=Q(finished_at__isnull=True),
                name="incident_action_pending",
            )
        ]
        constraints = [
            # A statement version is replied to the children once.
            models.UniqueConstraint(
                fields=["statement"],
                condition=Q(kind=IncidentActionKind.REPLY),
                name="incident_reply_once_per_statement",
            )
        ]
        verbose_name = _("incident action")
        verbose_name_plural = _("incident actions")

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def done(self) -> bool:
        return self.finished_at is not None


class IncidentApplication(models.Model):
    """An action applied to (or skipped for) one child: at most once (the constraint), in the
    same transaction as the child's own events."""

    action = models.ForeignKey(IncidentAction, on_delete=models.CASCADE, related_name="results")
    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.PROTECT, related_name="+"
    )
    applied = models.BooleanField()
    # Why it was skipped (tousu.core.reasons), None when applied.
    reason = models.JSONField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["action", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "complaint"], name="incident_application_once"
            )
        ]
        verbose_name = _("incident action result")
        verbose_name_plural = _("incident action results")

    def __str__(self) -> str:
        return f"{self.action_id}:{self.complaint_id} {self.applied}"
