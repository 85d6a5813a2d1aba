"""Writes of early warning: the hourly spike scan raises, follows and ends alerts (R10.1)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils.translation import gettext

from tousu.accounts import permissions
from tousu.accounts.models import Department, Region, User
from tousu.complaints.choices import EventType, Status
from tousu.complaints.models import Complaint
from tousu.complaints.rules import OPEN_STATUSES
from tousu.complaints.services import EventDraft, complaint_lock, event_record, events_record
from tousu.complaints.timeline import json_safe
from tousu.core import clock
from tousu.core.errors import (
    Conflict,
    DomainError,
    FieldErrors,
    InvalidTransition,
    NotAllowed,
    ValidationFailed,
    one_of_message,
    required_message,
    too_long_message,
)
from tousu.core.jobs import enqueue_on_commit
from tousu.core.reasons import each_language, reason
from tousu.core.templatetags.tousu_ui import listed
from tousu.core.text import clean_text
from tousu.early_warning import forecast, rules, selectors
from tousu.early_warning.choices import (
    CARE_OUTCOMES,
    CARE_RECORDABLE,
    FAULT_DEPARTMENTS,
    AlertKind,
    CareStatus,
    IncidentActionKind,
    IncidentEventType,
    IncidentLevel,
    IncidentStatus,
    MediaTone,
    ProposalStatus,
)
from tousu.early_warning.fault_file import FaultInput
from tousu.early_warning.models import (
    Alert,
    BacklogModel,
    CareItem,
    Fault,
    Incident,
    IncidentAction,
    IncidentApplication,
    IncidentComplaint,
    IncidentEvent,
    IncidentProposal,
    MediaLogEntry,
    Statement,
)
from tousu.intake.selectors import risk_markers
from tousu.notifications.choices import NotificationKind
from tousu.notifications.services import notify, webhook_emit_record
from tousu.resolution.services import (
    RemedyInput,
    complaint_close,
    complaint_resolve,
    outcome_within_authority,
)

EXAMPLES = 5
ALERT_EVENT = "alert"


def slice_key(slice_: rules.Slice) -> str:
    return ",".join(f"{d}={v}" for d, v in slice_)


def _payload(alert: Alert, label: str) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "slice": dict(alert.slice),
        "label": label,
        "window": alert.window,
        "observed": alert.observed,
        "expected": round(alert.expected, 1),
        "detected_at": alert.detected_at.isoformat(),
        "terms": [t["term"] for t in alert.terms],
        "examples": alert.examples,
    }


def alert_raise(finding: rules.Finding, *, now: dt.datetime) -> Alert | None:
    """A new alert for a flagged slice, its terms and sample complaints, the configured roles
    notified and the webhook queued — or None when the slice already has an ongoing alert
    (another worker raised it first)."""
    window = finding.strongest
    last = selectors.hour_number(now) - 1
    first = last if window.name == "hour" else last - 23
    start, end = selectors.hour_start(first), selectors.hour_start(last + 1)
    term_start = selectors.hour_start(min(first, last + 1 - rules.TERM_HOURS))
    spike_docs, base_docs, numbers = selectors.spike_words(
        finding.slice, window_start=term_start, window_end=end
    )
    terms = [{"term": w, "docs": k} for w, k, _score in rules.rising_words(spike_docs, base_docs)]
    labels = selectors.slice_labels([finding.slice])
    label = selectors.slice_text(finding.slice, labels)
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                kind=AlertKind.SPIKE,
                slice=[list(pair) for pair in finding.slice],
                slice_key=slice_key(finding.slice),
                window=window.name,
                observed=window.observed,
                expected=window.expected,
                z=window.z,
                window_start=start,
                detected_at=now,
                last_seen_at=now,
                peak_day=finding.day.observed,
                terms=terms,
                examples=numbers[:EXAMPLES],
            )
            users = User.objects.filter(is_active=True, role__in=settings.TOUSU_ALERT_ROLES)
            text = reason(
                "notice.alert",
                # Named in each language: the reader's is not known until the notice is read.
                slice=each_language(
                    lambda: selectors.slice_text(
                        finding.slice, selectors.slice_labels([finding.slice])
                    )
                ),
                observed=window.observed,
                expected=f"{window.expected:.1f}"
                if window.expected >= 1
                else f"{window.expected:.2f}",
            )
            notify(users=users, kind=NotificationKind.ALERT, text=text)
            webhook_emit_record(event=ALERT_EVENT, data=_payload(alert, label))
    except IntegrityError:
        return None  # one ongoing alert per slice: someone else's scan raised it
    return alert


def alert_scan(*, now: dt.datetime | None = None) -> dict[str, int]:
    """One scan as of `now` (default: the clock): ongoing alerts whose wave has passed are
    ended, the others followed; new waves raise one alert each, unless an ongoing alert covers
    the same complaints (a broader or narrower slice of it). Idempotent: a second scan of the
    same hour raises nothing new."""
    now = now or clock.now()
    found = selectors.findings(now)
    by_slice = {f.slice: f for f in found}
    ongoing = selectors.ongoing_alerts()
    ended = 0
    for alert in ongoing:
        finding = by_slice.get(tuple(tuple(p) for p in alert.slice))
        if finding is None or not finding.still_high:
            alert.ended_at = now
            alert.save(update_fields=["ended_at"])
            ended += 1
        else:
            alert.last_seen_at = now
            alert.peak_day = max(alert.peak_day, finding.day.observed)
            alert.save(update_fields=["last_seen_at", "peak_day"])
    covered = [by_slice[tuple(tuple(p) for p in a.slice)] for a in ongoing if a.ended_at is None]
    raised = 0
    for finding in rules.one_per_wave(found):
        if any(rules.same_wave(finding, other, by_slice) for other in covered):
            continue
        if alert_raise(finding, now=now) is not None:
            covered.append(finding)
            raised += 1
    return {"slices": len(found), "raised": raised, "ended": ended, "ongoing": len(covered)}


def alert_acknowledge(*, alert: Alert, actor: User) -> Alert:
    """Someone has seen the alert and taken it on; said once."""
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.acknowledged_at is not None:
            raise ValidationFailed(gettext("The alert is already acknowledged"))
        alert.acknowledged_by = actor
        alert.acknowledged_at = clock.now()
        alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    return alert


def backlog_model_train(*, now: dt.datetime | None = None) -> BacklogModel | None:
    """Learn the backlog forecast from the closed complaints of the last HISTORY_DAYS and
    store it as a new BacklogModel row (one per run; the newest is used). None, and nothing
    written, when the history has too little to learn from (no breach, or no on-time one)."""
    now = now or clock.now()
    history, loads = selectors.forecast_history(now)
    fit = forecast.train(forecast.snapshots(history, loads))
    if fit is None:
        return None
    return BacklogModel.objects.create(
        trained_at=now,
        rows=fit.rows,
        base_rate=fit.base_rate,
        coefficients=fit.model.as_json(),
        calibration=fit.calibration,
        brier=fit.brier,
        base_brier=fit.base_brier,
    )


# ---- known faults and their proactive-care lists (issue 15 item 3) ---------------------------

# A customer on a care list is to be called within this many hours of being listed: during an
# outage, before they call us.
CARE_DUE_HOURS = 24
# The care scan follows faults that started within this many days (or have not ended).
CARE_FOLLOW_DAYS = 30
CARE_NOTE_MAX = 2000


@dataclass
class FaultImport:
    created: list[Fault] = field(default_factory=list)
    existing: list[Fault] = field(default_factory=list)  # imported before: left as they were


def faults_import(
    *, faults: list[FaultInput], source: str, now: dt.datetime | None = None
) -> FaultImport:
    """Write the faults of a checked file (`fault_file.fault_rows` found no error), all in one
    transaction; a fault whose key was imported before is left alone, so importing the same
    file twice creates nothing the second time. Their care lists are built after commit
    (`care_list_build`), by the caller."""
    now = now or clock.now()
    result = FaultImport()
    departments = {
        d.code: d for d in Department.objects.filter(code__in=FAULT_DEPARTMENTS.values())
    }
    regions = {r.code: r for r in Region.objects.all()}
    with transaction.atomic():
        for row in faults:
            department = departments.get(FAULT_DEPARTMENTS[row.kind])
            if department is None:
                raise ValidationFailed(
                    gettext("No department %(code)s owns %(kind)s faults: load the reference data")
                    % {"code": FAULT_DEPARTMENTS[row.kind], "kind": row.kind}
                )
            fault, created = Fault.objects.get_or_create(
                key=row.key,
                defaults={
                    "kind": row.kind,
                    "external_id": row.external_id,
                    "title": row.title,
                    "description": row.description,
                    "region": regions.get(row.region),
                    "accounts": row.accounts,
                    "started_at": row.started_at,
                    "ended_at": row.ended_at,
                    "department": department,
                    "source": source[:200],
                    "imported_at": now,
                },
            )
            (result.created if created else result.existing).append(fault)
    return result


def care_list_build(*, fault: Fault, now: dt.datetime | None = None) -> dict[str, int]:
    """Build (or bring up to date) the fault's care list: every customer it hits who has not
    complained about it, weighed by their customer-level risk, is listed when they have earlier
    complaints, a high value tier or a risk of at least settings.TOUSU_CARE_RISK_MIN. Listed
    customers who have since complained about the fault are marked: an open item becomes
    `complained` (their complaint is worked as one; nobody need call), any other keeps its
    status and gains the complaint (a call that did not prevent it). Idempotent: a second run
    adds nobody twice (one item per fault and customer, a constraint), marks nothing twice."""
    now = now or clock.now()
    complained = selectors.fault_complainants(fault)
    listed = set(CareItem.objects.filter(fault=fault).values_list("customer_id", flat=True))
    new: list[CareItem] = []
    markers = risk_markers()
    for batch in selectors.affected_batches(fault, exclude=set(complained) | listed):
        facts = selectors.customer_facts(batch, now)
        for customer in batch:
            risk = rules.customer_risk(facts[customer.pk], markers=markers)
            why = rules.care_reasons(
                facts[customer.pk], risk, risk_min=settings.TOUSU_CARE_RISK_MIN
            )
            if why is None:
                continue
            new.append(
                CareItem(
                    fault=fault,
                    customer=customer,
                    score=risk.score,
                    reasons=why,
                    value_rank=rules.value_rank(customer.value_tier),
                    department_id=fault.department_id,
                    listed_at=now,
                    due_at=now + dt.timedelta(hours=CARE_DUE_HOURS),
                )
            )
    marked = 0
    with transaction.atomic():
        CareItem.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
        late = CareItem.objects.filter(
            fault=fault, customer_id__in=list(complained), complaint__isnull=True
        )
        for item_pk, customer_id, status in late.values_list("pk", "customer_id", "status"):
            changes: dict[str, Any] = {"complaint_id": complained[customer_id]}
            if status == CareStatus.OPEN:
                changes["status"] = CareStatus.COMPLAINED
            # Conditional: a worker that marked it first, or a call recorded meanwhile, wins.
            marked += CareItem.objects.filter(
                pk=item_pk, status=status, complaint__isnull=True
            ).update(**changes)
        Fault.objects.filter(pk=fault.pk).update(built_at=now)
    return {"listed": len(new), "complained": marked}


def care_scan(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Bring the care lists of the faults still followed up to date (the job): customers who
    complained since are marked, new customers (a region's, or a late account) are listed."""
    now = now or clock.now()
    since = now - dt.timedelta(days=CARE_FOLLOW_DAYS)
    faults = Fault.objects.filter(Q(started_at__gte=since) | Q(ended_at__isnull=True))
    totals = {"faults": 0, "listed": 0, "complained": 0}
    for fault in faults.filter(started_at__lte=now).order_by("pk"):
        built = care_list_build(fault=fault, now=now)
        totals["faults"] += 1
        totals["listed"] += built["listed"]
        totals["complained"] += built["complained"]
    return totals


