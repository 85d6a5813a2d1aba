from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from tousu.accounts import permissions
from tousu.accounts.models import Region, User
from tousu.core.errors import FieldErrors, NotAllowed
from tousu.core.text import clean_text
from tousu.customers.choices import SpecialType
from tousu.customers.models import Customer

SPECIAL_NOTE_MAX_CHARS = 1_000


def customer_get_or_create(
    *, phone: str, name: str = "", account: str = "", region: Region | None = None
) -> tuple[Customer, bool]:
    """The customer with this (normalised) phone, created on first contact, and whether it was
    created now. Known details are filled in when missing, never overwritten: the CRM, not a
    complaint form, is the master. A concurrent registration creating the same customer is
    `get_or_create`'s to catch (its INSERT is in a savepoint; it then reads theirs)."""
    customer, created = Customer.objects.get_or_create(
        phone=phone, defaults={"name": name, "account": account, "region": region}
    )
    if not created:
        changed = []
        for field, value in (("name", name), ("account", account), ("region", region)):
            if value and not getattr(customer, field):
                setattr(customer, field, value)
                changed.append(field)
        if changed:
            customer.save(update_fields=[*changed, "updated_at"])
    return customer, created


def customer_special_set(
    *, customer: Customer, actor: User, special_type: str, note: str
) -> Customer:
    """Set (or clear, with a blank type) the customer's special-customer type and note
    (R2.6, R13.3). Only supervisors, department heads and administrators keep these."""
    if not permissions.can_edit_customer_profile(actor):
        raise NotAllowed(_("Your role may not change a customer's special-customer marking"))
    note = clean_text(note or "")
    errors = FieldErrors()
    if special_type and special_type not in SpecialType.values:
        errors.add("special_type", _("Unknown type “%(type)s”") % {"type": special_type})
    if len(note) > SPECIAL_NOTE_MAX_CHARS:
        errors.add(
            "special_note",
            _("The note takes at most %(limit)s characters") % {"limit": SPECIAL_NOTE_MAX_CHARS},
        )
    errors.raise_if_any()
    with transaction.atomic():
        customer.special_type = special_type
        customer.special_note = note
        customer.save(update_fields=["special_type", "special_note", "updated_at"])
    return customer
