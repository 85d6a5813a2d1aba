"""Retention (R12.2) of what the intake keeps of messages that never became part of a complaint.

An SMS, mail or WeChat message that registered or was threaded onto a complaint is anonymised
with its customer (the redactors registered in `IntakeConfig.ready`). The others — a mail held
as spoofed, an auto-reply, an SMS without text, an unsubscribe, a WeChat description whose
customer never gave a phone — belong to no customer the retention job could reach, yet hold a
sender and their words. They were kept for review; once the retention period has passed since
they arrived there is nothing left to review, so they are deleted, with one audit entry saying
how many of each (never what they held)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from tousu.accounts.choices import AuditAction
from tousu.accounts.services import audit_record
from tousu.complaints.retention import RETENTION_ACTOR, retention_cutoff
from tousu.core import clock
from tousu.intake.models import InboundMail, InboundSms, WeChatInbound

UNLINKED = (InboundSms, InboundMail, WeChatInbound)


def inbound_records_expire(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete the intake's records of messages linked to no complaint that arrived before the
    retention cutoff; idempotent: a second run finds none. Returns the count per model."""
    cutoff = retention_cutoff(now or clock.now())
    counts: dict[str, int] = {}
    with transaction.atomic():
        for model in UNLINKED:
            deleted, _by_model = model.objects.filter(
                complaint__isnull=True, received_at__lt=cutoff
            ).delete()
            counts[model._meta.label_lower] = deleted
        if any(counts.values()):
            audit_record(
                actor=None,
                actor_name=RETENTION_ACTOR,
                action=AuditAction.DELETE,
                object_type="intake.inbound",
                object_repr=f"< {clock.local(cutoff).date().isoformat()}",
                changes={"deleted": counts},
            )
    return counts
