"""The kernel's own actions on a complaint: accept, note, reopen, merge into another complaint
and, for an administrator, undo the merge."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import Router

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.complaints import selectors, services
from tousu.complaints.models import Complaint
from tousu.complaints.services import NOTE_MAX_CHARS, REASON_MAX_CHARS
from tousu.core.api import Strict
from tousu.core.errors import NotFound, ValidationFailed
from tousu.core.forms import textarea
from tousu.desk.actions.base import (
    ACTION_ERRORS,
    Action,
    ActionForm,
    Empty,
    api_complaint,
    api_render,
    api_user,
)
from tousu.desk.schemas import (
    ComplaintOut,
)
from tousu.routing.services import complaint_accept
from tousu.sla.services import (
    complaint_reopen,
    complaint_unmerge,
)


class AcceptForm(ActionForm):
    pass


class NoteForm(ActionForm):
    text = forms.CharField(label=_("Note"), widget=textarea(NOTE_MAX_CHARS))
    for_customer = forms.BooleanField(
        label=_("Show it to the customer too (on their status page)"), required=False
    )


class ReopenForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), widget=textarea(REASON_MAX_CHARS, rows=2))


class MergeForm(ActionForm):
    into = forms.CharField(
        label=_("Original complaint (number)"),
        max_length=24,
        help_text=_("The same customer's open complaint about the same matter, handled instead."),
    )
    reason = forms.CharField(label=_("Reason"), widget=textarea(REASON_MAX_CHARS, rows=2))


class UnmergeForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), widget=textarea(REASON_MAX_CHARS, rows=2))


def merge_target(user: User, number: str) -> Complaint:
    """The complaint named to merge into, if `user` may see it; else the field's error, the
    same whether it does not exist or is out of sight (no probing for numbers)."""
    try:
        return selectors.get_complaint_for_user(user, number.strip())
    except NotFound:
        raise ValidationFailed.for_field(
            "into", gettext("The original complaint does not exist or you may not see it")
        ) from None


router = Router()  # mounted on the desk's complaints router (desk/api.py)


@router.post(
    "/{number}/accept",
    operation_id="tousu_complaints_api_accept",
    response={200: ComplaintOut, **ACTION_ERRORS},
    summary="The handler starts",
)
def accept(request: HttpRequest, number: str, payload: Empty | None = None) -> dict[str, object]:
    complaint = complaint_accept(complaint=api_complaint(request, number), actor=api_user(request))
    return api_render(request, complaint)


class NoteIn(Strict):
    text: str
    internal: bool = True


@router.post(
    "/{number}/notes",
    operation_id="tousu_complaints_api_notes",
    response={200: ComplaintOut, **ACTION_ERRORS},
    summary="A note on the timeline",
)
def notes(request: HttpRequest, number: str, payload: NoteIn) -> dict[str, object]:
    complaint = services.complaint_note_add(
        complaint=api_complaint(request, number),
        actor=api_user(request),
        text=payload.text,
        internal=payload.internal,
    )
    return api_render(request, complaint)


class ReopenIn(Strict):
    reason: str


@router.post(
    "/{number}/reopen",
    operation_id="tousu_complaints_api_reopen",
    response={200: ComplaintOut, **ACTION_ERRORS},
    summary="Back to in_progress",
)
def reopen(request: HttpRequest, number: str, payload: ReopenIn) -> dict[str, object]:
    complaint = complaint_reopen(
        complaint=api_complaint(request, number), actor=api_user(request), reason=payload.reason
    )
    return api_render(request, complaint)


class MergeIn(Strict):
    into: str
    reason: str


@router.post(
    "/{number}/merge",
    operation_id="tousu_complaints_api_merge",
    response={200: ComplaintOut, **ACTION_ERRORS},
    summary="Close as a duplicate of another complaint, linked both ways",
)
def merge(request: HttpRequest, number: str, payload: MergeIn) -> dict[str, object]:
    user = api_user(request)
    complaint = services.complaint_merge(
        complaint=api_complaint(request, number),
        actor=user,
        into=merge_target(user, payload.into),
        reason=payload.reason,
    )
    return api_render(request, complaint)


class UnmergeIn(Strict):
    reason: str


@router.post(
    "/{number}/unmerge",
    operation_id="tousu_complaints_api_unmerge",
    response={200: ComplaintOut, **ACTION_ERRORS},
    summary="Undo a merge (administrators): open again in its earlier status",
)
def unmerge(request: HttpRequest, number: str, payload: UnmergeIn) -> dict[str, object]:
    complaint = complaint_unmerge(
        complaint=api_complaint(request, number), actor=api_user(request), reason=payload.reason
    )
    return api_render(request, complaint)


def _accept(c: Complaint, u: User, f: AcceptForm) -> str:
    complaint_accept(complaint=c, actor=u)
    return gettext("Accepted. The first response is recorded.")


def _note(c: Complaint, u: User, f: NoteForm) -> str:
    data = f.cleaned_data
    services.complaint_note_add(
        complaint=c, actor=u, text=data["text"], internal=not data["for_customer"]
    )
    return gettext("Note added.")


def _reopen(c: Complaint, u: User, f: ReopenForm) -> str:
    complaint_reopen(complaint=c, actor=u, reason=f.cleaned_data["reason"])
    return gettext("Reopened.")


def _merge(c: Complaint, u: User, f: MergeForm) -> str:
    into = merge_target(u, f.cleaned_data["into"])
    services.complaint_merge(complaint=c, actor=u, into=into, reason=f.cleaned_data["reason"])
    return gettext("Merged into %(number)s as its duplicate.") % {"number": into.number}


def _unmerge(c: Complaint, u: User, f: UnmergeForm) -> str:
    complaint_unmerge(complaint=c, actor=u, reason=f.cleaned_data["reason"])
    return gettext("The merge is undone: the complaint is open again.")


def _not_merged(c: Complaint) -> bool:
    return c.duplicate_of_id is None


def _merged(c: Complaint) -> bool:
    return c.duplicate_of_id is not None and c.status == "closed"


ACTIONS: dict[str, Action] = {
    "accept": Action(AcceptForm, permissions.can_accept, "accept", _accept),
    # A duplicate is not reopened: its original is handled instead (undo the merge).
    "reopen": Action(ReopenForm, permissions.can_reopen, "reopen", _reopen, ready=_not_merged),
    "note": Action(NoteForm, permissions.can_note, None, _note),
    "merge": Action(MergeForm, permissions.can_close_duplicate, "close_duplicate", _merge),
    "unmerge": Action(UnmergeForm, permissions.can_unmerge, None, _unmerge, ready=_merged),
}
