"""What every action module of the desk shares: the page form's base, the description of an
action, and the API's way to find the complaint and answer with it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext as _

from tousu.accounts.models import Department, User
from tousu.accounts.views import api_user
from tousu.complaints import selectors
from tousu.complaints.models import Complaint
from tousu.core.api import Strict, errors
from tousu.core.errors import NotFound, ValidationFailed
from tousu.desk.schemas import complaints_out


class ActionForm(forms.Form):
    """A form of the complaint page; it knows the complaint it acts on."""

    def __init__(self, *args: Any, complaint: Complaint, **kwargs: Any) -> None:
        self.complaint = complaint
        super().__init__(*args, **kwargs)


def api_complaint(request: HttpRequest, number: str) -> Complaint:
    return selectors.get_complaint_for_user(api_user(request), number)


def api_department(code: str, field: str) -> Department:
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise ValidationFailed.for_field(
            field,
            _("Unknown department “%(code)s”") % {"code": code},
            message=_("Unknown department"),
        )
    return department


# An action not allowed by the caller's role answers 403, in the complaint's status 409 (API.md).
ACTION_ERRORS = errors(403, 409)


class Empty(Strict):
    pass


Run = Callable[[Complaint, User, Any], str]  # calls the service; returns the success message


@dataclass(frozen=True)
class Action:
    """An action of the complaint page: its form, who may do it, in which statuses (the
    transition table's action; or a function of the user and complaint naming it, when the
    statuses depend on who acts), what else must hold, and the service call."""

    form: type[ActionForm]
    may: Callable[[User, Complaint], bool]
    rule: str | Callable[[User, Complaint], str] | None
    run: Run
    ready: Callable[[Complaint], bool] | None = None

    def rule_for(self, user: User, complaint: Complaint) -> str | None:
        return self.rule(user, complaint) if callable(self.rule) else self.rule


def api_render(request: HttpRequest, complaint: Complaint) -> dict[str, object]:
    user = api_user(request)
    try:
        fresh = selectors.get_complaint_for_user(user, complaint.number)
    except NotFound:
        # The action succeeded and took the complaint out of the caller's scope (a transfer
        # to another department): answer with its state, not a 404 for a change that was made.
        fresh = complaint
    return complaints_out(user, [fresh], "api")[0]
