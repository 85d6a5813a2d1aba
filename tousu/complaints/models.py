from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tousu.complaints.choices import (
    CategorySource,
    Cause,
    Channel,
    EventType,
    Finding,
    Level,
    Status,
)
from tousu.complaints.rules import OPEN_STATUSES


def risk_is_high(score: float | None) -> bool:
    """At or above the watch-list threshold (settings.TOUSU_RISK_HIGH)."""
    return score is not None and score >= settings.TOUSU_RISK_HIGH


class Complaint(models.Model):
    """A complaint (投诉/工单): one expression of dissatisfaction, from registration to callback.

    The status changes only through services, each of which writes a ComplaintEvent in the
    same transaction; `event_seq`/`event_hash` are the head of that hash chain.
    """

    number = models.CharField(_("number"), max_length=24, unique=True)
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.REGISTERED
    )
    channel = models.CharField(_("channel"), max_length=24, choices=Channel.choices)
    content = models.TextField(_("content"))
    demand = models.TextField(_("demand"), blank=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="complaints"
    )
    region = models.ForeignKey(
        "accounts.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The product (the customer's plan/tariff, 套餐) the complaint was about, as it stood when
    # the complaint was registered: a snapshot, not a link, so that a later change of plan does
    # not move the complaint to another product in the counts and spike alerts (R10.1).
    # Blank when the customer's plan was unknown. Same length as Customer.plan.
    product = models.CharField(_("product"), max_length=64, blank=True)
    external_ref = models.CharField(_("external reference"), max_length=64, blank=True)

    category = models.ForeignKey(
        "classification.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    category_confidence = models.FloatField(null=True, blank=True)
    category_source = models.CharField(max_length=8, choices=CategorySource.choices, blank=True)
    level = models.CharField(
        _("level"), max_length=16, choices=Level.choices, default=Level.ORDINARY
    )
    repeat_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="repeats"
    )
    # Closed as a duplicate of (merged into) this complaint, which is handled instead; cleared
    # when an administrator undoes the merge. Both timelines record either change.
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )

    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_complaints",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_complaints",
    )

    received_at = models.DateTimeField(_("received at"))
    registered_at = models.DateTimeField(_("registered at"))
    first_response_due = models.DateTimeField(_("first response due"))
    resolution_due = models.DateTimeField(_("resolution due"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    finding = models.CharField(_("finding"), max_length=16, choices=Finding.choices, blank=True)
    cause = models.CharField(_("cause"), max_length=32, choices=Cause.choices, blank=True)
    responsible_department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responsible_for",
    )
    reply = models.TextField(_("reply"), blank=True)
    customer_accepted = models.BooleanField(_("customer accepted"), null=True, blank=True)
    # First-contact resolution (S3 授权, 一次解决): the outcome standing now was recorded by the
    # person who registered the complaint, at first contact, within their authority. Counted
    # by the first-contact resolution KPI; a later outcome (after a reopen) clears it.
    first_contact = models.BooleanField(_("resolved at first contact"), default=False)
    needs_repair = models.BooleanField(_("needs repair"), default=False)

    # Routing: why this department (the rule that matched), shown on the complaint (R3.1): a
    # reason (tousu.core.reasons), rendered in the reader's language.
    routing_reason = models.JSONField(_("routing reason"), null=True, blank=True)
    # Time limits: the policy that set the due times; a pause (挂起, waiting for the customer)
    # stops the clock, and the due times move by the paused time on resume (R4.1).
    time_limit_policy = models.CharField(max_length=64, blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    pause_reason = models.CharField(_("pause reason"), max_length=200, blank=True)
    # Escalation bookkeeping for the breach scan (R4.2, D6): the ladder step reached, and when
    # the reminder before breach went out. Jobs claim rows by conditional UPDATE on these.
    escalation_step = models.PositiveSmallIntegerField(default=0)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    first_response_alerted_at = models.DateTimeField(null=True, blank=True)
    # Automatic assessment at registration (R2.4, R2.6): escalation risk 0..1 with the reasons
    # shown to staff, and the customer's anger and urgency 0..1; null when never assessed.
    risk_score = models.FloatField(_("risk score"), null=True, blank=True)
    risk_reasons = models.JSONField(_("risk reasons"), default=list, blank=True)
    # When, and at which event of its timeline, the risk was last weighed against the
    # complaint's life (intake.risk_rescore): a complaint with a newer event, or past its
    # limit since, is weighed again.
    risk_scored_at = models.DateTimeField(null=True, blank=True)
    risk_scored_seq = models.PositiveIntegerField(default=0)
    anger = models.FloatField(_("anger"), null=True, blank=True)
    urgency = models.FloatField(_("urgency"), null=True, blank=True)

    # Archive (归档, R5.4, R12.2): set by the `complaints.archive` job once the complaint has
    # been closed for settings.TOUSU_ARCHIVE_DAYS. From then on it is read-only: every write
    # service refuses it (services.complaint_lock), while lists, search and counts keep it.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    event_seq = models.PositiveIntegerField(default=0)
    event_hash = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["status", "resolution_due"]),
            # The scans of sla.jobs (R4.2): partial indexes over the few rows they look for,
            # so that a scan touches only due complaints however many are stored.
            models.Index(
                fields=["escalation_step", "resolution_due"],
                condition=Q(status__in=OPEN_STATUSES),
                name="complaint_open_step_due",
            ),
            models.Index(
                fields=["first_response_due"],
                condition=Q(accepted_at__isnull=True, first_response_alerted_at__isnull=True),
                name="complaint_unaccepted_due",
            ),
            models.Index(fields=["department", "status"]),
            # The archive job's scan: closed complaints not archived yet, oldest first.
            models.Index(
                fields=["closed_at"],
                condition=Q(status=Status.CLOSED, archived_at__isnull=True),
                name="complaint_archive_due",
            ),
            models.Index(fields=["handler", "status"]),
            # Every column of a department supervisor's data scope (accounts.permissions
            # .scope_q), so that counting what they may see reads this index, not the table:
            # 0.5 s → 0.16 s on SQLite at a million complaints (issue 19, the API list's count).
            models.Index(
                fields=["department", "responsible_department", "handler", "registered_by"],
                name="complaint_scope",
            ),
            # The lists' order (newest first, `-received_at`, `-pk`) with every column of the
            # data scope after it: a page deep in a scoped list by number (the API's
            # `?page=1001`, an OFFSET of 50,000 rows) skips its rows in this index alone,
            # instead of reading each skipped complaint to check its scope (1.4-2.9 s for a
            # department supervisor at a million complaints on SQLite, issue 19).
            models.Index(
                fields=[
                    "received_at",
                    "id",
                    "department",
                    "responsible_department",
                    "handler",
                    "registered_by",
                ],
                name="complaint_received_scope",
            ),
            models.Index(fields=["customer", "received_at"]),
            models.Index(fields=["external_ref"]),
            # The supervisors' watch list: open complaints at high risk, highest first.
            models.Index(
                fields=["-risk_score"],
                condition=Q(status__in=OPEN_STATUSES, risk_score__isnull=False),
                name="complaint_open_risk",
            ),
        ]
        constraints = [
            # One complaint per reference of another system's channel (a regulator's case
            # number): a referral sent twice is the same complaint (intake answers 409).
            models.UniqueConstraint(
                fields=["channel", "external_ref"],
                condition=~Q(external_ref=""),
                name="complaint_channel_external_ref_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def high_risk(self) -> bool:
        """At or above the watch-list threshold (settings.TOUSU_RISK_HIGH)."""
        return risk_is_high(self.risk_score)

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def time_left(self, now: dt.datetime) -> dt.timedelta | None:
        """Time until the resolution limit for an open complaint; None once resolved."""
        if not self.is_open:
            return None
        return self.resolution_due - now


class ComplaintEvent(models.Model):
    """One line of the complaint timeline — the audit trail (D8, R12.2).

    Each event's hash covers its own content and the previous event's hash, so editing or
    deleting any row breaks the chain from there on (`tousu timeline_verify` finds it).
    """

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    type = models.CharField(max_length=24, choices=EventType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["complaint", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "seq"], name="event_seq_unique"),
        ]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")

    def __str__(self) -> str:
        return f"{self.complaint_id}#{self.seq} {self.type}"


class DailySequence(models.Model):
    """The last complaint number issued on a day (Asia/Shanghai)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("daily sequence")

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class ComplaintSearch(models.Model):
    """The complaint's row of the full-text search index (complaints.search): the terms of its
    content and demand (jieba words and Chinese character bigrams), space-separated, and the
    words alone. Written by `search_index` in the transaction that registers the complaint;
    `terms` is indexed by FTS5 (SQLite) or GIN (PostgreSQL), see migration 0006. `words` spares
    the readers of many texts (root causes, similar complaints) cutting them again."""

    complaint = models.OneToOneField(
        Complaint, on_delete=models.CASCADE, primary_key=True, related_name="search"
    )
    terms = models.TextField(blank=True)
    # search.text_words, space-separated. Nullable so that adding it was an ALTER TABLE: on
    # SQLite a rebuilt table would have lost the full-text triggers of migration 0006.
    words = models.TextField(null=True, blank=True)

    class Meta:
        verbose_name = _("search index row")

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.terms[:40]}"


class ExportLog(models.Model):
    """One export of a complaint list (issue 6): who took which rows out, when, in what form,
    and whether personal data left unmasked. Written before the first row is sent."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    at = models.DateTimeField(_("time"), db_index=True)
    format = models.CharField(_("format"), max_length=8)
    filters = models.JSONField(_("filters"), default=dict)
    rows = models.PositiveIntegerField(_("rows"))
    revealed = models.BooleanField(_("personal data unmasked"), default=False)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("list export")
        verbose_name_plural = _("list exports")

    def __str__(self) -> str:
        return f"{self.user} {self.format} {self.rows} {self.at:%Y-%m-%d %H:%M}"


class ChainSeal(models.Model):
    """A periodic seal of every timeline's head (the `complaints.seal` job): how many chains
    there were and an order-independent keyed digest of their sealed heads (`SealedHead`), the
    audit log's head, and the previous seal's hash — itself a keyed chain.

    A chain is an append-only list: deleting its tail and rewinding the complaint's head, or
    deleting the complaint with its events, leaves a chain that verifies on its own. Against the
    last seal it does not: each sealed head must still be in its chain (timeline_verify)."""

    seq = models.PositiveIntegerField(unique=True)
    at = models.DateTimeField()
    chains = models.PositiveIntegerField()  # SealedHead rows when sealed
    heads_digest = models.CharField(max_length=64)  # XOR of the SealedHead rows' keyed digests
    audit_seq = models.PositiveIntegerField(default=0)
    audit_hash = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("chain seal")
        verbose_name_plural = _("chain seals")

    def __str__(self) -> str:
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M} ({self.chains})"


class SealedHead(models.Model):
    """A complaint's timeline head as of the last seal that saw it move. Keyed by number, not by
    a foreign key, so that it outlives a deleted complaint and names it."""

    number = models.CharField(max_length=24, unique=True)
    seq = models.PositiveIntegerField()
    hash = models.CharField(max_length=64)
    sealed_in = models.PositiveIntegerField()  # ChainSeal.seq

    class Meta:
        verbose_name = _("sealed timeline head")

    def __str__(self) -> str:
        return f"{self.number}#{self.seq}"


class SavedView(models.Model):
    """A user's named filters of the complaint list (issue 13: saved views, 我的筛选): the
    list's query string, reapplied as a link. Kept with the complaints, whose list filters
    (selectors.ComplaintFilters) it stores; private to its user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(_("name"), max_length=40)
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_view_user_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.name}"
