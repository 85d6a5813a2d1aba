"""Forms of the complaint pages. They parse what people type into the arguments of a service;
the services validate the business rules, and `apply_domain_error` puts what they refuse back
on the form, next to the field it concerns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tousu.accounts.models import Department, Region, User
from tousu.callbacks.choices import SCORE_FACTORS, CallbackResult, DissatisfiedAction
from tousu.classification.forms import category_choices, category_from_code
from tousu.classification.models import Category
from tousu.complaints.choices import LEVEL_RANK, Cause, Channel, Finding, Level, Status, TimeLeft
from tousu.complaints.models import Complaint
from tousu.complaints.selectors import ComplaintFilters
from tousu.complaints.services import NOTE_MAX_CHARS, REASON_MAX_CHARS
from tousu.core.api import parse_time_bound
from tousu.core.forms import LocalNameChoiceField, blank, textarea
from tousu.core.templatetags.tousu_ui import local_name
from tousu.core.text import normalise_phone
from tousu.desk.templatetags.complaint_tags import INVESTIGATION_LABELS, SCORE_LABELS
from tousu.resolution.choices import (
    INVESTIGATION_QUESTIONS,
    EvidenceKind,
    HandlingStep,
    RemedyType,
)
from tousu.resolution.rules import EVIDENCE_MAX_BYTES, EVIDENCE_TYPES, evidence_problem
from tousu.resolution.services import REPLY_MAX_CHARS, RemedyInput
from tousu.routing.selectors import team_candidates
from tousu.routing.services import HANDLER_ROLES, TEAM_MAX_MEMBERS

REMEDY_ROWS = 5
STEP_TEXT_MAX_CHARS = 2_000
ANSWER_MAX_CHARS = 500
CALLBACK_COMMENT_MAX_CHARS = 2_000


def local_date_bound(day: dt.date | None, field: str, *, end: bool = False) -> dt.datetime | None:
    return parse_time_bound(day.isoformat(), field, end=end) if day else None


# ---- the complaint list ---------------------------------------------------------------------


class ComplaintFilterForm(forms.Form):
    """The list page's filters (GET); every field optional."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Words in the text")}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    received_from = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=_("Received to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    customer_phone = forms.CharField(
        label=_("Customer phone"),
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    time_left = forms.ChoiceField(label=_("Time left"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    repeat = forms.BooleanField(label=_("Repeat complaints only"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        any_value = _("All")
        fields = self.fields
        fields["status"].choices = blank(any_value) + list(Status.choices)  # type: ignore[attr-defined]
        fields["category"].choices = category_choices(any_value)  # type: ignore[attr-defined]
        fields["channel"].choices = blank(any_value) + list(Channel.choices)  # type: ignore[attr-defined]
        fields["level"].choices = blank(any_value) + list(Level.choices)  # type: ignore[attr-defined]
        fields["time_left"].choices = blank(any_value) + list(TimeLeft.choices)  # type: ignore[attr-defined]
        fields["department"].choices = blank(any_value) + [  # type: ignore[attr-defined]
            (d.code, local_name(d)) for d in Department.objects.filter(active=True)
        ]
        fields["region"].choices = blank(any_value) + [  # type: ignore[attr-defined]
            (r.code, local_name(r)) for r in Region.objects.all()
        ]

    def clean_customer_phone(self) -> str:
        value = self.cleaned_data["customer_phone"].strip()
        if value and normalise_phone(value) is None:
            raise forms.ValidationError(_("Not a valid phone number."))
        return normalise_phone(value) or ""

    def filters(self) -> ComplaintFilters:
        """The filters from the fields that are valid; call after `is_valid()`."""
        data = self.cleaned_data
        return ComplaintFilters(
            status=data.get("status", ""),
            category=data.get("category", ""),
            channel=data.get("channel", ""),
            level=data.get("level", ""),
            department=data.get("department", ""),
            region=data.get("region", ""),
            overdue=data.get("overdue", False),
            time_left=data.get("time_left", ""),
            repeat=data.get("repeat", False),
            received_from=local_date_bound(data.get("received_from"), "received_from"),
            received_to=local_date_bound(data.get("received_to"), "received_to", end=True),
            customer_phone=data.get("customer_phone", ""),
            q=data.get("q", "").strip(),
        )


# ---- actions on the complaint page ----------------------------------------------------------


class ActionForm(forms.Form):
    """A form of the complaint page; it knows the complaint it acts on."""

    def __init__(self, *args: Any, complaint: Complaint, **kwargs: Any) -> None:
        self.complaint = complaint
        super().__init__(*args, **kwargs)


class AcceptForm(ActionForm):
    pass


class DispatchForm(ActionForm):
    department = LocalNameChoiceField(
        label=_("Department"), queryset=Department.objects.filter(active=True)
    )
    handler = forms.ChoiceField(label=_("Handler"), required=False)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        help_text=_("Required when moving the complaint to another department."),
        widget=textarea(REASON_MAX_CHARS, rows=2),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].initial = self.complaint.department_id
        handlers = (
            User.objects.filter(role__in=HANDLER_ROLES, is_active=True, department__isnull=False)
            .select_related("department")
            .order_by("department__code", "username")
        )
        groups: dict[str, list[tuple[str, str]]] = {}
        for user in handlers:
            groups.setdefault(local_name(user.department), []).append((user.username, str(user)))
        self.fields["handler"].choices = blank(_("Anyone in the department")) + list(  # type: ignore[attr-defined]
            groups.items()
        )
        self.fields["handler"].initial = (
            self.complaint.handler.username if self.complaint.handler else ""
        )

    def clean_handler(self) -> User | None:
        username = self.cleaned_data["handler"]
        return User.objects.filter(username=username).first() if username else None


class NoteForm(ActionForm):
    text = forms.CharField(label=_("Note"), widget=textarea(NOTE_MAX_CHARS))


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


class ResolveForm(ActionForm):
    finding = forms.ChoiceField(label=_("Finding"), choices=Finding.choices)
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        complaint = self.complaint
        record = getattr(complaint, "handling", None)
        if record is not None:
            self.fields["disputed_amount"].initial = record.disputed_amount
            self.fields["outage_days"].initial = record.outage_days
        self.fields["responsible_department"].initial = (
            complaint.responsible_department_id or complaint.department_id
        )
        self.fields["finding"].initial = complaint.finding
        self.fields["cause"].initial = complaint.cause
        self.fields["reply"].initial = complaint.reply
        # Each row is a line of three inputs under one heading: labelled for screen readers.
        for i in range(1, REMEDY_ROWS + 1):
            self.fields[f"remedy_{i}_type"] = forms.ChoiceField(
                label=_("Remedy"),
                required=False,
                choices=blank("") + list(RemedyType.choices),
                widget=forms.Select(attrs={"aria-label": _("Remedy")}),
            )
            self.fields[f"remedy_{i}_amount"] = forms.DecimalField(
                label=_("Amount (yuan)"),
                required=False,
                min_value=0,
                decimal_places=2,
                widget=forms.NumberInput(
                    attrs={"step": "0.01", "min": "0", "aria-label": _("Amount (yuan)")}
                ),
            )
            self.fields[f"remedy_{i}_note"] = forms.CharField(
                label=_("Remedy note"),
                required=False,
                widget=forms.TextInput(attrs={"maxlength": "200", "aria-label": _("Remedy note")}),
            )

    @property
    def remedy_rows(self) -> list[tuple[forms.BoundField, ...]]:
        return [
            (self[f"remedy_{i}_type"], self[f"remedy_{i}_amount"], self[f"remedy_{i}_note"])
            for i in range(1, REMEDY_ROWS + 1)
        ]

    def remedies(self) -> list[RemedyInput]:
        data = self.cleaned_data
        return [
            RemedyInput(
                data[f"remedy_{i}_type"],
                data.get(f"remedy_{i}_amount") or 0,
                data.get(f"remedy_{i}_note", ""),
            )
            for i in range(1, REMEDY_ROWS + 1)
            if data.get(f"remedy_{i}_type")
        ]


YES_NO = [("1", _("Yes")), ("0", _("No"))]


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


class CloseForm(ActionForm):
    customer_accepted = forms.TypedChoiceField(
        label=_("Did the customer accept the outcome?"),
        choices=YES_NO,
        coerce=_as_bool,
        widget=forms.RadioSelect,
    )


class ReopenForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), widget=textarea(REASON_MAX_CHARS, rows=2))


class PauseForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("What the customer is to provide, e.g. a copy of the bill."),
        widget=textarea(200, rows=2),
    )


