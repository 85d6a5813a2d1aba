"""The quality pages. Thin: parse, call one service or selector, render. Personal data stays
masked here (the complaint's page reveals it to who may see it, logged)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.accounts.views import staff
from tousu.complaints.models import Complaint
from tousu.complaints.selectors import complaint_timeline
from tousu.core import clock
from tousu.core.errors import DomainError, NotFound
from tousu.core.web import page_of
from tousu.quality import selectors, services
from tousu.quality.choices import AppealStatus, InspectionStatus
from tousu.quality.inspection_forms import (
    AppealForm,
    CalibrationForm,
    DecideForm,
    InspectionFilterForm,
    PeriodForm,
    ScoreForm,
)
from tousu.quality.models import CalibrationRound, Inspection

# Inspection

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
                form.add_error("complaints", _("No such complaint: %s") % "、".join(missing))
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
