"""The callback (回访) on a closed complaint: the customer's satisfaction, and what to do when
they are not satisfied."""

from __future__ import annotations

from typing import Annotated, Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.callbacks.choices import SCORE_FACTORS, CallbackResult, DissatisfiedAction
from tousu.callbacks.selectors import pending_callback
from tousu.callbacks.services import complaint_callback_record
from tousu.complaints.models import Complaint
from tousu.core.api import OneOf, Strict
from tousu.core.forms import blank, textarea
from tousu.desk.actions.base import (
    ACTION_ERRORS,
    Action,
    ActionForm,
    api_complaint,
    api_render,
    api_user,
)
from tousu.desk.schemas import (
    ComplaintOut,
)
from tousu.desk.templatetags.complaint_tags import SCORE_LABELS

CALLBACK_COMMENT_MAX_CHARS = 2_000


SCORE_CHOICES = blank("—") + [(str(n), str(n)) for n in range(1, 6)]


class CallbackForm(ActionForm):
    result = forms.ChoiceField(label=_("Result"), choices=CallbackResult.choices)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=textarea(CALLBACK_COMMENT_MAX_CHARS, rows=2),
    )
    action = forms.ChoiceField(
        label=_("If dissatisfied"),
        choices=DissatisfiedAction.choices,
        initial=DissatisfiedAction.REOPEN,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for factor in SCORE_FACTORS:
            self.fields[factor] = forms.TypedChoiceField(
                label=SCORE_LABELS[factor],
                required=False,
                choices=SCORE_CHOICES,
                coerce=int,
                empty_value=None,
            )

    @property
    def score_fields(self) -> list[forms.BoundField]:
        return [self[factor] for factor in SCORE_FACTORS]

    def scores(self) -> dict[str, int]:
        return {f: self.cleaned_data[f] for f in SCORE_FACTORS if self.cleaned_data.get(f)}


router = Router()  # mounted on the desk's complaints router (desk/api.py)


class Scores(Strict):
    timeliness: int | None = Field(default=None, ge=1, le=5)
    attitude: int | None = Field(default=None, ge=1, le=5)
    solution: int | None = Field(default=None, ge=1, le=5)
    simplicity: int | None = Field(default=None, ge=1, le=5)


class CallbackIn(Strict):
    result: Annotated[str, OneOf(CallbackResult)]
    scores: Scores | None = None
    comment: str = ""
    action: Annotated[str, OneOf(DissatisfiedAction)] = DissatisfiedAction.REOPEN.value


@router.post(
    "/{number}/callback",
    operation_id="tousu_complaints_api_callback",
    response={200: ComplaintOut, **ACTION_ERRORS},
    summary="Record the callback",
)
def callback(request: HttpRequest, number: str, payload: CallbackIn) -> dict[str, object]:
    complaint = api_complaint(request, number)
    scores = payload.scores.model_dump(exclude_none=True) if payload.scores else {}
    complaint_callback_record(
        complaint=complaint,
        actor=api_user(request),
        result=payload.result,
        scores=scores,
        comment=payload.comment,
        dissatisfied_action=payload.action,
    )
    return api_render(request, complaint)


def _callback(c: Complaint, u: User, f: CallbackForm) -> str:
    complaint_callback_record(
        complaint=c,
        actor=u,
        result=f.cleaned_data["result"],
        scores=f.scores(),
        comment=f.cleaned_data["comment"],
        dissatisfied_action=f.cleaned_data["action"],
    )
    return gettext("Callback recorded.")


def _callback_due(complaint: Complaint) -> bool:
    return pending_callback(complaint) is not None


ACTIONS: dict[str, Action] = {
    "callback": Action(
        CallbackForm, permissions.can_callback, "callback", _callback, _callback_due
    ),
}