def care_item_record(
    *, item: CareItem, actor: User, outcome: str, note: str, now: dt.datetime | None = None
) -> CareItem:
    """Record the outcome of contacting a customer on a care list: contacted, declined (did not
    want the call or the offer) or done, with a note of what was said. Open and contacted items
    may be recorded; done, declined and complained ones are settled."""
    errors: dict[str, list[str]] = {}
    if outcome not in CARE_OUTCOMES:
        errors["outcome"] = [gettext("Choose contacted, declined or done")]
    note = (note or "").strip()
    if not note:
        errors["note"] = [gettext("Say what was said or done")]
    elif len(note) > CARE_NOTE_MAX:
        errors["note"] = [gettext("At most %(n)s characters") % {"n": CARE_NOTE_MAX}]
    if errors:
        raise ValidationFailed(gettext("The outcome was not recorded"), fields=errors)
    if not permissions.can_act_care(actor, item):
        raise NotAllowed(gettext("You may not record calls of this care list"))
    now = now or clock.now()
    with transaction.atomic():
        item = CareItem.objects.select_for_update().get(pk=item.pk)
        if item.status not in CARE_RECORDABLE:
            raise ValidationFailed(
                gettext("This customer's care is settled: %(status)s")
                % {"status": item.get_status_display()}
            )
        item.status = outcome
        item.note = note
        item.handled_by = actor
        item.handled_at = now
        item.save(update_fields=["status", "note", "handled_by", "handled_at"])
    return item


