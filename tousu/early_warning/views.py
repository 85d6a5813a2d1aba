"""The alerts page (R10.1): ongoing spikes first, then the period's, each with its terms, sample
complaints and a link to the slice's complaints in the alert's window."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.accounts.views import render_with_pii, staff
from tousu.complaints.selectors import numbers_visible
from tousu.core import clock
from tousu.core.errors import DomainError, NotFound
from tousu.core.web import page_of
from tousu.early_warning import forms as forms_
from tousu.early_warning import rules, selectors, services
from tousu.early_warning.choices import (
    CARE_RECORDABLE,
    IncidentActionKind,
    IncidentLevel,
    IncidentStatus,
)
from tousu.early_warning.forms import CareFilterForm, CareRecordForm, FaultFilterForm
from tousu.early_warning.models import (
    Alert,
    Fault,
    Incident,
    IncidentComplaint,
    IncidentProposal,
    Statement,
)
from tousu.early_warning.services import alert_acknowledge, care_item_record
from tousu.resolution.services import RemedyInput

PERIOD_DAYS = 30


def _viewer(request: HttpRequest) -> User:
    user = staff(request)
    if not permissions.can_view_dashboard(user):
        raise PermissionDenied
    return user


def _list_url(row: dict[str, Any], **extra: str) -> str:
    """The complaint list, filtered to the alert's slice and the days of its window."""
    alert: Alert = row["alert"]
    query = {
        **row["slice"],
        "received_from": clock.local(alert.window_start).date().isoformat(),
        "received_to": clock.local(alert.last_seen_at).date().isoformat(),
        **extra,
    }
    return f"{reverse('desk:list')}?{urlencode(query)}"


def examples_visible(user: User, rows: list[dict[str, Any]]) -> dict[str, set[str]]:
    """The alerts' sample complaints `user` may open (the others are named, not linked)."""
    return {"visible": numbers_visible(user, (n for row in rows for n in row["examples"]))}


