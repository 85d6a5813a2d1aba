from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.accounts.choices import (
    DEFAULT_SCOPE,
    AssignmentMode,
    AuditAction,
    DataScope,
    LockoutScope,
    Role,
)


class Region(models.Model):
    """A service area (city). Customer counts are the denominator of 万投比."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(max_length=64, blank=True)
    customers = models.PositiveIntegerField(_("customer count"), default=0)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A department that handles complaints or is held responsible for them."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(max_length=64, blank=True)
    active = models.BooleanField(default=True)
    # Whether new complaints are assigned to a handler at once (by skill and load) or wait in
    # the department queue for someone to pick them up (R3.2).
    assignment_mode = models.CharField(
        _("assignment"), max_length=8, choices=AssignmentMode.choices, default=AssignmentMode.AUTO
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of staff: one role, a home department and region, and a data scope."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    data_scope = models.CharField(
        _("data scope"), max_length=16, choices=DataScope.choices, blank=True
    )
    display_name = models.CharField(_("display name"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def effective_scope(self) -> str:
        return self.data_scope or DEFAULT_SCOPE[self.role]


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    prefix = models.CharField(max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def generate() -> str:
        return "ts_" + secrets.token_urlsafe(32)


class PiiAccess(models.Model):
    """Who saw which personal data, when and through what (D10, R14.1)."""

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    # e.g. "customer:12", "complaints:list" or a complaint's number
    subject = models.CharField(_("whose data"), max_length=64)
    fields = models.CharField(_("personal data"), max_length=128)  # field names, comma-separated
    via = models.CharField(_("through"), max_length=16)  # page, api, export, admin
    count = models.PositiveIntegerField(_("records"), default=1)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")

    def __str__(self) -> str:
        return f"{self.user} {self.subject} {self.at:%Y-%m-%d %H:%M}"


class LoginLockout(models.Model):
    """A login lock engaging: a user name, or an address, reached its limit of failed logins
    (tousu/accounts/lockout.py). The audit trail of password guessing, for administrators;
    the counting itself is in django-axes' access attempts."""

    at = models.DateTimeField(_("time"), db_index=True)
    scope = models.CharField(_("locked"), max_length=16, choices=LockoutScope.choices)
    # The user name as typed (lower-cased): it may name nobody.
    username = models.CharField(_("user name"), max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    path = models.CharField(_("login page"), max_length=255)
    failures = models.PositiveIntegerField(_("failures"))
    until = models.DateTimeField(_("locked until"))

    class Meta:
        ordering = ["-at"]
        verbose_name = _("login lockout")
        verbose_name_plural = _("login lockouts")

    def __str__(self) -> str:
        return f"{self.scope} {self.username} {self.ip_address} {self.at:%Y-%m-%d %H:%M}"


class AuditEntry(models.Model):
    """One line of the audit log of configuration changes and logins: who, when, what object,
    what changed (before/after of the changed fields, personal data masked, never a password).

    Append-only and tamper-evident like a timeline: numbered without gaps, each entry's keyed
    hash (tousu.core.keys.mac) covers its content and the previous entry's hash; `AuditHead`
    is the head. Written by `audit_record` in the transaction of the change."""

    seq = models.PositiveIntegerField(_("number"), unique=True)
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("by"), max_length=150)
    action = models.CharField(_("action"), max_length=24, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    object_repr = models.CharField(_("object name"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type} {self.object_repr}"


AUDIT_HEAD = 1  # the primary key of the one AuditHead row


class AuditHead(models.Model):
    """The audit log's head (one row): locked by each writer, so that concurrent entries take
    consecutive numbers instead of the same one."""

    seq = models.PositiveIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit log head")

    def __str__(self) -> str:
        return f"#{self.seq}"