# ---- incidents (危机事件, R10.4) ----------------------------------------------------------------

TITLE_MAX_CHARS = 200
STATEMENT_MAX_CHARS = 2_000
REVIEW_MAX_CHARS = 5_000
MEDIA_SUMMARY_MAX_CHARS = 1_000
INCIDENT_OPENED_EVENT = "incident_opened"
INCIDENT_CLOSED_EVENT = "incident_closed"
ACTIONS_JOB = "early_warning.incident_actions"


def _incident_event(
    incident: Incident, type: str, actor: User | None, **data: Any
) -> IncidentEvent:
    return IncidentEvent.objects.create(
        incident=incident, at=clock.now(), type=type, actor=actor, data=json_safe(data)
    )


def _incident_lock(incident: Incident) -> Incident:
    """The incident re-read under a row lock. Precondition: inside `transaction.atomic`."""
    return Incident.objects.select_for_update().get(pk=incident.pk)


def _require_act(actor: User, incident: Incident) -> None:
    if not permissions.can_act_incident(actor, incident):
        raise NotAllowed(gettext("Only the incident's owner or a manager may do this."))


def _require_active(incident: Incident) -> None:
    if not incident.is_active:
        raise InvalidTransition(gettext("The incident is closed."))


def _text(value: str, field: str, most: int, *, required: bool = True) -> str:
    text = clean_text(value or "")
    if required and not text:
        raise ValidationFailed.for_field(field, required_message())
    if len(text) > most:
        raise ValidationFailed.for_field(field, too_long_message(most, len(text)))
    return text


