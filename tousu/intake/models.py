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


class WeChatNonce(models.Model):
    """A signed WeChat request seen (its timestamp and nonce): the same pair again is a replay,
    refused. Kept a little longer than the window in which a timestamp is accepted at all."""

    timestamp = models.BigIntegerField()
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["timestamp", "nonce"], name="wechat_nonce_unique"),
        ]
        verbose_name = _("WeChat request")

    def __str__(self) -> str:
        return f"{self.timestamp}:{self.nonce}"


class WeChatInbound(models.Model):
    """A message (or event) from a WeChat follower, handled once: WeChat sends a message again
    when the answer takes over five seconds, up to three times, and each retry gets the answer
    stored here instead of registering anything twice. The conversation's state lives here
    too: a description waiting for the phone number, the complaints registered from an openid."""

    class Intent(models.TextChoices):
        WELCOME = "welcome", _("Welcome")
        ASK_PHONE = "ask_phone", _("Asked for the phone number")
        REGISTER = "register", _("Registered a complaint")
        MESSAGE = "message", _("Message on a complaint")
        STATUS = "status", _("Status")
        OTHER = "other", _("Other")

    # MsgId, or for events (which have none) openid:CreateTime:Event.
    msg_id = models.CharField(max_length=128, unique=True)
    openid = models.CharField(max_length=64, db_index=True)
    msg_type = models.CharField(max_length=16)
    text = models.TextField(blank=True)
    intent = models.CharField(max_length=12, choices=Intent.choices)
    reply = models.TextField(blank=True)
    complaint = models.ForeignKey(
        "complaints.Complaint", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    received_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["openid", "received_at"])]
        verbose_name = _("WeChat message")

    def __str__(self) -> str:
        return self.msg_id
