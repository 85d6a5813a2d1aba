"""KPIs (R11.1) read from the count tables (D11), never from the complaints.

`kpis(start, end, filters)` answers for the period [start, end) and the previous period of the
same length [start − (end − start), start). The period is read from whole months
(MonthlyCount), the days around them (DailyCount) and the hours around those (HourlyCount);
bounds inside an hour count the hours that start in the period. Each question reads the
smallest roll-up that answers it (rules.ROLLUPS): totals, one dimension, and a dimension
within one department or region read a handful of rows per period; other combinations read
the full cube.

Definitions (every rate is None when its denominator is 0 — "no data" is not "0 %"):

- volume: complaints received in the period (`received_at`).
- closed: complaints closed in the period (`closed_at`); a reopened complaint counts again
  only when it closes again.
- on_time_rate: of those closed, the share resolved (or closed) by their resolution limit
  (`resolution_due`, as moved by pauses).
- first_response_on_time_rate: of the complaints received whose first response is settled
  (accepted, or alerted as overdue while unaccepted), the share accepted by the first-response
  limit.
- avg_handling_hours: mean hours from received to closed over the complaints closed;
  p90_handling_hours: their 90th percentile, interpolated inside the fixed histogram buckets of
  constants.HANDLING_EDGES_HOURS (so exact to those edges; ≥ 720 h answers 720).
- first_contact_resolution_rate (一次解决率): of those closed, the share resolved by the person
  who registered them, at first contact, within their authority (`Complaint.first_contact`,
  see `permissions.at_first_contact`); an outcome that needed approval, or a later one after
  a reopen, is not.
- callbacks: callbacks done in the period (`done_at`), by result; satisfaction_rate: satisfied or
  basically satisfied, over callbacks that reached the customer (all but unreachable);
  mean_scores: mean of each 1–5 factor over the callbacks that scored it.
- repeat_rate: of the volume, the share registered as a repeat of an earlier complaint;
  escalation_rate: of the volume, the share escalated up the ladder at least once.
- compensation_total: yuan of all remedies granted on the complaints closed in the period;
  remedy_mix: those remedies by type, with their share of all remedies.
- per_10k_customers (万投比): volume per 10,000 customers of the regions in the slice
  (Region.customers; all regions unless filtered by region or scope); None without customers.
  For the period as given, not per month.

Dimensions are each complaint's current ones: category (a filter includes its sub-categories),
channel, region, department (the handling department) and level.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from tousu.accounts.choices import DataScope
from tousu.accounts.models import Department, Region, User
from tousu.analytics import drivers, rules
from tousu.analytics.models import (
    DailyCount,
    HourlyCount,
    MonthlyCount,
    ResponsibleCount,
    SatisfactionCount,
)
from tousu.callbacks.choices import CallbackResult, SurveyFactor
from tousu.classification.models import Category
from tousu.complaints.choices import Channel, TimeLeft
from tousu.core import clock
from tousu.core.clock import SHANGHAI

GROUPS = ("category", "channel", "region", "department")
Sums = Mapping[str, int | None]


@dataclass(frozen=True)
class KpiFilters:
    """A slice: codes as users give them (None = any). `departments`/`regions` are id sets that
    a data scope imposes on top (None = unrestricted, empty = nothing)."""

    department: str | None = None
    region: str | None = None
    channel: str | None = None
    category: str | None = None
    departments: frozenset[int] | None = None
    regions: frozenset[int] | None = None


def filters_for_user(user: User, filters: KpiFilters | None = None) -> KpiFilters:
    """`filters` narrowed to the user's data scope. Counts are kept by handling department and
    region, so a department scope sees its department's complaints and a region scope its
    region's; complaints a user sees only as their handler or registrar elsewhere are not
    in the counts."""
    base = filters or KpiFilters()
    if not user.is_active:
        return _replace(base, departments=frozenset())
    scope = user.effective_scope
    if scope == DataScope.ALL:
        return base
    if scope == DataScope.REGION:
        return _replace(base, regions=frozenset({user.region_id} if user.region_id else ()))
    return _replace(base, departments=frozenset({user.department_id} if user.department_id else ()))


def _replace(f: KpiFilters, **changes: Any) -> KpiFilters:
    return KpiFilters(**{**f.__dict__, **changes})


def _where(filters: KpiFilters) -> Q:
    """The filter on count rows; a code that names nothing matches nothing."""
    q = Q()
    if filters.department is not None:
        q &= Q(department__in=Department.objects.filter(code=filters.department).values("pk"))
    if filters.region is not None:
        q &= Q(region__in=Region.objects.filter(code=filters.region).values("pk"))
    if filters.channel is not None:
        q &= Q(channel=filters.channel)
    if filters.category is not None:
        # Dotted codes: the category and its sub-categories are one prefix match.
        tree = Category.objects.filter(
            Q(code=filters.category) | Q(code__startswith=filters.category + ".")
        )
        q &= Q(category__in=list(tree.values_list("pk", flat=True)))
    if filters.departments is not None:
        q &= Q(department__in=sorted(filters.departments))
    if filters.regions is not None:
        q &= Q(region__in=sorted(filters.regions))
    return q


def _used(filters: KpiFilters) -> set[str]:
    """The dimensions the filters (and the scope) look at."""
    used = {
        name
        for name in ("department", "region", "channel", "category")
        if getattr(filters, name) is not None
    }
    if filters.departments is not None:
        used.add("department")
    if filters.regions is not None:
        used.add("region")
    return used


def _local_midnight(moment: dt.datetime, *, up: bool) -> dt.datetime:
    local = moment.astimezone(SHANGHAI)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + dt.timedelta(days=1) if up and midnight < local else midnight


def _first_of_month(day: dt.date, *, up: bool) -> dt.date:
    first = day.replace(day=1)
    if up and first < day:
        return (first + dt.timedelta(days=32)).replace(day=1)
    return first


def _parts(start: dt.datetime, end: dt.datetime, where: Q, used: set[str]) -> list[QuerySet[Any]]:
    """Count rows that together hold exactly [start, end) for the filter `where` on the
    dimensions `used`, each from the smallest roll-up its table keeps: whole months from
    MonthlyCount, the days around them from DailyCount, the hours around those from
    HourlyCount. Bounds inside an hour: the hours that start in [start, end)."""
    if start >= end:
        return []
    hourly_where = where & Q(rollup=rules.rollup_for(used, hourly=True))
    where = where & Q(rollup=rules.rollup_for(used))

    def hours(a: dt.datetime, b: dt.datetime) -> QuerySet[Any]:
        return HourlyCount.objects.filter(hourly_where, hour__gte=a, hour__lt=b)

    if any(m.minute or m.second or m.microsecond for m in (start, end)):
        return [hours(start, end)]
    first, last = _local_midnight(start, up=True), _local_midnight(end, up=False)
    if first >= last:
        return [hours(start, end)]
    parts = [hours(a, b) for a, b in ((start, first), (last, end)) if a < b]
    d0, d1 = first.date(), last.date()
    m0, m1 = _first_of_month(d0, up=True), _first_of_month(d1, up=False)
    day_ranges = [(d0, d1)]
    if m0 < m1:
        parts.append(MonthlyCount.objects.filter(where, month__gte=m0, month__lt=m1))
        day_ranges = [(d0, m0), (m1, d1)]
    days = Q(pk__in=[])
    for a_day, b_day in day_ranges:
        if a_day < b_day:
            days |= Q(day__gte=a_day, day__lt=b_day)
    if days != Q(pk__in=[]):
        parts.append(DailyCount.objects.filter(where).filter(days))
    return parts


SUMS = {m: Sum(m) for m in rules.MEASURES}


def _total(parts: list[QuerySet[Any]]) -> dict[str, int]:
    out = dict.fromkeys(rules.MEASURES, 0)
    for qs in parts:
        for m, v in qs.aggregate(**SUMS).items():
            out[m] += int(v or 0)
    return out


def _grouped(
    parts: list[QuerySet[Any]], dim: str, sums: Mapping[str, Sum] = SUMS
) -> dict[Any, dict[str, int]]:
    out: dict[Any, dict[str, int]] = {}
    for qs in parts:
        for row in qs.values(dim).annotate(**sums).order_by():
            target = out.setdefault(row[dim], dict.fromkeys(sums, 0))
            for m in sums:
                target[m] += int(row[m] or 0)
    return out


def figures(s: Sums, customers: int | None) -> dict[str, Any]:
    """The KPI figures of summed counts `s` (see the module docstring for the definitions)."""

    def n(name: str) -> int:
        return int(s.get(name) or 0)

    volume, closed, callbacks = n("registered"), n("closed"), n("callbacks")
    results = {r: n(measure) for r, measure in rules.RESULT_MEASURES.items()}
    reached = callbacks - results[CallbackResult.UNREACHABLE]
    satisfied = results[CallbackResult.SATISFIED] + results[CallbackResult.BASICALLY_SATISFIED]
    remedies = {t: n(measure) for t, measure in rules.REMEDY_MEASURES.items()}
    remedy_count = sum(remedies.values())
    return {
        "volume": volume,
        "on_time_rate": rules.ratio(n("closed_on_time"), closed),
        "avg_handling_hours": round(n("handling_seconds") / closed / 3600, 2) if closed else None,
        "satisfaction_rate": rules.ratio(satisfied, reached),
        "repeat_rate": rules.ratio(n("repeats"), volume),
        "escalation_rate": rules.ratio(n("escalated"), volume),
        "compensation_total": round(n("compensation_fen") / 100, 2),
        "per_10k_customers": round(volume * 10_000 / customers, 4) if customers else None,
        # Beyond API.md's list (additive):
        "closed": closed,
        "first_response_on_time_rate": rules.ratio(n("fr_on_time"), n("fr_settled")),
        "p90_handling_hours": rules.percentile_hours({h: n(h) for h in rules.HISTOGRAM}),
        "first_contact_resolution_rate": rules.ratio(n("fcr"), closed),
        "callbacks": callbacks,
        "callback_results": results,
        "mean_scores": {
            f: round(n(total) / n(count), 2) if n(count) else None
            for f, (count, total) in rules.SCORE_MEASURES.items()
        },
        "remedy_mix": [
            {"type": t, "count": c, "share": rules.ratio(c, remedy_count)}
            for t, c in sorted(remedies.items(), key=lambda tc: (-tc[1], tc[0]))
            if c
        ],
    }


class _Names:
    """Codes, names and customer counts of the dimension ids (small reference tables)."""

    def __init__(self) -> None:
        categories = Category.objects.values_list("pk", "code", "name")
        self.category = {pk: (code, name) for pk, code, name in categories}
        self.department = {
            pk: (code, name)
            for pk, code, name in Department.objects.values_list("pk", "code", "name")
        }
        regions = list(Region.objects.values_list("pk", "code", "name", "customers"))
        self.region = {pk: (code, name) for pk, code, name, _ in regions}
        self.customers = {pk: customers for pk, _, _, customers in regions}
        self.channel = {value: (value, str(label)) for value, label in Channel.choices}

    def of(self, dim: str, value: Any) -> tuple[str | None, str | None]:
        table: dict[Any, tuple[str, str]] = getattr(self, dim)
        return table.get(value, (None, None))

    def base(self, filters: KpiFilters) -> int:
        """Customers of the regions in the slice."""
        ids = set(self.customers)
        if filters.region is not None:
            ids = {pk for pk, (code, _) in self.region.items() if code == filters.region}
        if filters.regions is not None:
            ids &= filters.regions
        return sum(self.customers[pk] for pk in ids)


@dataclass(frozen=True)
class _Periods:
    """[start, end) and the previous period of the same length, [previous_start, start)."""

    previous_start: dt.datetime
    start: dt.datetime
    end: dt.datetime


# Count-table rows for a period (start, end), optionally with the rows of one more dimension.
_Parts = Callable[[dt.datetime, dt.datetime, str | None], list[QuerySet[Any]]]


def _mix_entry(
    dim: str, value: Any, c: int, p: int, names: _Names, registered: int
) -> dict[str, Any]:
    code, name = names.of(dim, value)
    entry = {
        "key": code,
        "name": name,
        "volume": c,
        "previous_volume": p,
        "share": rules.ratio(c, registered),
    }
    if dim == "region":  # 万投比: regions differ in size
        served = names.customers.get(value)
        entry["per_10k_customers"] = round(c * 10_000 / served, 4) if served else None
    return entry


def _mix(
    parts: _Parts, periods: _Periods, names: _Names, registered: int
) -> dict[str, list[dict[str, Any]]]:
    """Volume by each of the `GROUPS` dimensions, now and before, with shares of `registered`."""
    mix = {}
    volume = {"registered": Sum("registered")}
    for dim in GROUPS:
        now = _grouped(parts(periods.start, periods.end, dim), dim, volume)
        before = _grouped(parts(periods.previous_start, periods.start, dim), dim, volume)
        entries: list[dict[str, Any]] = []
        for value in now.keys() | before.keys():
            c = now.get(value, {}).get("registered", 0)
            p = before.get(value, {}).get("registered", 0)
            if c or p:
                entries.append(_mix_entry(dim, value, c, p, names, registered))
        mix[dim] = sorted(entries, key=lambda e: (-e["volume"], str(e["key"])))
    return mix


def _groups(
    parts: _Parts, periods: _Periods, names: _Names, group_by: str, customers: int
) -> list[dict[str, Any]]:
    """The figures per value of `group_by`, largest current volume first."""
    now = _grouped(parts(periods.start, periods.end, group_by), group_by)
    before = _grouped(parts(periods.previous_start, periods.start, group_by), group_by)
    groups = []
    for value in now.keys() | before.keys():
        code, name = names.of(group_by, value)
        base = names.customers.get(value) if group_by == "region" else customers
        groups.append(
            {
                "key": code,
                "name": name,
                "current": figures(now.get(value, {}), base),
                "previous": figures(before.get(value, {}), base),
            }
        )
    return sorted(groups, key=lambda g: (-g["current"]["volume"], str(g["key"])))


def kpis(
    start: dt.datetime,
    end: dt.datetime,
    filters: KpiFilters | None = None,
    *,
    group_by: str | None = None,
    mixes: bool = True,
) -> dict[str, Any]:
    """KPIs of [start, end) and of the previous period of the same length, for the slice
    `filters`: `current`, `previous`, `change` (relative, previous → current), `mix` (volume by
    category / channel / region / department, with shares) and, with `group_by`, `groups` —
    the same figures per value of that dimension, largest current volume first.
    Precondition: start < end, both aware."""
    filters = filters or KpiFilters()
    if group_by is not None and group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {GROUPS}")
    periods = _Periods(start - (end - start), start, end)
    where, used = _where(filters), _used(filters)

    def parts(a: dt.datetime, b: dt.datetime, dim: str | None = None) -> list[QuerySet[Any]]:
        """Rows of the smallest roll-up that answers for the filters (and `dim`)."""
        return _parts(a, b, where, used | ({dim} if dim else set()))

    cur, prev = parts(start, end), parts(periods.previous_start, start)
    names = _Names()
    customers = names.base(filters)
    current, previous = _total(cur), _total(prev)
    body: dict[str, Any] = {
        # In Asia/Shanghai with an ISO 8601 offset, however the bounds were given (clock.local).
        "period": {
            "start": clock.local(start).isoformat(),
            "end": clock.local(end).isoformat(),
            "previous_start": clock.local(periods.previous_start).isoformat(),
        },
        "current": figures(current, customers),
        "previous": figures(previous, customers),
    }
    body["change"] = {
        name: rules.change(body["current"][name], body["previous"][name])
        for name in ("volume", "closed", "compensation_total", "callbacks")
    }
    if mixes:
        body["mix"] = _mix(parts, periods, names, current["registered"])
    if group_by:
        body["groups"] = _groups(parts, periods, names, group_by, customers)
    return body


def kpis_for_user(
    user: User,
    start: dt.datetime,
    end: dt.datetime,
    filters: KpiFilters | None = None,
    *,
    group_by: str | None = None,
) -> dict[str, Any]:
    """`kpis` within what `user` may see (filters_for_user)."""
    return kpis(start, end, filters_for_user(user, filters), group_by=group_by)


# ---- the dashboard (R11.2): reads beside the KPIs ---------------------------------------------

# The open backlog by time left to the resolution limit: past it, under 4 h, under 24 h, later
# (the complaint list filters by the same buckets).
BACKLOG_BUCKETS: tuple[str, ...] = tuple(TimeLeft.values)


def daily_volume(
    first: dt.date,
    last: dt.date,
    filters: KpiFilters | None = None,
    measure: str = "registered",
) -> dict[dt.date, int]:
    """Complaints received (or another of rules.MEASURES: "closed" …) per Asia/Shanghai day
    from `first` to `last` (both included), for the slice, from DailyCount (every day is kept
    there, whole months too): one query, plus one for a category filter. Days without any
    are absent."""
    if measure not in rules.MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    filters = filters or KpiFilters()
    rows = (
        DailyCount.objects.filter(
            _where(filters), rollup=rules.rollup_for(_used(filters)), day__gte=first, day__lte=last
        )
        .values("day")
        .annotate(n=Sum(measure))
        .order_by()
    )
    return {row["day"]: int(row["n"]) for row in rows if row["n"]}


def open_backlog(filters: KpiFilters | None = None, *, now: dt.datetime) -> dict[str, int]:
    """Open complaints of the slice by time left to their resolution limit (BACKLOG_BUCKETS),
    read from the complaints themselves in one query over the (status, resolution_due)
    index. The slice means what it means for the counts: the handling department and region,
    the category with its sub-categories; the scope's ids on top."""
    # Imported here: this part is appended to a module whose head belongs to the count tables.
    from django.db.models import Count

    from tousu.complaints.models import Complaint
    from tousu.complaints.rules import OPEN_STATUSES
    from tousu.complaints.selectors import time_left_q

    f = filters or KpiFilters()
    q = Q(status__in=OPEN_STATUSES)
    if f.department is not None:
        q &= Q(department__code=f.department)
    if f.region is not None:
        q &= Q(region__code=f.region)
    if f.channel is not None:
        q &= Q(channel=f.channel)
    if f.category is not None:
        q &= Q(category__code=f.category) | Q(category__code__startswith=f.category + ".")
    if f.departments is not None:
        q &= Q(department__in=sorted(f.departments))
    if f.regions is not None:
        q &= Q(region__in=sorted(f.regions))
    counts = Complaint.objects.filter(q).aggregate(
        **{name: Count("pk", filter=Q(**time_left_q(name, now))) for name in BACKLOG_BUCKETS}
    )
    return {name: int(counts[name] or 0) for name in BACKLOG_BUCKETS}


