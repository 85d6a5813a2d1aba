from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tousu.messages.choices import Direction, MessageChannel, MessageKind, MessageStatus


class Message(models.Model):
    """One message to or from the customer about a complaint. Outbound messages are an outbox:
    written (queued) in the transaction of the change they report, sent after commit by the
    `messages.send` job, which claims each row once (D6) — so a message is never sent twice
    and a rolled-back change sends nothing. Inbound ones (e-mail, WeChat, the customer's page)
    are recorded once per provider id (`external_id`)."""

    complaint = models.ForeignKey(
        "complaints.Complaint",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
    )
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=MessageChannel.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=MessageKind.choices)
    # Phone, e-mail address or WeChat openid: personal data, masked on every page.
    address = models.CharField(_("address"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    text = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices)
    # Why it failed or was withheld: a reason code (core.reasons) or the transport's error.
    error = models.CharField(_("error"), max_length=500, blank=True)
    # Outbound: what the transport answered (SMPP message_id, gateway id, SMTP Message-ID);
    # delivery receipts find the message by it.
    provider_id = models.CharField(_("provider id"), max_length=255, blank=True, db_index=True)
    # Inbound: the sender's id of the message (Message-ID, WeChat MsgId), recorded once.
    external_id = models.CharField(max_length=255, blank=True)
    # Outbound: at most one message per key (an acknowledgement per complaint and channel…).
    key = models.CharField(max_length=128, null=True, blank=True, unique=True)
    # Sent in the quiet hours too (the complaint's level demands it).
    urgent = models.BooleanField(default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # Queued: not before this (quiet hours, back-off); sending: the claim's lease.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~Q(external_id=""),
                name="message_external_id_unique",
            )
        ]
        verbose_name = _("customer message")
        verbose_name_plural = _("customer messages")

    def __str__(self) -> str:
        return f"{self.direction} {self.channel} {self.kind} {self.status}"


class SmsPart(models.Model):
    """One SMS from a customer (mobile-originated) as the SMS centre handed it over, or one
    part of a long one: recorded once, in the transaction that precedes its acknowledgement to
    the centre (which resends until acknowledged), so nothing is lost and a resend is known by
    its `dedupe_key`. The intake assembles the parts of a long SMS and acts on it, claiming its
    parts (`taken_at`) in the transaction that registers or threads it."""

    # As the centre wrote them: personal data, masked on every page.
    sender = models.CharField(_("sender"), max_length=32)
    recipient = models.CharField(_("recipient"), max_length=32, blank=True)
    data_coding = models.PositiveSmallIntegerField()
    # This part's user data without its header: decoded once every part is there (a character
    # may straddle two parts).
    payload = models.BinaryField()
    # A long SMS's reference, number of parts and this part's place; None, 1, 1 for a whole one.
    ref = models.PositiveIntegerField(null=True, blank=True)
    total = models.PositiveSmallIntegerField(default=1)
    seq = models.PositiveSmallIntegerField(default=1)
    # The PDU's content hashed (sms_rules.SmsPartIn.key); cleared when the same content comes
    # again past the resend window (a customer who writes the same words a day later).
    dedupe_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    received_at = models.DateTimeField(_("received at"))
    taken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["received_at", "pk"]
        # The intake reads the parts not yet acted on, oldest first: a few among many.
        indexes = [
            models.Index(
                fields=["received_at"], condition=Q(taken_at__isnull=True), name="sms_part_waiting"
            )
        ]
        verbose_name = _("SMS part received")
        verbose_name_plural = _("SMS parts received")

    def __str__(self) -> str:
        return f"{self.pk} {self.seq}/{self.total}"
