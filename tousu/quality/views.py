"""The quality pages. Thin: parse, call one service or selector, render. Personal data stays
masked here (the complaint's page reveals it to who may see it, logged).

The quality pages. Thin: parse, call one service or selector, render.

# Corrective action
The list, the opening form (prefilled from the cluster it comes from: a root-cause word, an
alert, a clause with flags), and a corrective action's page (actions, linked complaints, the
effectiveness check with its figures).

# Controlled documents
The register (the manual's parts, the standard clauses, the approved wording) and a document's
page (versions, what changed, acknowledge, who has not).
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tousu.accounts import permissions
from tousu.accounts.models import Region, User
from tousu.accounts.views import staff
from tousu.classification.models import Category
from tousu.complaints.models import Complaint
from tousu.complaints.selectors import complaint_timeline
from tousu.core import clock
from tousu.core.errors import DomainError, NotFound
from tousu.core.templatetags.tousu_ui import listed
from tousu.core.web import page_of
from tousu.quality import selectors, services
from tousu.quality.choices import AppealStatus, CapaSource, CapaStatus, InspectionStatus
from tousu.quality.forms import ActionForm, CapaForm
from tousu.quality.inspection_forms import (
    AppealForm,
    CalibrationForm,
    DecideForm,
    InspectionFilterForm,
    PeriodForm,
    ScoreForm,
)
from tousu.quality.models import (
    CalibrationRound,
    CapaAction,
    CorrectiveAction,
    DocumentVersion,
    Inspection,
)

# The latest events of the complaint shown beside the scoring form.
TIMELINE_SHOWN = 12


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _inspector(request: HttpRequest) -> User:
    user = staff(request)
    if not permissions.can_inspect(user):
        raise PermissionDenied
    return user


def inspection_list(request: HttpRequest) -> HttpResponse:
    """The inspector's list: by default their own open tasks first."""
    user = _inspector(request)
    data = request.GET if request.GET else {"mine": "on", "status": InspectionStatus.OPEN}
    form = InspectionFilterForm(data)
    page = page_of(request, selectors.inspection_list(user, form.filters()))
    return render(request, "quality/inspection_list.html", {"form": form, "page": page})


def _inspection(user: User, pk: int) -> Inspection:
    try:
        return selectors.get_inspection_for_user(user, pk)
    except NotFound:
        raise Http404(str(pk)) from None


def _detail(
    request: HttpRequest,
    user: User,
    inspection: Inspection,
    *,
    score_form: ScoreForm | None = None,
    appeal_form: AppealForm | None = None,
    decide_form: DecideForm | None = None,
    status: int = 200,
) -> HttpResponse:
    items = list(inspection.sheet.items.all())
    english = _english()
    appeal = selectors.appeal_of(inspection)
    may_score = inspection.status == InspectionStatus.OPEN and permissions.can_score_inspection(
        user, inspection
    )
    may_decide = (
        appeal is not None
        and appeal.status == AppealStatus.PENDING
        and permissions.can_decide_appeal(user, inspection)
    )
    scores = {s.item_id: s for s in inspection.scores.all()}
    current = {f"points_{i.code}": scores[i.pk].points for i in items if i.pk in scores}
    events = list(complaint_timeline(inspection.complaint))
    context: dict[str, Any] = {
        "inspection": inspection,
        "complaint": inspection.complaint,
        "appeal": appeal,
        "items": [(i, scores.get(i.pk)) for i in items],
        "english": english,
        "may_score": may_score,
        "may_appeal": selectors.may_appeal(user, inspection),
        "may_decide": may_decide,
        # Who the pending appeal waits on, for every reader (the one who scored may not decide).
        "deciders": (
            list(selectors.appeal_deciders(inspection))
            if appeal is not None and appeal.status == AppealStatus.PENDING and not may_decide
            else []
        ),
        "score_form": score_form or ScoreForm(items=items, english=english),
        "appeal_form": appeal_form or AppealForm(),
        "decide_form": decide_form or DecideForm(items=items, english=english, initial=current),
        "events": events[-TIMELINE_SHOWN:],
        "events_hidden": max(0, len(events) - TIMELINE_SHOWN),
        "remedies": list(inspection.complaint.remedies.all()),
        "flags": list(inspection.complaint.consistency_flags.all()),
    }
    return render(request, "quality/inspection_detail.html", context, status=status)


def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    return _detail(request, user, _inspection(user, pk))


