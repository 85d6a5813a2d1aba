"""The development transport: each message written as a file under TOUSU_OUTBOX_DIR, like
Django's file e-mail backend. Used when no real transport is configured, so that `make run`
and the demo show messages as sent without anything leaving the machine."""

from __future__ import annotations

import json
import uuid

from django.conf import settings

from tousu.core import clock
from tousu.messages.models import Message


class OutboxTransport:
    def send(self, message: Message) -> str:
        provider_id = f"outbox-{uuid.uuid4().hex[:16]}"
        folder = settings.TOUSU_OUTBOX_DIR
        folder.mkdir(parents=True, exist_ok=True)
        record = {
            "id": provider_id,
            "channel": message.channel,
            "to": message.address,
            "subject": message.subject,
            "text": message.text,
            "at": clock.now().isoformat(),
        }
        path = folder / f"{clock.local(clock.now()):%Y%m%d-%H%M%S}-{message.pk}-{provider_id}.json"
        path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
        return provider_id
