from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tousu.repair.choices import (
    ACTIVE_STATUSES,
    ContactOutcome,
    RepairSource,
    RepairStatus,
    RepairType,
)


class Playbook(models.Model):
    """How one type of dissatisfied customer is repaired (S2's measures): the department that
    owns its cases and how long a case may take. Its steps become each new case's actions.
    Edited in the admin; `tousu init` and the data migration load the defaults."""

    type = models.CharField(_("type"), max_length=16, choices=RepairType.choices, unique=True)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    due_days = models.PositiveSmallIntegerField(_("days to repair"), default=15)

    class Meta:
        ordering = ["type"]
        verbose_name = _("repair playbook")
        verbose_name_plural = _("repair playbooks")

    def __str__(self) -> str:
        return str(self.get_type_display())


class PlaybookStep(models.Model):
    """One measure of a playbook: who does it (a department; blank: the case owner's) and
    within how many days of opening the case."""

    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="steps")
    code = models.SlugField(_("code"), max_length=32)
    title = models.CharField(_("title"), max_length=120)
    title_en = models.CharField(max_length=120, blank=True)
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("department"),
    )
    due_days = models.PositiveSmallIntegerField(_("due after days"), default=2)
    sort = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["playbook", "sort", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["playbook", "code"], name="repair_step_code_once")
        ]
        verbose_name = _("playbook step")
        verbose_name_plural = _("playbook steps")

    def __str__(self) -> str:
        return self.title


class RepairCase(models.Model):
    """A dissatisfied customer being repaired (不满意客户修复, R9): one open case per customer,
    whatever number of sources found them; closed with the customer's new satisfaction."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="repair_cases"
    )
    type = models.CharField(_("type"), max_length=16, choices=RepairType.choices)
    source = models.CharField(_("source"), max_length=16, choices=RepairSource.choices)
    # The records that found the customer first; every source is in `sources`.
    complaint = models.ForeignKey(
        "complaints.Complaint",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repair_cases",
    )
    callback = models.ForeignKey(
        "callbacks.CallbackTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    survey = models.ForeignKey(
        "callbacks.SurveyResponse",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RepairStatus.choices, default=RepairStatus.OPEN
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repair_cases",
    )
    due_at = models.DateTimeField(_("due"))
    satisfaction_before = models.PositiveSmallIntegerField(null=True, blank=True)
    satisfaction_after = models.PositiveSmallIntegerField(null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="repair_one_open_case_per_customer",
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"])]
        verbose_name = _("repair case")
        verbose_name_plural = _("repair cases")

    def __str__(self) -> str:
        return f"R{self.pk}"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class RepairCaseSource(models.Model):
    """One record that found the customer dissatisfied, added to their case. Unique per
    record, so that the signal and the periodic job (or one job run twice) add it once."""

    case = models.ForeignKey(RepairCase, on_delete=models.CASCADE, related_name="sources")
    source = models.CharField(max_length=16, choices=RepairSource.choices)
    complaint = models.ForeignKey(
        "complaints.Complaint", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    callback = models.ForeignKey(
        "callbacks.CallbackTask", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    survey = models.ForeignKey(
        "callbacks.SurveyResponse",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The key of the record for uniqueness: "callback:12", "survey:7", "reopened:TS…".
    key = models.CharField(max_length=48, unique=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("repair source")
        verbose_name_plural = _("repair sources")

    def __str__(self) -> str:
        return self.key


class RepairAction(models.Model):
    """One step of a case's plan, from its playbook (or added by hand), with its owner and
    due time; done with a note and, when it was a contact, how it went."""

    case = models.ForeignKey(RepairCase, on_delete=models.CASCADE, related_name="actions")
    step = models.SlugField(_("step"), max_length=32)
    title = models.CharField(_("title"), max_length=120)
    title_en = models.CharField(max_length=120, blank=True)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField(_("due"))
    sort = models.PositiveSmallIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    contact_outcome = models.CharField(max_length=16, choices=ContactOutcome.choices, blank=True)

    class Meta:
        ordering = ["case", "sort", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "step"], name="repair_action_step_once")
        ]
        verbose_name = _("repair action")
        verbose_name_plural = _("repair actions")

    def __str__(self) -> str:
        return self.title


class RepairContact(models.Model):
    """A contact with the customer logged on a case (the contact log), apart from the steps."""

    case = models.ForeignKey(RepairCase, on_delete=models.CASCADE, related_name="contacts")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=16, choices=ContactOutcome.choices)
    note = models.TextField(blank=True)
    action = models.ForeignKey(
        RepairAction, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("repair contact")
        verbose_name_plural = _("repair contacts")

    def __str__(self) -> str:
        return f"{self.case_id} {self.outcome}"


class RepairFact(models.Model):
    """The compact row of one case that the effect report reads (R9.2, D11): its stratum (type,
    value tier, region), whether it was repaired, its index time (closed, or opened when not
    repaired), satisfaction before and after, and a repeat complaint within 90 days of the index
    (null until the 90 days have passed). Written when the case opens and closes; the job
    `repair.facts` fills what only time tells."""

    case = models.OneToOneField(
        RepairCase, primary_key=True, on_delete=models.CASCADE, related_name="fact"
    )
    type = models.CharField(max_length=16, choices=RepairType.choices)
    value_tier = models.CharField(max_length=16, blank=True)
    region = models.ForeignKey(
        "accounts.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    repaired = models.BooleanField(default=False)
    index_at = models.DateTimeField()
    before = models.PositiveSmallIntegerField(null=True, blank=True)
    after = models.PositiveSmallIntegerField(null=True, blank=True)
    repeat_90d = models.BooleanField(null=True, blank=True)

    class Meta:
        # Covering the effect report's one query, in the order of its GROUP BY: the index is
        # read in group order with no sort, the period checked on each entry (2026-12, SQLite,
        # 200,000 facts: 0.13 s; with an index led by index_at the planner takes the range
        # and sorts, 1.6 s). No other index here for that reason.
        indexes = [
            models.Index(
                fields=["repaired", "type", "value_tier", "region", "before", "after",
                        "repeat_90d", "index_at"],
                name="repair_fact_report",
            )
        ]  # fmt: skip
        verbose_name = _("repair fact")
        verbose_name_plural = _("repair facts")

    def __str__(self) -> str:
        return f"{self.case_id}"