def dashboard_for_user(
    user: User, first: dt.date, last: dt.date, filters: KpiFilters, *, now: dt.datetime
) -> dict[str, Any]:
    """Everything the dashboard shows for the Asia/Shanghai days `first`…`last` (both
    included) within what `user` may see: `kpis` with the department league (`groups`), the
    daily `trend` aligned by day offset with the previous period of as many days, the open
    `backlog` by time left and `transfers` out of each department (by code). A bounded number
    of queries whatever the volume. Precondition: first <= last."""
    scoped = filters_for_user(user, filters)
    start = dt.datetime.combine(first, dt.time(), tzinfo=SHANGHAI)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)
    body = kpis(start, end, scoped, group_by="department")
    days = (last - first).days + 1
    previous_first = first - dt.timedelta(days=days)
    volume = daily_volume(previous_first, last, scoped)
    body["trend"] = [
        {
            "day": first + dt.timedelta(days=i),
            "volume": volume.get(first + dt.timedelta(days=i), 0),
            "previous_day": previous_first + dt.timedelta(days=i),
            "previous_volume": volume.get(previous_first + dt.timedelta(days=i), 0),
        }
        for i in range(days)
    ]
    body["backlog"] = open_backlog(scoped, now=now)
    # By code, as the league's groups are keyed (one small read of the department codes).
    codes = dict(Department.objects.values_list("pk", "code"))
    body["transfers"] = {
        codes.get(pk): n for pk, n in transfers_out(start, end, scoped).items() if pk in codes
    }
    body["responsible"] = by_responsible(first, last, scoped, codes)
    return body


