from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """A client's `Idempotency-Key` for a registration: a retried request with the same key and
    the same body gets the first complaint back instead of a duplicate (R1.4)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    body_hash = models.CharField(max_length=64)
    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique"),
        ]
        verbose_name = _("idempotency key")

    def __str__(self) -> str:
        return self.key


class RiskKind(models.TextChoices):
    """What a risk term tells of where the complaint may go."""

    REGULATOR = "regulator", _("Regulator")
    PETITION = "petition", _("Petition (信访)")
    HOTLINE = "hotline", _("Government hotline")
    CONSUMER = "consumer", _("Consumer association")
    COURT = "court", _("Court, lawyer or police")
    MEDIA = "media", _("Media")
    COLLECTIVE = "collective", _("Collective action")
    PERSIST = "persist", _("Persistence")
    OTHER = "other", _("Other")


class RiskTerm(models.Model):
    """A word in what the customer says that signals the complaint may go above us (R2.6):
    its weight (0..1, combined as independent signals, intake.risk) and the reason shown to
    staff. Matched on word boundaries, not when negated or cited (intake.risk). Seeded with
    intake.risk.DEFAULT_RISK_TERMS; admins maintain the list."""

    term = models.CharField(_("term"), max_length=32, unique=True)
    weight = models.FloatField(
        _("weight"),
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("0 to 1: how strongly the word alone signals escalation."),
    )
    reason = models.CharField(
        _("reason"), max_length=64, help_text=_("What staff read, e.g. 提到信访/上访.")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RiskKind.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "term"]
        verbose_name = _("risk term")
        verbose_name_plural = _("risk terms")

    def __str__(self) -> str:
        return self.term


class EmotionModel(models.Model):
    """A trained anger model (intake.emotion): the weights (`blob`: `emotion.MAGIC`, then an
    .npz archive, read without pickle), where it was trained and how it scored on texts it was
    not trained on. At most one is active; written only by `tousu emotion train`."""

    version = models.CharField(_("version"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    source = models.CharField(_("trained on"), max_length=255, blank=True)
    training_n = models.PositiveIntegerField(_("training size"), default=0)
    metrics = models.JSONField(_("metrics"), default=dict)
    active = models.BooleanField(_("active"), default=False)
    blob = models.BinaryField(editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("emotion model")
        verbose_name_plural = _("emotion models")
        constraints = [
            models.UniqueConstraint(
                fields=["active"],
                condition=models.Q(active=True),
                name="emotion_model_one_active",
            )
        ]

    def __str__(self) -> str:
        return self.version
