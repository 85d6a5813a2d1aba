from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tousu.accounts.choices import Role
from tousu.complaints.choices import Cause, Finding
from tousu.core.reasons import reason_text
from tousu.resolution.choices import EvidenceKind, FlagKind, RemedyBasis, RemedyType


class AuthorityLimit(models.Model):
    """What a role may grant alone (R6.2), in yuan: per complaint and per customer per calendar
    month (Asia/Shanghai). The row with no remedy type limits the total of all remedies; a row
    for a type limits that type as well. Above a limit an approver whose own limit covers the
    amount must approve. No total row = nothing with money; an empty amount = unlimited.
    The total row also says whether the role resolves at first contact what it registered
    (`first_contact_minutes`, see `permissions.at_first_contact`).

    The manager roles' total rows also form the approval chain (R6.2): an approval goes to the
    lowest role whose limit covers the amount, with `approval_hours` to decide; past that the
    next role up is asked.
    """

    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    remedy_type = models.CharField(
        _("remedy type"),
        max_length=16,
        choices=RemedyType.choices,
        blank=True,
        help_text=_("Empty = the total of all remedies."),
    )
    max_amount = models.DecimalField(
        _("maximum amount (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    monthly_max = models.DecimalField(
        _("maximum per customer per month (yuan)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty = no monthly limit."),
    )
    approval_hours = models.PositiveIntegerField(
        _("hours to decide an approval"),
        null=True,
        blank=True,
        help_text=_("For approver roles: the time limit of their approval step."),
    )
    # S3 授权: the front line settles what it can while the customer is still there.
    first_contact_minutes = models.PositiveIntegerField(
        _("first-contact resolution window (minutes)"),
        null=True,
        blank=True,
        help_text=_(
            "On the total row: for how long after registering a complaint a member of this "
            "role may resolve it themselves, while nobody else has acted on it. Empty = never."
        ),
    )

    class Meta:
        ordering = ["role", "remedy_type"]
        verbose_name = _("authority limit")
        verbose_name_plural = _("authority limits")
        constraints = [
            models.UniqueConstraint(
                fields=["role", "remedy_type"], name="authority_role_type_unique"
            )
        ]

    def __str__(self) -> str:
        amount = self.max_amount if self.max_amount is not None else "∞"
        return f"{self.role} {self.remedy_type or '*'}: {amount}"

    def clean(self) -> None:
        for name in ("max_amount", "monthly_max"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValidationError({name: [_negative()]})


class Remedy(models.Model):
    """One remedy granted on a complaint (R5.3); money amounts in yuan."""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="remedies"
    )
    type = models.CharField(_("type"), max_length=16, choices=RemedyType.choices)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2, default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("remedy")
        verbose_name_plural = _("remedies")

    def __str__(self) -> str:
        return f"{self.type} {self.amount}"


class Approval(models.Model):
    """A request to approve remedies above the resolver's authority, and its decision."""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="approvals"
    )
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    approved = models.BooleanField(null=True)
    note = models.TextField(blank=True)
    # The step of the approval chain (R6.2) now asked to decide, and by when; empty level =
    # any manager whose limit covers the amount (requests made before the chain existed).
    level = models.CharField(_("approver role"), max_length=16, choices=Role.choices, blank=True)
    due_at = models.DateTimeField(_("decide by"), null=True, blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.amount} {self.approved}"