def by_responsible(
    first: dt.date, last: dt.date, scoped: KpiFilters, codes: Mapping[int, str]
) -> dict[str, Any]:
    """The complaints closed on the Asia/Shanghai days `first`…`last` (both included) — the
    dashboard's period, as its cards count it —, by responsible department (by code, None =
    not confirmed) and staff member (None = not named), within the slice and scope `scoped`
    (the handling department's and region's, as everywhere on the dashboard): closed,
    first-contact resolutions and their rate, compensation in yuan. `days` gives the period.
    Two queries: the counts and the staff members' names."""
    rows = list(
        ResponsibleCount.objects.filter(_where(scoped), day__range=(first, last))
        .values("responsible_department", "responsible_staff")
        .annotate(**{f"sum_{m}": Sum(m) for m in rules.RESPONSIBLE_MEASURES})
        .order_by("responsible_department", "-sum_closed", "responsible_staff")
    )
    staff_ids = {r["responsible_staff"] for r in rows if r["responsible_staff"]}
    people = {u.pk: str(u) for u in User.objects.filter(pk__in=staff_ids)} if staff_ids else {}
    return {
        "days": (first, last),
        "rows": [
            {
                "department": codes.get(r["responsible_department"]),
                "staff": people.get(r["responsible_staff"]),
                "closed": r["sum_closed"],
                "fcr": r["sum_fcr"],
                "fcr_rate": rules.ratio(r["sum_fcr"], r["sum_closed"]),
                "compensation_total": round(r["sum_compensation_fen"] / 100, 2),
            }
            for r in rows
        ],
    }


