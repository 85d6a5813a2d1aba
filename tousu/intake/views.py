"""Registration pages: the customer's own public pages (submit, status) that need no login
(R1.2, R1.3), and the import of a file of complaints from the web (issue 17)."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tousu.accounts import permissions
from tousu.accounts.views import staff
from tousu.callbacks.choices import CallbackStatus
from tousu.complaints.models import Complaint
from tousu.core.errors import DomainError, NotFound, RateLimited
from tousu.core.forms import apply_domain_error
from tousu.core.pii import mask_phone
from tousu.core.ratelimit import client_ip
from tousu.core.ratelimit import public_limit as rate_limit
from tousu.core.web import is_htmx, page_of
from tousu.intake import selectors as intake_selectors
from tousu.intake.forms import (
    PUBLIC_FIELDS,
    ImportForm,
    PageCodeForm,
    PageNoteForm,
    PageReopenForm,
    PublicStatusForm,
    PublicSubmitForm,
    SurveyForm,
)
from tousu.intake.imports import import_error_file, import_file_check, import_run_create
from tousu.intake.models import ImportRun
from tousu.intake.rules import PAGE_NOTE_MAX_FILES, PAGE_SESSION_TTL
from tousu.intake.selectors import customer_page, page_complaint, survey_task
from tousu.intake.selectors import public_status as public_status_of
from tousu.intake.services import (
    PageFile,
    complaint_register,
    page_accept,
    page_code_send,
    page_code_verify,
    page_note_add,
    page_reopen,
    survey_answer,
)
from tousu.messages.links import SurveyLinkExpired, SurveyLinkInvalid, survey_task_id
from tousu.resolution.rules import EVIDENCE_MAX_BYTES, EVIDENCE_TYPES


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


# ---- the customer's own page (issue 17) ----------------------------------------------------
# Opened with the number, the phone and a code sent by SMS; the proof is a signed cookie that
# names one complaint and expires soon (rules.PAGE_SESSION_TTL). A page for another number
# asks for a code again.

PAGE_COOKIE = "tousu_page"
PAGE_SALT = "tousu.customer-page"


def _page_session_set(response: HttpResponse, request: HttpRequest, complaint: Complaint) -> None:
    response.set_signed_cookie(
        PAGE_COOKIE,
        str(complaint.pk),
        salt=PAGE_SALT,
        max_age=int(PAGE_SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


def _page_complaint(request: HttpRequest, number: str) -> Complaint | None:
    """The complaint of this page session if it is complaint `number`; None otherwise."""
    value = request.get_signed_cookie(
        PAGE_COOKIE, default=None, salt=PAGE_SALT, max_age=PAGE_SESSION_TTL
    )
    if not value or not value.isdigit():
        return None
    complaint = page_complaint(int(value))
    if complaint is None or complaint.number != number.strip().upper():
        return None
    return complaint


def _page_refused(request: HttpRequest) -> HttpResponse:
    """Not signed in for this complaint (expired, or another complaint's number)."""
    context = {
        "form": PublicStatusForm(),
        "notice": _("Please confirm it is you: enter the number and your phone again."),
    }
    return render(request, "intake/page_login.html", context, status=403)


def page_login(request: HttpRequest) -> HttpResponse:
    """Open the customer's page: number and phone → a code by SMS → the code → the page."""
    if request.method != "POST":
        return render(request, "intake/page_login.html", {"form": PublicStatusForm()})
    if request.POST.get("step") == "verify":
        return _page_verify(request)
    form = PublicStatusForm(request.POST)
    if not form.is_valid():
        return render(request, "intake/page_login.html", {"form": form}, status=422)
    number, phone = form.cleaned_data["number"], form.cleaned_data["phone"]
    try:
        message = page_code_send(number=number, phone=phone, ip=client_ip(request))
    except DomainError as exc:
        form.add_error(None, public_message(exc))
        return render(request, "intake/page_login.html", {"form": form}, status=exc.status)
    code_form = PageCodeForm(initial={"number": number, "phone": phone})
    context = {"code_form": code_form, "sent_to": mask_phone(message.address)}
    return render(request, "intake/page_login.html", context)


def _page_verify(request: HttpRequest) -> HttpResponse:
    form = PageCodeForm(request.POST)
    context: dict[str, Any] = {"code_form": form}
    if not form.is_valid():
        return render(request, "intake/page_login.html", context, status=422)
    data = form.cleaned_data
    try:
        complaint = page_code_verify(
            number=data["number"], phone=data["phone"], code=data["code"], ip=client_ip(request)
        )
    except DomainError as exc:
        if "code" in exc.fields:
            form.add_error("code", exc.message)
        else:
            form.add_error(None, public_message(exc))
        return render(request, "intake/page_login.html", context, status=exc.status)
    response = redirect("intake:page", complaint.number)
    _page_session_set(response, request, complaint)
    return response


def page_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The customer's own page: progress, messages, and what they can do now."""
    complaint = _page_complaint(request, number)
    if complaint is None:
        return _page_refused(request)
    return _page_render(request, complaint)


def _page_render(
    request: HttpRequest,
    complaint: Complaint,
    *,
    note_form: PageNoteForm | None = None,
    reopen_form: PageReopenForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "page": customer_page(complaint),
        "note_form": note_form or PageNoteForm(initial={"key": uuid.uuid4().hex}),
        "reopen_form": reopen_form or PageReopenForm(),
        "max_mb": EVIDENCE_MAX_BYTES // (1024 * 1024),
        "max_files": PAGE_NOTE_MAX_FILES,
        "accept": ",".join(sorted(EVIDENCE_TYPES)),
    }
    return render(request, "intake/page.html", context, status=status)


def _page_files(request: HttpRequest) -> list[PageFile]:
    files = []
    for upload in request.FILES.getlist("files"):
        # A file over the limit is refused by its size: read no more of it than its head.
        size = upload.size or 0
        content = upload.read() if size <= EVIDENCE_MAX_BYTES else upload.read(2048)
        files.append(PageFile(name=upload.name or "file", content=content, size=size))
    return files


@require_POST
def page_note(request: HttpRequest, number: str) -> HttpResponse:
    complaint = _page_complaint(request, number)
    if complaint is None:
        return _page_refused(request)
    form = PageNoteForm(request.POST)
    if not form.is_valid():
        return _page_render(request, complaint, note_form=form, status=422)
    try:
        page_note_add(
            complaint=complaint,
            text=form.cleaned_data["text"],
            files=_page_files(request),
            key=form.cleaned_data["key"],
        )
    except DomainError as exc:
        _form_errors(form, exc, {"text": "text"})
        return _page_render(request, complaint, note_form=form, status=exc.status)
    messages.success(request, _("Thank you. We have passed it to the person handling it."))
    return redirect("intake:page", complaint.number)


@require_POST
def page_accept_view(request: HttpRequest, number: str) -> HttpResponse:
    complaint = _page_complaint(request, number)
    if complaint is None:
        return _page_refused(request)
    try:
        page_accept(complaint=complaint)
    except DomainError as exc:
        messages.error(request, public_message(exc))
    else:
        messages.success(request, _("Thank you for confirming. The complaint is closed."))
    return redirect("intake:page", complaint.number)


@require_POST
def page_reopen_view(request: HttpRequest, number: str) -> HttpResponse:
    complaint = _page_complaint(request, number)
    if complaint is None:
        return _page_refused(request)
    form = PageReopenForm(request.POST)
    if not form.is_valid():
        return _page_render(request, complaint, reopen_form=form, status=422)
    try:
        page_reopen(complaint=complaint, reason_text=form.cleaned_data["reason"])
    except DomainError as exc:
        _form_errors(form, exc, {"reason": "reason"})
        return _page_render(request, complaint, reopen_form=form, status=exc.status)
    messages.success(request, _("We have taken your complaint up again and will contact you."))
    return redirect("intake:page", complaint.number)


@require_POST
def page_logout(request: HttpRequest) -> HttpResponse:
    response = redirect("intake:page_login")
    response.delete_cookie(PAGE_COOKIE)
    return response


def _form_errors(form: forms.Form, exc: DomainError, names: dict[str, str]) -> None:
    """A service's refusal on the form: its field errors beside their fields, the rest on top."""
    placed = False
    for field, errors in exc.fields.items():
        if field in names:
            for error in errors:
                form.add_error(names[field], error)
            placed = True
        else:
            for error in errors:
                form.add_error(None, error)
            placed = True
    if not placed:
        form.add_error(None, public_message(exc))


def survey(request: HttpRequest, token: str) -> HttpResponse:
    """The callback survey the customer answers themselves, from the link sent to them: once,
    while the link is valid."""
    try:
        task = survey_task(survey_task_id(token))
    except SurveyLinkExpired:
        return _survey_closed(request, _("This survey link has expired. Thank you all the same."))
    except SurveyLinkInvalid:
        task = None
    if task is None:
        return _survey_closed(request, _("This survey link is not valid."), status=404)
    if task.status != CallbackStatus.PENDING:
        return _survey_closed(request, _("This survey has already been answered. Thank you."))
    form = SurveyForm(request.POST or None)
    status = 200
    if form.is_bound:
        status = 422
        if form.is_valid():
            try:
                survey_answer(
                    task=task,
                    scores=form.scores(),
                    overall=form.cleaned_data["overall"],
                    comment=form.cleaned_data["comment"],
                )
            except DomainError as exc:
                _form_errors(form, exc, {"comment": "comment", "overall": "overall"})
                status = exc.status
            else:
                return _survey_closed(
                    request, _("Thank you for your answer. It helps us do better."), status=200
                )
    context = {"form": form, "number": task.complaint.number}
    return render(request, "intake/survey.html", context, status=status)


def _survey_closed(request: HttpRequest, notice: str, *, status: int = 410) -> HttpResponse:
    return render(request, "intake/survey.html", {"notice": notice}, status=status)
