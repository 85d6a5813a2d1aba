"""Routing's actions on a complaint: dispatch or transfer, return (退单), form the expert team."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router

from tousu.accounts import permissions
from tousu.accounts.models import Department, User
from tousu.complaints.choices import Status
from tousu.complaints.models import Complaint
from tousu.complaints.services import REASON_MAX_CHARS
from tousu.core.api import Strict
from tousu.core.errors import FieldErrors, ValidationFailed
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
from tousu.routing.selectors import team_candidates
from tousu.routing.services import (
    HANDLER_ROLES,
    TEAM_LEVELS,
    TEAM_MAX_MEMBERS,
    complaint_dispatch,
    complaint_return,
    expert_team_form,
)


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


router = Router()  # mounted on the desk's complaints router (desk/api.py)


class DispatchIn(Strict):
    department: str
    handler: str | None = None
    reason: str | None = None


@router.post(
    "/{number}/dispatch",
    operation_id="tousu_complaints_api_dispatch",
    response={200: ComplaintOut, **ACTION_ERRORS},
    summary="(Re)dispatch or transfer",
)
def dispatch(request: HttpRequest, number: str, payload: DispatchIn) -> dict[str, object]:
    complaint = api_complaint(request, number)
    department = api_department(payload.department, "department")
    handler = None
    if payload.handler:
        handler = User.objects.filter(username=payload.handler).first()
        if handler is None:
            raise ValidationFailed.for_field(
                "handler",
                gettext("Unknown user “%(name)s”") % {"name": payload.handler},
                message=gettext("Unknown handler"),
            )
    complaint = complaint_dispatch(
        complaint=complaint,
        actor=api_user(request),
        department=department,
        handler=handler,
        reason=payload.reason or "",
    )
    return api_render(request, complaint)


class ReturnIn(Strict):
    reason: str


@router.post(
    "/{number}/return",
    operation_id="tousu_complaints_api_return_",
    response={200: ComplaintOut, **ACTION_ERRORS},
    summary="Return (退单) with a reason",
)
def return_(request: HttpRequest, number: str, payload: ReturnIn) -> dict[str, object]:
    complaint = complaint_return(
        complaint=api_complaint(request, number), actor=api_user(request), reason=payload.reason
    )
    return api_render(request, complaint)


class TeamIn(Strict):
    lead: str
    members: list[str] = Field(default_factory=list, max_length=20)


def _users(usernames: list[str], field: str) -> list[User]:
    found = {u.username: u for u in User.objects.filter(username__in=usernames)}
    unknown = [name for name in usernames if name not in found]
    if unknown:
        errors = FieldErrors()
        for name in unknown:
            errors.add(field, gettext("Unknown user “%(name)s”") % {"name": name})
        errors.raise_if_any(gettext("Unknown user"))
    return [found[name] for name in usernames]


@router.post(
    "/{number}/team",
    operation_id="tousu_complaints_api_team",
    response={200: ComplaintOut, **ACTION_ERRORS},
    summary="Form the expert team",
)
def team(request: HttpRequest, number: str, payload: TeamIn) -> dict[str, object]:
    complaint = api_complaint(request, number)
    expert_team_form(
        complaint=complaint,
        actor=api_user(request),
        lead=_users([payload.lead], "lead")[0],
        members=_users(payload.members, "members"),
    )
    return api_render(request, complaint)


def _dispatch(c: Complaint, u: User, f: DispatchForm) -> str:
    data = f.cleaned_data
    complaint_dispatch(
        complaint=c,
        actor=u,
        department=data["department"],
        handler=data["handler"],
        reason=data["reason"],
    )
    return gettext("Dispatched to %(department)s.") % {"department": local_name(data["department"])}


def _return(c: Complaint, u: User, f: ReturnForm) -> str:
    done = complaint_return(complaint=c, actor=u, reason=f.cleaned_data["reason"])
    return gettext("Returned to %(department)s.") % {"department": local_name(done.department)}


def _team(c: Complaint, u: User, f: TeamForm) -> str:
    expert_team_form(
        complaint=c, actor=u, lead=f.cleaned_data["lead"], members=f.cleaned_data["members"]
    )
    return gettext("Expert team formed; its members are notified.")


def _returnable(complaint: Complaint) -> bool:
    return complaint.status != Status.REGISTERED


def _team_possible(complaint: Complaint) -> bool:
    return complaint.is_open and complaint.level in TEAM_LEVELS


ACTIONS: dict[str, Action] = {
    "dispatch": Action(DispatchForm, permissions.can_dispatch, "dispatch", _dispatch),
    "return": Action(ReturnForm, permissions.can_return, "dispatch", _return, _returnable),
    "team": Action(TeamForm, permissions.can_form_team, None, _team, _team_possible),
}