def responsible_for_user(
    user: User, start: dt.datetime, end: dt.datetime, filters: KpiFilters | None = None
) -> dict[str, Any]:
    """`by_responsible` within what `user` may see, for the Asia/Shanghai days that the
    times [start, end) touch (the counts are kept by day). Three queries."""
    first = start.astimezone(SHANGHAI).date()
    last = (end - dt.timedelta(microseconds=1)).astimezone(SHANGHAI).date()
    codes = dict(Department.objects.values_list("pk", "code"))
    return by_responsible(first, last, filters_for_user(user, filters), codes)


def transfers_out(
    start: dt.datetime, end: dt.datetime, filters: KpiFilters | None = None
) -> dict[int, int]:
    """Transfers (转派, not returns) out of each department in [start, end), for the slice: the
    count tables do not keep transfers, the routing table's (at, from_department) index
    answers it in one query. The slice's channel, region and category are the transferred
    complaint's current ones; its department is the one transferring."""
    from django.db.models import Count

    from tousu.routing.choices import TransferKind
    from tousu.routing.models import Transfer

    f = filters or KpiFilters()
    q = Q(at__gte=start, at__lt=end, kind=TransferKind.TRANSFER, from_department__isnull=False)
    if f.department is not None:
        q &= Q(from_department__code=f.department)
    if f.departments is not None:
        q &= Q(from_department__in=sorted(f.departments))
    if f.region is not None:
        q &= Q(complaint__region__code=f.region)
    if f.regions is not None:
        q &= Q(complaint__region__in=sorted(f.regions))
    if f.channel is not None:
        q &= Q(complaint__channel=f.channel)
    if f.category is not None:
        q &= Q(complaint__category__code=f.category) | Q(
            complaint__category__code__startswith=f.category + "."
        )
    rows = Transfer.objects.filter(q).values("from_department").annotate(n=Count("pk")).order_by()
    return {row["from_department"]: row["n"] for row in rows}