def with_links(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        row["list_url"] = _list_url(row)
        row["term_links"] = [(t, _list_url(row, q=t)) for t in row["terms"]]
    return rows


@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    since = clock.now() - dt.timedelta(days=PERIOD_DAYS)
    ongoing = with_links(selectors.alert_rows(selectors.alerts().filter(ended_at__isnull=True)))
    ended = with_links(
        selectors.alert_rows(selectors.alerts(start=since).filter(ended_at__isnull=False)[:200])
    )
    context = {"ongoing": ongoing, "ended": ended, "days": PERIOD_DAYS}
    context |= examples_visible(user, ongoing + ended)
    return render(request, "early_warning/alerts.html", context)


@require_POST
def alert_ack(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request)
    alert = get_object_or_404(Alert, pk=pk)
    try:
        alert_acknowledge(alert=alert, actor=user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Alert acknowledged"))
    return redirect("early_warning:alerts")


# ---- known faults and their care lists (issue 15 item 3) -----------------------------------------
# The customers stay masked; a role that may see personal data shows the page's numbers to
# call with one logged reveal of the page (`fault_reveal`), as the customer page does.

CARE_REVEALED_FIELDS = "phone,name"


def _care_viewer(request: HttpRequest) -> User:
    user = staff(request)
    if not permissions.can_view_care(user):
        raise PermissionDenied
    return user


@require_GET
def care_list(request: HttpRequest) -> HttpResponse:
    user = _care_viewer(request)
    form = FaultFilterForm(request.GET)
    page = page_of(request, selectors.fault_list(user, form.filters()))
    return render(request, "early_warning/care_list.html", {"form": form, "page": page})


def _fault(pk: int) -> Fault:
    try:
        return selectors.get_fault(pk)
    except NotFound:
        raise Http404(str(pk)) from None


def _fault_page(
    request: HttpRequest,
    user: User,
    fault: Fault,
    *,
    revealed: bool = False,
    failed: tuple[int, CareRecordForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    filters = CareFilterForm(request.GET)
    page = page_of(request, selectors.care_items(user, fault, filters.status_value()))
    items = list(page.object_list)
    # A care list reaches customers of other departments' complaints: the 360° page is
    # linked only for those the user may open.
    seen = selectors.customers_seen(user, {item.customer_id for item in items})
    rows = [
        {
            "item": item,
            "linked": item.customer_id in seen,
            "may_record": item.status in CARE_RECORDABLE and permissions.can_act_care(user, item),
            "form": failed[1] if failed and failed[0] == item.pk else CareRecordForm(),
        }
        for item in items
    ]
    context = {
        "fault": fault,
        "page": page,
        "rows": rows,
        "filters": filters,
        "revealed": revealed,
        "can_reveal": permissions.can_view_pii(user) and bool(rows),
        "next_url": reverse("early_warning:fault", args=[fault.pk]),
    }
    return render_with_pii(
        request,
        "early_warning/fault_detail.html",
        context,
        subject=f"fault:{fault.pk}",
        fields=CARE_REVEALED_FIELDS if revealed else "",
        count=len(rows) if revealed else 1,
        status=status,
    )


@require_GET
def fault_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _care_viewer(request)
    return _fault_page(request, user, _fault(pk))


@require_POST
def fault_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The fault's care list with the customers' numbers and names, to call them: for roles
    that may see personal data, logged with the number of customers shown."""
    user = _care_viewer(request)
    if not permissions.can_view_pii(user):
        raise PermissionDenied
    return _fault_page(request, user, _fault(pk), revealed=True)


@require_POST
def care_record(request: HttpRequest, pk: int) -> HttpResponse:
    user = _care_viewer(request)
    try:
        item = selectors.get_care_item_for_user(user, pk)
    except NotFound:
        raise Http404(str(pk)) from None
    form = CareRecordForm(request.POST)
    if form.is_valid():
        try:
            care_item_record(item=item, actor=user, **form.cleaned_data)
        except DomainError as exc:
            for name, errors in exc.fields.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            messages.success(request, _("Recorded."))
            url = reverse("early_warning:fault", args=[item.fault_id])
            return redirect(f"{url}#care-{item.pk}")
    return _fault_page(request, user, item.fault, failed=(item.pk, form), status=422)


# ---- incidents (R10.4) ---------------------------------------------------------------------------


def _incident_viewer(request: HttpRequest) -> User:
    user = staff(request)
    if not (permissions.can_view_incidents(user) or permissions.can_open_incident(user)):
        raise PermissionDenied
    return user


def _incident(pk: int) -> Incident:
    try:
        return selectors.incident_get(pk)
    except NotFound:
        raise Http404(str(pk)) from None


def _form_errors(form: forms.Form, exc: DomainError) -> None:
    """A refusal of the service shown on the form: on its fields where it names them."""
    for name, errors in exc.fields.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
    if not exc.fields:
        form.add_error(None, exc.message)


@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    user = _incident_viewer(request)
    status = request.GET.get("status", "")
    if status not in IncidentStatus.values:
        status = ""
    rows = list(selectors.incidents(status=status)[:200])
    return render(
        request,
        "early_warning/incidents.html",
        {
            "incidents": rows,
            "status": status,
            "statuses": IncidentStatus.choices,
            "may_open": permissions.can_open_incident(user),
        },
    )


def incident_new(request: HttpRequest) -> HttpResponse:
    """Open an incident by hand, or from an alert (`?alert=`): pre-filled with its slice's
    name, its terms, and the complaints it would take in."""
    user = staff(request)
    if not permissions.can_open_incident(user):
        raise PermissionDenied
    alert_id = request.POST.get("alert") or request.GET.get("alert") or ""
    alert = get_object_or_404(Alert, pk=alert_id) if alert_id.isdigit() else None
    if alert is None and alert_id:
        raise Http404(alert_id)
    existing = Incident.objects.filter(alert=alert).first() if alert is not None else None
    if existing is not None:  # an alert becomes one incident: go to it
        messages.info(request, _("This alert is already an incident."))
        return redirect("early_warning:incident", pk=existing.pk)
    initial: dict[str, Any] = {"owner": user.pk, "level": IncidentLevel.GENERAL}
    candidates: list[str] = []
    if alert is not None:
        label = selectors.alert_rows([alert])[0]["label"]
        terms = [t["term"] for t in alert.terms]
        initial.update(title=label, terms=" ".join(terms))
        candidates = selectors.alert_candidates(alert, terms)
    form = forms_.IncidentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if alert is not None:
                incident = services.incident_from_alert(
                    alert=alert, actor=user, title=data["title"], level=data["level"],
                    owner=data["owner"], terms=rules.incident_terms_clean(data["terms"]),
                )  # fmt: skip
                extra = forms_.numbers_of(data["numbers"])
                if extra:
                    services.incident_complaints_add(incident=incident, actor=user, numbers=extra)
            else:
                incident = services.incident_open(
                    actor=user, title=data["title"], level=data["level"], owner=data["owner"],
                    terms=rules.incident_terms_clean(data["terms"]),
                    numbers=forms_.numbers_of(data["numbers"]),
                )  # fmt: skip
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request, _("Incident %(number)s opened.") % {"number": incident.number}
            )
            return redirect("early_warning:incident", pk=incident.pk)
    return render(
        request,
        "early_warning/incident_new.html",
        {
            "form": form,
            "alert": alert,
            "candidates": candidates,
            "visible": numbers_visible(user, candidates),
        },
        status=422 if form.is_bound else 200,
    )


def _detail(
    request: HttpRequest, user: User, incident: Incident, status: int = 200, **bound: Any
) -> HttpResponse:
    view = selectors.incident_view(incident)
    may_act = incident.is_active and permissions.can_act_incident(user, incident)
    sent = {a.statement_id for a in view.actions if a.kind == IncidentActionKind.REPLY}
    context = {
        "iv": view,
        "incident": incident,
        "may_act": may_act,
        "approvable": [
            s
            for s in view.statements
            if not s.approved
            and incident.is_active
            and permissions.can_approve_statement(user, s)
            and (view.in_force is None or s.version > view.in_force.version)
        ],
        "reply_sent": view.in_force is not None and view.in_force.pk in sent,
        "numbers_form": bound.get("numbers_form") or forms_.NumbersForm(),
        "statement_form": bound.get("statement_form")
        or forms_.StatementForm(initial={"text": view.in_force.text if view.in_force else ""}),
        "media_form": bound.get("media_form") or forms_.MediaForm(),
        "resolve_form": bound.get("resolve_form")
        or forms_.ResolveForm(
            initial={"responsible_department": incident.department.code}
            if incident.department
            else None
        ),
        "review_form": bound.get("review_form") or forms_.ReviewForm(),
        "failed": bound.get("failed", ""),
        "visible": numbers_visible(
            user,
            [
                *(c.number for c in view.children),
                *(p.complaint.number for p in view.proposals),
                *(r.complaint.number for a in view.actions for r in a.skipped_results),  # type: ignore[attr-defined]
            ],
        ),
    }
    return render(request, "early_warning/incident.html", context, status=status)


@require_GET
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _incident_viewer(request)
    return _detail(request, user, _incident(pk))


def _post(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form],
    name: str,
    call: Any,
    done: str,
) -> HttpResponse:
    """Validate the posted form, call the service, and back to the page (with the form and its
    errors at 422 when refused)."""
    user = _incident_viewer(request)
    incident = _incident(pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(user, incident, form.cleaned_data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("early_warning:incident", pk=pk)
    return _detail(request, user, _incident(pk), 422, **{name: form, "failed": name})


@require_POST
def incident_complaints(request: HttpRequest, pk: int) -> HttpResponse:
    def call(user: User, incident: Incident, data: dict[str, Any]) -> None:
        services.incident_complaints_add(
            incident=incident, actor=user, numbers=forms_.numbers_of(data["numbers"])
        )

    return _post(request, pk, forms_.NumbersForm, "numbers_form", call, _("Complaints added."))


@require_POST
def incident_complaint_remove(request: HttpRequest, pk: int, number: str) -> HttpResponse:
    """Take a complaint that is not about this event out of the incident."""
    user = _incident_viewer(request)
    link = get_object_or_404(
        IncidentComplaint.objects.select_related("complaint"), incident=pk, complaint__number=number
    )
    try:
        services.incident_complaint_remove(
            incident=_incident(pk), actor=user, complaint=link.complaint
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(number)s removed from the incident.") % {"number": number})
    return redirect("early_warning:incident", pk=pk)


@require_POST
def incident_statement(request: HttpRequest, pk: int) -> HttpResponse:
    def call(user: User, incident: Incident, data: dict[str, Any]) -> None:
        services.statement_draft(incident=incident, actor=user, text=data["text"])

    done = _("Statement saved as a draft; it is sent once approved.")
    return _post(request, pk, forms_.StatementForm, "statement_form", call, done)


@require_POST
def incident_media(request: HttpRequest, pk: int) -> HttpResponse:
    def call(user: User, incident: Incident, data: dict[str, Any]) -> None:
        services.media_log_add(incident=incident, actor=user, **data)

    return _post(request, pk, forms_.MediaForm, "media_form", call, _("Media entry logged."))


@require_POST
def incident_close(request: HttpRequest, pk: int) -> HttpResponse:
    def call(user: User, incident: Incident, data: dict[str, Any]) -> None:
        services.incident_close(incident=incident, actor=user, **data)

    return _post(request, pk, forms_.ReviewForm, "review_form", call, _("Incident closed."))


@require_POST
def incident_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    def call(user: User, incident: Incident, data: dict[str, Any]) -> None:
        remedies = (
            [RemedyInput(data["remedy_type"], data["amount"] or 0, data["note"])]
            if data["remedy_type"]
            else []
        )
        services.incident_action_start(
            incident=incident, actor=user, kind=IncidentActionKind.RESOLVE,
            finding=data["finding"], cause=data["cause"],
            responsible_department=data["responsible_department"], remedies=remedies,
        )  # fmt: skip

    done = _("Resolving the complaints in progress: the results are below.")
    return _post(request, pk, forms_.ResolveForm, "resolve_form", call, done)


@require_POST
def incident_action(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The actions without input: reply with the statement in force, close resolved children."""
    user = _incident_viewer(request)
    if kind not in (IncidentActionKind.REPLY, IncidentActionKind.CLOSE):
        raise Http404(kind)
    try:
        services.incident_action_start(incident=_incident(pk), actor=user, kind=kind)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Started: the results are below."))
    return redirect("early_warning:incident", pk=pk)


@require_POST
def statement_approve(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    user = _incident_viewer(request)
    statement = get_object_or_404(Statement, incident=pk, version=version)
    try:
        services.statement_approve(statement=statement, actor=user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Version %(n)s approved: it is in force.") % {"n": version})
    return redirect("early_warning:incident", pk=pk)


@require_POST
def proposal_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """Accept or dismiss a proposed child, from the incident page or the complaint page (back
    to where it was asked: `next`, one of this site's pages)."""
    user = staff(request)
    if decision not in ("accept", "dismiss"):
        raise Http404(decision)
    proposal = get_object_or_404(
        IncidentProposal.objects.select_related("incident", "complaint"), pk=pk
    )
    try:
        services.proposal_decide(proposal=proposal, actor=user, accept=decision == "accept")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Added to incident %(number)s.") % {"number": proposal.incident.number}
            if decision == "accept"
            else _("Proposal dismissed."),
        )
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("early_warning:incident", pk=proposal.incident_id)
