"""Reads for intake: the reference rows a registration names, and what the customer's public
status page may show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tousu.accounts import permissions
from tousu.accounts.choices import Role
from tousu.accounts.models import Region, User
from tousu.classification.models import Category
from tousu.classification.selectors import active_category
from tousu.complaints.choices import Status
from tousu.complaints.models import Complaint
from tousu.core.clock import local
from tousu.core.errors import NotFound
from tousu.core.refcache import RefCache
from tousu.core.text import normalise_phone
from tousu.intake.models import EmotionModel, ImportRun, RiskTerm

if TYPE_CHECKING:
    from tousu.intake.emotion import AngerModel


def _regions() -> dict[str, Region]:
    return {r.code: r for r in Region.objects.all()}


# Registrations name regions by code: the (small) table, per process (tousu.core.refcache).
_region_table = RefCache("regions", _regions, models=("accounts.Region",))


def references_by_code(*, category: str, region: str) -> tuple[Category | None, Region | None]:
    """The active category (with its parent, which automatic assignment weighs) and the region
    a registration names by code; None for a code not given or not found. Both from the
    per-process copies of their (small) tables: no query once they are loaded; shared
    instances, not to be changed."""
    return active_category(category), (_region_table.get().get(region) if region else None)


def public_status(number: str, phone: str) -> dict[str, Any]:
    """The status for the complaint's own customer; anything else is "not found", so that the
    page cannot be used to learn which numbers exist or whose they are."""
    normalised = normalise_phone(phone or "")
    complaint = (
        Complaint.objects.select_related("category", "category__parent", "customer")
        .filter(number=number.strip().upper())
        .first()
    )
    if complaint is None or normalised is None or complaint.customer.phone != normalised:
        raise NotFound(_("No complaint with this number and phone number; please check both"))
    replied = complaint.status in (Status.RESOLVED, Status.CLOSED)
    return {
        "updates": progress_replies(complaint),
        "number": complaint.number,
        "status": complaint.status,
        "status_name": str(Status(complaint.status).label),
        "received_at": local(complaint.received_at),
        "reply_due": local(complaint.resolution_due),
        "category": complaint.category.path_name if complaint.category else None,
        "reply": complaint.reply if replied else None,
        "closed_at": local(complaint.closed_at) if complaint.closed_at else None,
    }


def progress_replies(complaint: Complaint) -> list[dict[str, Any]]:
    """What we told the customer while the complaint was open (an incident's statement, R10.4)
    and the notes written for them (`internal` false), oldest first."""
    from tousu.complaints.choices import EventType

    told = Q(type=EventType.PROGRESS_REPLY) | Q(type=EventType.NOTE, data__internal=False)
    rows = complaint.events.filter(told).order_by("seq").values_list("at", "data")
    return [
        {"at": local(at), "text": str(data.get("reply") or data.get("text") or "")}
        for at, data in rows
    ]


# ---- the complaints whose risk is to be weighed again (R10.2) ----------------------------------

RESCORE_BATCH = 200


def risk_rescore_due(now: dt.datetime) -> list[int]:
    """Open complaints with an event newer than their risk's last weighing, or past their
    limit since: at most RESCORE_BATCH."""
    from django.db.models import F, Q

    from tousu.complaints.rules import OPEN_STATUSES

    late = Q(resolution_due__lte=now) & (
        Q(risk_scored_at__isnull=True) | Q(risk_scored_at__lt=F("resolution_due"))
    )
    stale = Q(risk_scored_seq__lt=F("event_seq")) | late
    due = Complaint.objects.filter(stale, status__in=OPEN_STATUSES, risk_score__isnull=False)
    return list(due.order_by("pk").values_list("pk", flat=True)[:RESCORE_BATCH])


def lives(pks: list[int], now: dt.datetime) -> dict[int, tuple[Any, Any]]:
    """For each complaint of `pks`: its registration's risk (score, reasons) and its `Life`
    since, in five queries whatever the number."""
    from django.db.models import Count

    from tousu.callbacks.choices import CallbackResult
    from tousu.callbacks.models import CallbackTask
    from tousu.complaints.choices import EventType
    from tousu.complaints.models import ComplaintEvent
    from tousu.intake.risk import Life

    rows = Complaint.objects.filter(pk__in=pks).values_list("pk", "resolution_due")
    events = ComplaintEvent.objects.filter(complaint_id__in=pks)
    base = {
        c: (d.get("risk") or {})
        for c, d in events.filter(type=EventType.REGISTERED).values_list("complaint_id", "data")
    }
    counts: dict[tuple[int, str], int] = {
        (c, t): n
        for c, t, n in events.filter(type__in=[EventType.TRANSFERRED, EventType.REOPENED])
        .values_list("complaint_id", "type")
        .annotate(n=Count("pk"))
    }
    notes: dict[int, list[str]] = {}
    for c, d in events.filter(type=EventType.NOTE).values_list("complaint_id", "data"):
        notes.setdefault(c, []).append(str(d.get("text", "")))
    unhappy = dict(
        CallbackTask.objects.filter(complaint_id__in=pks, result=CallbackResult.DISSATISFIED)
        .values_list("complaint_id")
        .annotate(n=Count("pk"))
    )
    again = dict(
        Complaint.objects.filter(repeat_of_id__in=pks)
        .values_list("repeat_of_id")
        .annotate(n=Count("pk"))
    )
    out = {}
    for pk, due in rows:
        risk = base.get(pk, {})
        life = Life(
            overdue=due <= now,
            transfers=counts.get((pk, EventType.TRANSFERRED), 0),
            reopened=counts.get((pk, EventType.REOPENED), 0),
            dissatisfied_callbacks=unhappy.get(pk, 0),
            repeated_by=again.get(pk, 0),
            notes=tuple(notes.get(pk, ())),
        )
        out[pk] = ((float(risk.get("score") or 0.0), list(risk.get("reasons") or [])), life)
    return out


# ---- import runs (issue 17) ------------------------------------------------------------------


def import_runs_for(user: User) -> QuerySet[ImportRun]:
    """The import runs `user` may see: their own uploads (an error file holds the customers'
    data of every row it lists); an administrator sees everyone's."""
    runs = ImportRun.objects.select_related("uploaded_by")
    if not permissions.can_import(user):
        return runs.none()
    return runs if user.role == Role.ADMIN else runs.filter(uploaded_by=user)


def import_run_get_for_user(user: User, pk: int) -> ImportRun:
    run = import_runs_for(user).filter(pk=pk).first()
    if run is None:
        raise NotFound(_("No such import"))
    return run


# ---- the assessment's configuration: risk terms and the anger model ---------------------------


def _markers() -> list[tuple[str, float, str]]:
    from tousu.intake.risk import DEFAULT_RISK_TERMS

    rows = list(RiskTerm.objects.values_list("term", "weight", "reason", "active"))
    if not rows:
        return [(term, weight, why) for term, weight, why, _kind in DEFAULT_RISK_TERMS]
    return [(term, weight, why) for term, weight, why, active in rows if active]


def _anger_model() -> AngerModel | None:
    blob = EmotionModel.objects.filter(active=True).values_list("blob", flat=True).first()
    if blob is None:
        return None
    from tousu.intake.emotion import AngerModel  # scikit-learn: only when there is a model

    return AngerModel.loads(bytes(blob))


# Every registration weighs its text with them: per-process copies (tousu.core.refcache), read
# again at once after a term or model is saved in this process (the admin), at the latest a
# minute after a change made in another.
_risk_terms = RefCache("risk terms", _markers, models=("intake.RiskTerm",))
_anger = RefCache("anger model", _anger_model, models=("intake.EmotionModel",))


def risk_markers() -> list[tuple[str, float, str]]:
    """The active risk terms as (term, weight, reason text), for intake.risk. A table with no
    rows at all (a database emptied by hand or by a test flush, not one whose terms an admin
    switched off) reads as the default vocabulary."""
    return _risk_terms.get()


def anger_scorer() -> Callable[[str], float] | None:
    """The active anger model (intake.emotion.AngerModel), or None when none was trained."""
    return _anger.get()


# ---- the customer's own page (issue 17) ----------------------------------------------------


def page_complaint(pk: int) -> Complaint | None:
    """The complaint a page session names, with what its page shows."""
    return (
        Complaint.objects.select_related("category", "category__parent", "customer")
        .filter(pk=pk)
        .first()
    )


def customer_page(complaint: Complaint) -> dict[str, Any]:
    """What the customer reads on their own page: the status, the due time, the steps meant
    for them, the messages to and from them (never a one-time code, nor one we did not send),
    the reply once given, and whether they may accept it or ask to reopen it."""
    from tousu.intake.rules import CUSTOMER_STEPS, customer_step_visible
    from tousu.messages.choices import MessageKind, MessageStatus
    from tousu.messages.models import Message

    events = list(
        complaint.events.filter(type__in=list(CUSTOMER_STEPS)).values_list(
            "at", "type", "actor_name", "data"
        )
    )
    steps = [
        {"at": local(at), "text": CUSTOMER_STEPS[kind], "detail": _step_detail(kind, data)}
        for at, kind, actor, data in events
        if customer_step_visible(kind, actor)
    ]
    messages = [
        {"at": local(m.created_at), "incoming": m.direction == "in", "text": m.text}
        for m in Message.objects.filter(complaint=complaint)
        .exclude(kind=MessageKind.CODE)
        .exclude(status__in=[MessageStatus.WITHHELD, MessageStatus.FAILED])
        .only("created_at", "direction", "text")
    ]
    replied = complaint.status in (Status.RESOLVED, Status.CLOSED)
    reopened = any(kind == "reopened" and actor == "customer" for _a, kind, actor, _d in events)
    return {
        "number": complaint.number,
        "status": complaint.status,
        "status_name": str(Status(complaint.status).label),
        "received_at": local(complaint.received_at),
        "reply_due": local(complaint.resolution_due),
        "open": complaint.is_open,
        "category": complaint.category.path_name if complaint.category else None,
        "reply": complaint.reply if replied else None,
        "closed_at": local(complaint.closed_at) if complaint.closed_at else None,
        "steps": steps,
        "messages": messages,
        "can_answer": complaint.status == Status.RESOLVED,
        "can_reopen": complaint.status == Status.RESOLVED and not reopened,
        "takes_files": complaint.is_open or complaint.status == Status.RESOLVED,
    }


def _step_detail(kind: str, data: dict[str, Any]) -> str:
    """The part of a step the customer reads beside it: a progress update's text, the name of
    the file they sent."""
    from tousu.complaints.choices import EventType

    if kind == EventType.PROGRESS_REPLY:
        return str(data.get("reply", ""))
    if kind == EventType.EVIDENCE_ADDED:
        return str(data.get("name", ""))
    return ""


def survey_task(task_id: int) -> Any:
    """The callback task a survey link names, with its complaint; None when there is none."""
    from tousu.callbacks.models import CallbackTask

    return CallbackTask.objects.select_related("complaint").filter(pk=task_id).first()