def _refused(form: Any, exc: DomainError) -> None:
    """The service's refusal on the form: a field's error on its input, else on the form."""
    for name, errors in exc.fields.items():
        # "scores.timeliness" is the form's "points_timeliness".
        field = name.replace("scores.", "points_").replace("comments.", "note_")
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
    if not exc.fields:
        form.add_error(None, exc.message)


@require_POST
def inspection_score(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    inspection = _inspection(user, pk)
    form = ScoreForm(request.POST, items=list(inspection.sheet.items.all()), english=_english())
    if form.is_valid():
        try:
            services.inspection_score(
                inspection=inspection,
                actor=user,
                points=form.points(),
                comments=form.notes(),
                comment=form.cleaned_data["comment"],
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Scored."))
            return redirect("quality:inspection", pk=pk)
    return _detail(request, user, _inspection(user, pk), score_form=form, status=422)


@require_POST
def inspection_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    inspection = _inspection(user, pk)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            services.inspection_appeal(
                inspection=inspection, actor=user, reason_text=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Your appeal is sent to the quality team."))
            return redirect("quality:inspection", pk=pk)
    return _detail(request, user, _inspection(user, pk), appeal_form=form, status=422)


@require_POST
def appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    inspection = _inspection(user, pk)
    form = DecideForm(request.POST, items=list(inspection.sheet.items.all()), english=_english())
    if form.is_valid():
        upheld = form.cleaned_data["decision"] == "upheld"
        try:
            services.appeal_decide(
                inspection=inspection,
                actor=user,
                upheld=upheld,
                note=form.cleaned_data["note"],
                points=form.points() if upheld else None,
                comments=form.notes() if upheld else None,
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The appeal is decided."))
            return redirect("quality:inspection", pk=pk)
    return _detail(request, user, _inspection(user, pk), decide_form=form, status=422)


def my_scores(request: HttpRequest) -> HttpResponse:
    """The handler's scores, with the appeal deadline of each."""
    user = staff(request)
    page = page_of(request, selectors.my_scores(user))
    return render(request, "quality/my_scores.html", {"page": page, "now": clock.now()})


def quality_scores(request: HttpRequest) -> HttpResponse:
    """Quality scores per department and handler in a period."""
    user = staff(request)
    if not permissions.can_view_quality_scores(user):
        raise PermissionDenied
    today = clock.local_today()
    form = PeriodForm(request.GET or None, today=today)
    first, last = form.period()
    if not request.GET:  # the inputs show the default period
        form = PeriodForm(initial={"from": first, "to": last}, today=today)
    context = {
        "form": form,
        "first": first,
        "last": last,
        "overall": selectors.scores_overall(user, first, last),
        "departments": selectors.scores_by_department(user, first, last),
        "handlers": selectors.scores_by_handler(user, first, last),
    }
    return render(request, "quality/scores.html", context)


def calibration_list(request: HttpRequest) -> HttpResponse:
    user = _inspector(request)
    form = CalibrationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            numbers = form.numbers()
            found = {
                c.number: c
                for c in Complaint.objects.filter(permissions.scope_q(user), number__in=numbers)
            }
            missing = [n for n in numbers if n not in found]
            if missing:
                form.add_error("complaints", _("No such complaint: %s") % listed(missing))
            else:
                try:
                    round_ = services.calibration_create(
                        actor=user,
                        name=form.cleaned_data["name"],
                        complaints=[found[n] for n in numbers],
                        inspectors=list(form.cleaned_data["inspectors"]),
                    )
                except DomainError as exc:
                    _refused(form, exc)
                else:
                    messages.success(request, _("The calibration round is started."))
                    return redirect("quality:calibration", pk=round_.pk)
        status = 422
    rounds = selectors.calibration_rounds()
    return render(
        request,
        "quality/calibration_list.html",
        {"form": form, "page": page_of(request, rounds)},
        status=status,
    )


def calibration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _inspector(request)
    round_ = CalibrationRound.objects.select_related("sheet").filter(pk=pk).first()
    if round_ is None:
        raise Http404(str(pk))
    report = selectors.calibration_agreement(round_)
    return render(
        request, "quality/calibration_detail.html", {"report": report, "english": _english()}
    )


def _form_errors(form: Form, exc: DomainError) -> None:
    for name, errors in exc.fields.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
    if not exc.fields:
        form.add_error(None, exc.message)


def capa_list(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    status = request.GET.get("status", "")
    if status not in ("", "active", *CapaStatus.values):
        status = ""
    page = page_of(request, selectors.capa_list(user, status))
    return render(
        request,
        "quality/capa_list.html",
        {
            "page": page,
            "status": status,
            "statuses": CapaStatus.choices,
            "may_open": permissions.can_manage_capa(user),
            "clauses": selectors.clause_flag_counts(user)[:5]
            if permissions.can_manage_capa(user)
            else [],
        },
    )


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return None


def _cluster(user: User, query: QueryDict) -> selectors.Cluster:
    """The cluster the opening form proposes, from the link's parameters."""
    source = query.get("source", CapaSource.MANUAL)
    filters = {k: query.get(k, "") for k in ("category", "region", "channel")}
    first, last = _day(query.get("from")), _day(query.get("to"))
    clause = query.get("clause", "")
    if source == CapaSource.CLAUSE and clause:
        try:
            return selectors.cluster_of_clause(user, clause)
        except NotFound:
            raise Http404 from None
    if source in (CapaSource.TERM, CapaSource.ALERT, CapaSource.CATEGORY) and first and last:
        term = query.get("term", "")
        ref = term if source == CapaSource.TERM else query.get("ref", "")
        title = (
            _("Complaints about “%(term)s”") % {"term": term} if term else query.get("title", "")
        )
        return selectors.cluster_of_slice(
            user, source=source, ref=ref, title=title, filters=filters, first=first, last=last,
            term=term,
        )  # fmt: skip
    category = (
        Category.objects.filter(code=filters["category"]).first() if filters["category"] else None
    )
    return selectors.Cluster(
        source=CapaSource.MANUAL if source not in CapaSource.values else source,
        ref=query.get("ref", ""),
        category=category,
        region_code=filters["region"],
        channel=filters["channel"],
    )


def _initial(cluster: selectors.Cluster, user: User) -> dict[str, Any]:
    today = selectors.today()
    return {
        "title": cluster.title,
        "kind": "corrective",
        "source": cluster.source,
        "source_ref": cluster.ref,
        "category": cluster.category.code if cluster.category else "",
        "region": cluster.region_code,
        "channel": cluster.channel,
        "clause": cluster.clause_code,
        "complaints": [c.number for c in cluster.complaints],
        "owner": user.pk,
        "action_owner": user.pk,
        "due_on": today + dt.timedelta(days=30),
        "action_due_on": today + dt.timedelta(days=14),
    }


def capa_new(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    if not permissions.can_manage_capa(user):
        raise PermissionDenied
    if request.method == "POST":
        numbers = request.POST.getlist("complaints")
        form = CapaForm(request.POST, numbers=numbers)
        if form.is_valid():
            try:
                capa = _capa_open(user, form.cleaned_data)
            except DomainError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("The corrective action is open."))
                return redirect("quality:capa", pk=capa.pk)
        cluster = None
        status = 422
    else:
        cluster = _cluster(user, request.GET)
        form = CapaForm(
            initial=_initial(cluster, user), numbers=[c.number for c in cluster.complaints]
        )
        status = 200
    return render(
        request,
        "quality/capa_new.html",
        {
            "form": form,
            "complaints": cluster.complaints if cluster else [],
            "source_label": _source_label(form),
        },
        status=status,
    )


def _source_label(form: CapaForm) -> str:
    value = form["source"].value()
    return str(CapaSource(value).label) if value in CapaSource.values else ""


def _capa_open(user: User, data: dict[str, Any]) -> CorrectiveAction:
    category = Category.objects.filter(code=data["category"]).first() if data["category"] else None
    region = Region.objects.filter(code=data["region"]).first() if data["region"] else None
    complaints = list(
        Complaint.objects.filter(permissions.scope_q(user), number__in=data["complaints"])
    )
    return services.capa_open(
        actor=user,
        title=data["title"],
        kind=data["kind"],
        source=data["source"],
        source_ref=data["source_ref"],
        category=category,
        region=region,
        channel=data["channel"],
        clause_code=data["clause"],
        complaints=complaints,
        root_cause=data["root_cause"],
        owner=data["owner"],
        due_on=data["due_on"],
        verify_after_days=data["verify_after_days"],
        actions=[
            services.ActionDraft(data["action_title"], data["action_owner"], data["action_due_on"])
        ],
    )


def _capa(user: User, pk: int) -> CorrectiveAction:
    try:
        return selectors.get_capa_for_user(user, pk)
    except NotFound:
        raise Http404(str(pk)) from None


def _capa_page(
    request: HttpRequest,
    user: User,
    capa: CorrectiveAction,
    *,
    action_form: ActionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    periods = selectors.capa_periods(capa)
    today = selectors.today()
    return render(
        request,
        "quality/capa_detail.html",
        {
            "capa": capa,
            "actions": list(capa.actions.all()),
            "complaints": selectors.capa_complaints(user, capa),
            "periods": periods,
            "result": capa.result if capa.result and "verdict" in capa.result else None,
            "previous": (capa.result or {}).get("previous", []),
            "verifiable": periods is not None and today >= periods.verifiable_on,
            "today": today,
            "may_act": capa.status == CapaStatus.OPEN and permissions.can_act_capa(user, capa),
            "may_verify": capa.status == CapaStatus.ACTIONS_DONE
            and (permissions.can_manage_capa(user) or user.pk == capa.owner_id),
            "action_form": action_form or ActionForm(initial={"owner": capa.owner_id}),
        },
        status=status,
    )


def capa_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    return _capa_page(request, user, _capa(user, pk))


@require_POST
def capa_action_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    capa = _capa(user, pk)
    form = ActionForm(request.POST)
    if form.is_valid():
        try:
            services.capa_action_add(capa=capa, actor=user, **form.cleaned_data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Recorded."))
            return redirect("quality:capa", pk=pk)
    return _capa_page(request, user, _capa(user, pk), action_form=form, status=422)


@require_POST
def capa_action_done(request: HttpRequest, pk: int, action_id: int) -> HttpResponse:
    user = staff(request)
    capa = _capa(user, pk)
    found = CapaAction.objects.filter(capa=capa, pk=action_id).select_related("capa").first()
    if found is None:
        raise Http404(str(action_id))
    try:
        services.capa_action_done(action=found, actor=user, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Recorded."))
    return redirect("quality:capa", pk=pk)


@require_POST
def capa_verify(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    capa = _capa(user, pk)
    try:
        services.capa_verify(capa=capa, actor=user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The effect was checked."))
    return redirect("quality:capa", pk=pk)


# Controlled documents


def document_list(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    return render(
        request,
        "quality/documents.html",
        {
            "manual": selectors.manual_rows(user),
            "clauses": selectors.clauses_in_force(),
            "wording": selectors.wording_in_force(),
        },
    )


def document_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = staff(request)
    try:
        doc = selectors.get_document(code)
    except NotFound:
        raise Http404(code) from None
    versions = list(doc.versions.all())
    current = next((v for v in versions if v.status == "in_force"), None)
    acknowledged = bool(current and current.acknowledgements.filter(user=user).exists())
    missing = None
    if current is not None and permissions.can_view_acknowledgements(user):
        missing = selectors.not_acknowledged(doc, current)
    return render(
        request,
        "quality/document_detail.html",
        {
            "doc": doc,
            "versions": versions,
            "current": current,
            "applies": selectors.document_applies(doc, user),
            "acknowledged": acknowledged,
            "missing": missing,
            "missing_count": sum(len(g["users"]) for g in missing or []),
            "diff": _diff(versions, current),
        },
    )


def _diff(
    versions: list[DocumentVersion], current: DocumentVersion | None
) -> dict[str, Any] | None:
    """The paragraphs removed and added from the version before the one in force."""
    if current is None:
        return None
    older = [v for v in versions if v.number < current.number]
    if not older:
        return None
    before = max(older, key=lambda v: v.number)
    old = [p.strip() for p in before.text.splitlines() if p.strip()]
    new = [p.strip() for p in current.text.splitlines() if p.strip()]
    lines = [
        ("added" if line[0] == "+" else "removed", line[2:])
        for line in difflib.ndiff(old, new)
        if line[:1] in ("+", "-")
    ]
    return {"old": before.number, "new": current.number, "lines": lines}


@require_POST
def document_acknowledge(request: HttpRequest, code: str) -> HttpResponse:
    user = staff(request)
    try:
        doc = selectors.get_document(code)
    except NotFound:
        raise Http404(code) from None
    version = request.POST.get("version", "")
    try:
        services.document_acknowledge(
            document=doc, user=user, version=int(version) if version.isdigit() else None
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you: your reading is recorded."))
    return redirect("quality:document", code=code)
