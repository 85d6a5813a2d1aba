"""Registration pages: the agent's form with a live customer look-up, and the customer's own
public pages (submit, status) that need no login (R1.2, R1.3)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tousu.complaints.models import Complaint
from tousu.core.errors import DomainError, NotFound, RateLimited
from tousu.core.forms import apply_domain_error
from tousu.core.ratelimit import public_limit as rate_limit
from tousu.intake.forms import (
    PUBLIC_FIELDS,
    PublicStatusForm,
    PublicSubmitForm,
)
from tousu.intake.selectors import public_status as public_status_of
from tousu.intake.services import complaint_register


def public_message(exc: DomainError) -> str:
    """What the customer reads, in their language, when the public pages refuse."""
    if isinstance(exc, RateLimited):
        return _("Too many requests from your network. Please try again in an hour.")
    if isinstance(exc, NotFound):
        return _("No complaint matches this number and phone number. Please check both.")
    return exc.message


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
