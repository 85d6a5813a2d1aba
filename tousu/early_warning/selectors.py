"""Reads for early warning: the hourly count table (analytics, D11) cut into slices, the
complaints of a spike, and the alerts."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import get_language, pgettext

from tousu.accounts.models import User
from tousu.accounts.permissions import scope_q
from tousu.analytics.models import HourlyCount
from tousu.complaints.models import Complaint
from tousu.complaints.rules import OPEN_STATUSES
from tousu.core import clock
from tousu.early_warning import forecast, rules
from tousu.early_warning.choices import SLICE_DIMENSIONS
from tousu.early_warning.models import Alert, BacklogModel

# Local time is UTC+8 all year (Asia/Shanghai); 1970-01-01 was a Thursday (weekday 3).
_LOCAL_OFFSET_HOURS = 8
_EPOCH_WEEKDAY = 3
SPIKE_SAMPLE = 200
BASELINE_SAMPLE = 1_000
# Fewer usual complaints than this in the slice: compare with the whole office's words instead.
MIN_BASELINE_DOCS = 30


def hour_number(moment: dt.datetime) -> int:
    return int(moment.timestamp() // 3600)


def hour_start(number: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(number * 3600, tz=dt.UTC)


def hour_of_week(number: int) -> int:
    local = number + _LOCAL_OFFSET_HOURS
    weekday = (local // 24 + _EPOCH_WEEKDAY) % 7
    return weekday * 24 + local % 24


def slices_of(values: dict[str, str]) -> list[rules.Slice]:
    """The slices a count row belongs to: all complaints (the empty slice), each known
    dimension alone, and each pair."""
    known = sorted((d, v) for d, v in values.items() if v not in ("", "0", "*"))
    return [tuple(c) for n in (0, 1, 2) for c in combinations(known, n)]


@dataclass
class Series:
    """Hourly complaints received, per slice and in all, from `first` to `last` hour."""

    first: int
    last: int
    total: dict[int, int]
    by_slice: dict[rules.Slice, dict[int, int]]


def series(first: int, last: int) -> Series:
    """Complaints received per hour in [first, last] (hour numbers), from the full cube of the
    hourly count table, summed per slice. One query."""
    rows = (
        HourlyCount.objects.filter(
            rollup=0,
            hour__gte=hour_start(first),
            hour__lt=hour_start(last + 1),
            registered__gt=0,
        )
        .values_list("hour", *SLICE_DIMENSIONS)
        .annotate(n=Sum("registered"))
    )
    total: dict[int, int] = defaultdict(int)
    by_slice: dict[rules.Slice, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for hour, category, region, channel, n in rows:
        number = hour_number(hour)
        total[number] += n
        values = {"category": str(category), "region": str(region), "channel": channel}
        for s in slices_of(values):
            by_slice[s][number] += n
    return Series(first, last, dict(total), dict(by_slice))


def findings(now: dt.datetime) -> list[rules.Finding]:
    """Every slice seen in the baseline or the window, assessed as of the last whole hour
    before `now`."""
    last = hour_number(now) - 1  # the latest complete hour
    day_first = last - 23
    base_first = day_first - rules.BASELINE_DAYS * 24
    data = series(base_first, last)
    hours = {
        "hour": [hour_of_week(last)],
        "day": [hour_of_week(h) for h in range(day_first, last + 1)],
    }
    base_totals = {h: n for h, n in data.total.items() if h < day_first}
    profile = rules.week_profile(
        base_totals, {h: hour_of_week(h) for h in range(base_first, day_first)}
    )
    out = []
    for slice_, counts in data.by_slice.items():
        days = [0] * rules.BASELINE_DAYS
        window = {"hour": counts.get(last, 0), "day": 0}
        for h, n in counts.items():
            if h >= day_first:
                window["day"] += n
            else:
                days[(h - base_first) // 24] += n
        out.append(
            rules.assess(
                slice_,
                window_counts=window,
                window_hours=hours,
                baseline_days=days,
                profile=profile,
            )
        )
    return out


def _slice_filter(
    qs: QuerySet[Complaint], slice_: Iterable[tuple[str, str]]
) -> QuerySet[Complaint]:
    lookups = {"category": "category_id", "region": "region_id", "channel": "channel"}
    return qs.filter(**{lookups[d]: v for d, v in slice_})


def spike_words(
    slice_: rules.Slice, *, window_start: dt.datetime, window_end: dt.datetime
) -> tuple[list[set[str]], list[set[str]], list[str]]:
    """The words of the slice's complaints in the window (a sample), of its usual complaints
    over the baseline before it, and the numbers of the window's complaints (newest first)."""
    from tousu.early_warning.terms import useful_words  # pure, kept beside its word lists

    received = Complaint.objects.filter(received_at__gte=window_start, received_at__lt=window_end)
    spike_rows = list(
        _slice_filter(received, slice_)
        .order_by("-received_at")
        .values_list("number", "search__words")[:SPIKE_SAMPLE]
    )
    base_start = window_start - dt.timedelta(days=rules.BASELINE_DAYS)
    usual = Complaint.objects.filter(received_at__gte=base_start, received_at__lt=window_start)
    base_rows = list(_slice_filter(usual, slice_).values_list("search__words")[:BASELINE_SAMPLE])
    if len(base_rows) < MIN_BASELINE_DOCS:
        base_rows = list(usual.values_list("search__words")[:BASELINE_SAMPLE])
    spike_docs = [useful_words(words) for _n, words in spike_rows]
    base_docs = [useful_words(words) for (words,) in base_rows]
    return spike_docs, base_docs, [n for n, _w in spike_rows]