def _incident_payload(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.pk,
        "number": incident.number,
        "title": incident.title,
        "level": incident.level,
        "status": incident.status,
        "slice": dict(incident.slice),
        "terms": incident.terms,
        "alert": incident.alert_id,
        "children": incident.links.count(),
    }


def _complaints_by_number(numbers: list[str]) -> list[Complaint]:
    """The complaints named (each once, in the order given); all of them or a 422 naming the
    unknown ones."""
    wanted = list(dict.fromkeys(n.strip().upper() for n in numbers if n and n.strip()))
    if not wanted:
        raise ValidationFailed.for_field("numbers", required_message())
    if len(wanted) > MAX_CHILDREN_AT_ONCE:
        raise ValidationFailed.for_field(
            "numbers",
            gettext("At most %(n)s complaints at once") % {"n": MAX_CHILDREN_AT_ONCE},
        )
    found = {c.number: c for c in Complaint.objects.filter(number__in=wanted)}
    unknown = [n for n in wanted if n not in found]
    if unknown:
        text = gettext("Unknown complaint numbers: %(numbers)s") % {"numbers": listed(unknown)}
        raise ValidationFailed.for_field("numbers", text, message=text)
    return [found[n] for n in wanted]


MAX_CHILDREN_AT_ONCE = 2_000


def _children_add(incident: Incident, actor: User, complaints: list[Complaint]) -> int:
    """Link the complaints as children, each complaint's timeline saying so; a complaint that
    is already another incident's child refuses the whole addition (409 naming it). Returns
    how many were new. Precondition: inside `transaction.atomic`, the incident locked."""
    taken = dict(
        IncidentComplaint.objects.filter(complaint__in=complaints).values_list(
            "complaint__number", "incident_id"
        )
    )
    elsewhere = sorted(n for n, i in taken.items() if i != incident.pk)
    if elsewhere:
        raise Conflict(
            gettext("Already in another incident: %(numbers)s") % {"numbers": listed(elsewhere)}
        )
    new = [c for c in complaints if c.number not in taken]
    if not new:
        return 0
    now = clock.now()
    locked = list(Complaint.objects.select_for_update().filter(pk__in=[c.pk for c in new]))
    try:
        with transaction.atomic():
            IncidentComplaint.objects.bulk_create(
                IncidentComplaint(incident=incident, complaint=c, added_by=actor, added_at=now)
                for c in locked
            )
    except IntegrityError:
        # Another incident took one of them between our check and now.
        raise Conflict(gettext("A complaint was just added to another incident.")) from None
    events_record(
        [
            EventDraft(
                c,
                EventType.INCIDENT_ADDED,
                actor=actor,
                data={"incident": incident.number, "title": incident.title},
            )
            for c in locked
        ]
    )
    IncidentProposal.objects.filter(complaint__in=locked, status=ProposalStatus.PENDING).update(
        status=ProposalStatus.ACCEPTED, decided_by=actor, decided_at=now
    )
    _incident_event(
        incident,
        IncidentEventType.COMPLAINTS_ADDED,
        actor,
        numbers=sorted(c.number for c in locked),
        count=len(locked),
    )
    return len(locked)


