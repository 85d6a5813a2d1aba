"""Routing configuration and the record of who moved a complaint where (R3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.complaints.choices import Channel, Level
from tousu.routing.choices import TransferKind


class RoutingRule(models.Model):
    """Category × region × channel × level → responsible department (R3.1).

    An empty criterion matches anything; a rule on a parent category also covers its
    sub-categories. Of the rules that match a complaint, the most specific wins (see
    `routing.rules.best_rule`), then the higher priority; when none matches, the complaint
    office receives the complaint.
    """

    category = models.ForeignKey(
        "classification.Category",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        verbose_name=_("category"),
    )
    region = models.ForeignKey(
        "accounts.Region",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("region"),
    )
    channel = models.CharField(_("channel"), max_length=24, choices=Channel.choices, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, blank=True)
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("department"),
    )
    priority = models.IntegerField(
        _("priority"), default=0, help_text=_("Breaks ties between equally specific rules.")
    )
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["category__code", "channel", "level", "-priority", "pk"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        parts = [
            self.category.code if self.category_id and self.category else "",
            self.region.code if self.region_id and self.region else "",
            self.channel,
            self.level,
        ]
        return f"#{self.pk} {' + '.join(p for p in parts if p) or '*'} → {self.department_id}"


class HandlerProfile(models.Model):
    """How a handler takes part in automatic assignment (R3.2): the categories they handle (a
    parent category covers its sub-categories), whether they take new complaints now, and
    when they last got one (ties in load go to the one idle longest)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="handler_profile"
    )
    categories = models.ManyToManyField(
        "classification.Category", blank=True, related_name="+", verbose_name=_("skills")
    )
    accepting = models.BooleanField(
        _("accepting new complaints"),
        default=True,
        help_text=_("Off while on leave: automatic assignment passes over this handler."),
    )
    last_assigned_at = models.DateTimeField(_("last assigned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("handler profile")
        verbose_name_plural = _("handler profiles")

    def __str__(self) -> str:
        return str(self.user)


class Transfer(models.Model):
    """A complaint moved between departments: a transfer (转派) or a return (退单), with the
    reason (R3.3). Counted per department for reports."""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="transfers"
    )
    from_department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=TransferKind.choices)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["at", "from_department"])]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.from_department_id} → {self.to_department_id}"


class ExpertTeam(models.Model):
    """An expert team (专家团队 / 调查小组) of several departments on one major or over-level
    complaint (R3.4). Members see the complaint and write on its timeline."""

    complaint = models.OneToOneField(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="expert_team"
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("lead")
    )
    formed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    formed_at = models.DateTimeField(_("formed at"))

    class Meta:
        verbose_name = _("expert team")
        verbose_name_plural = _("expert teams")

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.lead}"


class ExpertTeamMember(models.Model):
    """One member of an expert team (the lead is a member too)."""

    team = models.ForeignKey(ExpertTeam, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expert_teams"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="expert_team_member_unique")
        ]
        verbose_name = _("expert team member")
        verbose_name_plural = _("expert team members")

    def __str__(self) -> str:
        return f"{self.team_id}: {self.user}"
