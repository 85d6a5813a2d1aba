"""Reads for intake: the reference rows a registration names, and what the customer's public
status page may show."""

from __future__ import annotations

from typing import Any

from django.db.models import Subquery
from django.utils.translation import gettext as _

from tousu.accounts.models import Region
from tousu.classification.models import Category
from tousu.complaints.choices import Status
from tousu.complaints.models import Complaint
from tousu.core.clock import local
from tousu.core.errors import NotFound
from tousu.core.text import normalise_phone


def references_by_code(*, category: str, region: str) -> tuple[Category | None, Region | None]:
    """The active category (with its parent, which automatic assignment weighs) and the region
    a registration names by code; None for a code not given or not found. Given both, they are
    read in one query: the category's row carries the region's fields, each a scalar subquery
    on the region's code. The region is read on its own only when the category is not found,
    to tell whether it is missing too."""
    categories = Category.objects.select_related("parent").filter(code=category, active=True)
    regions = Region.objects.filter(code=region)
    if not (category and region):
        return (categories.first() if category else None), (regions.first() if region else None)
    names = [f.attname for f in Region._meta.concrete_fields]
    columns = {f"region_{name}": Subquery(regions.values(name)) for name in names}
    found = categories.annotate(**columns).first()
    if found is None:
        return None, regions.first()
    values = [getattr(found, column) for column in columns]
    if getattr(found, f"region_{Region._meta.pk.attname}") is None:
        return found, None
    return found, Region.from_db(found._state.db, names, values)


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