def incident_open(
    *,
    actor: User,
    title: str,
    level: str,
    owner: User | None = None,
    department: Department | None = None,
    slice_: list[list[str]] | None = None,
    terms: list[str] | None = None,
    numbers: list[str] | None = None,
    alert: Alert | None = None,
) -> Incident:
    """Open an incident, by hand or from an alert, with its first children (numbers); the
    owner (default: the actor) must be someone who may own one. The webhook is told."""
    if not permissions.can_open_incident(actor):
        raise NotAllowed(gettext("Your role may not open incidents."))
    errors = FieldErrors()
    text = clean_text(title or "")
    if not text:
        errors.add("title", required_message())
    elif len(text) > TITLE_MAX_CHARS:
        errors.add("title", too_long_message(TITLE_MAX_CHARS, len(text)))
    if level not in IncidentLevel.values:
        errors.add("level", one_of_message(IncidentLevel.values))
    owner = owner or actor
    if not permissions.can_open_incident(owner):
        errors.add("owner", gettext("The owner must be a supervisor, department head or admin"))
    errors.raise_if_any(gettext("The incident has errors"))
    complaints = _complaints_by_number(numbers) if numbers else []
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                title=text,
                level=level,
                owner=owner,
                department=department or owner.department,
                slice=[list(p) for p in (slice_ or [])],
                terms=rules.incident_terms_clean(terms or []),
                alert=alert,
                opened_by=actor,
                opened_at=clock.now(),
            )
            _incident_event(
                incident,
                IncidentEventType.OPENED,
                actor,
                alert=alert.pk if alert else None,
                level=level,
                owner=owner.username,
            )
            if complaints:
                _children_add(incident, actor, complaints)
            webhook_emit_record(event=INCIDENT_OPENED_EVENT, data=_incident_payload(incident))
    except IntegrityError:
        raise Conflict(gettext("This alert is already an incident.")) from None
    return incident


def incident_from_alert(
    *, alert: Alert, actor: User, title: str, level: str, owner: User | None, terms: list[str]
) -> Incident:
    """An incident for the alert's wave: its slice and terms, its examples and every open
    complaint of the slice since the alert's window began that uses one of the terms."""
    cleaned = rules.incident_terms_clean(terms)
    return incident_open(
        actor=actor,
        title=title,
        level=level,
        owner=owner,
        slice_=alert.slice,
        terms=cleaned,
        numbers=selectors.alert_candidates(alert, cleaned),
        alert=alert,
    )


def incident_complaints_add(*, incident: Incident, actor: User, numbers: list[str]) -> int:
    """Add complaints by number; all or nothing. Returns how many were new children."""
    complaints = _complaints_by_number(numbers)
    with transaction.atomic():
        incident = _incident_lock(incident)
        _require_act(actor, incident)
        _require_active(incident)
        return _children_add(incident, actor, complaints)


def incident_complaint_remove(*, incident: Incident, actor: User, complaint: Complaint) -> None:
    """Take a complaint out of the incident (it was not about this event)."""
    with transaction.atomic():
        incident = _incident_lock(incident)
        _require_act(actor, incident)
        _require_active(incident)
        complaint = complaint_lock(complaint)
        deleted, _rows = IncidentComplaint.objects.filter(
            incident=incident, complaint=complaint
        ).delete()
        if not deleted:
            raise ValidationFailed(gettext("The complaint is not in this incident."))
        event_record(
            complaint=complaint,
            type=EventType.INCIDENT_REMOVED,
            actor=actor,
            data={"incident": incident.number},
        )
        _incident_event(
            incident, IncidentEventType.COMPLAINT_REMOVED, actor, number=complaint.number
        )


def incident_propose(*, complaint: Complaint) -> list[IncidentProposal]:
    """A newly registered complaint that falls in an open incident's slice and uses one of its
    terms is proposed to it as a child (not added: its owner decides). Idempotent."""
    found = selectors.open_incidents()
    if not found:
        return []
    values, text = selectors.incident_values(complaint), selectors.incident_text(complaint)
    proposals = []
    for incident in found:
        matched = rules.incident_terms_matched(incident.slice, incident.terms, values, text)
        if matched:
            proposal, _created = IncidentProposal.objects.get_or_create(
                incident=incident,
                complaint=complaint,
                defaults={"terms": matched, "proposed_at": clock.now()},
            )
            proposals.append(proposal)
    return proposals


