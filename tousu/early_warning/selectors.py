"""Reads for early warning: the hourly count table (analytics, D11) cut into slices, the
complaints of a spike, and the alerts."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from django.db import connection, connections
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.accounts.permissions import (
    BACK_OFFICE_ROLES,
    INCIDENT_OPEN_ROLES,
    STATEMENT_APPROVE_ROLES,
    care_scope_q,
    scope_q,
)
from tousu.analytics.models import HourlyCount
from tousu.callbacks.choices import CallbackResult
from tousu.callbacks.models import CallbackTask
from tousu.complaints.choices import EventType, Status
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.complaints.rules import OPEN_STATUSES
from tousu.core import clock
from tousu.core.errors import NotFound
from tousu.core.rows import Columns, prepared_cursor
from tousu.customers.models import Customer
from tousu.early_warning import forecast, rules
from tousu.early_warning.choices import (
    INCIDENT_ACTIVE,
    SLICE_DIMENSIONS,
    CareStatus,
    IncidentActionKind,
    IncidentStatus,
    ProposalStatus,
)
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
from tousu.intake.risk import CHANNEL_WEIGHTS, Risk
from tousu.intake.selectors import risk_markers

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
    for hour, category, region, channel, product, n in rows:
        number = hour_number(hour)
        total[number] += n
        values = {
            "category": str(category),
            "region": str(region),
            "channel": channel,
            "product": product,
        }
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
    lookups = {
        "category": "category_id",
        "region": "region_id",
        "channel": "channel",
        "product": "product",
    }
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
    # A product is its plan's name, in the CRM's words whatever the language; said to be a
    # product, since a name such as 大流量卡39元 alone reads like anything.
    for name in wanted["product"]:
        labels[f"product:{name}"] = pgettext("slice", "Product: %(name)s") % {"name": name}
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
    incident_of = (
        dict(Incident.objects.filter(alert__in=alerts).values_list("alert_id", "pk"))
        if alerts
        else {}
    )
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
            "incident": incident_of.get(a.pk),
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


# The complaints at risk the forecast names, most likely first (their number is given too).
AT_RISK_MAX = 200


def backlog_forecast(user: User, now: dt.datetime | None = None) -> dict[str, Any]:
    """Of the open complaints `user` may see: per department, how many are open, overdue now
    (past the resolution limit, or nobody accepted them within the first-response limit),
    due within HORIZON, and the expected breaches among those (the sum of their P(breach) by
    the newest model; None without a model); and those due within HORIZON, each with its
    P(breach), most likely first (`at_risk`, at most AT_RISK_MAX, of `at_risk_count`; soonest
    due first without a model). Three queries: model, complaints, handler loads."""
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
            "number",
            "first_response_due",
        )
    )
    handlers = {row[8] for row in open_rows if row[8] is not None}
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
    at_risk: list[dict[str, Any]] = []
    for values in open_rows:
        (code, name, name_en, registered, due, accepted, level, category, handler, number,
         first_due) = values  # fmt: skip
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
        # Late already, though its reply may still be on time: it stays in the forecast.
        if accepted is None and first_due <= now:
            row["overdue"] += 1
        if due - now > HORIZON:
            continue
        row["due_24h"] += 1
        probability = None
        if model is not None:
            limit = (due - registered).total_seconds()
            probability = model.probability(
                forecast.features(
                    elapsed_fraction=(now - registered).total_seconds() / limit if limit else 1,
                    hours_left=(due - now).total_seconds() / 3600,
                    level=level,
                    category=forecast.top_category(category),
                    accepted=accepted is not None and accepted <= now,
                    load=loads.get(handler, 0) if handler else 0,
                )
            )
            row["expected_breaches_24h"] += probability
        at_risk.append(
            {
                "number": number,
                "department": key,
                "resolution_due": due,
                "breach_probability": probability,
            }
        )
    departments = sorted(
        by_department.values(),
        key=lambda r: (-(r["expected_breaches_24h"] or 0), -r["due_24h"], r["department"]),
    )
    at_risk.sort(key=lambda c: (-(c["breach_probability"] or 0), c["resolution_due"], c["number"]))
    return {
        "model": stored,
        "as_of": now,
        "departments": departments,
        "at_risk": at_risk[:AT_RISK_MAX],
        "at_risk_count": len(at_risk),
    }


# ---- customer-level risk and proactive care (issue 15 item 3) ------------------------------------

# A complaint received up to this long after a fault ended may still be about it (the bill of
# a billing error arrives later; a customer calls back the next day).
FAULT_COMPLAINT_GRACE = dt.timedelta(days=7)
# Customers weighed per batch when a care list is built.
CARE_BATCH = 500


def customer_facts(customers: Iterable[Any], now: dt.datetime) -> dict[int, rules.CustomerFacts]:
    """The history facts of each customer (objects with pk, special_type, value_tier) for their
    customer-level risk, in three queries whatever their number: their complaints of the last
    year (and any still open, and any through a channel above us), the reopenings and staff
    notes of those, and their callbacks."""

    people = {c.pk: c for c in customers}
    year = now - dt.timedelta(days=rules.YEAR_DAYS)
    recent = now - dt.timedelta(days=rules.RECENT_DAYS)
    rows = Complaint.objects.filter(customer_id__in=list(people)).filter(
        Q(received_at__gte=year) | Q(status__in=OPEN_STATUSES) | Q(channel__in=CHANNEL_WEIGHTS)
    )
    acc: dict[int, dict[str, Any]] = {
        pk: {"n90": 0, "n365": 0, "repeats": 0, "overdue": 0, "outside": [], "said": []}
        for pk in people
    }
    fields = ("customer_id", "received_at", "channel", "repeat_of_id", "status")
    for cid, received, channel, repeat_of, status, due, paused, content, demand in rows.values_list(
        *fields, "resolution_due", "paused_at", "content", "demand"
    ):
        a = acc[cid]
        if channel in CHANNEL_WEIGHTS and channel not in a["outside"]:
            a["outside"].append(channel)
        if status in OPEN_STATUSES and paused is None and due < now:
            a["overdue"] += 1
        if received < year:
            continue
        a["n365"] += 1
        a["n90"] += received >= recent
        a["repeats"] += repeat_of is not None
        a["said"] += [content, demand]
    reopened: dict[int, int] = defaultdict(int)
    events = ComplaintEvent.objects.filter(
        complaint__customer_id__in=list(people),
        complaint__received_at__gte=year,
        type__in=[EventType.REOPENED, EventType.NOTE],
    ).values_list("complaint__customer_id", "type", "data")
    for cid, kind, data in events:
        if kind == EventType.REOPENED:
            reopened[cid] += 1
        else:
            acc[cid]["said"].append(str((data or {}).get("text", "")))
    unhappy: dict[int, int] = defaultdict(int)
    calls = CallbackTask.objects.filter(
        complaint__customer_id__in=list(people), complaint__received_at__gte=year
    ).exclude(result="")
    for cid, result, comment in calls.values_list("complaint__customer_id", "result", "comment"):
        unhappy[cid] += result == CallbackResult.DISSATISFIED
        if comment:
            acc[cid]["said"].append(comment)
    return {
        pk: rules.CustomerFacts(
            complaints_90d=a["n90"],
            complaints_365d=a["n365"],
            repeats=a["repeats"],
            reopened=reopened[pk],
            dissatisfied_callbacks=unhappy[pk],
            outside_channels=tuple(a["outside"]),
            said=tuple(s for s in a["said"] if s),
            open_overdue=a["overdue"],
            special_type=people[pk].special_type,
            value_tier=people[pk].value_tier,
        )
        for pk, a in acc.items()
    }


def customer_risk(customer: Customer, now: dt.datetime | None = None) -> Risk:
    """The customer-level risk (score 0..1 and reasons) of one customer, as of now: the 360°
    page's and the complaint page's."""
    now = now or clock.now()
    return rules.customer_risk(customer_facts([customer], now)[customer.pk], markers=risk_markers())


def fault_customers_q(fault: Fault, prefix: str = "") -> Q:
    """The customers a fault hits: its account list when it has one, else its region's."""
    if fault.accounts:
        return Q(**{f"{prefix}account__in": fault.accounts})
    return Q(**{f"{prefix}region": fault.region_id})


