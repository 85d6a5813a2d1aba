"""Writes of early warning: the hourly spike scan raises, follows and ends alerts (R10.1)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext

from tousu.accounts import permissions
from tousu.accounts.models import Department, Region, User
from tousu.core import clock
from tousu.core.errors import NotAllowed, ValidationFailed
from tousu.core.reasons import reason
from tousu.early_warning import forecast, rules, selectors
from tousu.early_warning.choices import (
    CARE_OUTCOMES,
    CARE_RECORDABLE,
    FAULT_DEPARTMENTS,
    AlertKind,
    CareStatus,
)
from tousu.early_warning.fault_file import FaultInput
from tousu.early_warning.models import Alert, BacklogModel, CareItem, Fault
from tousu.notifications.choices import NotificationKind
from tousu.notifications.services import notify, webhook_emit_record

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
                slice=label,
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
        coefficients={
            "intercept": fit.model.intercept,
            "coefficients": fit.model.coefficients,
        },
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
    for batch in selectors.affected_batches(fault, exclude=set(complained) | listed):
        facts = selectors.customer_facts(batch, now)
        for customer in batch:
            risk = rules.customer_risk(facts[customer.pk])
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
