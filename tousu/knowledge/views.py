"""The knowledge pages: the case library (list, case, curation, one-click case from a closed
complaint) and approved wording (list, article, what changed, and its curation: new article,
new version). Thin: parse, call, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.accounts.views import staff
from tousu.core.errors import DomainError, NotFound
from tousu.core.forms import apply_domain_error
from tousu.core.web import page_of
from tousu.knowledge import rules, selectors, services
from tousu.knowledge.forms import (
    VARIANT_PREFIX,
    CaseEditForm,
    CaseFilterForm,
    WordingArticleForm,
    WordingFilterForm,
    WordingVersionForm,
)
from tousu.knowledge.models import Case

# ---- cases ----------------------------------------------------------------------------------


def case_list(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    curator = permissions.can_curate_cases(user)
    form = CaseFilterForm(request.GET, curator=curator)
    form.is_valid()  # invalid fields show their error; the valid ones still filter
    page = page_of(request, selectors.case_list(user, form.filters()))
    return render(
        request, "knowledge/case_list.html", {"form": form, "page": page, "curator": curator}
    )


def _case_or_404(request: HttpRequest, pk: int) -> Case:
    try:
        return selectors.get_case_for_user(staff(request), pk)
    except NotFound:
        raise Http404(str(pk)) from None


def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    case = _case_or_404(request, pk)
    form = None
    if permissions.can_curate_case(user, case.complaint):
        form = CaseEditForm(request.POST or None, instance=case)
        if request.method == "POST":
            if form.is_valid():
                data = form.cleaned_data
                try:
                    services.case_update(
                        case=case,
                        actor=user,
                        title=data["title"],
                        summary=data["summary"],
                        tags=data["tags_text"],
                        clauses=list(data["clauses"]),
                        for_training=data["for_training"],
                        status=data["status"],
                    )
                except DomainError as exc:
                    apply_domain_error(form, exc, aliases={"tags": "tags_text"})  # type: ignore[arg-type]
                else:
                    messages.success(request, _("Case saved."))
                    return redirect("knowledge:case", pk=case.pk)
            messages.error(request, _("Please correct the errors."))
            return render(
                request, "knowledge/case_detail.html", {"case": case, "form": form}, status=422
            )
    elif request.method == "POST":
        raise PermissionDenied
    return render(request, "knowledge/case_detail.html", {"case": case, "form": form})


# ---- approved wording -----------------------------------------------------------------------


def wording_list(request: HttpRequest) -> HttpResponse:
    form = WordingFilterForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    rows = selectors.wording_list(
        q=data.get("q", "").strip(), topic=data.get("topic", ""), channel=data.get("channel", "")
    )
    can_edit = permissions.can_edit_wording(staff(request))
    return render(
        request,
        "knowledge/wording_list.html",
        {"form": form, "rows": rows, "can_edit": can_edit},
    )


def _article_or_404(key: str, channel: str = "") -> selectors.ArticleRow:
    try:
        return selectors.wording_article_get(key, channel)
    except NotFound:
        raise Http404(key) from None


def wording_detail(request: HttpRequest, key: str) -> HttpResponse:
    row = _article_or_404(key)
    can_edit = permissions.can_edit_wording(staff(request))
    return render(request, "knowledge/wording_detail.html", {"row": row, "can_edit": can_edit})


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 6 else None


def wording_changes(request: HttpRequest, key: str) -> HttpResponse:
    """What changed between two versions (by default the one before the current and the
    current one), for front-line briefings."""
    row = _article_or_404(key)
    by_number = {v.version.number: v for v in row.versions}
    new_n = _number(request.GET.get("to"))
    old_n = _number(request.GET.get("from"))
    new = (
        by_number.get(new_n)
        if new_n
        else (row.current or (row.versions[-1] if row.versions else None))
    )
    if new is None:
        raise Http404(key)
    if old_n:
        old = by_number.get(old_n)
    else:
        earlier = [v for v in row.versions if v.version.number < new.version.number]
        old = earlier[-1] if earlier else None
    parts = rules.wording_diff(old.version.body if old else "", new.version.body)
    return render(
        request,
        "knowledge/wording_changes.html",
        {"row": row, "old": old, "new": new, "parts": parts},
    )


def _wording_editor(request: HttpRequest) -> User:
    user = staff(request)
    if not permissions.can_edit_wording(user):
        raise PermissionDenied
    return user


def wording_article_new(request: HttpRequest) -> HttpResponse:
    """A new approved wording with its first version (quality staff and admins)."""
    user = _wording_editor(request)
    form = WordingArticleForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                article = services.wording_article_create(
                    actor=user,
                    key=data["key"],
                    title=data["title"],
                    topic=data["topic"],
                    category=data["category"],
                    first_version=form.version_input(),
                )
            except DomainError as exc:
                apply_domain_error(form, exc)  # variant errors show above the form
            else:
                messages.success(request, _("Approved wording created."))
                return redirect("knowledge:wording_article", key=article.key)
        messages.error(request, _("Please correct the errors."))
        return render(request, "knowledge/wording_article_form.html", {"form": form}, status=422)
    return render(request, "knowledge/wording_article_form.html", {"form": form})


def wording_version_new(request: HttpRequest, key: str) -> HttpResponse:
    """A new version of an approved wording; back to the article, where what changed shows."""
    user = _wording_editor(request)
    row = _article_or_404(key)
    form = WordingVersionForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.version_input()
            try:
                version = services.wording_version_add(
                    article=row.article,
                    actor=user,
                    body=data.body,
                    effective_from=data.effective_from,
                    valid_until=data.valid_until,
                    change_note=data.change_note,
                    variants=data.variants,
                )
            except DomainError as exc:
                apply_domain_error(form, exc)  # variant errors show above the form
            else:
                messages.success(
                    request, _("Version %(number)s saved.") % {"number": version.number}
                )
                return redirect("knowledge:wording_article", key=row.article.key)
        messages.error(request, _("Please correct the errors."))
        return render(
            request, "knowledge/wording_version_form.html", {"row": row, "form": form}, status=422
        )
    current = row.current or (row.versions[-1] if row.versions else None)
    if current is not None:
        # Start from what the article says today: a change is usually an edit of it.
        form.initial = {
            "body": current.version.body,
            **{VARIANT_PREFIX + v.channel: v.body for v in current.variants},
        }
    return render(request, "knowledge/wording_version_form.html", {"row": row, "form": form})
