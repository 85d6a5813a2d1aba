"""Controlled documents (受控文件, R12.1): the complaint-management manual's parts, each with
its versions (one in force at a time, the superseded kept) and who has read the one in force."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tousu.quality.choices import DocumentKind, VersionStatus


class ControlledDocument(models.Model):
    """A part of the manual (policy, objectives, responsibilities, a procedure, a standard, a
    rule). `roles` and `departments` say whom it applies to — who must acknowledge the version
    in force (empty: every member of staff)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=24, choices=DocumentKind.choices)
    roles = models.JSONField(_("roles it applies to"), default=list, blank=True)
    departments = models.ManyToManyField(
        "accounts.Department", blank=True, related_name="+", verbose_name=_("departments")
    )
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("controlled document")
        verbose_name_plural = _("controlled documents")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class DocumentVersion(models.Model):
    """One approved version of a document. At most one per document is in force; approving
    one whose effective day has come supersedes the one before (kept, read-only)."""

    document = models.ForeignKey(
        ControlledDocument, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"))
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approver"),
    )
    approved_at = models.DateTimeField(_("approved at"))
    effective_from = models.DateField(_("effective from"))
    review_by = models.DateField(_("review by"))
    status = models.CharField(
        _("status"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.APPROVED
    )
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="document_version_once"),
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(status=VersionStatus.IN_FORCE),
                name="document_one_version_in_force",
            ),
        ]
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")

    def __str__(self) -> str:
        return f"{self.document.code} v{self.number}"


class DocumentAcknowledgement(models.Model):
    """A member of staff has read a version (once per version: acknowledging twice keeps the
    first)."""

    version = models.ForeignKey(
        DocumentVersion, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="document_acks"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "user"], name="document_ack_once")
        ]
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")

    def __str__(self) -> str:
        return f"{self.version} {self.user_id}"
