"""Actions on many complaints at once from the list (issue 13): assign, transfer, close as a
duplicate. Each complaint goes through the same service, with the same permission checks, as
from its own page, in its own transaction: one refused complaint does not undo the others,
and every one is reported, done or refused with the reason."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tousu.accounts.models import Department, User
from tousu.complaints import selectors
from tousu.complaints.models import Complaint
from tousu.complaints.services import complaint_close_duplicate
from tousu.core.errors import DomainError, ValidationFailed
from tousu.core.templatetags.tousu_ui import local_name
from tousu.routing.services import complaint_dispatch

BULK_MAX = 100  # complaints per request: two pages of the list

BULK_ACTIONS = {
    "assign": gettext_lazy("Assign to a handler"),
    "transfer": gettext_lazy("Transfer to a department"),
    "close_duplicate": gettext_lazy("Close as a duplicate"),
}


@dataclass(frozen=True)
class BulkResult:
    """What became of one complaint of a bulk action."""

    number: str
    done: bool
    message: str


@dataclass(frozen=True)
class BulkRequest:
    """A bulk action and what it needs: the handler (assign), the department and reason
    (transfer), the original complaint (close as a duplicate)."""

    action: str
    handler: User | None = None
    department: Department | None = None
    reason: str = ""
    original: Complaint | None = None


def bulk_apply(user: User, numbers: list[str], request: BulkRequest) -> list[BulkResult]:
    """Apply the action to each complaint in turn; a result per distinct number, in order."""
    results = []
    for number in list(dict.fromkeys(numbers))[:BULK_MAX]:
        try:
            complaint = selectors.get_complaint_for_user(user, number)
            message = _apply(user, complaint, request)
        except DomainError as error:
            results.append(BulkResult(number, False, _refusal(error)))
        else:
            results.append(BulkResult(number, True, message))
    return results


def _refusal(error: DomainError) -> str:
    """The most precise reason: a field's error names what did not fit (which handler, which
    department); the headline otherwise."""
    details = [message for messages in error.fields.values() for message in messages]
    return "；".join(details) if details else error.message


def _apply(user: User, complaint: Complaint, request: BulkRequest) -> str:
    if request.action == "assign":
        assert request.handler is not None
        department = complaint.department or request.handler.department
        if department is None:
            raise ValidationFailed(_("The handler belongs to no department"))
        complaint_dispatch(
            complaint=complaint,
            actor=user,
            department=department,
            handler=request.handler,
            reason=request.reason,
        )
        return _("Assigned to %(handler)s") % {"handler": request.handler}
    if request.action == "transfer":
        assert request.department is not None
        if complaint.department_id == request.department.pk:
            raise ValidationFailed(_("Already with this department"))
        complaint_dispatch(
            complaint=complaint, actor=user, department=request.department, reason=request.reason
        )
        name = local_name(request.department)
        return _("Transferred to %(department)s") % {"department": name}
    assert request.original is not None, request.action
    complaint_close_duplicate(
        complaint=complaint, actor=user, original=request.original, reason=request.reason
    )
    return _("Closed as a duplicate of %(number)s") % {"number": request.original.number}
