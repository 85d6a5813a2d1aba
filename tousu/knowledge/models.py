from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.complaints.choices import Cause, Channel, Finding
from tousu.knowledge.choices import CaseStatus, WordingTopic
from tousu.knowledge.rules import tags_read


class Case(models.Model):
    """A case of the case library (案例库, R7.1, R7.3): a closed complaint retold without personal
    data, tied to the standard clause(s) it illustrates, so that handlers learn how a clause is
    applied. Written as a draft by `case_create`; quality staff curate and publish it.

    `search_terms` holds the jieba words of the texts, space-padded (` a b `), for search."""

    complaint = models.OneToOneField(
        "complaints.Complaint",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case",
        verbose_name=_("complaint"),
    )
    title = models.CharField(_("title"), max_length=100)
    category = models.ForeignKey(
        "classification.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
    )
    channel = models.CharField(_("channel"), max_length=24, choices=Channel.choices, blank=True)
    content = models.TextField(_("what happened"))
    outcome = models.TextField(_("reply to the customer"), blank=True)
    summary = models.TextField(_("handler's summary"), blank=True)
    finding = models.CharField(_("finding"), max_length=16, choices=Finding.choices, blank=True)
    cause = models.CharField(_("cause"), max_length=32, choices=Cause.choices, blank=True)
    # The remedies granted, as [{"type": …, "amount": "58.00"}]: a copy, so that the case still
    # reads the same if the complaint is reopened and resolved again.
    remedies = models.JSONField(_("remedies"), default=list, blank=True)
    clauses = models.ManyToManyField(
        "resolution.StandardClause",
        blank=True,
        related_name="cases",
        verbose_name=_("standard clauses"),
    )
    tags = models.CharField(_("tags"), max_length=250, blank=True)
    for_training = models.BooleanField(_("for training"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    search_terms = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def tag_list(self) -> list[str]:
        return tags_read(self.tags)


class WordingArticle(models.Model):
    """An approved wording (统一口径/话术, R7.2, S2): how every channel explains one tariff,
    promotion, outage or policy. What it says lives in its versions."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=100)
    topic = models.CharField(_("topic"), max_length=16, choices=WordingTopic.choices)
    category = models.ForeignKey(
        "classification.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
        help_text=_("Suggested on complaints of this category and its sub-categories."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The jieba words of the title and every version, space-padded, for search.
    search_terms = models.TextField(blank=True)

    class Meta:
        ordering = ["topic", "title"]
        verbose_name = _("approved wording")
        verbose_name_plural = _("approved wording")

    def __str__(self) -> str:
        return self.title


class WordingVersion(models.Model):
    """One version of an approved wording, in force from `effective_from` to `valid_until`
    (inclusive; empty = until a later version takes effect). A change is a new version, so that
    a briefing can show what changed and a reply quoting the old text can be caught."""

    article = models.ForeignKey(WordingArticle, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    body = models.TextField(_("text"))
    effective_from = models.DateField(_("effective from"))
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("The last day it applies.")
    )
    change_note = models.CharField(_("what changed"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["article", "number"]
        verbose_name = _("wording version")
        verbose_name_plural = _("wording versions")
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="wording_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article} v{self.number}"


class WordingVariant(models.Model):
    """The same version said for one channel (a shorter SMS, a spoken hotline script); channels
    without a variant use the version's text."""

    version = models.ForeignKey(WordingVersion, on_delete=models.CASCADE, related_name="variants")
    channel = models.CharField(_("channel"), max_length=24, choices=Channel.choices)
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["version", "channel"]
        verbose_name = _("channel variant")
        verbose_name_plural = _("channel variants")
        constraints = [
            models.UniqueConstraint(fields=["version", "channel"], name="wording_variant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.channel}"


class ReplyTemplate(models.Model):
    """A reply to the customer with placeholders for the complaint's facts (R5.4), filled by
    `rules.reply_fill`, which adds S1's thanks."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    category = models.ForeignKey(
        "classification.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
        help_text=_("Offered on complaints of this category and its sub-categories; empty = all."),
    )
    body = models.TextField(
        _("text"),
        help_text=_(
            "Placeholders: {greeting} {number} {customer} {category} {remedies} {amount} "
            "{received} {resolved} {today} {thanks}"
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort", "name"]
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")

    def __str__(self) -> str:
        return self.name