def fault_complaints(fault: Fault) -> QuerySet[Complaint]:
    """Complaints about the fault: of customers it hits, received from its start until
    FAULT_COMPLAINT_GRACE after its end, in its kind's categories (`network.*`, `billing.*`)
    or not classified yet."""
    qs = Complaint.objects.filter(
        fault_customers_q(fault, "customer__"),
        received_at__gte=fault.started_at,
    ).filter(Q(category__code__startswith=f"{fault.kind}.") | Q(category__isnull=True))
    if fault.ended_at is not None:
        qs = qs.filter(received_at__lte=fault.ended_at + FAULT_COMPLAINT_GRACE)
    return qs


def fault_complainants(fault: Fault) -> dict[int, int]:
    """{customer id: their first complaint about the fault}."""
    out: dict[int, int] = {}
    rows = fault_complaints(fault).order_by("received_at", "pk")
    for customer_id, pk in rows.values_list("customer_id", "pk"):
        out.setdefault(customer_id, pk)
    return out


def affected_batches(fault: Fault, exclude: set[int]) -> Iterator[list[Customer]]:
    """The customers the fault hits, but those in `exclude`, CARE_BATCH at a time."""

    qs = Customer.objects.filter(fault_customers_q(fault)).order_by("pk")
    qs = qs.only("pk", "special_type", "value_tier")
    last = 0
    while batch := list(qs.filter(pk__gt=last)[:CARE_BATCH]):
        last = batch[-1].pk
        yield [c for c in batch if c.pk not in exclude]


