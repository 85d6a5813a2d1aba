"""The complaint pages: my queue, the list, one complaint and the actions on it.

Thin: parse a form, call one service or selector, render or redirect. Which actions a user is
offered is decided in one place, `ACTIONS`, from the permission predicates and the status
machine; the services check the same again when the action is posted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tousu.accounts import permissions
from tousu.accounts.models import Department, User
from tousu.accounts.views import staff
from tousu.callbacks.selectors import complaint_callbacks, pending_callback
from tousu.callbacks.services import complaint_callback_record
from tousu.classification.models import Category
from tousu.classification.selectors import triage_queue
from tousu.complaints import rules, selectors, services
from tousu.complaints.choices import LEVEL_RANK, Level, Status
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.errors import DomainError, InvalidTransition, NotAllowed, NotFound
from tousu.core.forms import apply_domain_error
from tousu.core.templatetags.tousu_ui import local_name
from tousu.core.web import PAGE_SIZE, page_of
from tousu.desk import export
from tousu.desk.forms import (
    AcceptForm,
    ActionForm,
    ApproveForm,
    CallbackForm,
    CategoriseForm,
    CloseForm,
    ComplaintFilterForm,
    DispatchForm,
    EscalateForm,
    EvidenceForm,
    NoteForm,
    PauseForm,
    ReopenForm,
    ResolveForm,
    ResumeForm,
    ReturnForm,
    StepForm,
    TeamForm,
    TriageForm,
)
from tousu.desk.selectors import similar_complaints
from tousu.desk.templatetags.complaint_tags import INVESTIGATION_LABELS
from tousu.knowledge.selectors import reply_wording_check, suggestion_panel
from tousu.knowledge.services import case_create
from tousu.resolution import services as resolution
from tousu.resolution.choices import HandlingStep
from tousu.resolution.rules import EVIDENCE_MAX_BYTES, EVIDENCE_TYPES
from tousu.resolution.selectors import (
    authority_limit,
    complaint_handling,
    consistency_flags,
    evidence_get,
    pending_approval,
)
from tousu.routing.selectors import expert_team
from tousu.routing.services import (
    TEAM_LEVELS,
    complaint_categorise,
    complaint_dispatch,
    complaint_return,
    expert_team_form,
)
from tousu.sla.services import (
    complaint_escalate,
    complaint_pause,
    complaint_reopen,
    complaint_resume,
)


def complaint_or_404(user: User, number: str) -> Complaint:
    try:
        return selectors.get_complaint_for_user(user, number)
    except NotFound:
        raise Http404(number) from None


# ---- lists ------------------------------------------------------------------------------------


def queue(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    return render(
        request,
        "complaints/queue.html",
        {
            "page": page_of(request, selectors.my_queue(user)),
            "counts": selectors.my_queue_counts(user),
        },
    )


def watch(request: HttpRequest) -> HttpResponse:
    """The watch list of high-risk open complaints (R2.4), for supervisors and above."""
    user = staff(request)
    if not permissions.can_watch(user):
        raise PermissionDenied
    return render(
        request, "complaints/watch.html", {"page": page_of(request, selectors.watch_list(user))}
    )


def complaint_list(request: HttpRequest) -> HttpResponse:
    form = ComplaintFilterForm(request.GET)
    form.is_valid()  # invalid fields show their error; the valid ones still filter
    user = staff(request)
    filters = form.filters()
    qs = selectors.complaint_list(user, filters)
    context: dict[str, Any] = {
        "form": form,
        "can_export": permissions.can_export(user),
        "can_reveal": permissions.can_view_pii(user),
    }
    if filters.q:
        # Search results come in order of relevance: few pages, numbered.
        page = page_of(request, selectors.complaint_search(user, filters) or qs)
        context.update(page=page, rows=page.object_list, count=page.paginator.count)
        return render(request, "complaints/list.html", context)
    after, before = request.GET.get("after", ""), request.GET.get("before", "")
    try:
        keyset = selectors.complaint_keyset_page(qs, after=after, before=before, size=PAGE_SIZE)
    except ValueError:
        messages.error(request, _("That page link is not valid; here is the first page."))
        keyset = selectors.complaint_keyset_page(qs, size=PAGE_SIZE)
    context.update(keyset=keyset, rows=keyset.rows)
    return render(request, "complaints/list.html", context)


def complaint_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered list as a file (issue 6): CSV streamed row by row, or Excel. Personal data
    is masked unless the user may see it and asked for it (`reveal=1`); every export is logged
    before the first row leaves."""
    user = staff(request)
    if not permissions.can_export(user):
        raise PermissionDenied
    fmt = request.GET.get("format", "csv")
    form = ComplaintFilterForm(request.GET)
    if fmt not in export.FORMATS:
        return _bad_export(_("Unknown export format: choose csv or xlsx."))
    if not form.is_valid():
        problems = "; ".join(
            f"{form[name].label}: {' '.join(map(str, e))}" for name, e in form.errors.items()
        )
        return _bad_export(_("The filters are not valid: %(problems)s") % {"problems": problems})
    qs = selectors.complaint_list(user, form.filters())
    count = qs.count()
    if fmt == "xlsx" and count > export.XLSX_MAX_ROWS:
        return _bad_export(
            _("%(count)s rows do not fit in one Excel sheet; export them as CSV.")
            % {"count": count}
        )
    reveal = request.GET.get("reveal") == "1"
    try:
        services.list_export_record(
            user=user,
            format=fmt,
            filters={k: v for k, v in request.GET.items() if v and k not in ("format", "page")},
            rows=count,
            revealed=reveal,
        )
    except DomainError as exc:
        raise PermissionDenied(exc.message) from exc
    filename = f"complaints-{clock.local(clock.now()):%Y%m%d-%H%M}.{fmt}"
    cells = export.rows(qs, reveal=reveal)
    if fmt == "csv":
        response = StreamingHttpResponse(
            export.csv_lines(cells), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return FileResponse(
        export.xlsx_file(cells),
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _bad_export(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


# ---- triage ---------------------------------------------------------------------------------


def triage(request: HttpRequest) -> HttpResponse:
    """The triage queue: open complaints the model was not sure enough to classify (D7)."""
    user = staff(request)
    if not permissions.can_triage(user):
        raise PermissionDenied
    queue = triage_queue(user)
    if request.method == "POST":
        form = TriageForm(request.POST)
        if form.is_valid():
            complaint = queue.filter(number=form.cleaned_data["number"]).first()
            if complaint is None:
                raise Http404(form.cleaned_data["number"])
            try:
                done: Complaint = complaint_categorise(
                    complaint=complaint, actor=user, category=form.cleaned_data["category"]
                )
            except DomainError as e:
                messages.error(request, str(e))
            else:
                messages.success(
                    request,
                    _("%(number)s classified as %(category)s.")
                    % {"number": done.number, "category": form.cleaned_data["category"]},
                )
            return redirect("desk:triage")
        messages.error(request, _("Choose a category."))
        return redirect("desk:triage")
    page = Paginator(queue, 50).get_page(request.GET.get("page"))
    return render(request, "classification/triage.html", {"page": page, "form": TriageForm()})


# ---- actions ----------------------------------------------------------------------------------

Run = Callable[[Complaint, User, Any], str]  # calls the service; returns the success message


def _dispatch(c: Complaint, u: User, f: DispatchForm) -> str:
    data = f.cleaned_data
    complaint_dispatch(
        complaint=c,
        actor=u,
        department=data["department"],
        handler=data["handler"],
        reason=data["reason"],
    )
    return _("Dispatched to %(department)s.") % {"department": local_name(data["department"])}


def _return(c: Complaint, u: User, f: ReturnForm) -> str:
    done = complaint_return(complaint=c, actor=u, reason=f.cleaned_data["reason"])
    return _("Returned to %(department)s.") % {"department": local_name(done.department)}


def _categorise(c: Complaint, u: User, f: CategoriseForm) -> str:
    category = f.cleaned_data["category"]
    complaint_categorise(complaint=c, actor=u, category=category)
    return _("Category set to %(category)s.") % {"category": category.path_name}


def _team(c: Complaint, u: User, f: TeamForm) -> str:
    expert_team_form(
        complaint=c, actor=u, lead=f.cleaned_data["lead"], members=f.cleaned_data["members"]
    )
    return _("Expert team formed; its members are notified.")


def _accept(c: Complaint, u: User, f: AcceptForm) -> str:
    services.complaint_accept(complaint=c, actor=u)
    return _("Accepted. The first response is recorded.")


def _note(c: Complaint, u: User, f: NoteForm) -> str:
    services.complaint_note_add(complaint=c, actor=u, text=f.cleaned_data["text"])
    return _("Note added.")


def _escalate(c: Complaint, u: User, f: EscalateForm) -> str:
    complaint_escalate(
        complaint=c, actor=u, level=f.cleaned_data["level"], reason=f.cleaned_data["reason"]
    )
    return _("Escalated.")


def _resolve(c: Complaint, u: User, f: ResolveForm) -> str:
    data = f.cleaned_data
    reply_wording_check(data["reply"])
    done = resolution.complaint_resolve(
        complaint=c,
        actor=u,
        finding=data["finding"],
        cause=data["cause"],
        responsible_department=data["responsible_department"],
        remedies=f.remedies(),
        reply=data["reply"],
        disputed_amount=data.get("disputed_amount"),
        outage_days=data.get("outage_days"),
    )
    if done.status == Status.AWAITING_APPROVAL:
        return _("Outcome recorded. The remedies exceed your authority and wait for approval.")
    return _("Outcome recorded. The complaint is resolved.")


def _approve(c: Complaint, u: User, f: ApproveForm) -> str:
    approved = f.cleaned_data["approved"]
    resolution.complaint_approve(
        complaint=c, actor=u, approved=approved, note=f.cleaned_data["note"]
    )
    return _("Approved.") if approved else _("Rejected; the complaint is back with the handler.")


def _close(c: Complaint, u: User, f: CloseForm) -> str:
    resolution.complaint_close(
        complaint=c, actor=u, customer_accepted=f.cleaned_data["customer_accepted"]
    )
    return _("Closed. A callback is scheduled.")


def _reopen(c: Complaint, u: User, f: ReopenForm) -> str:
    complaint_reopen(complaint=c, actor=u, reason=f.cleaned_data["reason"])
    return _("Reopened.")


def _pause(c: Complaint, u: User, f: PauseForm) -> str:
    complaint_pause(complaint=c, actor=u, reason=f.cleaned_data["reason"])
    return _("Paused. The time limit stands still until you resume.")


def _resume(c: Complaint, u: User, f: ResumeForm) -> str:
    complaint_resume(complaint=c, actor=u)
    return _("Resumed. The due time moved by the time paused.")


def _callback(c: Complaint, u: User, f: CallbackForm) -> str:
    complaint_callback_record(
        complaint=c,
        actor=u,
        result=f.cleaned_data["result"],
        scores=f.scores(),
        comment=f.cleaned_data["comment"],
        dissatisfied_action=f.cleaned_data["action"],
    )
    return _("Callback recorded.")


def _step(c: Complaint, u: User, f: StepForm) -> str:
    resolution.handling_step_record(
        complaint=c,
        actor=u,
        step=f.cleaned_data["step"],
        text=f.cleaned_data["text"],
        answers=f.answers(),
    )
    return _("Step recorded: %(step)s.") % {"step": HandlingStep(f.cleaned_data["step"]).label}


def _evidence(c: Complaint, u: User, f: EvidenceForm) -> str:
    upload = f.cleaned_data["file"]
    resolution.evidence_add(
        complaint=c,
        actor=u,
        name=upload.name,
        content=upload.read(),
        description=f.cleaned_data["description"],
        kind=f.cleaned_data["kind"],
    )
    return _("Evidence uploaded.")


def _may_approve(user: User, complaint: Complaint) -> bool:
    waiting = pending_approval(complaint)
    return (
        waiting is not None
        and waiting.requested_by_id != user.pk
        and permissions.can_approve(user, complaint, waiting.amount, authority_limit(user.role))
    )


def _may_add_evidence(user: User, complaint: Complaint) -> bool:
    return permissions.can_handle(user, complaint) or permissions.can_note(user, complaint)


def _evidence_open(complaint: Complaint) -> bool:
    return complaint.is_open or complaint.status == Status.RESOLVED


def _callback_due(complaint: Complaint) -> bool:
    return pending_callback(complaint) is not None


def _returnable(complaint: Complaint) -> bool:
    return complaint.status != Status.REGISTERED


def _team_possible(complaint: Complaint) -> bool:
    return complaint.is_open and complaint.level in TEAM_LEVELS


def _below_top_level(complaint: Complaint) -> bool:
    return LEVEL_RANK[Level(complaint.level)] < max(LEVEL_RANK.values())


def _running(complaint: Complaint) -> bool:
    return complaint.paused_at is None


def _paused(complaint: Complaint) -> bool:
    return complaint.paused_at is not None


@dataclass(frozen=True)
class Action:
    """An action of the complaint page: its form, who may do it, in which statuses (the
    transition table's action), what else must hold, and the service call."""

    form: type[ActionForm]
    may: Callable[[User, Complaint], bool]
    rule: str | None
    run: Run
    ready: Callable[[Complaint], bool] | None = None


ACTIONS: dict[str, Action] = {
    "accept": Action(AcceptForm, permissions.can_accept, "accept", _accept),
    "dispatch": Action(DispatchForm, permissions.can_dispatch, "dispatch", _dispatch),
    "return": Action(ReturnForm, permissions.can_return, "dispatch", _return, _returnable),
    "step": Action(StepForm, permissions.can_handle, "handle", _step),
    "evidence": Action(EvidenceForm, _may_add_evidence, None, _evidence, _evidence_open),
    "resolve": Action(ResolveForm, permissions.can_handle, "resolve", _resolve),
    "approve": Action(ApproveForm, _may_approve, "approve", _approve),
    "close": Action(CloseForm, permissions.can_handle, "close", _close),
    "callback": Action(
        CallbackForm, permissions.can_callback, "callback", _callback, _callback_due
    ),
    "reopen": Action(ReopenForm, permissions.can_reopen, "reopen", _reopen),
    "escalate": Action(
        EscalateForm, permissions.can_escalate, "escalate", _escalate, _below_top_level
    ),
    "pause": Action(PauseForm, permissions.can_handle, "pause", _pause, _running),
    "resume": Action(ResumeForm, permissions.can_handle, "resume", _resume, _paused),
    "note": Action(NoteForm, permissions.can_note, None, _note),
    "team": Action(TeamForm, permissions.can_form_team, None, _team, _team_possible),
    "categorise": Action(CategoriseForm, permissions.can_categorise, None, _categorise),
}


def refusal(user: User, complaint: Complaint, name: str) -> DomainError | None:
    """Why `user` may not do action `name` now (403 for who, 409 for when), or None."""
    action = ACTIONS[name]
    if not action.may(user, complaint):
        return NotAllowed(_("Your role or data scope does not allow this action."))
    if (action.rule and not rules.allowed(action.rule, complaint.status)) or (
        action.ready and not action.ready(complaint)
    ):
        return InvalidTransition(
            _("This action is not possible while the complaint is «%(status)s».")
            % {"status": complaint.get_status_display()}
        )
    return None


def available_actions(user: User, complaint: Complaint) -> list[str]:
    return [name for name in ACTIONS if refusal(user, complaint, name) is None]


def action_form(
    name: str,
    complaint: Complaint,
    data: Any = None,
    files: Any = None,
    *,
    key: str = "",
    initial: dict[str, Any] | None = None,
) -> ActionForm:
    # Every form of the page gets its own element ids (`key`); field names stay plain.
    return ACTIONS[name].form(
        data, files, complaint=complaint, auto_id=f"id_{key or name}_%s", initial=initial
    )


def step_key(step: str) -> str:
    return f"step_{step}" if step in HandlingStep.values else "step"


# ---- the complaint page ---------------------------------------------------------------------

# S1's handling steps in order (R5.1). Steps recorded through the guided form carry a hint;
# accept, responsibility and resolve are done by their own actions.
STEP_HINTS: dict[str, Any] = {
    "calm": gettext_lazy("Listen, let the customer finish, acknowledge the feeling."),
    "clarify": gettext_lazy(
        "Ask open questions first (what happened, when, what was promised), then closed "
        "questions to confirm the facts."
    ),
    "investigate": gettext_lazy("Check the facts and answer the four questions."),
    "solution": gettext_lazy(
        "Ask for the customer's own wish first, then propose within the standard."
    ),
    "thank": gettext_lazy("Thank the customer for telling us about the problem."),
}


@dataclass
class StepRow:
    key: str
    label: str
    done: bool
    record: dict[str, Any] | None = None  # what the handler wrote, for guided steps
    note: str = ""  # how an action-driven step was done
    form: StepForm | None = None
    hint: str = ""
    answers: list[tuple[str, str]] = field(default_factory=list)  # investigation questions


def handling_steps(
    complaint: Complaint, recorded: dict[str, dict[str, Any]], forms: dict[str, StepForm]
) -> list[StepRow]:
    def guided(step: HandlingStep) -> StepRow:
        record = recorded.get(step.value)
        answers = (record or {}).get("answers", {})
        return StepRow(
            step.value,
            str(step.label),
            record is not None,
            record=record,
            form=forms.get(step.value),
            hint=str(STEP_HINTS[step.value]),
            answers=[(str(INVESTIGATION_LABELS.get(k, k)), v) for k, v in answers.items() if v],
        )

    resolved = complaint.status in (Status.AWAITING_APPROVAL, Status.RESOLVED, Status.CLOSED)
    department = complaint.responsible_department
    return [
        StepRow("accept", _("Accept"), complaint.accepted_at is not None),
        guided(HandlingStep.CALM),
        guided(HandlingStep.CLARIFY),
        guided(HandlingStep.INVESTIGATE),
        guided(HandlingStep.SOLUTION),
        StepRow(
            "responsibility",
            _("Confirm responsibility"),
            department is not None,
            note=local_name(department) if department else _("Confirmed when resolving."),
        ),
        StepRow("resolve", _("Resolve"), resolved),
        guided(HandlingStep.THANK),
    ]


def reference_names() -> dict[str, dict[str, str]]:
    """Department and category names for the timeline, which stores codes."""
    return {
        "department": {d.code: local_name(d) for d in Department.objects.all()},
        "category": {c.code: c.path_name for c in Category.objects.select_related("parent")},
    }


def render_detail(
    request: HttpRequest,
    complaint: Complaint,
    failed: tuple[str, ActionForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The complaint page; `failed` is a posted form to show again with its errors."""
    user = staff(request)
    offered = available_actions(user, complaint)
    forms: dict[str, Any] = {n: action_form(n, complaint) for n in offered if n != "step"}
    handling = complaint_handling(complaint)
    step_forms: dict[str, StepForm] = {}
    if "step" in offered:
        for step in HandlingStep.values:
            record = handling.steps.get(step) or {}
            # A recorded step opens with what was written, to amend it.
            initial = {"step": step, "text": record.get("text", ""), **record.get("answers", {})}
            form = action_form("step", complaint, key=step_key(step), initial=initial)
            assert isinstance(form, StepForm)
            step_forms[step] = form
    if failed is not None and failed[0] in offered:
        name, form = failed
        if isinstance(form, StepForm):
            step_forms[form.data.get("step", "")] = form
        else:
            forms[name] = form
    context = {
        "complaint": complaint,
        "handling": handling,
        "steps": handling_steps(complaint, handling.steps, step_forms),
        "forms": forms,
        "failed": failed[0] if failed else "",
        "timeline": selectors.complaint_timeline(complaint),
        "callbacks": complaint_callbacks(complaint),
        "team": expert_team(complaint),
        "repeats": list(complaint.repeats.order_by("received_at", "pk")),
        "similar": similar_complaints(complaint, user),
        "suggestion": suggestion_panel(complaint, user),
        "consistency_flags": consistency_flags(complaint),
        "names": reference_names(),
        "customer": complaint.customer,
        "can_reveal": permissions.can_view_pii(user),
        "evidence_max_mb": EVIDENCE_MAX_BYTES // (1024 * 1024),
        "evidence_types": " ".join(sorted(EVIDENCE_TYPES)),
        # After a refused POST the address is the action's; switching language returns here.
        "next_url": reverse("desk:detail", args=[complaint.number]),
    }
    return render(request, "complaints/detail.html", context, status=status)


def complaint_detail(request: HttpRequest, number: str) -> HttpResponse:
    return render_detail(request, complaint_or_404(staff(request), number))


@require_POST
def complaint_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Every action of the complaint page: one POST, one service (ACTIONS)."""
    if action not in ACTIONS:
        raise Http404(action)
    user = staff(request)
    complaint = complaint_or_404(user, number)
    key = step_key(request.POST.get("step", "")) if action == "step" else action
    form = action_form(action, complaint, request.POST, request.FILES, key=key)
    try:
        if (refused := refusal(user, complaint, action)) is not None:
            raise refused
        if not form.is_valid():
            return _refuse(request, complaint, action, form, 422, _("Please correct the errors."))
        message = ACTIONS[action].run(complaint, user, form)
    except DomainError as exc:
        apply_domain_error(form, exc)
        return _refuse(request, complaint, action, form, exc.status, exc.message)
    messages.success(request, message)
    return redirect("desk:detail", number=complaint.number)


def _refuse(
    request: HttpRequest,
    complaint: Complaint,
    action: str,
    form: ActionForm,
    status: int,
    message: str,
) -> HttpResponse:
    """The page again, unchanged, with the posted form and why it was refused."""
    messages.error(request, message)
    return render_detail(request, complaint, failed=(action, form), status=status)


def evidence_download(request: HttpRequest, number: str, pk: int) -> FileResponse:
    """An attachment, streamed to whoever may see the complaint; never a public media URL."""
    complaint = complaint_or_404(staff(request), number)
    try:
        evidence = evidence_get(complaint, pk)
    except NotFound:
        raise Http404(str(pk)) from None
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )


@require_POST
def case_from_complaint(request: HttpRequest, number: str) -> HttpResponse:
    """The complaint page's one-click "make a case" button."""
    user = staff(request)
    complaint = complaint_or_404(user, number)
    try:
        case = case_create(complaint=complaint, actor=user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("desk:detail", number=complaint.number)
    messages.success(request, _("Case created as a draft; review and publish it."))
    return redirect("knowledge:case", pk=case.pk)