def root_causes_for_user(
    user: User, first: dt.date, last: dt.date, filters: KpiFilters
) -> dict[str, Any]:
    """Root causes (R11.4) of the Asia/Shanghai days `first`…`last` for the slice, within what
    `user` may see: the words of a sample of the complaints received (report_terms), against
    the previous period of as many days, weighed by their IDF in all the slice's complaints the
    user may see. Examples are only of complaints the user may open."""
    from tousu.analytics import report_terms
    from tousu.complaints.selectors import ComplaintFilters, complaint_list

    start = dt.datetime.combine(first, dt.time(), tzinfo=SHANGHAI)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)
    previous_start = start - (end - start)

    def received(a: dt.datetime | None, b: dt.datetime | None) -> Any:
        sliced = ComplaintFilters(
            category=filters.category or "",
            channel=filters.channel or "",
            region=filters.region or "",
            department=filters.department or "",
            received_from=a,
            received_to=b,
        )
        return complaint_list(user, sliced)

    mix = kpis(start, end, filters_for_user(user, filters))["mix"]["category"]
    return {
        **report_terms.root_causes(
            received(start, end), received(previous_start, start), mix, received(None, None)
        ),
        "previous_first": previous_start.date(),
        "previous_last": first - dt.timedelta(days=1),
    }


