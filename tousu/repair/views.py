"""The repair pages: the list of cases, a case with its plan, contact log and close form.
Thin: parse, call one service, render. Personal data stays masked here; the customer's page
reveals it (logged)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.accounts.views import staff
from tousu.core.errors import DomainError, NotFound
from tousu.core.web import page_of
from tousu.repair import selectors, services
from tousu.repair.forms import ActionForm, CaseFilterForm, CloseForm
from tousu.repair.models import RepairCase


def _viewer(request: HttpRequest) -> User:
    user = staff(request)
    if not permissions.can_view_repair(user):
        raise PermissionDenied
    return user


def case_list(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    form = CaseFilterForm(request.GET)
    page = page_of(request, selectors.case_list(user, form.filters()))
    return render(request, "repair/case_list.html", {"form": form, "page": page})


def _case(user: User, pk: int) -> RepairCase:
    try:
        return selectors.get_case_for_user(user, pk)
    except NotFound:
        raise Http404(str(pk)) from None


def _detail(
    request: HttpRequest,
    user: User,
    case: RepairCase,
    *,
    action_form: ActionForm | None = None,
    close_form: CloseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    may_act = case.active and permissions.can_act_repair(user, case)
    return render(
        request,
        "repair/case_detail.html",
        {
            "case": case,
            "may_act": may_act,
            "action_form": action_form or ActionForm(),
            "close_form": close_form or CloseForm(),
        },
        status=status,
    )


def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request)
    return _detail(request, user, _case(user, pk))


@require_POST
def case_action(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request)
    case = _case(user, pk)
    form = ActionForm(request.POST)
    if form.is_valid():
        try:
            services.repair_action_record(case=case, actor=user, **form.cleaned_data)
        except DomainError as exc:
            for name, errors in exc.fields.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            messages.success(request, _("Recorded."))
            return redirect("repair:case", pk=case.pk)
    return _detail(request, user, _case(user, pk), action_form=form, status=422)


@require_POST
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request)
    case = _case(user, pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.repair_case_close(
                case=case,
                actor=user,
                satisfaction_after=form.cleaned_data["satisfaction_after"],
                outcome=form.cleaned_data["outcome"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The repair case is closed."))
            return redirect("repair:case", pk=case.pk)
    return _detail(request, user, _case(user, pk), close_form=form, status=422)
