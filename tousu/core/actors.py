"""Who acted when no member of staff did: the names the services write in an event's
`actor_name`, and how people read them (the timeline, an inspection's record)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

SYSTEM = "system"
CUSTOMER = "customer"
ARCHIVE = "archive"  # the archive job (R12.2)
RETENTION = "retention"  # the retention job (R12.2)
REPAIR = "repair"  # a repair case's step written on its complaint (R9)

LABELS = {
    SYSTEM: _("System"),
    CUSTOMER: _("Customer"),
    ARCHIVE: _("Archive job"),
    RETENTION: _("Retention job"),
    REPAIR: _("Customer repair"),
}


def actor_display(actor: Any, actor_name: str) -> str:
    """The member of staff by the name people know them by; else the written name in the
    reader's language (the stored username when the account is gone)."""
    if actor is not None:
        return str(actor)
    return str(LABELS.get(actor_name, actor_name))
