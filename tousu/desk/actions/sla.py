"""Time-limit actions on a complaint: escalate, pause (挂起) and resume the clock."""

from __future__ import annotations

from typing import Annotated, Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import Router

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.complaints.choices import LEVEL_RANK, Level
from tousu.complaints.models import Complaint
from tousu.complaints.services import REASON_MAX_CHARS
from tousu.core.api import OneOf, Strict
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
from tousu.sla.services import (
    complaint_escalate,
    complaint_pause,
    complaint_resume,
)


class EscalateForm(ActionForm):
    level = forms.ChoiceField(label=_("New level"))
    reason = forms.CharField(label=_("Reason"), widget=textarea(REASON_MAX_CHARS, rows=2))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = LEVEL_RANK[Level(self.complaint.level)]
        # Levels only go up: offer the ones above the current level.
        self.fields["level"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in Level.choices if LEVEL_RANK[Level(value)] > current
        ]


class PauseForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("What the customer is to provide, e.g. a copy of the bill."),
        widget=textarea(200, rows=2),
    )


class ResumeForm(ActionForm):
    pass


router = Router()  # mounted on the desk's complaints router (desk/api.py)


class EscalateIn(Strict):
    level: Annotated[str, OneOf(Level)]
    reason: str


@router.post(
    "/{number}/escalate",
    operation_id="tousu_complaints_api_escalate",
    response={200: ComplaintOut, **ACTION_ERRORS},
    summary="Raise the level",
)
def escalate(request: HttpRequest, number: str, payload: EscalateIn) -> dict[str, object]:
    complaint = complaint_escalate(
        complaint=api_complaint(request, number),
        actor=api_user(request),
        level=payload.level,
        reason=payload.reason,
    )
    return api_render(request, complaint)


class PauseIn(Strict):
    reason: str


@router.post(
    "/{number}/pause",
    operation_id="tousu_complaints_api_pause",
    response={200: ComplaintOut, **ACTION_ERRORS},
    summary="Stop the clock (挂起)",
)
def pause(request: HttpRequest, number: str, payload: PauseIn) -> dict[str, object]:
    complaint = complaint_pause(
        complaint=api_complaint(request, number), actor=api_user(request), reason=payload.reason
    )
    return api_render(request, complaint)


@router.post(
    "/{number}/resume",
    operation_id="tousu_complaints_api_resume",
    response={200: ComplaintOut, **ACTION_ERRORS},
    summary="Restart the clock",
)
def resume(request: HttpRequest, number: str, payload: Empty | None = None) -> dict[str, object]:
    complaint = complaint_resume(complaint=api_complaint(request, number), actor=api_user(request))
    return api_render(request, complaint)


def _escalate(c: Complaint, u: User, f: EscalateForm) -> str:
    complaint_escalate(
        complaint=c, actor=u, level=f.cleaned_data["level"], reason=f.cleaned_data["reason"]
    )
    return gettext("Escalated.")


def _pause(c: Complaint, u: User, f: PauseForm) -> str:
    complaint_pause(complaint=c, actor=u, reason=f.cleaned_data["reason"])
    return gettext("Paused. The time limit stands still until you resume.")


def _resume(c: Complaint, u: User, f: ResumeForm) -> str:
    complaint_resume(complaint=c, actor=u)
    return gettext("Resumed. The due time moved by the time paused.")


def _below_top_level(complaint: Complaint) -> bool:
    return LEVEL_RANK[Level(complaint.level)] < max(LEVEL_RANK.values())


def _running(complaint: Complaint) -> bool:
    return complaint.paused_at is None


def _paused(complaint: Complaint) -> bool:
    return complaint.paused_at is not None


ACTIONS: dict[str, Action] = {
    "escalate": Action(
        EscalateForm, permissions.can_escalate, "escalate", _escalate, _below_top_level
    ),
    "pause": Action(PauseForm, permissions.can_handle, "pause", _pause, _running),
    "resume": Action(ResumeForm, permissions.can_handle, "resume", _resume, _paused),
}
