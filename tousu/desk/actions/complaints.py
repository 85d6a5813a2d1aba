"""The kernel's own actions on a complaint: accept, note, reopen."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import Router

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.complaints.services import NOTE_MAX_CHARS, REASON_MAX_CHARS
from tousu.core.api import Strict
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
)


class AcceptForm(ActionForm):
    pass


class NoteForm(ActionForm):
    text = forms.CharField(label=_("Note"), widget=textarea(NOTE_MAX_CHARS))


class ReopenForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), widget=textarea(REASON_MAX_CHARS, rows=2))


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


def _accept(c: Complaint, u: User, f: AcceptForm) -> str:
    complaint_accept(complaint=c, actor=u)
    return gettext("Accepted. The first response is recorded.")


def _note(c: Complaint, u: User, f: NoteForm) -> str:
    services.complaint_note_add(complaint=c, actor=u, text=f.cleaned_data["text"])
    return gettext("Note added.")


def _reopen(c: Complaint, u: User, f: ReopenForm) -> str:
    complaint_reopen(complaint=c, actor=u, reason=f.cleaned_data["reason"])
    return gettext("Reopened.")


ACTIONS: dict[str, Action] = {
    "accept": Action(AcceptForm, permissions.can_accept, "accept", _accept),
    "reopen": Action(ReopenForm, permissions.can_reopen, "reopen", _reopen),
    "note": Action(NoteForm, permissions.can_note, None, _note),
}
