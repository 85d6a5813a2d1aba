from __future__ import annotations

from django.conf import settings
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


class InboundMail(models.Model):
    """One mail read from the complaints mailbox, recorded once per Message-ID: the row is
    inserted in the transaction that acts on the mail, so a second worker reading the same mail
    finds it (the unique Message-ID) and does nothing, and a failed attempt leaves no row to
    hide the mail from the next run. What became of it is kept for review: a complaint
    registered, a customer message threaded, or why neither (a spoofed sender, an auto-reply,
    a bounce, attachments refused)."""

    class Outcome(models.TextChoices):
        REGISTERED = "registered", _("Complaint registered")
        THREADED = "threaded", _("Added to the complaint")
        SPOOFED = "spoofed", _("Held: the sender is not the complaint's customer")
        AUTO_REPLY = "auto_reply", _("Auto-reply, not registered")
        BOUNCE = "bounce", _("Bounce, not registered")
        INVALID = "invalid", _("Held: cannot be registered")

    message_id = models.CharField(max_length=255, unique=True)
    sender = models.CharField(_("sender"), max_length=254)  # personal data: masked on pages
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    complaint = models.ForeignKey(
        "complaints.Complaint",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # Why it was held (a reason), and each attachment refused: {"name", "size", "problem"}.
    problem = models.JSONField(null=True, blank=True)
    refused = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["sender", "received_at"])]
        verbose_name = _("inbound mail")
        verbose_name_plural = _("inbound mails")

    def __str__(self) -> str:
        return f"{self.message_id} {self.outcome}"


class MailboxCursor(models.Model):
    """How far the mailbox job has read a folder: the IMAP UIDVALIDITY and the highest UID
    acted on. A new UIDVALIDITY (the folder recreated) starts again from the first UID; the
    Message-IDs already recorded keep those mails from being acted on twice."""

    folder = models.CharField(max_length=200, unique=True)
    uidvalidity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.folder} {self.uidvalidity}:{self.last_uid}"