# ---- satisfaction drivers (R8.3): read from SatisfactionCount --------------------------------

# Which observations an analysis reads, and the factors it may use: callbacks ask the four
# handling factors, surveys up to all eight; together only the four both ask are comparable.
DRIVER_SOURCES: dict[str, tuple[tuple[str, ...], int]] = {
    "callback": (("callback",), drivers.CALLBACK_MASK),
    "survey": (("survey",), drivers.ALL_MASK),
    "both": (("callback", "survey"), drivers.CALLBACK_MASK),
}
_MOMENT_SUMS = {f"sum_{m}": Sum(m) for m in drivers.MOMENT_COLUMNS}
_MOMENT_READ = ("day", "factors", *_MOMENT_SUMS)


def satisfaction_rows(
    first: dt.date, last: dt.date, filters: KpiFilters, source: str
) -> list[drivers.Row]:
    """(day, factor mask, moments) from `first` to `last` (both included) for the slice and
    source, sources added together: one query (plus one for a category filter), from the
    smallest roll-up that answers it."""
    sources, _ = DRIVER_SOURCES[source]
    rows = (
        SatisfactionCount.objects.filter(
            _where(filters),
            rollup=rules.satisfaction_rollup_for(_used(filters)),
            day__gte=first,
            day__lte=last,
            source__in=sources,
        )
        .values("day", "factors")
        .annotate(**_MOMENT_SUMS)
        .order_by()
    )
    return [(day, mask, moments) for day, mask, *moments in rows.values_list(*_MOMENT_READ)]


