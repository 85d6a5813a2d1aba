"""The complaint pages: my queue, the list, one complaint and the actions on it.

Thin: parse a form, call one service or selector, render or redirect. Which actions a user is
offered is decided in one place, `ACTIONS`, from the permission predicates and the status
machine; the services check the same again when the action is posted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tousu.accounts import permissions
from tousu.accounts.models import Department, User
from tousu.accounts.views import render_with_pii, staff
from tousu.callbacks.selectors import complaint_callbacks, pending_callback
from tousu.classification.models import Category
from tousu.classification.selectors import model_challenges, text_models, triage_queue
from tousu.complaints import search, selectors, services
from tousu.complaints.choices import Status
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.core import clock
from tousu.core.errors import DomainError, NotFound
from tousu.core.forms import apply_domain_error
from tousu.core.templatetags.tousu_ui import listed, local_name
from tousu.core.web import PAGE_SIZE, is_htmx, page_of
from tousu.desk import export
from tousu.desk.actions import ACTIONS, action_form, available_actions, refusal, step_key
from tousu.desk.actions.base import ActionForm
from tousu.desk.actions.resolution import StepForm
from tousu.desk.bulk import BULK_ACTIONS, bulk_apply
from tousu.desk.forms import BulkForm, ComplaintFilterForm, SavedViewForm, TriageForm
from tousu.desk.selectors import callback_script, similar_complaints
from tousu.desk.templatetags.complaint_tags import COMPLAINT_KEYS, INVESTIGATION_LABELS
from tousu.desk.work import WAITING_KINDS, WORK_DEPTH_MAX, WorkKind, work_queue
from tousu.early_warning.selectors import customer_risk
from tousu.knowledge.selectors import Panel, letter_facts, suggestion_panel
from tousu.messages.selectors import messages_for_page
from tousu.notifications.services import notifications_mark_read
from tousu.quality.selectors import complaint_inspections, unacknowledged_for
from tousu.repair.selectors import complaint_cases
from tousu.resolution.choices import HandlingStep, RemedyBasis
from tousu.resolution.rules import EVIDENCE_MAX_BYTES, EVIDENCE_TYPES
from tousu.resolution.selectors import (
    AuthorityView,
    authority_view,
    complaint_handling,
    consistency_flags,
    evidence_get,
    with_approval_due,
)
from tousu.routing.selectors import expert_team
from tousu.routing.services import (
    complaint_categorise,
)
from tousu.sla.selectors import complaint_clocks


def complaint_or_404(user: User, number: str) -> Complaint:
    try:
        return selectors.get_complaint_for_user(user, number)
    except NotFound:
        raise Http404(number) from None


# ---- lists ------------------------------------------------------------------------------------


# The subject of the access-log row of a list page that showed personal data in its rows'
# text (D10), as for the API's lists.
LIST_SUBJECT = "complaints:list"


def queue(request: HttpRequest) -> HttpResponse:
    """My queue (我的待办): my moves, most urgent first, or (`?waiting=1`) what waits on
    others. Polled by HTMX, it answers with the list alone."""
    user = staff(request)
    waiting = request.GET.get("waiting") == "1"
    number = _page_number(request.GET.get("page"))
    work = work_queue(user, page=number, size=PAGE_SIZE, waiting=waiting)
    pages = max(1, -(-work.count // PAGE_SIZE))
    context = {
        "work": work,
        "waiting": waiting,
        "page_number": number,
        "previous_page": number - 1 if number > 1 else None,
        "next_page": number + 1 if number < pages else None,
        "pages": pages,
        "my_moves": sum(n for k, n in work.counts.items() if k not in WAITING_KINDS),
        "waiting_count": sum(n for k, n in work.counts.items() if k in WAITING_KINDS),
        "kinds": [(WorkKind(k), work.counts[k]) for k in WorkKind.values if k in work.counts],
    }
    if is_htmx(request):
        template = "complaints/_work.html"
    else:
        template = "complaints/queue.html"
        # Controlled documents in force that the user has not yet read (issue 16): a banner.
        context["unread_documents"] = unacknowledged_for(user)
    return render_with_pii(request, template, context, subject=LIST_SUBJECT, count=len(work.items))


def _page_number(value: str | None) -> int:
    """A page number from the query string; anything else is the first page."""
    try:
        number = int(value or 1)
    except ValueError:
        return 1
    return min(max(number, 1), WORK_DEPTH_MAX // PAGE_SIZE)


def watch(request: HttpRequest) -> HttpResponse:
    """The watch list of high-risk open complaints (R2.4), for supervisors and above."""
    user = staff(request)
    if not permissions.can_watch(user):
        raise PermissionDenied
    page = page_of(request, with_approval_due(selectors.watch_list(user)))
    return render_with_pii(
        request,
        "complaints/watch.html",
        {"page": page},
        subject=LIST_SUBJECT,
        count=len(page.object_list),
    )


def complaint_list(request: HttpRequest) -> HttpResponse:
    form = ComplaintFilterForm(request.GET)
    form.is_valid()  # invalid fields show their error; the valid ones still filter
    user = staff(request)
    filters = form.filters()
    qs = with_approval_due(selectors.complaint_list(user, filters))
    context: dict[str, Any] = {
        "form": form,
        "can_export": permissions.can_export(user),
        "can_import": permissions.can_import(user),
        "can_reveal": permissions.can_view_pii(user),
        "saved_views": selectors.saved_views(user),
        "view_query": _view_query(request.GET),
        "save_view_form": SavedViewForm(),
    }
    if permissions.can_act_in_bulk(user):
        context["bulk_form"] = BulkForm(user=user)
    if filters.q:
        # Search results come in order of relevance: few pages, numbered, each row with where
        # the words matched (its content, demand or a note).
        # The page counts no further than the ranked window (issue 19): counting every match
        # of a common word reads them all; it says "more than N" instead.
        ranked = selectors.complaint_search(user, filters, exact_count=False)
        page = page_of(request, ranked or qs)
        rows = list(page.object_list)
        notes = search.note_texts([c.pk for c in rows])
        for row in rows:
            row.note_texts = notes[row.pk]
        context.update(
            page=page,
            rows=rows,
            count=page.paginator.count,
            count_more=ranked is not None and ranked.more,
            highlight=search.highlight_terms(filters.q) or filters.q.split(),
        )
        return render_with_pii(
            request,
            "complaints/list.html",
            context,
            subject=LIST_SUBJECT,
            count=len(rows),
        )
    after, before = request.GET.get("after", ""), request.GET.get("before", "")
    sort = form.order()
    read = selectors.list_page_rows  # the rows as the table shows them, not whole complaints
    try:
        keyset = selectors.complaint_keyset_page(
            qs, after=after, before=before, size=PAGE_SIZE, sort=sort, read=read
        )
    except ValueError:
        messages.error(request, _("That page link is not valid; here is the first page."))
        keyset = selectors.complaint_keyset_page(qs, size=PAGE_SIZE, sort=sort, read=read)
    context.update(keyset=keyset, rows=keyset.rows)
    return render_with_pii(
        request, "complaints/list.html", context, subject=LIST_SUBJECT, count=len(keyset.rows)
    )


def _view_query(params: QueryDict) -> str:
    """The list's filters in `params` as a query string, without page cursors or anything
    that is not a filter: what a saved view keeps."""
    kept = QueryDict(mutable=True)
    for name in ComplaintFilterForm.base_fields:
        values = [v for v in params.getlist(name) if v]
        if values:
            kept.setlist(name, values)
    return kept.urlencode()


@require_POST
def complaint_bulk(request: HttpRequest) -> HttpResponse:
    """A bulk action on the complaints ticked in the list; answers with what became of each."""
    user = staff(request)
    if not permissions.can_act_in_bulk(user):
        raise PermissionDenied
    form = BulkForm(request.POST, user=user)
    back = reverse("desk:list") + "?" + _view_query(QueryDict(request.POST.get("back", "")))
    if not form.is_valid():
        problems = "; ".join(" ".join(map(str, e)) for e in form.errors.values())
        messages.error(request, _("Nothing was done: %(problems)s") % {"problems": problems})
        return redirect(back)
    results = bulk_apply(user, form.cleaned_data["numbers"], form.request())
    context = {
        "results": results,
        "action": BULK_ACTIONS[form.cleaned_data["action"]],
        "done": sum(r.done for r in results),
        "back": back,
    }
    return render_with_pii(
        request, "complaints/bulk_result.html", context, subject=LIST_SUBJECT, count=0
    )


@require_POST
def saved_view_save(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    form = SavedViewForm(request.POST)
    query = _view_query(QueryDict(request.POST.get("query", "")))
    if form.is_valid():
        try:
            view = services.saved_view_save(user=user, name=form.cleaned_data["name"], query=query)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    else:
        messages.error(request, _("Name the view to save it."))
    return redirect(reverse("desk:list") + ("?" + query if query else ""))


@require_POST
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    try:
        services.saved_view_delete(user=user, pk=pk)
    except NotFound:
        raise Http404(str(pk)) from None
    messages.success(request, _("View deleted."))
    return redirect("desk:list")


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
    return render_with_pii(
        request,
        "classification/triage.html",
        {"page": page, "form": TriageForm()},
        subject=LIST_SUBJECT,
        count=len(page.object_list),
    )


def classifier(request: HttpRequest) -> HttpResponse:
    """The classifier: the stored models, the active one first, and the learning loop's runs
    with both scores (issue 18)."""
    user = staff(request)
    if not permissions.can_view_classifier(user):
        raise PermissionDenied
    return render(
        request,
        "classification/classifier.html",
        {"models": text_models(), "challenges": model_challenges()},
    )


# ---- actions ----------------------------------------------------------------------------------


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


# Event data naming people by username (routing, teams, escalation notices).
PEOPLE_KEYS = ("handler", "lead", "members", "notified")


def reference_names(
    events: Sequence[ComplaintEvent] = (), user: User | None = None
) -> dict[str, dict[str, str]]:
    """Department and category names for the timeline, which stores codes, the names of the
    people its events name by username, and the pages of the other complaints they name
    (`complaint_tags.COMPLAINT_KEYS`) that `user` may see: a query for each kind, not one
    per event."""
    usernames: set[str] = set()
    numbers: set[str] = set()
    for event in events:
        data = event.data or {}
        for key in PEOPLE_KEYS:
            value = data.get(key) or []
            usernames.update(map(str, value if isinstance(value, list) else [value]))
        numbers.update(str(data[key]) for key in COMPLAINT_KEYS if data.get(key))
    people = User.objects.filter(username__in=sorted(usernames)) if usernames else []
    return {
        "department": {d.code: local_name(d) for d in Department.objects.all()},
        "category": {c.code: c.path_name for c in Category.objects.select_related("parent")},
        "user": {u.username: str(u) for u in people},
        "complaint": {
            n: reverse("desk:detail", args=[n])
            for n in (selectors.numbers_visible(user, numbers) if user else ())
        },
    }


# The action the page opens first, by what the complaint waits for: the next move of the
# handling path (issue 12: the first screen shows what to do now). The others stay folded.
PRIMARY_ACTIONS = ("accept", "resolve", "approve", "close", "resume", "callback", "dispatch")


def primary_action(offered: list[str]) -> str:
    return next((name for name in PRIMARY_ACTIONS if name in offered), "")


def situation_fields(panel: Panel | None, form: ActionForm | None) -> list[str]:
    """The facts the resolve form asks for: the amount in dispute and the days of outage only
    when the applicable clause computes a remedy from them or is chosen by them, or when they
    were recorded already (or posted: a refused form shows what was typed)."""
    clause_uses: set[str] = set()
    found = panel.suggestion if panel is not None else None
    if found is not None:
        clause = found.clause
        for remedy in found.remedies:
            if remedy.basis == RemedyBasis.DISPUTED_AMOUNT:
                clause_uses.add("disputed_amount")
            if remedy.basis == RemedyBasis.PER_DAY:
                clause_uses.add("outage_days")
        if clause.disputed_min is not None or clause.disputed_max is not None:
            clause_uses.add("disputed_amount")
        if clause.outage_days_min is not None or clause.outage_days_max is not None:
            clause_uses.add("outage_days")
    out = []
    for name in ("disputed_amount", "outage_days"):
        given = form is not None and (
            form[name].value() not in (None, "") or bool(form.errors.get(name))
        )
        if name in clause_uses or given:
            out.append(name)
    return out


def authority_data(authority: AuthorityView) -> dict[str, Any]:
    """The resolve form's authority, for the running total in app.js: the same figures
    `complaint_resolve` decides with (`resolution.rules.authority_excess`, `approval_chain`)."""

    def money(value: Decimal | None) -> str | None:
        return None if value is None else f"{value:.2f}"

    return {
        "limits": {
            kind: [money(limit.per_complaint), money(limit.per_month)]
            for kind, limit in authority.limits.items()
        },
        "month": {kind: money(amount) for kind, amount in authority.month_before.items()},
        "steps": [
            {"role": s.role, "label": s.label, "limit": money(s.limit), "names": s.names}
            for s in authority.steps
        ],
        "text": {
            "within": _("Within your authority (¥%(limit)s)."),
            "unlimited": _("Within your authority."),
            "over": _("Over your authority: it will go to %(names)s for approval."),
            "over_role": _("Over your authority: it will go to a %(role)s for approval."),
            "nobody": _(
                "Over your authority, and over every approver's limit: any manager of the "
                "department whose limit covers it may decide."
            ),
        },
    }


def authority_note(authority: AuthorityView, form: ActionForm) -> tuple[Decimal, bool, str]:
    """The running total of the resolve form as it stands, whether it is over the authority
    and what happens then, worked out on the server: the page without script and the first
    paint with it say the same as app.js says after each keystroke."""
    amounts: dict[str, Decimal] = {}
    for type_field, amount_field, _note in getattr(form, "remedy_rows", []):
        kind = type_field.value()
        try:
            amount = Decimal(str(amount_field.value() or 0))
        except (ArithmeticError, ValueError):
            continue
        if kind and amount.is_finite() and amount > 0:
            amounts[kind] = amounts.get(kind, Decimal(0)) + amount
    total = sum(amounts.values(), Decimal(0))
    if not authority.excess(amounts):
        limit = authority.total_limit
        if limit is None:
            return total, False, _("Within your authority.")
        return total, False, _("Within your authority (¥%(limit)s).") % {"limit": f"{limit:.2f}"}
    step = authority.approvers(total)
    if step is None:
        return total, True, str(authority_data(authority)["text"]["nobody"])
    if step.names:
        names = listed(step.names)
        return (
            total,
            True,
            _("Over your authority: it will go to %(names)s for approval.") % {"names": names},
        )
    return (
        total,
        True,
        _("Over your authority: it will go to a %(role)s for approval.") % {"role": step.label},
    )


def render_detail(
    request: HttpRequest,
    complaint: Complaint,
    failed: tuple[str, ActionForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The complaint page (the workspace, issue 12); `failed` is a posted form to show again
    with its errors. Asked by HTMX (an action posted in place), only the workspace."""
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
    panel = suggestion_panel(complaint, user)
    context: dict[str, Any] = {
        "complaint": complaint,
        "handling": handling,
        "steps": handling_steps(complaint, handling.steps, step_forms),
        "forms": forms,
        "primary": (primary := primary_action(list(forms))),
        "primary_form": forms.get(primary),
        "failed": failed[0] if failed else "",
        "timeline": (timeline := list(selectors.complaint_timeline(complaint))),
        "callbacks": complaint_callbacks(complaint),
        "customer_messages": messages_for_page(complaint),
        "repair_cases": complaint_cases(complaint.pk, user),
        "inspections": complaint_inspections(complaint.pk, user),
        "team": expert_team(complaint),
        "repeats": (later := selectors.later_links(complaint))[0],
        "duplicates": later[1],
        "similar": similar_complaints(complaint, user),
        "suggestion": panel,
        "consistency_flags": consistency_flags(complaint),
        "names": reference_names(timeline, user),
        "customer": complaint.customer,
        # Issue 17: a regulator referral's deadlines beside ours (no query for other channels).
        "authority_clocks": [
            c for c in complaint_clocks(complaint, clock.now()) if c.authority is not None
        ],
        # Issue 15: the customer's own risk of going above us, beside the complaint's.
        "customer_risk": customer_risk(complaint.customer),
        "can_reveal": permissions.can_view_pii(user),
        "evidence_max_mb": EVIDENCE_MAX_BYTES // (1024 * 1024),
        "evidence_types": " ".join(sorted(EVIDENCE_TYPES)),
        # After a refused POST the address is the action's; switching language returns here.
        "next_url": reverse("desk:detail", args=[complaint.number]),
        "partial": is_htmx(request),
    }
    fields = ""
    if "callback" in forms:
        script = callback_script(complaint, user)
        context.update(callback_task=pending_callback(complaint), callback_script=script)
        # The script names the customer to the one who may see it: a reveal (D10).
        fields = "name" if script.revealed else ""
    if "resolve" in forms:
        authority = authority_view(user, complaint)
        total, over, note = authority_note(authority, forms["resolve"])
        letter = letter_facts(complaint)
        context.update(
            situation=situation_fields(panel, forms["resolve"]),
            authority_total=total,
            authority_over=over,
            authority_note=note,
            # Read by app.js: the running total's limits and the reply templates' facts.
            resolve_data={"authority": authority_data(authority), "letter": letter},
        )
        # The letter carries the customer's real name to the one who may handle the
        # complaint (issue 12); the page shows it masked, so its delivery is a reveal (D10).
        fields = "name" if letter["customer"] else ""
    template = "complaints/_workspace.html" if context["partial"] else "complaints/detail.html"
    return render_with_pii(
        request,
        template,
        context,
        subject=complaint.number,
        fields=fields,
        status=status,
        names=[complaint.customer.name],
    )


