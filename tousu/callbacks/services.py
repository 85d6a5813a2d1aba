from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.callbacks.choices import (
    SCORE_FACTORS,
    CallbackResult,
    CallbackStatus,
    DissatisfiedAction,
)
from tousu.callbacks.models import CallbackTask
from tousu.callbacks.signals import callback_recorded
from tousu.complaints import rules
from tousu.complaints.choices import EventType, Status
from tousu.complaints.models import Complaint
from tousu.complaints.services import _require, complaint_lock, event_record
from tousu.core import clock
from tousu.core.errors import FieldErrors, ValidationFailed, one_of_message, too_long_message
from tousu.core.reasons import reason, reason_kind
from tousu.core.text import clean_text
from tousu.notifications.services import webhook_emit
from tousu.sla.services import complaint_reopen_apply

COMMENT_MAX_CHARS = 2_000


def callback_schedule(*, complaint: Complaint) -> CallbackTask:
    """Precondition: inside the transaction that closed the complaint (row locked)."""
    now = clock.now()
    # A reopened-and-closed-again complaint has one pending callback, about the latest outcome.
    complaint.callbacks.filter(status=CallbackStatus.PENDING).update(
        status=CallbackStatus.CANCELLED
    )
    task = CallbackTask.objects.create(
        complaint=complaint,
        due_at=now + dt.timedelta(hours=settings.TOUSU_CALLBACK_DUE_HOURS),
        created_at=now,
    )
    event_record(
        complaint=complaint,
        type=EventType.CALLBACK_SCHEDULED,
        actor=None,
        data={"due_at": task.due_at.isoformat()},
    )
    return task


def _scores_clean(scores: dict[str, int], errors: FieldErrors) -> dict[str, int]:
    """The scores of known factors that are whole numbers 1 to 5; the others are errors."""
    clean: dict[str, int] = {}
    for key, value in scores.items():
        if key not in SCORE_FACTORS:
            errors.add("scores", _("Unknown score “%(key)s”") % {"key": key})
        elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            errors.add("scores", _("%(key)s must be a whole number from 1 to 5") % {"key": key})
        else:
            clean[key] = value
    return clean


def complaint_callback_record(
    *,
    complaint: Complaint,
    actor: User,
    result: str,
    scores: dict[str, int] | None,
    comment: str = "",
    dissatisfied_action: str = DissatisfiedAction.REOPEN,
) -> CallbackTask:
    """Record the callback (R8.1). Dissatisfied → reopened for the handler, or handed to the
    repair programme (R8.2). An unreachable customer leaves no scores."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        _require(permissions.can_callback(actor, complaint))
        rules.next_status("callback", complaint.status)
        task = complaint.callbacks.filter(status=CallbackStatus.PENDING).first()
        if task is None:
            raise ValidationFailed(_("No callback is due"))
        errors = FieldErrors()
        if result not in CallbackResult.values:
            errors.add("result", one_of_message(CallbackResult.values))
        if dissatisfied_action not in DissatisfiedAction.values:
            errors.add("action", one_of_message(DissatisfiedAction.values))
        clean_scores = _scores_clean(scores or {}, errors)
        if result == CallbackResult.UNREACHABLE and clean_scores:
            errors.add("scores", _("An unreachable customer gives no scores"))
        text = clean_text(comment or "")
        if len(text) > COMMENT_MAX_CHARS:
            errors.add("comment", too_long_message(COMMENT_MAX_CHARS))
        errors.raise_if_any(_("The callback record has errors"))
        task.status = CallbackStatus.DONE
        task.result = result
        for key in SCORE_FACTORS:
            setattr(task, key, clean_scores.get(key))
        task.comment = text
        task.done_by = actor
        task.done_at = clock.now()
        task.save()
        event_record(
            complaint=complaint,
            type=EventType.CALLBACK,
            actor=actor,
            data={"result": result, "scores": clean_scores, "comment": text},
        )
        # The comment stays inside: the customer's own words may name people.
        hook = {"result": result, "scores": clean_scores}
        webhook_emit(event=EventType.CALLBACK, complaint=complaint, data=hook)
        transaction.on_commit(lambda: callback_recorded.send(sender=CallbackTask, task=task))
        if result == CallbackResult.DISSATISFIED:
            if dissatisfied_action == DissatisfiedAction.REOPEN:
                complaint_reopen_apply(
                    complaint,
                    status=rules.next_status("callback", complaint.status, alternative=True),
                    actor=actor,
                    reason=reason("callback.dissatisfied", comment=text)
                    if text
                    else reason("callback.dissatisfied_silent"),
                )
            else:
                complaint.needs_repair = True
                complaint.save(update_fields=["needs_repair", "updated_at"])
                event_record(
                    complaint=complaint, type=EventType.REPAIR_FLAGGED, actor=actor, data={}
                )
    assert complaint.status in (Status.CLOSED, Status.IN_PROGRESS)
    return task


# ---- the reasons written above, in the reader's language (tousu.core.reasons) -----------------
# A reopening written before codes holds the Chinese text; `legacy` reads it back.
reason_kind(
    "callback.dissatisfied_silent",
    gettext_lazy("Dissatisfied at the callback"),
    legacy="回访不满意：dissatisfied",
)
reason_kind(
    "callback.dissatisfied",
    gettext_lazy("Dissatisfied at the callback: %(comment)s"),
    legacy="回访不满意：(?P<comment>.*)",
)
