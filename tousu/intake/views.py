"""Registration pages: the customer's own public pages (submit, status) that need no login
(R1.2, R1.3), and the import of a file of complaints from the web (issue 17)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from tousu.accounts import permissions
from tousu.accounts.views import staff
from tousu.complaints.models import Complaint
from tousu.core.errors import DomainError, NotFound, RateLimited
from tousu.core.forms import apply_domain_error
from tousu.core.ratelimit import public_limit as rate_limit
from tousu.core.web import is_htmx, page_of
from tousu.intake import selectors as intake_selectors
from tousu.intake.forms import (
    PUBLIC_FIELDS,
    ImportForm,
    PublicStatusForm,
    PublicSubmitForm,
)
from tousu.intake.imports import import_error_file, import_file_check, import_run_create
from tousu.intake.models import ImportRun
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
ROW_ERRORS_SHOWN = 50  # on the page; the error file has them all


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


# ---- import from the web (issue 17) ----------------------------------------------------------


def imports(request: HttpRequest) -> HttpResponse:
    """Upload a file of complaints (checked at once: type, size, rows, columns) and the list
    of this user's import runs."""
    user = staff(request)
    if not permissions.can_import(user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                checked = import_file_check(
                    name=upload.name,
                    data=upload.read(),
                    default_channel=form.cleaned_data["default_channel"],
                )
                run = import_run_create(actor=user, checked=checked)
            except DomainError as exc:
                apply_domain_error(form, exc)
                status = exc.status
            else:
                return redirect("intake:import_detail", pk=run.pk)
        else:
            status = 422
    page = page_of(request, intake_selectors.import_runs_for(user))
    context = {"form": form, "page": page}
    return render(request, "intake/imports.html", context, status=status)


def _run_or_404(request: HttpRequest, pk: int) -> ImportRun:
    try:
        return intake_selectors.import_run_get_for_user(staff(request), pk)
    except NotFound:
        raise Http404(str(pk)) from None


def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One run: its progress (the part HTMX polls until the run is finished), its counts and
    its rows with errors."""
    run = _run_or_404(request, pk)
    if is_htmx(request):
        return render(request, "intake/_import_progress.html", {"run": run})
    row_errors = run.row_errors.all()[:ROW_ERRORS_SHOWN] if run.finished else []
    context = {"run": run, "row_errors": row_errors, "shown": ROW_ERRORS_SHOWN}
    return render(request, "intake/import_detail.html", context)


def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's error file, in the format of the upload (CSV with a BOM, or Excel)."""
    run = _run_or_404(request, pk)
    name, content_type, body = import_error_file(run)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    return response