class ResumeForm(ActionForm):
    pass


class ReturnForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("Why this complaint is not for your department."),
        widget=textarea(REASON_MAX_CHARS, rows=2),
    )


class TeamForm(ActionForm):
    """The expert team (R3.4): a lead and members, grouped by department."""

    lead = forms.ChoiceField(label=_("Lead"))
    members = forms.MultipleChoiceField(
        label=_("Members"),
        required=False,
        help_text=_("From several departments: customer service, marketing, network, legal…"),
        widget=forms.SelectMultiple(attrs={"size": "8"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[str, str]]] = {}
        self._users: dict[str, User] = {}
        for user in team_candidates():
            self._users[user.username] = user
            groups.setdefault(local_name(user.department), []).append((user.username, str(user)))
        choices = list(groups.items())
        self.fields["lead"].choices = blank("—") + choices  # type: ignore[attr-defined]
        self.fields["members"].choices = choices  # type: ignore[attr-defined]
        team = getattr(self.complaint, "expert_team", None)
        if team is not None:
            self.fields["lead"].initial = team.lead.username
            self.fields["members"].initial = [m.user.username for m in team.members.all()]

    def clean_lead(self) -> User:
        return self._users[self.cleaned_data["lead"]]

    def clean_members(self) -> list[User]:
        names = self.cleaned_data["members"]
        if len(names) > TEAM_MAX_MEMBERS:
            raise forms.ValidationError(_("At most %(n)d members.") % {"n": TEAM_MAX_MEMBERS})
        return [self._users[name] for name in names]


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


class CategoriseForm(ActionForm):
    """Set or correct the category of a complaint (complaint page)."""

    category = forms.ChoiceField(label=_("Category"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(_("Choose a category"))  # type: ignore[attr-defined]
        if self.complaint.category is not None:
            self.fields["category"].initial = self.complaint.category.code

    def clean_category(self) -> Category:
        return category_from_code(self.cleaned_data["category"])


class TriageForm(forms.Form):
    """One row of the triage queue: which complaint, which category."""

    number = forms.CharField(max_length=32, widget=forms.HiddenInput)
    category = forms.ChoiceField(label=_("Category"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(_("Choose a category"))  # type: ignore[attr-defined]

    def clean_category(self) -> Category:
        return category_from_code(self.cleaned_data["category"])
