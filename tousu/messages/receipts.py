"""Delivery receipts: the SMS centre's (SMPP deliver_sm) or the gateway's word that a message
reached the handset, or never will. Recorded once: a receipt repeated (the centre resends until
acknowledged, the job runs twice) changes nothing the second time."""

from __future__ import annotations

from tousu.core import clock
from tousu.messages.choices import MessageStatus
from tousu.messages.models import Message

# SMPP 3.4 appendix B final states; anything else (ENROUTE, ACCEPTD, UNKNOWN) is not final.
DELIVERED_STATES = frozenset({"DELIVRD"})
FAILED_STATES = frozenset({"UNDELIV", "EXPIRED", "DELETED", "REJECTD"})


def receipt_record(*, channel: str, provider_id: str, delivered: bool, error: str = "") -> bool:
    """Mark the message the provider knows as `provider_id` delivered or failed. True when this
    receipt changed it; False for an unknown id or a message already final."""
    if not provider_id:
        return False
    found = Message.objects.filter(
        channel=channel,
        provider_id=provider_id,
        status__in=[MessageStatus.SENT, MessageStatus.SENDING],
    )
    if delivered:
        changed = found.update(status=MessageStatus.DELIVERED, delivered_at=clock.now())
    else:
        changed = found.update(status=MessageStatus.FAILED, error=error[:500])
    return bool(changed)


def smpp_receipt_parse(text: str) -> tuple[str, str] | None:
    """(message id, state) of an SMPP receipt text "id:… sub:… dlvrd:… … stat:DELIVRD err:…",
    None when it is not one."""
    fields: dict[str, str] = {}
    for token in (
        text.replace("submit date:", "submit_date:").replace("done date:", "done_date:").split()
    ):
        name, sep, value = token.partition(":")
        if sep and name.lower() not in fields:
            fields[name.lower()] = value
    if "id" not in fields or "stat" not in fields:
        return None
    return fields["id"], fields["stat"].upper()