def satisfaction_drivers(
    first: dt.date, last: dt.date, filters: KpiFilters | None = None, *, source: str = "callback"
) -> dict[str, Any]:
    """The drivers of overall satisfaction for the days `first`–`last` and the slice
    (drivers.py says how), with the index of the previous period of the same length. One
    query for both periods."""
    filters = filters or KpiFilters()
    days = (last - first).days + 1
    previous_first = first - dt.timedelta(days=days)
    rows = satisfaction_rows(previous_first, last, filters, source)
    now = [r for r in rows if r[0] >= first]
    before = [r for r in rows if r[0] < first]
    result = drivers.analyse(now, before, DRIVER_SOURCES[source][1])
    labels = dict(SurveyFactor.choices)
    return {
        "source": source,
        "method": drivers.METHOD,
        "interval_method": drivers.INTERVAL_METHOD,
        "confidence": drivers.CONFIDENCE,
        "min_n": drivers.MIN_N,
        "n": result.n,
        "days": result.days,
        "ranked": result.ranked,
        "reason": result.reason,
        "reason_text": str(DRIVER_REASONS[result.reason]) % {"n": drivers.MIN_N}
        if result.reason
        else None,
        "r2": result.r2,
        "factors": [
            {
                "factor": f.factor,
                "name": str(labels[f.factor]),
                "mean": f.mean,
                "importance": f.importance,
                "interval": list(f.interval) if f.interval else None,
                "n": f.n,
                "quadrant": f.quadrant,
            }
            for f in result.factors
        ],
        "index": {
            "value": result.index,
            "previous": result.previous_index,
            "change": result.index_change,
            "weights": result.weights,
            "overall": result.overall_index,
            "previous_overall": result.previous_overall_index,
        },
        "previous": {
            "from": previous_first.isoformat(),
            "to": (first - dt.timedelta(days=1)).isoformat(),
            "n": result.previous_n,
        },
    }


DRIVER_REASONS = {
    "no_data": _("No scored observations with an overall score in this period."),
    "too_few": _("Fewer than %(n)s complete observations: too few to say which factors matter."),
    "no_variation": _("Overall satisfaction did not vary: nothing to explain."),
}


def satisfaction_drivers_for_user(
    user: User,
    first: dt.date,
    last: dt.date,
    filters: KpiFilters | None = None,
    *,
    source: str = "callback",
) -> dict[str, Any]:
    """`satisfaction_drivers` within what `user` may see (filters_for_user): a department
    scope sees its department's callbacks (surveys have no department), a region scope its
    region's callbacks and surveys."""
    return satisfaction_drivers(first, last, filters_for_user(user, filters), source=source)
