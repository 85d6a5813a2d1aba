"""Resolution's actions on a complaint: the guided handling steps, evidence, the outcome with
its remedies and reply, approval, closing."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router

from tousu.accounts import permissions
from tousu.accounts.models import Department, User
from tousu.complaints.choices import Cause, Finding, Status
from tousu.complaints.models import Complaint
from tousu.complaints.selectors import earlier_open, reply_held_until
from tousu.complaints.services import REASON_MAX_CHARS
from tousu.core import clock
from tousu.core.api import OneOf, Strict
from tousu.core.errors import ValidationFailed
from tousu.core.forms import LocalNameChoiceField, blank, textarea
from tousu.core.templatetags.tousu_ui import local_name
from tousu.desk.actions.base import (
    ACTION_ERRORS,
    Action,
    ActionForm,
    api_complaint,
    api_department,
    api_render,
    api_user,
)
from tousu.desk.schemas import (
    ComplaintOut,
)
from tousu.desk.templatetags.complaint_tags import INVESTIGATION_LABELS
from tousu.knowledge.selectors import reply_wording_check
from tousu.resolution import services as resolution
from tousu.resolution.choices import (
    INVESTIGATION_QUESTIONS,
    EarlierAction,
    EvidenceKind,
    HandlingStep,
    RemedyType,
)
from tousu.resolution.rules import (
    EVIDENCE_MAX_BYTES,
    EVIDENCE_TYPES,
    accepted_close_waits,
    evidence_problem,
)
from tousu.resolution.selectors import (
    authority_limit,
    pending_approval,
)
from tousu.resolution.services import (
    REPLY_MAX_CHARS,
    RemedyInput,
    complaint_approve,
    complaint_close,
    complaint_resolve,
)

# The remedy rows of the resolve form come and go on the page (app.js); as many are checked as
# were posted, up to the API's limit. An unposted form opens with the outcome's remedies (after
# a rejection or a reopen) or one empty row.
MAX_REMEDY_ROWS = 20
_REMEDY_KEY = re.compile(r"^remedy_(\d+)_(?:type|amount|note)$")
STEP_TEXT_MAX_CHARS = 2_000
ANSWER_MAX_CHARS = 500


YES_NO = [("1", _("Yes")), ("0", _("No"))]
RemedyTypeValue = Annotated[str, OneOf(RemedyType)]


class ResolveForm(ActionForm):
    # No verdict by default: a preselected 属实 is recorded by whoever did not look.
    finding = forms.ChoiceField(label=_("Finding"), choices=blank("") + list(Finding.choices))
    cause = forms.ChoiceField(label=_("Cause"), choices=blank("") + list(Cause.choices))
    responsible_department = LocalNameChoiceField(
        label=_("Responsible department"), queryset=Department.objects.filter(active=True)
    )
    reply = forms.CharField(
        label=_("Reply to the customer"), widget=textarea(REPLY_MAX_CHARS, rows=4)
    )
    # The facts a standard clause computes its remedy from (R6.1); empty = not relevant.
    disputed_amount = forms.DecimalField(
        label=_("Amount in dispute (yuan)"),
        required=False,
        min_value=0,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )
    outage_days = forms.DecimalField(
        label=_("Days of outage or delay"),
        required=False,
        min_value=0,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0"}),
    )

    # Accountability (R6.4): whose fault it was, where known, from the responsible department.
    responsible_staff = forms.ChoiceField(
        label=_("Responsible staff"),
        required=False,
        help_text=_("Where known: the member of the responsible department it is down to."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        complaint = self.complaint
        record = getattr(complaint, "handling", None)
        if record is not None:
            self.fields["disputed_amount"].initial = record.disputed_amount
            self.fields["outage_days"].initial = record.outage_days
            staff = record.responsible_staff
            self.fields["responsible_staff"].initial = staff.username if staff else ""
        self._staff = _staff_choices(self.fields["responsible_staff"])
        self.fields["responsible_department"].initial = (
            complaint.responsible_department_id or complaint.department_id
        )
        self.fields["finding"].initial = complaint.finding
        self.fields["cause"].initial = complaint.cause
        self.fields["reply"].initial = complaint.reply
        if self.is_bound:
            self.rows, self.too_many = _posted_rows(self.data)
        else:
            granted = list(complaint.remedies.all()) if complaint.pk else []
            self.rows, self.too_many = list(range(1, max(len(granted), 1) + 1)), False
            for i, remedy in enumerate(granted, start=1):
                self.initial.update(
                    {
                        f"remedy_{i}_type": remedy.type,
                        f"remedy_{i}_amount": remedy.amount,
                        f"remedy_{i}_note": remedy.note,
                    }
                )
        # Each row is a line of three inputs under one heading: labelled for screen readers.
        for i in self.rows:
            self.fields[f"remedy_{i}_type"] = forms.ChoiceField(
                label=_("Remedy"),
                required=False,
                choices=blank("") + list(RemedyType.choices),
                widget=forms.Select(attrs={"aria-label": _("Remedy"), "data-remedy-type": ""}),
            )
            self.fields[f"remedy_{i}_amount"] = forms.DecimalField(
                label=_("Amount (yuan)"),
                required=False,
                min_value=0,
                max_value=1_000_000,
                decimal_places=2,
                widget=forms.NumberInput(
                    attrs={
                        "step": "0.01",
                        "min": "0",
                        "aria-label": _("Amount (yuan)"),
                        "data-remedy-amount": "",
                    }
                ),
            )
            self.fields[f"remedy_{i}_note"] = forms.CharField(
                label=_("Remedy note"),
                required=False,
                widget=forms.TextInput(
                    attrs={
                        "maxlength": "200",
                        "aria-label": _("Remedy note"),
                        "data-remedy-note": "",
                    }
                ),
            )

    def clean_responsible_staff(self) -> User | None:
        username = self.cleaned_data["responsible_staff"]
        return self._staff.get(username) if username else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.too_many:
            raise forms.ValidationError(
                gettext("At most %(count)d remedies.") % {"count": MAX_REMEDY_ROWS}
            )
        for i in self.rows:
            # An amount or a note without its remedy would be dropped unseen: say so instead.
            if not data.get(f"remedy_{i}_type") and (
                data.get(f"remedy_{i}_amount") or data.get(f"remedy_{i}_note")
            ):
                self.add_error(f"remedy_{i}_type", gettext("Choose the remedy of this row."))
        return data

    @property
    def remedy_rows(self) -> list[tuple[forms.BoundField, ...]]:
        return [
            (self[f"remedy_{i}_type"], self[f"remedy_{i}_amount"], self[f"remedy_{i}_note"])
            for i in self.rows
        ]

    def remedies(self) -> list[RemedyInput]:
        data = self.cleaned_data
        return [
            RemedyInput(
                data[f"remedy_{i}_type"],
                data.get(f"remedy_{i}_amount") or 0,
                data.get(f"remedy_{i}_note", ""),
            )
            for i in self.rows
            if data.get(f"remedy_{i}_type")
        ]


def _staff_choices(field: forms.Field) -> dict[str, User]:
    """Fill `field` with the active staff grouped by department; returns them by username."""
    staff = (
        User.objects.filter(is_active=True, department__isnull=False)
        .select_related("department")
        .order_by("department__code", "username")
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    by_name: dict[str, User] = {}
    for user in staff:
        by_name[user.username] = user
        groups.setdefault(local_name(user.department), []).append((user.username, str(user)))
    field.choices = blank(_("Not known")) + list(groups.items())  # type: ignore[attr-defined]
    return by_name


def _posted_rows(data: Any) -> tuple[list[int], bool]:
    """The remedy rows a post holds (their numbers need not run on: a row removed on the page
    leaves a gap), at least one; and whether it holds more than `MAX_REMEDY_ROWS`."""
    rows = sorted({int(m.group(1)) for key in data if (m := _REMEDY_KEY.match(key))})
    rows = [i for i in rows if 0 < i <= 10_000] or [1]
    return rows[:MAX_REMEDY_ROWS], len(rows) > MAX_REMEDY_ROWS


def _as_bool(value: str) -> bool:
    return value == "1"


class ApproveForm(ActionForm):
    # Set by the button pressed: «Approve» sends 1, «Reject» sends 0.
    approved = forms.TypedChoiceField(choices=YES_NO, coerce=_as_bool, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        help_text=_("Required when rejecting."),
        widget=textarea(REASON_MAX_CHARS, rows=2),
    )


class _RadioSomeDisabled(forms.RadioSelect):
    """Radio buttons of which some choices are shown but cannot be chosen."""

    def __init__(self, disabled: set[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.disabled = disabled

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(*args, **kwargs)
        if str(option["value"]) in self.disabled:
            option["attrs"]["disabled"] = True
        return option


class CloseForm(ActionForm):
    customer_accepted = forms.TypedChoiceField(
        label=_("Did the customer accept the outcome?"),
        choices=YES_NO,
        coerce=_as_bool,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The reply held until the morning: the customer cannot have accepted it yet, so
        # "yes" is shown but not offered, with when the reply goes out (the service refuses
        # it too: resolution_rules.accepted_close_waits).
        self.reply_held: str = ""
        if not self.complaint.first_contact:
            held = reply_held_until(self.complaint)
            if held is not None and accepted_close_waits(
                customer_accepted=True, reply_held_until=held, first_contact=False, now=clock.now()
            ):
                self.reply_held = resolution.reply_held_message(held)
                accepted = self.fields["customer_accepted"]
                assert isinstance(accepted, forms.ChoiceField)
                accepted.widget = _RadioSomeDisabled({"1"})
                accepted.choices = YES_NO  # given to the new widget
        # A repeat answers the earlier complaint too: offer to close that one with it, or to
        # link the two and leave it open when it asks for more than this reply gave.
        self.earlier = earlier_open(self.complaint)
        if self.earlier is not None:
            number = self.earlier.number
            self.fields["earlier_action"] = forms.ChoiceField(
                label=_("The earlier complaint %(number)s") % {"number": number},
                choices=[
                    (
                        EarlierAction.CLOSE,
                        _("Also close %(number)s (as a duplicate of this one)")
                        % {"number": number},
                    ),
                    (
                        EarlierAction.LINK,
                        _("Link to %(number)s without closing it") % {"number": number},
                    ),
                    ("", _("Leave %(number)s as it is") % {"number": number}),
                ],
                required=False,
                initial=EarlierAction.CLOSE,
                widget=forms.RadioSelect,
            )


class StepForm(ActionForm):
    """One of S1's handling steps; the investigation step also answers its four questions."""

    step = forms.ChoiceField(choices=HandlingStep.choices, widget=forms.HiddenInput)
    text = forms.CharField(label=_("Record"), widget=textarea(STEP_TEXT_MAX_CHARS, rows=3))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in INVESTIGATION_QUESTIONS:
            self.fields[key] = forms.CharField(
                label=INVESTIGATION_LABELS[key],
                required=False,
                widget=forms.TextInput(attrs={"maxlength": str(ANSWER_MAX_CHARS)}),
            )

    @property
    def answer_fields(self) -> list[forms.BoundField]:
        return [self[key] for key in INVESTIGATION_QUESTIONS]

    def answers(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key, "") for key in INVESTIGATION_QUESTIONS}


