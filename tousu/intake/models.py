from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tousu.intake.choices import ImportFailureCause, ImportStatus


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


def import_path(instance: ImportRun, filename: str) -> str:
    # A random name: no user-chosen path ever reaches the file system; the user's own name
    # is kept in `original_name`.
    return f"imports/{uuid.uuid4().hex}{instance.extension}"


class ImportRun(models.Model):
    """One upload of a CSV/Excel file of complaints from the web (issue 17): the stored file
    and how far the `intake.import_run` job has registered its rows.

    `cursor` counts the data rows already handled; it moves in the same transaction as those
    rows' complaints, so a run resumed after a crash starts after the last committed row and
    never registers a row twice."""

    file = models.FileField(upload_to=import_path, max_length=200)
    original_name = models.CharField(_("file"), max_length=200)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    # Channel of rows without a channel column (a code; blank when the file has the column).
    default_channel = models.CharField(max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    failure = models.CharField(max_length=32, choices=ImportFailureCause.choices, blank=True)
    headers = models.JSONField(default=list)  # the header row as the user wrote it
    total = models.PositiveIntegerField(_("rows"), default=0)
    cursor = models.PositiveIntegerField(default=0)
    registered = models.PositiveIntegerField(_("registered"), default=0)
    duplicates = models.PositiveIntegerField(_("already registered"), default=0)
    errors = models.PositiveIntegerField(_("rows with errors"), default=0)
    # While running: the claim's lease; a run still running after it was abandoned.
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("uploaded at"))
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "lease_until"], name="import_run_due")]
        verbose_name = _("import run")

    def __str__(self) -> str:
        return self.original_name

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.cursor * 100 // self.total)


class ImportRowError(models.Model):
    """A data row of an import run that was not registered, with why: a line of the run's
    error file."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="row_errors")
    row = models.PositiveIntegerField()  # the row number the user sees in the sheet
    # [[column as the user named it, message], …]; the messages of the registration service,
    # written in the office's language like the command line's error report.
    errors = models.JSONField(default=list)
    values = models.JSONField(default=list)  # the row's cells as text
    duplicate = models.BooleanField(default=False)

    class Meta:
        ordering = ["run", "row"]
        constraints = [
            models.UniqueConstraint(fields=["run", "row"], name="import_row_error_unique"),
        ]
        verbose_name = _("import row error")

    def __str__(self) -> str:
        return f"{self.run_id}:{self.row}"


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


class InboundSms(models.Model):
    """An SMS from a customer, acted on once: a whole one, or a long one assembled from its
    parts (messages.SmsPart) — written in the transaction that claims the parts and registers
    a complaint, threads the text onto the customer's complaint, or records an unsubscribe, so
    that two workers never act on one SMS twice. What became of it is kept for review, with
    why nothing was registered (no text, no phone) or what is to know (parts that never came)."""

    class Outcome(models.TextChoices):
        REGISTERED = "registered", _("Complaint registered")
        THREADED = "threaded", _("Added to the complaint")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribe (TD) recorded")
        INVALID = "invalid", _("Held: cannot be registered")

    sender = models.CharField(_("sender"), max_length=32)  # personal data: masked on pages
    text = models.TextField(_("text"), blank=True)
    parts = models.JSONField(_("parts"), default=list)  # the SmsPart keys, in order
    parts_expected = models.PositiveSmallIntegerField(_("parts expected"), default=1)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    complaint = models.ForeignKey(
        "complaints.Complaint", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    problem = models.JSONField(null=True, blank=True)  # a reason (core.reasons)
    received_at = models.DateTimeField(_("received at"))  # its first part's arrival
    acted_at = models.DateTimeField(_("acted on at"))

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["sender", "received_at"])]
        verbose_name = _("inbound SMS")
        verbose_name_plural = _("inbound SMS")

    def __str__(self) -> str:
        return f"{self.pk} {self.outcome}"


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


class PageCode(models.Model):
    """A one-time code sent by SMS to the customer who asks to open their own complaint's page
    (issue 17): stored as a keyed hash, never in clear (the SMS record hides it from staff
    too), valid for a few minutes and a few tries, used once. A new code replaces the
    earlier ones of the complaint."""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="+"
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    # Wrong codes typed so far; counted with a conditional UPDATE so that parallel guesses
    # cannot exceed the limit.
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["complaint", "created_at"])]
        verbose_name = _("page code")
        verbose_name_plural = _("page codes")

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.created_at:%Y-%m-%d %H:%M}"