@dataclass(frozen=True)
class FaultFilters:
    kind: str = ""
    state: str = ""  # "ongoing", "ended" or "" (all)
    region: str = ""  # code


def fault_list(user: User, filters: FaultFilters | None = None) -> QuerySet[Fault]:
    """Known faults, latest first, each with the counts of its care list in the user's scope:
    `listed`, `open`, `contacted`, `complained` (one query with the page)."""

    f = filters or FaultFilters()
    qs = Fault.objects.select_related("region", "department")
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.state == "ongoing":
        qs = qs.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=clock.now()))
    elif f.state == "ended":
        qs = qs.filter(ended_at__lte=clock.now())
    if f.region:
        qs = qs.filter(region__code=f.region)
    visible = CareItem.objects.filter(care_scope_q(user)).values("pk")
    mine = Q(care_items__pk__in=visible)

    def count(status: str | None = None) -> Count:
        return Count("care_items", filter=mine & Q(care_items__status=status) if status else mine)

    return qs.annotate(
        listed=count(),
        open=count(CareStatus.OPEN),
        contacted=count(CareStatus.CONTACTED),
        done=count(CareStatus.DONE),
        complained=count(CareStatus.COMPLAINED),
    ).order_by("-started_at", "-pk")


def get_fault(pk: int) -> Fault:
    """A fault (not personal data: any viewer of care lists may open it); NotFound if none."""

    fault = Fault.objects.select_related("region", "department").filter(pk=pk).first()
    if fault is None:
        raise NotFound(pgettext("fault", "No such fault"))
    return fault


def care_items(user: User, fault: Fault, status: str = "") -> QuerySet[CareItem]:
    """The fault's care list in the user's scope, highest risk and value first."""

    qs = CareItem.objects.filter(care_scope_q(user), fault=fault)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related(
        "customer", "customer__region", "handled_by", "complaint", "department"
    ).order_by("-score", "-value_rank", "pk")


def get_care_item_for_user(user: User, pk: int) -> CareItem:

    item = CareItem.objects.filter(care_scope_q(user), pk=pk).select_related("fault").first()
    if item is None:
        raise NotFound(pgettext("care", "No such care item"))
    return item


def care_work(user: User) -> QuerySet[CareItem]:
    """The open care items whose call is the user's: their department's, for its back office
    (handlers and managers); the fault's department owns them all."""

    if user.role not in BACK_OFFICE_ROLES or not user.department_id:
        return CareItem.objects.none()
    return CareItem.objects.filter(
        care_scope_q(user), status=CareStatus.OPEN, department=user.department_id
    )


