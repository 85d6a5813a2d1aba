"""Corrective and preventive actions (纠正预防措施, R12.4): a cluster of complaints, its root
cause, the actions taken against it and the check of whether they worked."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.complaints.choices import Channel
from tousu.quality.choices import CAPA_ACTIVE, CapaKind, CapaSource, CapaStatus

# How long after the actions are done the effect is measured, unless the opener says.
VERIFY_AFTER_DAYS_DEFAULT = 30


class CorrectiveAction(models.Model):
    """A corrective (or preventive) action opened from a cluster of complaints: the slice it
    targets (category, region, channel, or a standard clause), the complaints chosen from the
    cluster, the root cause, the owner and the actions. Closed only by the effectiveness
    check, `verify_after_days` after the last action is done (`result` keeps its figures)."""

    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(
        _("kind"), max_length=16, choices=CapaKind.choices, default=CapaKind.CORRECTIVE
    )
    source = models.CharField(_("source"), max_length=16, choices=CapaSource.choices)
    # What in the source: the word, the alert's id, the clause code, an inspection's id …
    source_ref = models.CharField(_("source reference"), max_length=120, blank=True)
    # The slice whose complaint rate the check compares; a clause-based one compares the
    # clause's consistency flags per closed complaint of its category instead.
    category = models.ForeignKey(
        "classification.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
    )
    region = models.ForeignKey(
        "accounts.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("region"),
    )
    channel = models.CharField(_("channel"), max_length=24, choices=Channel.choices, blank=True)
    clause_code = models.CharField(_("standard clause"), max_length=32, blank=True)
    complaints = models.ManyToManyField(
        "complaints.Complaint", blank=True, related_name="corrective_actions"
    )
    root_cause = models.TextField(_("root cause"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="corrective_actions",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due"))
    verify_after_days = models.PositiveSmallIntegerField(
        _("days to watch the effect"), default=VERIFY_AFTER_DAYS_DEFAULT
    )
    status = models.CharField(
        _("status"), max_length=24, choices=CapaStatus.choices, default=CapaStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"))
    # The Asia/Shanghai day the last action was done: the effect is watched from the next day.
    actions_done_on = models.DateField(_("actions done on"), null=True, blank=True)
    # The start of the first day the check may run (set with actions_done_on): the work
    # queue's due time of the verification.
    verify_from = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # rules.Effect as JSON: the periods, counts, exposures, ratio, interval, p-value, verdict.
    result = models.JSONField(null=True, blank=True)
    times_reopened = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["status", "due_on"])]
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")

    def __str__(self) -> str:
        return f"CA{self.pk} {self.title}"

    @property
    def active(self) -> bool:
        return self.status in CAPA_ACTIVE

    @property
    def clause_based(self) -> bool:
        return bool(self.clause_code)


class CapaAction(models.Model):
    """One action of a corrective action, with its owner and due day; done with a note.
    `owner_told_at` and `escalated_at` record the overdue notices (the job `quality.capa_
    overdue` sends each once)."""

    capa = models.ForeignKey(CorrectiveAction, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(_("action"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="capa_actions",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due"))
    # The end of the due day in Asia/Shanghai: what the work queue orders by.
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    owner_told_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["capa", "due_on", "pk"]
        indexes = [models.Index(fields=["owner", "done_at", "due_at"])]
        verbose_name = _("corrective action step")
        verbose_name_plural = _("corrective action steps")

    def __str__(self) -> str:
        return self.title
