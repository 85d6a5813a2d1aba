from __future__ import annotations

from django.utils.translation import gettext as _

from tousu.core.errors import NotFound
from tousu.customers.models import Customer


def customer_by_phone(phone: str) -> Customer | None:
    return Customer.objects.select_related("region").filter(phone=phone).first()


def customer_get(pk: int) -> Customer:
    try:
        return Customer.objects.select_related("region").get(pk=pk)
    except Customer.DoesNotExist:
        raise NotFound(_("No such customer")) from None
