"""Reads for intake: what the customer's public status page may show."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from tousu.complaints.choices import Status
from tousu.complaints.models import Complaint
from tousu.core.clock import local
from tousu.core.errors import NotFound
from tousu.core.text import normalise_phone


def public_status(number: str, phone: str) -> dict[str, Any]:
    """The status for the complaint's own customer; anything else is "not found", so that the
    page cannot be used to learn which numbers exist or whose they are."""
    normalised = normalise_phone(phone or "")
    complaint = (
        Complaint.objects.select_related("category", "category__parent", "customer")
        .filter(number=number.strip().upper())
        .first()
    )
    if complaint is None or normalised is None or complaint.customer.phone != normalised:
        raise NotFound(_("No complaint with this number and phone number; please check both"))
    replied = complaint.status in (Status.RESOLVED, Status.CLOSED)
    return {
        "number": complaint.number,
        "status": complaint.status,
        "status_name": str(Status(complaint.status).label),
        "received_at": local(complaint.received_at),
        "reply_due": local(complaint.resolution_due),
        "category": complaint.category.path_name if complaint.category else None,
        "reply": complaint.reply if replied else None,
        "closed_at": local(complaint.closed_at) if complaint.closed_at else None,
    }