def customers_seen(user: User, customer_ids: Iterable[int]) -> set[int]:
    """Which of the customers the user may open (their 360° page: a complaint of theirs in the
    user's scope, as `complaints.selectors.customer_get_for_user` asks), in one query."""
    rows = Complaint.objects.filter(scope_q(user), customer_id__in=list(customer_ids))
    return set(rows.values_list("customer_id", flat=True).distinct())


# ---- incidents (R10.4) --------------------------------------------------------------------------


def incident_values(complaint: Complaint) -> dict[str, str]:
    """A complaint's slice values as Alert.slice and Incident.slice hold them."""
    return {
        "category": str(complaint.category_id or ""),
        "region": str(complaint.region_id or ""),
        "channel": complaint.channel,
        "product": complaint.product,
    }


def incident_text(complaint: Complaint) -> str:
    return f"{complaint.content}\n{complaint.demand}"


def open_incidents() -> list[Incident]:
    """The incidents that take proposals: open ones with terms (a handful; one indexed query,
    after every registration: its SQL written once per process, issue 19)."""
    sql, incidents = _open_incidents_query(connection.alias)
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, [IncidentStatus.OPEN])
        found = [incidents.instance(row) for row in cursor.fetchall()]
    return [i for i in found if i.terms]


@functools.lru_cache(maxsize=4)
def _open_incidents_query(alias: str) -> tuple[str, Columns]:
    quote = connections[alias].ops.quote_name
    meta = Incident._meta
    incidents = Columns.of(Incident, "i", alias)
    sql = (
        f"SELECT {incidents.sql} FROM {quote(meta.db_table)} i "  # noqa: S608 (quoted model names; values bound)
        f"WHERE i.{quote(meta.get_field('status').column)} = %s"
    )
    return sql, incidents


def alert_candidates(alert: Alert, terms: list[str]) -> list[str]:
    """The complaints an incident opened from `alert` takes in: the alert's examples, and every
    open complaint of its slice received since its window started that uses one of `terms`;
    none that is already another incident's child. Numbers, oldest first."""
    received = Complaint.objects.filter(received_at__gte=alert.window_start)
    words = Q()
    for term in terms:
        words |= Q(content__contains=term) | Q(demand__contains=term)
    matching = _slice_filter(received, [tuple(p) for p in alert.slice]).filter(
        words, status__in=OPEN_STATUSES
    )
    wanted = (
        Q(number__in=alert.examples) | Q(pk__in=matching.values("pk"))
        if terms
        else Q(number__in=alert.examples)
    )
    return list(
        Complaint.objects.filter(wanted, incident_link__isnull=True)
        .order_by("received_at", "pk")
        .values_list("number", flat=True)
    )