def alerts(
    *, start: dt.datetime | None = None, end: dt.datetime | None = None, kind: str = ""
) -> QuerySet[Alert]:
    qs = Alert.objects.select_related("acknowledged_by")
    if start is not None:
        qs = qs.filter(detected_at__gte=start)
    if end is not None:
        qs = qs.filter(detected_at__lt=end)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def ongoing_alerts() -> list[Alert]:
    return list(Alert.objects.filter(ended_at__isnull=True))


def slice_names(slices: Iterable[Any]) -> tuple[dict[str, str], dict[str, str]]:
    """For the values of the slices ("category:12"): their names in the reader's language and
    their codes, with one query per dimension in use."""
    from tousu.accounts.models import Region
    from tousu.classification.models import Category
    from tousu.complaints.choices import Channel

    wanted: dict[str, set[str]] = defaultdict(set)
    for s in slices:
        for d, v in s:
            wanted[d].add(str(v))
    labels: dict[str, str] = {}
    codes: dict[str, str] = {}
    english = (get_language() or "").startswith("en")
    for dim, model in (("category", Category), ("region", Region)):
        if wanted[dim]:
            rows = model.objects.filter(pk__in=wanted[dim]).values_list(
                "pk", "code", "name", "name_en"
            )
            for pk, code, name, name_en in rows:
                labels[f"{dim}:{pk}"] = name_en if english and name_en else name
                codes[f"{dim}:{pk}"] = code
    for code in wanted["channel"]:
        labels[f"channel:{code}"] = str(Channel(code).label) if code in Channel.values else code
    return labels, codes


def slice_labels(slices: Iterable[Any]) -> dict[str, str]:
    return slice_names(slices)[0]


def slice_text(slice_: Iterable[Any], labels: dict[str, str]) -> str:
    """`宽带故障 · 南山区`: the slice's values by name, in the order stored; the empty slice is
    all complaints."""
    text = " · ".join(labels.get(f"{d}:{v}", str(v)) for d, v in slice_)
    return text or pgettext("slice", "All complaints")


def alert_rows(alerts: Iterable[Alert]) -> list[dict[str, Any]]:
    """Alerts as the API and the alerts page show them: the slice by code and by name, in the
    reader's language (one query per dimension in use, whatever the number of alerts)."""
    alerts = list(alerts)
    labels, codes = slice_names(a.slice for a in alerts)
    return [
        {
            "alert": a,
            "id": a.pk,
            "kind": a.kind,
            "slice": {d: codes.get(f"{d}:{v}", v) for d, v in a.slice},
            "label": slice_text(a.slice, labels),
            "window": a.window,
            "observed": a.observed,
            "expected": round(a.expected, 1 if a.expected >= 1 else 2),
            "ratio": round(a.ratio, 1) if a.expected > 0 else None,
            "z": round(a.z, 1),
            "detected_at": a.detected_at,
            "ended_at": a.ended_at,
            "ongoing": a.ongoing,
            "peak_day": a.peak_day,
            "terms": [t["term"] for t in a.terms],
            "examples": a.examples,
            "acknowledged_by": str(a.acknowledged_by) if a.acknowledged_by else None,
        }
        for a in alerts
    ]