def proposal_decide(*, proposal: IncidentProposal, actor: User, accept: bool) -> None:
    """Accept a proposal (the complaint becomes a child) or dismiss it; decided once."""
    with transaction.atomic():
        incident = _incident_lock(proposal.incident)
        _require_act(actor, incident)
        _require_active(incident)
        claimed = IncidentProposal.objects.filter(
            pk=proposal.pk, status=ProposalStatus.PENDING
        ).update(
            status=ProposalStatus.ACCEPTED if accept else ProposalStatus.DISMISSED,
            decided_by=actor,
            decided_at=clock.now(),
        )
        if not claimed:
            raise InvalidTransition(gettext("The proposal was already decided."))
        if accept:
            _children_add(incident, actor, [proposal.complaint])
        else:
            _incident_event(
                incident,
                IncidentEventType.PROPOSAL_DISMISSED,
                actor,
                number=proposal.complaint.number,
            )


def statement_draft(*, incident: Incident, actor: User, text: str) -> Statement:
    """A new version of the external statement, a draft until approved."""
    body = _text(text, "text", STATEMENT_MAX_CHARS)
    with transaction.atomic():
        incident = _incident_lock(incident)
        _require_act(actor, incident)
        _require_active(incident)
        last = incident.statements.aggregate(n=Max("version"))["n"] or 0
        statement = Statement.objects.create(
            incident=incident, version=last + 1, text=body, author=actor, created_at=clock.now()
        )
        _incident_event(
            incident, IncidentEventType.STATEMENT_DRAFTED, actor, version=statement.version
        )
    return statement


def statement_approve(*, statement: Statement, actor: User) -> Statement:
    """Approve a draft: from now it is the statement in force (the latest approved)."""
    with transaction.atomic():
        incident = _incident_lock(statement.incident)
        statement = Statement.objects.select_for_update().get(pk=statement.pk)
        if not permissions.can_approve_statement(actor, statement):
            raise NotAllowed(
                gettext("A department head or administrator other than its author approves it.")
            )
        _require_active(incident)
        if statement.approved:
            raise InvalidTransition(gettext("This version is already approved."))
        statement.approved_by = actor
        statement.approved_at = clock.now()
        statement.save(update_fields=["approved_by", "approved_at"])
        _incident_event(
            incident, IncidentEventType.STATEMENT_APPROVED, actor, version=statement.version
        )
    return statement


def media_log_add(
    *,
    incident: Incident,
    actor: User,
    outlet: str,
    at: dt.datetime,
    summary: str,
    tone: str,
    link: str = "",
    reach: int | None = None,
) -> MediaLogEntry:
    errors = FieldErrors()
    name = clean_text(outlet or "")
    if not name:
        errors.add("outlet", required_message())
    elif len(name) > 100:
        errors.add("outlet", too_long_message(100, len(name)))
    body = clean_text(summary or "")
    if not body:
        errors.add("summary", required_message())
    elif len(body) > MEDIA_SUMMARY_MAX_CHARS:
        errors.add("summary", too_long_message(MEDIA_SUMMARY_MAX_CHARS, len(body)))
    if tone not in MediaTone.values:
        errors.add("tone", one_of_message(MediaTone.values))
    if link and not link.startswith(("http://", "https://")):
        errors.add("link", gettext("Enter a web address (http:// or https://)"))
    if reach is not None and not 0 <= reach <= 2_000_000_000:
        errors.add("reach", gettext("From 0 to %(max)s") % {"max": 2_000_000_000})
    if at > clock.now() + dt.timedelta(minutes=5):
        errors.add("at", gettext("Not in the future"))
    errors.raise_if_any(gettext("The media entry has errors"))
    with transaction.atomic():
        incident = _incident_lock(incident)
        _require_act(actor, incident)
        _require_active(incident)
        entry = MediaLogEntry.objects.create(
            incident=incident,
            outlet=name,
            at=at,
            summary=body,
            link=link[:500],
            reach=reach,
            tone=tone,
            recorded_by=actor,
        )
        _incident_event(incident, IncidentEventType.MEDIA_LOGGED, actor, outlet=name, tone=tone)
    return entry


# ---- actions on every open child, each exactly once ---------------------------------------------


