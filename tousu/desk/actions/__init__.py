"""The actions staff take on one complaint, one module per owning domain (its page form, API
input schema and endpoint, and the call of its service). Which actions a user is offered is
decided here, in one place, from the permission predicates and the status machine; the services
check the same again when the action is posted."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.complaints import rules
from tousu.complaints.models import Complaint
from tousu.complaints.services import archived_refusal
from tousu.core.errors import DomainError, InvalidTransition, NotAllowed
from tousu.desk.actions import (
    callbacks,
    classification,
    complaints,
    messages,
    resolution,
    routing,
    sla,
)
from tousu.desk.actions.base import Action, ActionForm
from tousu.resolution.choices import HandlingStep

MODULES = (complaints, routing, sla, resolution, callbacks, classification, messages)
# Their API endpoints, under /api/v1/complaints/{number}/… (categorising has none in API.md).
ROUTERS = (complaints.router, routing.router, sla.router, resolution.router, callbacks.router)

# The order the complaint page offers them in: the handling path first, then the rest.
ORDER = (
    "accept",
    "dispatch",
    "return",
    "step",
    "evidence",
    "resolve",
    "approve",
    "close",
    "callback",
    "reopen",
    "unmerge",
    "escalate",
    "pause",
    "resume",
    "note",
    "message",
    "team",
    "merge",
    "categorise",
)
_ALL: dict[str, Action] = {name: a for m in MODULES for name, a in m.ACTIONS.items()}
ACTIONS: dict[str, Action] = {name: _ALL[name] for name in ORDER}


def refusal(user: User, complaint: Complaint, name: str) -> DomainError | None:
    """Why `user` may not do action `name` now (403 for who, 409 for when), or None."""
    action = ACTIONS[name]
    if complaint.archived_at is not None:  # read-only (R5.4): complaint_lock refuses it too
        return archived_refusal(complaint)
    if not action.may(user, complaint):
        return NotAllowed(_("Your role or data scope does not allow this action."))
    rule = action.rule_for(user, complaint)
    if (rule and not rules.allowed(rule, complaint.status)) or (
        action.ready and not action.ready(complaint)
    ):
        return InvalidTransition(
            _("This action is not possible while the complaint is «%(status)s».")
            % {"status": complaint.get_status_display()}
        )
    return None


def available_actions(user: User, complaint: Complaint) -> list[str]:
    return [name for name in ACTIONS if refusal(user, complaint, name) is None]


def action_form(
    name: str,
    complaint: Complaint,
    data: Any = None,
    files: Any = None,
    *,
    key: str = "",
    initial: dict[str, Any] | None = None,
) -> ActionForm:
    # Every form of the page gets its own element ids (`key`); field names stay plain.
    return ACTIONS[name].form(
        data, files, complaint=complaint, auto_id=f"id_{key or name}_%s", initial=initial
    )


def step_key(step: str) -> str:
    return f"step_{step}" if step in HandlingStep.values else "step"
