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
from tousu.callbacks.choices import (
    SCORE_FACTORS,
    AttemptOutcome,
    CallbackResult,
    DissatisfactionReason,
    DissatisfiedAction,
)
from tousu.callbacks.selectors import pending_callback
from tousu.callbacks.services import (
    NOTE_MAX_CHARS,
    callback_attempt_record,
    complaint_callback_record,
)
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.api import OneOf, Strict
from tousu.core.errors import ValidationFailed, too_long_message
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
# A result on the page is what a customer who answered said: unreachable comes from the calls
# that failed (the attempt buttons), never picked by hand.
RESULT_CHOICES = [
    (v, label) for v, label in CallbackResult.choices if v != CallbackResult.UNREACHABLE
]
# The attempt buttons, in the order an agent meets them.
FAILED_OUTCOMES = [(v, label) for v, label in AttemptOutcome.choices if v != AttemptOutcome.REACHED]


class CallbackForm(ActionForm):
    # No result is preselected: the agent records what the customer said, not a default.
    result = forms.ChoiceField(
        label=_("Result"), choices=RESULT_CHOICES, required=False, widget=forms.RadioSelect
    )
    overall = forms.TypedChoiceField(
        label=_("Overall satisfaction"),
        required=False,
        choices=SCORE_CHOICES,
        coerce=int,
        empty_value=None,
    )
    reasons = forms.MultipleChoiceField(
        label=_("Reasons for dissatisfaction"),
        required=False,
        choices=DissatisfactionReason.choices,
        widget=forms.CheckboxSelectMultiple,
    )
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
    # Posted by the attempt buttons (未接通, 忙, 关机 …): a call without a result.
    attempt = forms.ChoiceField(required=False, choices=blank("") + FAILED_OUTCOMES)

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

    @property
    def attempt_buttons(self) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in FAILED_OUTCOMES]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("attempt"):
            # A failed call keeps a short note, not the customer's account of the outcome.
            if len(data.get("comment") or "") > NOTE_MAX_CHARS:
                self.add_error("comment", too_long_message(NOTE_MAX_CHARS))
            return data
        result = data.get("result")
        if not result:
            self.add_error("result", gettext("Choose what the customer said"))
        elif result == CallbackResult.DISSATISFIED and not data.get("reasons"):
            self.add_error("reasons", gettext("Choose at least one reason"))
        return data

    def scores(self) -> dict[str, int]:
        return {f: self.cleaned_data[f] for f in SCORE_FACTORS if self.cleaned_data.get(f)}


router = Router()  # mounted on the desk's complaints router (desk/api.py)


class Scores(Strict):
    timeliness: int | None = Field(default=None, ge=1, le=5)
    attitude: int | None = Field(default=None, ge=1, le=5)
    solution: int | None = Field(default=None, ge=1, le=5)
    simplicity: int | None = Field(default=None, ge=1, le=5)


class CallbackIn(Strict):
    result: Annotated[str, OneOf(CallbackResult)] | None = Field(
        default=None, description="what the customer said; omitted for a failed call"
    )
    attempt: Annotated[str, OneOf(AttemptOutcome)] | None = Field(
        default=None,
        description="how the call went; without a result, a failed call (no_answer, busy, "
        "switched_off, refused, wrong_number) that schedules the next try",
    )
    scores: Scores | None = None
    overall: int | None = Field(default=None, ge=1, le=5, description="overall satisfaction")
    reasons: list[Annotated[str, OneOf(DissatisfactionReason)]] = Field(
        default_factory=list, description="coded reasons for dissatisfaction"
    )
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
    user = api_user(request)
    if payload.result is None:
        if payload.attempt is None:
            raise ValidationFailed.for_field(
                "result", gettext("Give the result, or the attempt of a call that failed")
            )
        callback_attempt_record(
            complaint=complaint, actor=user, outcome=payload.attempt, note=payload.comment
        )
        return api_render(request, complaint)
    scores = payload.scores.model_dump(exclude_none=True) if payload.scores else {}
    complaint_callback_record(
        complaint=complaint,
        actor=user,
        result=payload.result,
        scores=scores,
        comment=payload.comment,
        dissatisfied_action=payload.action,
        overall=payload.overall,
        reasons=payload.reasons,
        attempt=payload.attempt or "",
    )
    return api_render(request, complaint)


def _callback(c: Complaint, u: User, f: CallbackForm) -> str:
    if outcome := f.cleaned_data.get("attempt"):
        task = callback_attempt_record(
            complaint=c, actor=u, outcome=outcome, note=f.cleaned_data["comment"]
        )
        if task.result == CallbackResult.UNREACHABLE:
            return gettext("Call recorded; the customer is unreachable.")
        assert task.next_attempt_at is not None
        return gettext("Call recorded; next try %(at)s.") % {
            "at": f"{clock.local(task.next_attempt_at):%m-%d %H:%M}"
        }
    complaint_callback_record(
        complaint=c,
        actor=u,
        result=f.cleaned_data["result"],
        scores=f.scores(),
        comment=f.cleaned_data["comment"],
        dissatisfied_action=f.cleaned_data["action"],
        overall=f.cleaned_data["overall"],
        reasons=f.cleaned_data["reasons"],
    )
    return gettext("Callback recorded.")


def _callback_due(complaint: Complaint) -> bool:
    return pending_callback(complaint) is not None


ACTIONS: dict[str, Action] = {
    "callback": Action(
        CallbackForm, permissions.can_callback, "callback", _callback, _callback_due
    ),
}