def incident_action_start(
    *,
    incident: Incident,
    actor: User,
    kind: str,
    finding: str = "",
    cause: str = "",
    responsible_department: Department | None = None,
    remedies: list[RemedyInput] | None = None,
) -> IncidentAction:
    """Start an action on the incident's children: `reply` sends the statement in force to
    every open child (once per statement version), `resolve` records the common outcome —
    within the actor's authority, the statement as the reply — on every child in progress
    (the incident is then resolved), `close` closes every resolved child. The job
    `early_warning.incident_actions` applies it, each child once; the action counts the
    children applied and skipped (with why) when done."""
    if kind not in IncidentActionKind.values:
        raise ValidationFailed.for_field("kind", one_of_message(IncidentActionKind.values))
    with transaction.atomic():
        incident = _incident_lock(incident)
        _require_act(actor, incident)
        _require_active(incident)
        statement = selectors.statement_in_force(incident)
        params: dict[str, Any] = {}
        if kind in (IncidentActionKind.REPLY, IncidentActionKind.RESOLVE) and statement is None:
            raise InvalidTransition(gettext("No statement is approved yet."))
        if kind == IncidentActionKind.RESOLVE:
            assert statement is not None
            checked = outcome_within_authority(
                actor=actor,
                finding=finding,
                cause=cause,
                responsible_department=responsible_department,
                remedies=remedies or [],
                reply=statement.text,
            )
            params = {
                "finding": finding,
                "cause": cause,
                "responsible_department": responsible_department.pk
                if responsible_department
                else None,
                "remedies": [{"type": t, "amount": str(a), "note": n} for t, a, n in checked],
            }
        if (
            kind == IncidentActionKind.REPLY
            and IncidentAction.objects.filter(kind=kind, statement=statement).exists()
        ):
            raise InvalidTransition(
                gettext("Version %(n)s of the statement was already sent.")
                % {"n": statement.version if statement else 0}
            )
        action = IncidentAction.objects.create(
            incident=incident,
            kind=kind,
            actor=actor,
            statement=statement if kind != IncidentActionKind.CLOSE else None,
            params=params,
            started_at=clock.now(),
            reach=selectors.action_targets(incident)[kind],
        )
        _incident_event(
            incident, IncidentEventType.ACTION_STARTED, actor, action=kind, reach=action.reach
        )
        if kind == IncidentActionKind.RESOLVE and incident.status == IncidentStatus.OPEN:
            incident.status = IncidentStatus.RESOLVED
            incident.resolved_at = clock.now()
            incident.save(update_fields=["status", "resolved_at"])
            _incident_event(incident, IncidentEventType.RESOLVED, actor)
        enqueue_on_commit(ACTIONS_JOB)
    return action


def _reply_apply(action: IncidentAction, complaint: Complaint) -> None:
    # The statement is the incident's, approved for all its customers: whoever may act on
    # the incident sends it to every child, whichever department handles it.
    if complaint.status not in OPEN_STATUSES:
        raise InvalidTransition(complaint.status)
    assert action.statement is not None
    event_record(
        complaint=complaint,
        type=EventType.PROGRESS_REPLY,
        actor=action.actor,
        data={
            "incident": action.incident.number,
            "version": action.statement.version,
            "reply": action.statement.text,
        },
    )


def _resolve_apply(action: IncidentAction, complaint: Complaint) -> None:
    if complaint.status != Status.IN_PROGRESS:
        raise InvalidTransition(complaint.status)
    params = action.params
    assert action.statement is not None
    department = params.get("responsible_department")
    complaint_resolve(
        complaint=complaint,
        actor=action.actor,
        finding=params["finding"],
        cause=params["cause"],
        responsible_department=Department.objects.get(pk=department) if department else None,
        remedies=[
            RemedyInput(r["type"], Decimal(r["amount"]), r["note"]) for r in params["remedies"]
        ],
        reply=action.statement.text,
    )
    _applied_event(action, complaint)


def _close_apply(action: IncidentAction, complaint: Complaint) -> None:
    if complaint.status != Status.RESOLVED:
        raise InvalidTransition(complaint.status)
    complaint_close(complaint=complaint, actor=action.actor, customer_accepted=None)
    _applied_event(action, complaint)


def _applied_event(action: IncidentAction, complaint: Complaint) -> None:
    """The child's timeline says which incident's action the change before came from."""
    event_record(
        complaint=complaint_lock(complaint),
        type=EventType.INCIDENT_ACTION,
        actor=action.actor,
        data={"incident": action.incident.number, "action": action.kind},
    )


APPLY = {
    IncidentActionKind.REPLY: _reply_apply,
    IncidentActionKind.RESOLVE: _resolve_apply,
    IncidentActionKind.CLOSE: _close_apply,
}