# The backlog forecast (R10.3).
HISTORY_DAYS = 180
HISTORY_SAMPLE = 20_000
HORIZON = dt.timedelta(hours=24)


def _settled(resolved: dt.datetime | None, closed: dt.datetime | None) -> dt.datetime | None:
    moments = [m for m in (resolved, closed) if m is not None]
    return min(moments) if moments else None


def forecast_history(now: dt.datetime) -> tuple[list[forecast.Closed], forecast.HandlerLoads]:
    """The closed complaints of the last HISTORY_DAYS (an even, deterministic sample of at most
    HISTORY_SAMPLE, by id) and every handler's open complaints over that time. Two queries."""
    rows = list(
        Complaint.objects.filter(
            closed_at__isnull=False, closed_at__gte=now - dt.timedelta(days=HISTORY_DAYS)
        )
        .order_by("pk")
        .values_list(
            "registered_at",
            "resolution_due",
            "resolved_at",
            "closed_at",
            "accepted_at",
            "level",
            "category__code",
            "handler_id",
        )
    )
    stride = -(-len(rows) // HISTORY_SAMPLE) if rows else 1
    history = [
        forecast.Closed(
            registered_at=registered,
            resolution_due=due,
            settled_at=_settled(resolved, closed) or now,  # closed_at is set: never `now`
            accepted_at=accepted,
            level=level,
            category=forecast.top_category(code),
            handler_id=handler,
        )
        for registered, due, resolved, closed, accepted, level, code, handler in rows[::stride]
    ]
    earliest = min((c.registered_at for c in history), default=now)
    spans = (
        Complaint.objects.filter(handler__isnull=False, registered_at__lte=now)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=earliest))
        .values_list("handler_id", "registered_at", "resolved_at", "closed_at")
    )
    loads = forecast.HandlerLoads(
        (handler, registered, _settled(resolved, closed))
        for handler, registered, resolved, closed in spans
    )
    return history, loads


def latest_backlog_model() -> BacklogModel | None:
    return BacklogModel.objects.first()


def backlog_forecast(user: User, now: dt.datetime | None = None) -> dict[str, Any]:
    """Per department, of the open complaints `user` may see: how many are open, overdue now,
    due within HORIZON, and the expected breaches among those (the sum of their P(breach) by
    the newest model; None without a model). Three queries: model, complaints, handler loads."""
    now = now or clock.now()
    stored = latest_backlog_model()
    model = forecast.Model.from_json(stored.coefficients) if stored else None
    open_rows = list(
        Complaint.objects.filter(scope_q(user), status__in=OPEN_STATUSES)
        .order_by()
        .values_list(
            "department__code",
            "department__name",
            "department__name_en",
            "registered_at",
            "resolution_due",
            "accepted_at",
            "level",
            "category__code",
            "handler_id",
        )
    )
    handlers = {row[-1] for row in open_rows if row[-1] is not None}
    loads = (
        dict(
            Complaint.objects.filter(status__in=OPEN_STATUSES, handler_id__in=handlers)
            .order_by()
            .values_list("handler_id")
            .annotate(n=Count("pk"))
        )
        if handlers
        else {}
    )
    english = (get_language() or "").startswith("en")
    by_department: dict[str, dict[str, Any]] = {}
    for code, name, name_en, registered, due, accepted, level, category, handler in open_rows:
        key = code or ""
        row = by_department.setdefault(
            key,
            {
                "department": key,
                "department_name": (name_en if english and name_en else name) or "",
                "open": 0,
                "overdue": 0,
                "due_24h": 0,
                "expected_breaches_24h": 0.0 if model else None,
            },
        )
        row["open"] += 1
        if due <= now:
            row["overdue"] += 1
            continue
        if due - now > HORIZON:
            continue
        row["due_24h"] += 1
        if model is not None:
            limit = (due - registered).total_seconds()
            row["expected_breaches_24h"] += model.probability(
                forecast.features(
                    elapsed_fraction=(now - registered).total_seconds() / limit if limit else 1,
                    hours_left=(due - now).total_seconds() / 3600,
                    level=level,
                    category=forecast.top_category(category),
                    accepted=accepted is not None and accepted <= now,
                    load=loads.get(handler, 0) if handler else 0,
                )
            )
    departments = sorted(
        by_department.values(),
        key=lambda r: (-(r["expected_breaches_24h"] or 0), -r["due_24h"], r["department"]),
    )
    return {
        "model": stored,
        "as_of": now,
        "departments": departments,
    }
