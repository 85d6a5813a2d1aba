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
from tousu.core.forms import apply_domain_error
from tousu.core.web import is_htmx, page_of
from tousu.repair import selectors, services
from tousu.repair.forms import ActionForm, AssignForm, CaseFilterForm, CloseForm
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
    # A supervisor's way to the cases of their department that nobody owns yet.
    unassigned_of = (
        user.department
        if user.department_id and user.role in permissions.REPAIR_ASSIGN_ROLES
        else None
    )
    return render(
        request,
        "repair/case_list.html",
        {"form": form, "page": page, "unassigned_of": unassigned_of},
    )


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
    assign_form: AssignForm | None = None,
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
            **_assign_context(user, case, assign_form),
        },
        status=status,
    )


def _assign_context(user: User, case: RepairCase, form: AssignForm | None) -> dict[str, object]:
    may_assign = case.active and permissions.can_assign_repair(user, case)
    may_take = case.active and not may_assign and permissions.can_take_repair(user, case)
    return {
        "may_assign": may_assign,
        "may_take": may_take,
        "assign_form": form or (AssignForm(case) if may_assign else None),
    }


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


@require_POST
def case_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign the case's owner (a supervisor), or take it (a handler). In place with HTMX: the
    owner card is sent back (the owner's line of the page with it); else the page."""
    user = _viewer(request)
    case = _case(user, pk)
    form = AssignForm(case, request.POST)
    if not form.is_valid():
        return _assigned(request, user, pk, form, 422)
    owner = form.cleaned_data["owner"]
    try:
        services.repair_case_assign(case=case, actor=user, owner=owner)
    except DomainError as exc:
        apply_domain_error(form, exc)
        return _assigned(request, user, pk, form, exc.status)
    messages.success(request, _("The case is assigned to %(owner)s.") % {"owner": owner})
    return _assigned(request, user, pk, None, 200)


def _assigned(
    request: HttpRequest, user: User, pk: int, form: AssignForm | None, status: int
) -> HttpResponse:
    """The answer to an assignment: done (`form` None) or refused with the form's errors."""
    case = _case(user, pk)
    if is_htmx(request):
        context = {"case": case, "partial": True, **_assign_context(user, case, form)}
        return render(request, "repair/_assign.html", context, status=status)
    if form is None:
        return redirect("repair:case", pk=case.pk)
    return _detail(request, user, case, assign_form=form, status=status)