def _skip_reason(exc: DomainError, complaint: Complaint) -> dict[str, Any]:
    if isinstance(exc, InvalidTransition):
        return reason("incident.skip.status", status=complaint.status)
    if isinstance(exc, NotAllowed):
        return reason("incident.skip.not_allowed")
    return reason("incident.skip.refused", why=str(exc))


def _child_apply(action: IncidentAction, complaint_id: int) -> bool | None:
    """Apply the action to one child in its own transaction, under the child's row lock, with
    its result row: True applied, False skipped (the result says why), None when it had been
    done before (by an earlier run, or another worker)."""
    try:
        with transaction.atomic():
            complaint = Complaint.objects.select_for_update().get(pk=complaint_id)
            if IncidentApplication.objects.filter(action=action, complaint=complaint).exists():
                return None
            why: dict[str, Any] | None = None
            try:
                with transaction.atomic():
                    APPLY[IncidentActionKind(action.kind)](action, complaint)
            except DomainError as exc:
                why = _skip_reason(exc, complaint)
            IncidentApplication.objects.create(
                action=action, complaint=complaint, applied=why is None, reason=why, at=clock.now()
            )
            return why is None
    except IntegrityError:
        return None  # another worker recorded this child first (SQLite has no row locks)


def incident_action_apply(action: IncidentAction) -> dict[str, int]:
    """Apply one action to every child it has not reached yet, then count it done (once).
    Idempotent: run twice, or by two workers at once, each child is applied once."""
    action = IncidentAction.objects.select_related("incident", "actor", "statement").get(
        pk=action.pk
    )
    done = IncidentApplication.objects.filter(action=action).values("complaint")
    todo = list(
        IncidentComplaint.objects.filter(incident=action.incident_id)
        .exclude(complaint__in=done)
        .order_by("pk")
        .values_list("complaint_id", flat=True)
    )
    applied = skipped = 0
    for complaint_id in todo:
        outcome = _child_apply(action, complaint_id)
        if outcome is True:
            applied += 1
        elif outcome is False:
            skipped += 1
    _action_finish(action)
    return {"applied": applied, "skipped": skipped}


def _action_finish(action: IncidentAction) -> None:
    with transaction.atomic():
        results = IncidentApplication.objects.filter(action=action)
        applied = results.filter(applied=True).count()
        skipped = results.filter(applied=False).count()
        claimed = IncidentAction.objects.filter(pk=action.pk, finished_at__isnull=True).update(
            finished_at=clock.now(), applied=applied, skipped=skipped
        )
        if claimed:
            _incident_event(
                action.incident,
                IncidentEventType.ACTION_DONE,
                action.actor,
                action=action.kind,
                applied=applied,
                skipped=skipped,
            )


def incident_actions_run() -> dict[str, int]:
    """The job: apply every unfinished action (oldest first)."""
    pending = list(IncidentAction.objects.filter(finished_at__isnull=True).order_by("started_at"))
    applied = skipped = 0
    for action in pending:
        result = incident_action_apply(action)
        applied += result["applied"]
        skipped += result["skipped"]
    return {"actions": len(pending), "applied": applied, "skipped": skipped}


def incident_close(
    *,
    incident: Incident,
    actor: User,
    cause: str,
    went_well: str,
    to_improve: str,
    follow_up: str,
) -> Incident:
    """Close the incident with its after-action review (all four parts required); its resolved
    children are closed by a `close` action. Children still open stay in their handlers'
    hands. The webhook is told."""
    review = {
        "review_cause": _text(cause, "cause", REVIEW_MAX_CHARS),
        "review_went_well": _text(went_well, "went_well", REVIEW_MAX_CHARS),
        "review_to_improve": _text(to_improve, "to_improve", REVIEW_MAX_CHARS),
        "review_follow_up": _text(follow_up, "follow_up", REVIEW_MAX_CHARS),
    }
    with transaction.atomic():
        incident = _incident_lock(incident)
        _require_act(actor, incident)
        _require_active(incident)
        if selectors.action_targets(incident)[IncidentActionKind.CLOSE]:
            incident_action_start(incident=incident, actor=actor, kind=IncidentActionKind.CLOSE)
        for name, value in review.items():
            setattr(incident, name, value)
        incident.status = IncidentStatus.CLOSED
        incident.closed_at = clock.now()
        incident.save(update_fields=[*review, "status", "closed_at"])
        _incident_event(incident, IncidentEventType.CLOSED, actor)
        webhook_emit_record(event=INCIDENT_CLOSED_EVENT, data=_incident_payload(incident))
    return incident