def complaint_detail(request: HttpRequest, number: str) -> HttpResponse:
    user = staff(request)
    complaint = complaint_or_404(user, number)
    # Opening the complaint is reading what was said about it: its notices stop counting.
    notifications_mark_read(user=user, complaint=complaint)
    return render_detail(request, complaint)


@require_POST
def complaint_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Every action of the complaint page: one POST, one service (ACTIONS). Posted in place
    (HTMX), the answer is the workspace again, with the message or the form's errors; posted
    plainly, a redirect to the page (or the page with the errors)."""
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
    if is_htmx(request):
        try:
            fresh = selectors.get_complaint_for_user(user, complaint.number)
        except NotFound:
            # The action took the complaint out of the user's sight (a transfer): the list.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("desk:list")
            return response
        return render_detail(request, fresh)
    return redirect("desk:detail", number=complaint.number)


def _refuse(
    request: HttpRequest,
    complaint: Complaint,
    action: str,
    form: ActionForm,
    status: int,
    message: str,
) -> HttpResponse:
    """The page (or the workspace) again, unchanged, with the posted form and why it was
    refused."""
    messages.error(request, message)
    return render_detail(request, complaint, failed=(action, form), status=status)


def evidence_download(request: HttpRequest, number: str, pk: int) -> FileResponse:
    """An attachment, streamed to whoever may see the complaint; never a public media URL."""
    complaint = complaint_or_404(staff(request), number)
    try:
        evidence = evidence_get(complaint, pk)
    except NotFound:
        raise Http404(str(pk)) from None
    if not evidence.file:  # deleted at the end of the retention period
        raise Http404(str(pk))
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
