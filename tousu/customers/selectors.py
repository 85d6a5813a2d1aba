from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.accounts.permissions import scope_q
from tousu.complaints.models import Complaint
from tousu.core.errors import NotFound
from tousu.customers.models import Customer


def customer_by_phone(phone: str) -> Customer | None:
    return Customer.objects.select_related("region").filter(phone=phone).first()


def customer_get(pk: int) -> Customer:
    try:
        return Customer.objects.select_related("region").get(pk=pk)
    except Customer.DoesNotExist:
        raise NotFound(_("No such customer")) from None


def customer_complaints(customer: Customer, user: User) -> QuerySet[Complaint]:
    """The customer's complaints across all channels that `user` may see, newest first."""
    return (
        Complaint.objects.filter(customer=customer)
        .filter(scope_q(user))
        .select_related("category", "department", "handler")
        .order_by("-received_at")
    )


def customer_get_for_user(pk: int, user: User) -> Customer:
    """The customer, when the user may see at least one of their complaints; NotFound
    otherwise, so that customer numbers cannot be walked to learn who complained."""
    customer = customer_get(pk)
    if not customer_complaints(customer, user).exists():
        raise NotFound(_("No such customer"))
    return customer


def customer_history(customer: Customer, user: User, limit: int | None = None) -> list[Complaint]:
    """The 360° view's complaints (R13.2), newest first, with their callbacks and remedies, in
    a fixed number of queries whatever the customer's history."""
    qs = (
        customer_complaints(customer, user)
        .select_related("category__parent")
        .prefetch_related("callbacks", "remedies")
    )
    return list(qs[:limit] if limit is not None else qs)