def incidents(*, status: str = "") -> QuerySet[Incident]:
    """Incidents with their counts of children, open children and pending proposals."""
    qs = Incident.objects.select_related("owner", "department").annotate(
        children=Count("links", distinct=True),
        open_children=Count(
            "links", filter=Q(links__complaint__status__in=OPEN_STATUSES), distinct=True
        ),
        pending=Count(
            "proposals", filter=Q(proposals__status=ProposalStatus.PENDING), distinct=True
        ),
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def incident_get(pk: int) -> Incident:
    found = incidents().filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such incident"))
    return found


def statement_in_force(incident: Incident) -> Statement | None:
    return incident.statements.filter(approved_at__isnull=False).order_by("-version").first()


def action_targets(incident: Incident) -> dict[str, int]:
    """How many children each action would reach now (the confirmation says it): open ones
    for a reply, those in progress for resolving, resolved ones for closing. One query."""
    counts = dict(
        Complaint.objects.filter(incident_link__incident=incident)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    # Plain strings as keys: an enum member hashes by its name, and templates look up "reply".
    return {
        str(IncidentActionKind.REPLY.value): sum(counts.get(s, 0) for s in OPEN_STATUSES),
        str(IncidentActionKind.RESOLVE.value): counts.get(Status.IN_PROGRESS, 0),
        str(IncidentActionKind.CLOSE.value): counts.get(Status.RESOLVED, 0),
    }


def incident_children(incident: Incident) -> QuerySet[Complaint]:
    return (
        Complaint.objects.filter(incident_link__incident=incident)
        .select_related("department", "handler", "customer")
        .order_by("received_at", "pk")
    )


@dataclass
class IncidentView:
    """Everything the incident page and the API show of one incident."""

    incident: Incident
    children: list[Complaint]
    statements: list[Statement]
    in_force: Statement | None
    media: list[MediaLogEntry]
    events: list[IncidentEvent]
    actions: list[IncidentAction]
    skipped: dict[int, list[IncidentApplication]]
    proposals: list[IncidentProposal]
    targets: dict[str, int]
    label: str


def incident_view(incident: Incident) -> IncidentView:
    """The incident with its children, statements, media, timeline, actions (and the children
    each skipped, with why) and pending proposals: a fixed number of queries however many
    children it has."""
    statements = list(incident.statements.select_related("author", "approved_by"))
    in_force = next((s for s in statements if s.approved), None)
    actions = list(incident.actions.select_related("actor", "statement")[:20])
    skipped: dict[int, list[IncidentApplication]] = defaultdict(list)
    for result in (
        IncidentApplication.objects.filter(action__in=[a.pk for a in actions], applied=False)
        .select_related("complaint")
        .order_by("pk")
    ):
        skipped[result.action_id].append(result)
    for action in actions:
        action.skipped_results = skipped.get(action.pk, [])  # type: ignore[attr-defined]
    return IncidentView(
        incident=incident,
        children=list(incident_children(incident)),
        statements=statements,
        in_force=in_force,
        media=list(incident.media.select_related("recorded_by")),
        events=list(incident.events.select_related("actor")),
        actions=actions,
        skipped=dict(skipped),
        proposals=list(
            incident.proposals.filter(status=ProposalStatus.PENDING)
            .select_related("complaint")
            .order_by("proposed_at", "pk")
        ),
        targets=action_targets(incident),
        label=slice_text(incident.slice, slice_labels([incident.slice])) if incident.slice else "",
    )


@dataclass
class ComplaintIncident:
    """What the complaint page shows of incidents: the one it belongs to (with the statement in
    force) and the open incidents it was proposed for, still pending."""

    incident: Incident | None
    in_force: Statement | None
    proposals: list[IncidentProposal]


def complaint_incident(complaint: Complaint) -> ComplaintIncident:
    link = (
        IncidentComplaint.objects.filter(complaint=complaint)
        .select_related("incident", "incident__owner")
        .first()
    )
    incident = link.incident if link else None
    proposals = (
        []
        if incident
        else list(
            IncidentProposal.objects.filter(
                complaint=complaint,
                status=ProposalStatus.PENDING,
                incident__status__in=INCIDENT_ACTIVE,
            ).select_related("incident")
        )
    )
    return ComplaintIncident(
        incident=incident,
        in_force=statement_in_force(incident) if incident else None,
        proposals=proposals,
    )


def incident_work(user: User) -> QuerySet[Incident]:
    """Incidents whose next move is the user's: active ones they own with pending proposals or
    a draft as their newest statement version; and, for those who approve statements, active
    incidents whose newest version is a draft someone else wrote."""
    if not (user.is_active and user.role in INCIDENT_OPEN_ROLES):
        return Incident.objects.none()
    newest = Statement.objects.filter(incident=OuterRef("pk")).order_by("-version")
    qs = Incident.objects.filter(status__in=INCIDENT_ACTIVE).annotate(
        has_statement=Exists(newest),
        newest_approved=Subquery(newest.values("approved_at")[:1]),
        newest_author=Subquery(newest.values("author")[:1]),
    )
    pending = IncidentProposal.objects.filter(
        incident=OuterRef("pk"), status=ProposalStatus.PENDING
    )
    drafted = Q(has_statement=True, newest_approved__isnull=True)
    wanted = Q(owner=user) & (Q(Exists(pending)) | drafted)
    if user.role in STATEMENT_APPROVE_ROLES:
        wanted |= drafted & ~Q(newest_author=user.pk)
    return qs.filter(wanted)
