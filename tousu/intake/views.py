"""Registration pages: the agent's form with a live customer look-up, and the customer's own
public pages (submit, status) that need no login (R1.2, R1.3)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tousu.accounts import permissions
from tousu.accounts.views import staff
from tousu.complaints.models import Complaint
from tousu.complaints.selectors import customer_history
from tousu.core.errors import DomainError, NotFound, RateLimited
from tousu.core.forms import apply_domain_error
from tousu.core.ratelimit import public_limit as rate_limit
from tousu.core.templatetags.tousu_ui import local_name
from tousu.core.text import normalise_phone
from tousu.customers.selectors import customer_by_phone
from tousu.intake.forms import (
    PUBLIC_FIELDS,
    REGISTRATION_FIELDS,
    PublicStatusForm,
    PublicSubmitForm,
    RegisterForm,
)
from tousu.intake.selectors import public_status as public_status_of
from tousu.intake.services import complaint_register

LOOKUP_HISTORY = 10  # earlier complaints shown while registering


def public_message(exc: DomainError) -> str:
    """What the customer reads, in their language, when the public pages refuse."""
    if isinstance(exc, RateLimited):
        return _("Too many requests from your network. Please try again in an hour.")
    if isinstance(exc, NotFound):
        return _("No complaint matches this number and phone number. Please check both.")
    return exc.message


def register(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    if not permissions.can_register(user):
        raise PermissionDenied
    form = RegisterForm(request.POST or None)
    status = 200
    if form.is_bound:
        status = 422
        if form.is_valid():
            try:
                complaint = complaint_register(registration=form.registration(), actor=user)
            except DomainError as exc:
                apply_domain_error(form, exc, REGISTRATION_FIELDS)
                messages.error(request, exc.message)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("Complaint %(number)s registered and dispatched to %(department)s.")
                    % {"number": complaint.number, "department": local_name(complaint.department)},
                )
                return redirect("desk:detail", number=complaint.number)
    return render(request, "intake/register.html", {"form": form}, status=status)


def customer_lookup(request: HttpRequest) -> HttpResponse:
    """The fragment under the phone field: who is calling and what they complained about
    before, within the agent's scope (R2.5); personal data masked."""
    user = staff(request)
    if not permissions.can_register(user):
        raise PermissionDenied
    phone = normalise_phone(request.GET.get("customer_phone", ""))
    customer = customer_by_phone(phone) if phone else None
    history = customer_history(customer, user, LOOKUP_HISTORY) if customer else []
    context = {"phone": phone, "customer": customer, "history": history}
    return render(request, "intake/_customer_lookup.html", context)


RECEIPT_SESSION_KEY = "public_receipt_number"


def public_submit(request: HttpRequest) -> HttpResponse:
    """The customer's own submission; answers with the receipt (受理回执)."""
    form = PublicSubmitForm(request.POST or None)
    status = 200
    if form.is_bound:
        try:
            rate_limit(request, "public-submit")
            if not form.is_valid():
                return render(request, "intake/public_submit.html", {"form": form}, status=422)
            complaint = complaint_register(
                registration=form.registration(), actor=None, actor_name="customer"
            )
        except RateLimited as exc:
            form.add_error(None, public_message(exc))
            status = exc.status
        except DomainError as exc:
            apply_domain_error(form, exc, PUBLIC_FIELDS)
            status = exc.status
        else:
            # Post/redirect/get: refreshing the receipt must not file the complaint again.
            request.session[RECEIPT_SESSION_KEY] = complaint.number
            return redirect("intake:public_receipt")
    return render(request, "intake/public_submit.html", {"form": form}, status=status)


def public_receipt(request: HttpRequest) -> HttpResponse:
    """The receipt (受理回执) of the complaint this browser just submitted — only that one, so
    the page cannot be used to look at other people's complaints."""
    number = request.session.get(RECEIPT_SESSION_KEY)
    complaint = Complaint.objects.filter(number=number).first() if number else None
    if complaint is None:
        return redirect("intake:public_submit")
    return render(request, "intake/public_receipt.html", {"complaint": complaint})


def public_status(request: HttpRequest) -> HttpResponse:
    """Status by number and phone. Posted, so the phone never lands in a URL or a log."""
    form = PublicStatusForm(request.POST or None)
    result, status = None, 200
    if form.is_bound:
        try:
            rate_limit(request, "public-lookup")
            if form.is_valid():
                result = public_status_of(form.cleaned_data["number"], form.cleaned_data["phone"])
            else:
                status = 422
        except DomainError as exc:
            form.add_error(None, public_message(exc))
            status = exc.status
    return render(
        request, "intake/public_status.html", {"form": form, "result": result}, status=status
    )
