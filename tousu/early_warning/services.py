"""Writes of early warning: the hourly spike scan raises, follows and ends alerts (R10.1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from tousu.accounts.models import User
from tousu.core import clock
from tousu.core.errors import ValidationFailed
from tousu.core.reasons import reason
from tousu.early_warning import forecast, rules, selectors
from tousu.early_warning.choices import AlertKind
from tousu.early_warning.models import Alert, BacklogModel
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
        coefficients=fit.model.as_json(),
        calibration=fit.calibration,
        brier=fit.brier,
        base_brier=fit.base_brier,
    )