class EvidenceForm(ActionForm):
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(EVIDENCE_TYPES))}),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": "200"}),
    )
    # What the file shows, so that the evidence a standard clause requires is checked off.
    kind = forms.ChoiceField(label=_("Evidence of"), required=False, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = blank("—") + list(EvidenceKind.choices)  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        # Refuse an oversized file before it is read into memory; the service checks the
        # type and the bytes of everything else.
        if upload.size > EVIDENCE_MAX_BYTES:
            raise forms.ValidationError(evidence_problem(upload.name, upload.size, b"") or "")
        return upload


router = Router()  # mounted on the desk's complaints router (desk/api.py)


class RemedyIn(Strict):
    type: RemedyTypeValue
    amount: Decimal = Field(default=Decimal(0), ge=0, le=1_000_000, decimal_places=2)
    note: str = ""


class ResolveIn(Strict):
    finding: Annotated[str, OneOf(Finding)]
    cause: str
    responsible_department: str
    remedies: list[RemedyIn] = Field(default_factory=list, max_length=20)
    reply: str
    # Facts a standard clause computes its remedy from (issue 5); optional, additive to API.md.
    disputed_amount: Decimal | None = Field(default=None, ge=0, max_digits=10, decimal_places=2)
    outage_days: Decimal | None = Field(default=None, ge=0, le=366, max_digits=5, decimal_places=1)
    # Accountability (R6.4, issue 13): the username of the member of the responsible
    # department it is down to, where known; optional, additive to API.md.
    responsible_staff: str | None = Field(default=None, max_length=150)


def _api_staff(username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ValidationFailed.for_field(
            "responsible_staff",
            gettext("Unknown user “%(name)s”") % {"name": username},
            message=gettext("Unknown responsible staff"),
        )
    return user


@router.post(
    "/{number}/resolve",
    operation_id="tousu_complaints_api_resolve",
    response={200: ComplaintOut, **ACTION_ERRORS},
    summary="Record the outcome",
)
def resolve(request: HttpRequest, number: str, payload: ResolveIn) -> dict[str, object]:
    complaint = api_complaint(request, number)
    reply_wording_check(payload.reply)
    complaint = complaint_resolve(
        complaint=complaint,
        actor=api_user(request),
        finding=payload.finding,
        cause=payload.cause,
        responsible_department=api_department(
            payload.responsible_department, "responsible_department"
        ),
        remedies=[RemedyInput(r.type, r.amount, r.note) for r in payload.remedies],
        reply=payload.reply,
        disputed_amount=payload.disputed_amount,
        outage_days=payload.outage_days,
        responsible_staff=_api_staff(payload.responsible_staff),
    )
    return api_render(request, complaint)


class ApproveIn(Strict):
    approved: bool
    note: str = ""


@router.post(
    "/{number}/approve",
    operation_id="tousu_complaints_api_approve",
    response={200: ComplaintOut, **ACTION_ERRORS},
    summary="Approve remedies",
)
def approve(request: HttpRequest, number: str, payload: ApproveIn) -> dict[str, object]:
    complaint = complaint_approve(
        complaint=api_complaint(request, number),
        actor=api_user(request),
        approved=payload.approved,
        note=payload.note,
    )
    return api_render(request, complaint)


class CloseIn(Strict):
    customer_accepted: bool


@router.post(
    "/{number}/close",
    operation_id="tousu_complaints_api_close",
    response={200: ComplaintOut, **ACTION_ERRORS},
    summary="Close; schedules a callback",
)
def close(request: HttpRequest, number: str, payload: CloseIn) -> dict[str, object]:
    complaint = complaint_close(
        complaint=api_complaint(request, number),
        actor=api_user(request),
        customer_accepted=payload.customer_accepted,
    )
    return api_render(request, complaint)


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
        responsible_staff=data.get("responsible_staff"),
    )
    if done.status == Status.AWAITING_APPROVAL:
        return gettext(
            "Outcome recorded. The remedies exceed your authority and wait for approval."
        )
    if done.first_contact:
        return gettext(
            "Resolved at first contact. Close it once the customer has accepted the outcome."
        )
    return gettext("Outcome recorded. The complaint is resolved.")


def _approve(c: Complaint, u: User, f: ApproveForm) -> str:
    approved = f.cleaned_data["approved"]
    resolution.complaint_approve(
        complaint=c, actor=u, approved=approved, note=f.cleaned_data["note"]
    )
    return (
        gettext("Approved.")
        if approved
        else gettext("Rejected; the complaint is back with the handler.")
    )


def _close(c: Complaint, u: User, f: CloseForm) -> str:
    accepted = f.cleaned_data["customer_accepted"]
    action = f.cleaned_data.get("earlier_action")
    if f.earlier is not None and action:
        resolution.complaint_close_repeat(
            complaint=c, actor=u, customer_accepted=accepted, earlier=f.earlier, action=action
        )
        if action == EarlierAction.LINK:
            return gettext(
                "Closed and linked to the earlier complaint %(number)s, which stays open. "
                "A callback is scheduled."
            ) % {"number": f.earlier.number}
        return gettext(
            "Closed, with the earlier complaint %(number)s. A callback is scheduled."
        ) % {"number": f.earlier.number}
    resolution.complaint_close(complaint=c, actor=u, customer_accepted=accepted)
    return gettext("Closed. A callback is scheduled.")


def _step(c: Complaint, u: User, f: StepForm) -> str:
    resolution.handling_step_record(
        complaint=c,
        actor=u,
        step=f.cleaned_data["step"],
        text=f.cleaned_data["text"],
        answers=f.answers(),
    )
    return gettext("Step recorded: %(step)s.") % {
        "step": HandlingStep(f.cleaned_data["step"]).label
    }


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
    return gettext("Evidence uploaded.")


def _may_approve(user: User, complaint: Complaint) -> bool:
    waiting = pending_approval(complaint)
    return (
        waiting is not None
        and waiting.requested_by_id != user.pk
        and permissions.can_approve(user, complaint, waiting.amount, authority_limit(user.role))
    )


def _resolve_rule(user: User, complaint: Complaint) -> str:
    """At first contact its registering agent resolves from where routing left it (S3 授权)."""
    first_contact = permissions.at_first_contact(user, complaint)
    return "resolve_first_contact" if first_contact else "resolve"


def _evidence_open(complaint: Complaint) -> bool:
    return complaint.is_open or complaint.status == Status.RESOLVED


ACTIONS: dict[str, Action] = {
    "step": Action(StepForm, permissions.can_handle, "handle", _step),
    "evidence": Action(EvidenceForm, permissions.can_add_evidence, None, _evidence, _evidence_open),
    "resolve": Action(ResolveForm, permissions.can_resolve, _resolve_rule, _resolve),
    "approve": Action(ApproveForm, _may_approve, "approve", _approve),
    "close": Action(CloseForm, permissions.can_close, "close", _close),
}