class HandlingRecord(models.Model):
    """The guided record of S1's handling steps for one complaint (R5.1): per step, what the
    handler did and found, as `{step: {"text": …, "answers": {…}, "at": …, "by": …}}`; the
    facts a standard clause needs (amount in dispute, days of outage); and the clause version
    the complaint was resolved under, kept even when the clause is later revised (R6.1)."""

    complaint = models.OneToOneField(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="handling"
    )
    steps = models.JSONField(default=dict)
    disputed_amount = models.DecimalField(
        _("amount in dispute (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    outage_days = models.DecimalField(
        _("days of outage or delay"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    clause = models.ForeignKey(
        "resolution.StandardClause",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handling_records",
        verbose_name=_("standard clause"),
    )
    # Accountability (R6.4): the staff member held responsible, where known, beside the
    # complaint's responsible department; confirmed at closing and counted for their KPIs.
    responsible_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible staff"),
    )

    class Meta:
        verbose_name = _("handling record")

    def __str__(self) -> str:
        return f"{self.complaint_id}: {', '.join(self.steps)}"


def evidence_path(instance: Evidence, filename: str) -> str:
    # The stored name is the content hash: no user-chosen path ever reaches the file system.
    return f"evidence/{instance.complaint.number}/{instance.sha256}{instance.extension}"


class Evidence(models.Model):
    """An evidence attachment (R5.2): a recording, screenshot, bill…"""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(upload_to=evidence_path, max_length=200)
    original_name = models.CharField(max_length=200)
    extension = models.CharField(max_length=8)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=EvidenceKind.choices, blank=True)
    # None: the customer sent it, from their own page.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.original_name


# Validation messages are translated when `clean()` runs (gettext), in the admin's language;
# `_` in this module is the lazy gettext of field names.
def _negative() -> str:
    return gettext("Cannot be negative")


def _max_below_min() -> str:
    return gettext("The maximum cannot be below the minimum")


def _not_strings(label: object) -> str:
    return gettext("%(label)s must be a list of strings") % {"label": label}


def _choice_list_problems(values: object, allowed: list[str], label: object) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return [_not_strings(label)]
    unknown = [v for v in values if v not in allowed]
    if not unknown:
        return []
    return [
        gettext("%(label)s has unknown values: %(values)s")
        % {"label": label, "values": ", ".join(unknown)}
    ]


class StandardClause(models.Model):
    """One version of a handling-standard clause (处理标准条款, R6.1): for a category (and its
    sub-categories) and a situation, the prescribed remedies and the evidence required.

    A revision is a new row with the same code and the next version, so that complaints keep
    the version they were handled under (`HandlingRecord.clause`). Empty conditions match any
    situation; ranges are inclusive.
    """

    code = models.CharField(_("code"), max_length=32)
    version = models.PositiveIntegerField(_("version"), default=1)
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("text"))
    category = models.ForeignKey(
        "classification.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="standard_clauses",
        verbose_name=_("category"),
        help_text=_("Applies to this category and its sub-categories; empty = any category."),
    )
    findings = models.JSONField(_("findings"), default=list, blank=True)
    causes = models.JSONField(_("causes"), default=list, blank=True)
    customer_segments = models.JSONField(
        _("customer segments"),
        default=list,
        blank=True,
        help_text=_("Customer value tiers, e.g. 五星; empty = any customer."),
    )
    disputed_min = models.DecimalField(
        _("amount in dispute from"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    disputed_max = models.DecimalField(
        _("amount in dispute up to"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    outage_days_min = models.DecimalField(
        _("days of outage from"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    outage_days_max = models.DecimalField(
        _("days of outage up to"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    required_evidence = models.JSONField(_("required evidence"), default=list, blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(
        _("effective to"), null=True, blank=True, help_text=_("Inclusive; empty = open-ended.")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("standard clause")
        verbose_name_plural = _("standard clauses")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="clause_code_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version} {self.title}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        # The labels are the fields' verbose names.
        for field, allowed, label in (
            ("findings", Finding.values, _("findings")),
            ("causes", Cause.values, _("causes")),
            ("required_evidence", EvidenceKind.values, _("required evidence")),
        ):
            problems = _choice_list_problems(getattr(self, field), allowed, label)
            if problems:
                errors[field] = problems
        segments = self.customer_segments
        if not isinstance(segments, list) or not all(isinstance(v, str) for v in segments):
            errors["customer_segments"] = [_not_strings(_("customer segments"))]
        for low, high in (
            ("disputed_min", "disputed_max"),
            ("outage_days_min", "outage_days_max"),
        ):
            a, b = getattr(self, low), getattr(self, high)
            if a is not None and a < 0:
                errors[low] = [_negative()]
            if a is not None and b is not None and a > b:
                errors[high] = [_max_below_min()]
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            errors["effective_to"] = [
                gettext("The expiry date cannot be before the effective date")
            ]
        if errors:
            raise ValidationError(errors)


class ClauseRemedy(models.Model):
    """A remedy a standard clause prescribes, with how its amount is set (R6.1).

    `rate` means yuan per day for `per_day` and a multiple of the disputed amount for
    `disputed_amount` (empty = 1); `max_amount` caps a computed amount.
    """

    clause = models.ForeignKey(StandardClause, on_delete=models.CASCADE, related_name="remedies")
    type = models.CharField(_("type"), max_length=16, choices=RemedyType.choices)
    basis = models.CharField(
        _("basis"), max_length=16, choices=RemedyBasis.choices, default=RemedyBasis.NONE
    )
    min_amount = models.DecimalField(
        _("minimum amount"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    max_amount = models.DecimalField(
        _("maximum amount"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    rate = models.DecimalField(_("rate"), max_digits=10, decimal_places=2, null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort", "pk"]
        verbose_name = _("prescribed remedy")
        verbose_name_plural = _("prescribed remedies")

    def __str__(self) -> str:
        return f"{self.get_type_display()} ({self.get_basis_display()})"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for name in ("min_amount", "max_amount", "rate"):
            value = getattr(self, name)
            if value is not None and value < 0:
                errors[name] = [_negative()]
        if (
            self.min_amount is not None
            and self.max_amount is not None
            and self.min_amount > self.max_amount
        ):
            errors["max_amount"] = [_max_below_min()]
        if self.basis == RemedyBasis.PER_DAY and self.rate is None:
            errors["rate"] = [gettext("A per-day remedy needs the amount per day")]
        if errors:
            raise ValidationError(errors)


class ConsistencyFlag(models.Model):
    """An outcome that departs from its clause or from the same situation elsewhere (R6.3),
    with the reason in words a supervisor reads."""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="consistency_flags"
    )
    clause = models.ForeignKey(
        StandardClause, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=FlagKind.choices)
    remedy_type = models.CharField(
        _("remedy type"), max_length=16, choices=RemedyType.choices, blank=True
    )
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2, default=0)
    reference = models.DecimalField(
        _("reference amount"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    # A reason (tousu.core.reasons), rendered in the reader's language.
    reason = models.JSONField(_("reason"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("consistency flag")
        verbose_name_plural = _("consistency flags")
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}: {reason_text(self.reason)}"
