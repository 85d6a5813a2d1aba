"""The customer 360° page (R13.2) and the logged reveal of personal data (D10, R14.1)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.accounts.services import pii_access_log
from tousu.accounts.views import render_with_pii, staff
from tousu.complaints.selectors import customer_get_for_user, customer_history
from tousu.core.errors import DomainError, NotFound
from tousu.core.pii import mask_text
from tousu.core.web import is_htmx
from tousu.customers.forms import ContactForm, SpecialForm
from tousu.customers.models import Customer
from tousu.customers.services import customer_contact_set, customer_special_set
from tousu.early_warning.selectors import customer_risk
from tousu.repair.selectors import customer_cases

REVEALED_FIELDS = "phone,name,account,id_number,address,email"


def customer_or_404(pk: int, user: User) -> Customer:
    try:
        return customer_get_for_user(pk, user)
    except NotFound:
        raise Http404(str(pk)) from None


def detail(request: HttpRequest, pk: int, revealed: bool = False) -> HttpResponse:
    """The 360° page; `revealed` shows the customer's personal data unmasked (the reveal's
    page), logged with what the page's text revealed in one row."""
    user = staff(request)
    customer = customer_or_404(pk, user)
    context = {
        "customer": customer,
        "complaints": customer_history(customer, user),
        "repair_cases": customer_cases(customer.pk, user),
        # Issue 15: the chance they take the matter above us, from their whole history.
        "customer_risk": customer_risk(customer),
        "revealed": revealed,
        "can_reveal": permissions.can_view_pii(user),
        "special_form": SpecialForm(
            initial={"special_type": customer.special_type, "special_note": customer.special_note}
        )
        if permissions.can_edit_customer_profile(user)
        else None,
        "contact_form": contact_form(customer, revealed=revealed)
        if permissions.can_edit_customer_contact(user)
        else None,
        "email_shown": customer.email if revealed else mask_text(customer.email),
        "next_url": reverse("customers:detail", args=[customer.pk]),
    }
    return render_with_pii(
        request,
        "customers/detail.html",
        context,
        subject=f"customer:{customer.pk}",
        fields=REVEALED_FIELDS if revealed else "",
    )


@require_POST
def special(request: HttpRequest, pk: int) -> HttpResponse:
    """Set the customer's special type and note (R13.3)."""
    user = staff(request)
    customer = customer_or_404(pk, user)
    if not permissions.can_edit_customer_profile(user):
        raise PermissionDenied
    form = SpecialForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The special-customer profile was not saved: check the input."))
        return redirect("customers:detail", pk=customer.pk)
    try:
        customer_special_set(
            customer=customer,
            actor=user,
            special_type=form.cleaned_data["special_type"],
            note=form.cleaned_data["special_note"],
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Special-customer profile saved."))
    return redirect("customers:detail", pk=customer.pk)


def contact_form(customer: Customer, *, revealed: bool) -> ContactForm:
    form = ContactForm(
        initial={
            "preferred_channel": customer.preferred_channel,
            "email": customer.email if revealed else "",
            "email_shown": revealed,
            "contact_opt_out": customer.contact_opt_out,
        }
    )
    if not revealed and customer.email:
        form.fields["email"].widget.attrs["placeholder"] = mask_text(customer.email)
    return form


@require_POST
def contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Record how the customer wants to be told about their complaints (issue 17)."""
    user = staff(request)
    customer = customer_or_404(pk, user)
    if not permissions.can_edit_customer_contact(user):
        raise PermissionDenied
    form = ContactForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The contact preferences were not saved: check the input."))
        return redirect("customers:detail", pk=customer.pk)
    email = form.cleaned_data["email"]
    if not email and not form.cleaned_data["email_shown"]:
        email = customer.email  # the field was empty, the address masked: it is kept
    try:
        customer_contact_set(
            customer=customer,
            actor=user,
            preferred_channel=form.cleaned_data["preferred_channel"],
            email=email,
            opt_out=form.cleaned_data["contact_opt_out"],
        )
    except DomainError as error:
        # The page has no field to hang it on after the redirect: say which and why.
        details = [e for errors in (error.fields or {}).values() for e in errors]
        messages.error(request, " ".join(details) or str(error))
    else:
        messages.success(request, _("Contact preferences saved."))
    return redirect("customers:detail", pk=customer.pk)


@require_POST
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the customer's personal data unmasked to a role that may see it. The access is
    logged (who, whom, which fields); nothing else is written."""
    user = staff(request)
    customer = customer_or_404(pk, user)
    if not permissions.can_view_pii(user):
        raise PermissionDenied
    if not is_htmx(request):
        return detail(request, pk, revealed=True)  # logs the reveal with the page's text
    pii_access_log(user=user, subject=f"customer:{customer.pk}", fields=REVEALED_FIELDS, via="page")
    context = {"customer": customer, "revealed": True, "can_reveal": True}
    return render(request, "customers/_identity.html", context)
