"""Reads of complaints, always scoped to what the user may see (R14.1)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from tousu.accounts.models import Department, User
from tousu.accounts.permissions import can_view, scope_alternatives, scope_q
from tousu.complaints import search
from tousu.complaints.choices import LEVEL_RANK, ArchiveFilter, EventType
from tousu.complaints.models import (
    ChainSeal,
    Complaint,
    ComplaintEvent,
    DailySequence,
    SavedView,
    SealedHead,
    risk_is_high,
)
from tousu.complaints.rules import OPEN_STATUSES, time_left_bounds
from tousu.core import clock
from tousu.core.errors import NotFound
from tousu.core.keys import link_problem
from tousu.core.rows import ValuesByKeys
from tousu.customers import selectors as customers_selectors
from tousu.customers.models import Customer


@dataclass
class ComplaintFilters:
    """The filters of the complaint list page and `GET /api/v1/complaints` alike."""

    status: str = ""
    category: str = ""  # a code: includes sub-categories
    channel: str = ""
    level: str = ""
    department: str = ""
    handler: str = ""  # username
    region: str = ""
    product: str = ""  # the plan's name as registered (Complaint.product), exactly
    responsible_department: str = ""  # a code: the department confirmed responsible
    overdue: bool = False
    time_left: str = ""  # a TimeLeft bucket: open complaints only
    repeat: bool = False
    archived: str = ""  # an ArchiveFilter value; "" lists archived complaints with the rest
    received_from: dt.datetime | None = None
    received_to: dt.datetime | None = None
    closed_from: dt.datetime | None = None
    closed_to: dt.datetime | None = None
    customer_phone: str = ""
    q: str = ""


def time_left_q(bucket: str, now: dt.datetime) -> dict[str, dt.datetime]:
    """The resolution-limit conditions of a TimeLeft bucket, as filter keywords."""
    low, high = time_left_bounds(bucket, now)
    bounds = {"resolution_due__gte": low, "resolution_due__lt": high}
    return {name: value for name, value in bounds.items() if value is not None}


def complaint_rows() -> QuerySet[Complaint]:
    """Complaints with what a row of any list shows (customer, category, department, handler,
    region, the complaint it repeats or was merged into), in one query."""
    return Complaint.objects.select_related(
        "customer",
        "category",
        "category__parent",
        "department",
        "handler",
        "region",
        "repeat_of",
        "duplicate_of",
    )


def list_rows() -> QuerySet[Complaint]:
    """`complaint_rows` for lists of many, without the complaint a row repeats or was merged
    into: those two joins of whole complaints took 40 % of a list page's query and rows at a
    million complaints, and stayed in its count (issue 19). A list row shows only whether
    it is a repeat (`repeat_of_id`); the API's rows read the numbers for the page in one query
    (desk.schemas.complaints_out)."""
    return Complaint.objects.select_related(
        "customer", "category", "category__parent", "department", "handler", "region"
    )


@dataclass(slots=True)
class ListRow:
    """A row of the list page (`list_page_rows`): the complaint's columns the page's table,
    countdown and cursors read, under the Complaint's own names, with its category,
    department and handler as model instances holding only their names (one instance each per
    page, however many rows share it) and the customer's phone.

    The rows of a page were 270 model instances (six a row, each `Model.__init__` and
    `from_db`, its dates converted one by one), for the 10 cells a row shows: the largest
    part of the page's own work after its template at a million complaints (issue 19)."""

    pk: int
    number: str
    status: str
    level: str
    content: str
    repeat_of_id: int | None
    risk_score: float | None
    risk_reasons: list[str]
    received_at: dt.datetime
    resolution_due: dt.datetime
    paused_at: dt.datetime | None
    pause_reason: str
    time_limit_policy: str
    archived_at: dt.datetime | None
    approval_due: dt.datetime | None
    phone: str
    category: Any  # a classification.Category or None (an app above the kernel)
    department: Department | None
    handler: User | None
    level_rank: int = 0  # read only in the order by level (sorted_by)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def high_risk(self) -> bool:
        return risk_is_high(self.risk_score)


# What list_page_rows reads, in the order of ListRow's fields up to the phone, then the
# related rows' ids and names.
_LIST_ROW_COLUMNS = (
    "pk",
    "number",
    "status",
    "level",
    "content",
    "repeat_of_id",
    "risk_score",
    "risk_reasons",
    "received_at",
    "resolution_due",
    "paused_at",
    "pause_reason",
    "time_limit_policy",
    "archived_at",
)
_LIST_ROW_RELATED = (
    "customer__phone",
    "category_id",
    "category__name",
    "category__name_en",
    "category__parent_id",
    "category__parent__name",
    "category__parent__name_en",
    "department_id",
    "department__name",
    "department__name_en",
    "handler_id",
    "handler__username",
    "handler__display_name",
)


def _one_each(made: dict[int, Any], model: Any, fields: list[str], values: list[Any]) -> Any:
    """The instance of `model` with these values (the key first), made once per page and
    shared by its rows; None for no key."""
    if values[0] is None:
        return None
    found = made.get(values[0])
    if found is None:
        found = made[values[0]] = model.from_db(None, fields, values)
    return found


def _category_of(
    made: tuple[dict[int, Any], dict[int, Any]],
    fields: list[str],
    values: list[Any],
    parent_values: list[Any],
) -> Any:
    """The category of a row (`fields` and `values`, the key first and `parent_id` last) with
    its parent (key, name, name_en), each made once per page (`made`: the categories and the
    parents met so far); None for no category."""
    # classification is above the kernel: its model by the foreign key, not by an import.
    model: Any = Complaint._meta.get_field("category").related_model
    categories, parents = made
    parent = _one_each(parents, model, ["id", "name", "name_en"], parent_values)
    category = _one_each(categories, model, fields, values)
    if category is not None and parent is not None:
        category.parent = parent
    return category


def list_page_rows(qs: QuerySet[Complaint]) -> list[ListRow]:
    """The rows of `qs` (complaints, ordered and sliced) as the list page shows them: one
    `values_list` of their columns (ListRow), `approval_due` and `level_rank` when `qs`
    annotates them. Every other field a page would read is not there: only the list page's
    table, countdown and cursors read these (test_list_rows renders them with no statement
    against the old template loop over whole complaints)."""
    annotated = [n for n in ("approval_due", "level_rank") if n in qs.query.annotations]
    made: tuple[dict[int, Any], dict[int, Any]] = ({}, {})  # categories, parents
    departments: dict[int, Department] = {}
    handlers: dict[int, User] = {}
    rows = []
    width = len(_LIST_ROW_COLUMNS)
    for values in qs.values_list(*_LIST_ROW_COLUMNS, *_LIST_ROW_RELATED, *annotated):
        own = dict(zip(_LIST_ROW_COLUMNS, values[:width], strict=True))
        (
            phone,
            category_id,
            category_name,
            category_name_en,
            parent_id,
            parent_name,
            parent_name_en,
            department_id,
            department_name,
            department_name_en,
            handler_id,
            username,
            display_name,
        ) = values[width : width + len(_LIST_ROW_RELATED)]
        extra = dict(zip(annotated, values[width + len(_LIST_ROW_RELATED) :], strict=True))
        category = _category_of(
            made,
            ["id", "name", "name_en", "parent_id"],
            [category_id, category_name, category_name_en, parent_id],
            [parent_id, parent_name, parent_name_en],
        )
        department = _one_each(
            departments,
            Department,
            ["id", "name", "name_en"],
            [department_id, department_name, department_name_en],
        )
        handler = _one_each(
            handlers, User, ["id", "username", "display_name"], [handler_id, username, display_name]
        )
        rows.append(
            ListRow(
                **own,
                approval_due=extra.get("approval_due"),
                phone=phone or "",
                category=category,
                department=department,
                handler=handler,
                level_rank=extra.get("level_rank", 0),
            )
        )
    return rows


class RowCustomer(NamedTuple):
    """The customer's fields an API row shows (`ApiRow.customer`)."""

    phone: str
    name: str
    account: str


class RowRegion(NamedTuple):
    code: str


class RowDepartment(NamedTuple):
    code: str
    name: str


class RowHandler(NamedTuple):
    username: str


@dataclass(slots=True)
class ApiRow:
    """A row of the API list (`api_list_rows`): the complaint's columns its API shape reads
    (desk.schemas.complaint_out, its clocks and countdown), under the Complaint's own names;
    its customer, region, department and handler as what the shape shows of them, its
    category as a model instance holding only its names (one per page, however many rows
    share it: its path name is in the reader's language); the numbers of the complaints it
    repeats or was merged into, each read by a subquery of the row's statement (as joins,
    PostgreSQL's planning of the statement, already 8 ms with its seven tables, took
    22-30 ms with nine; a query for the page's numbers was one statement more).

    As model instances the rows of a page were 350 (seven a row, each `Model.__init__` and
    `from_db`): the largest part of the API list's own work on SQLite at a million
    complaints, beside its statements (issue 19)."""

    pk: int
    number: str
    status: str
    channel: str
    content: str
    demand: str
    category_confidence: float | None
    category_source: str
    level: str
    repeat_of_id: int | None
    duplicate_of_id: int | None
    external_ref: str
    product: str
    received_at: dt.datetime
    registered_at: dt.datetime
    first_response_due: dt.datetime
    resolution_due: dt.datetime
    accepted_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    archived_at: dt.datetime | None
    time_limit_policy: str
    paused_at: dt.datetime | None
    risk_score: float | None
    risk_reasons: list[str]
    anger: float | None
    urgency: float | None
    customer: RowCustomer
    region: RowRegion | None
    category: Any  # a classification.Category or None (an app above the kernel)
    department: RowDepartment | None
    handler: RowHandler | None
    repeat_of_number: str | None
    duplicate_of_number: str | None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


# What api_list_rows reads: ApiRow's fields up to the customer, then what it shows of the
# customer and the related rows.
_API_ROW_COLUMNS = (
    "pk",
    "number",
    "status",
    "channel",
    "content",
    "demand",
    "category_confidence",
    "category_source",
    "level",
    "repeat_of_id",
    "duplicate_of_id",
    "external_ref",
    "product",
    "received_at",
    "registered_at",
    "first_response_due",
    "resolution_due",
    "accepted_at",
    "resolved_at",
    "closed_at",
    "archived_at",
    "time_limit_policy",
    "paused_at",
    "risk_score",
    "risk_reasons",
    "anger",
    "urgency",
)
_API_ROW_RELATED = (
    "customer__phone",
    "customer__name",
    "customer__account",
    "region__code",
    "category_id",
    "category__code",
    "category__name",
    "category__name_en",
    "category__parent_id",
    "category__parent__name",
    "category__parent__name_en",
    "department__code",
    "department__name",
    "handler__username",
)
_API_ROW_NAMES = (*_API_ROW_COLUMNS, *_API_ROW_RELATED)
# The linked complaints' numbers, last: scalar subqueries (see ApiRow).
_API_ROW_LINKS = {
    f"{relation}_number": Subquery(
        Complaint.objects.filter(pk=OuterRef(f"{relation}_id")).values("number")
    )
    for relation in ("repeat_of", "duplicate_of")
}
# api_list_rows makes an ApiRow of its fields in this order.
assert tuple(f.name for f in fields(ApiRow)) == (
    *_API_ROW_COLUMNS,
    *("customer", "region", "category", "department", "handler"),
    *_API_ROW_LINKS,
)


def api_list_rows(qs: QuerySet[Complaint]) -> list[ApiRow]:
    """The rows of `qs` (complaints, ordered by fields and sliced) as the API list answers
    them: one statement of their columns (ApiRow), made once per process (`ValuesByKeys`),
    for the keys that `qs` selects — its filters, order and slice compiled as a query of the
    key alone. A deep page's OFFSET thus skips the order's index entries, not the joined rows.
    desk/tests/test_list_rows.py checks that their answer is the one whole complaints give,
    with the same statements."""
    ordering = [str(o) for o in qs.query.order_by] or list(Complaint._meta.ordering or [])
    assert qs.query.standard_ordering, "api_list_rows: a reversed order"
    assert all(isinstance(o, str) for o in qs.query.order_by), "api_list_rows: ordered by fields"
    statement = ValuesByKeys.of(Complaint, _API_ROW_NAMES, ordering, qs.db, _API_ROW_LINKS)
    made: tuple[dict[int, Any], dict[int, Any]] = ({}, {})  # categories, parents
    rows = []
    width = len(_API_ROW_COLUMNS)
    for values in statement.rows(qs.values("pk")):
        (
            phone,
            name,
            account,
            region_code,
            category_id,
            category_code,
            category_name,
            category_name_en,
            parent_id,
            parent_name,
            parent_name_en,
            department_code,
            department_name,
            username,
            repeat_of_number,
            duplicate_of_number,
        ) = values[width:]
        category = _category_of(
            made,
            ["id", "code", "name", "name_en", "parent_id"],
            [category_id, category_code, category_name, category_name_en, parent_id],
            [parent_id, parent_name, parent_name_en],
        )
        # ApiRow's fields in order: the complaint's own columns (checked where
        # _API_ROW_COLUMNS is), then customer, region, category, department, handler and
        # the two linked numbers.
        in_order = [
            *values[:width],
            RowCustomer(phone, name, account),
            RowRegion(region_code) if region_code is not None else None,
            category,
            RowDepartment(department_code, department_name)
            if department_code is not None
            else None,
            RowHandler(username) if username is not None else None,
            repeat_of_number,
            duplicate_of_number,
        ]
        rows.append(ApiRow(*in_order))
    return rows


def complaint_list(user: User, filters: ComplaintFilters | None = None) -> QuerySet[Complaint]:
    f = filters or ComplaintFilters()
    qs = _filtered(list_rows().filter(scope_q(user)), f)
    if f.q:
        groups = search.query_groups(f.q)
        if groups:  # the matches as a set, newest first; complaint_search ranks them
            return _matching(qs, groups).order_by("-received_at", "-pk")
        # No index terms (a single Chinese character, stop words only): every term must appear
        # in the content or the demand, as a substring.
        for term in f.q.split()[:8]:
            qs = qs.filter(Q(content__icontains=term) | Q(demand__icontains=term))
    return qs.order_by("-received_at", "-pk")


def _filtered(qs: QuerySet[Complaint], f: ComplaintFilters) -> QuerySet[Complaint]:
    """`qs` narrowed by the list's filters other than the search words."""
    if f.status:
        qs = qs.filter(status=f.status)
    if f.category:
        qs = qs.filter(
            Q(category__code=f.category) | Q(category__code__startswith=f.category + ".")
        )
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.level:
        qs = qs.filter(level=f.level)
    if f.department:
        qs = qs.filter(department__code=f.department)
    if f.handler:
        qs = qs.filter(handler__username=f.handler)
    if f.region:
        qs = qs.filter(region__code=f.region)
    if f.product:
        qs = qs.filter(product=f.product)
    if f.responsible_department:
        qs = qs.filter(responsible_department__code=f.responsible_department)
    if f.overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, resolution_due__lt=clock.now())
    if f.time_left:
        qs = qs.filter(status__in=OPEN_STATUSES, **time_left_q(f.time_left, clock.now()))
    if f.repeat:
        qs = qs.filter(repeat_of__isnull=False)
    if f.archived:
        qs = qs.filter(archived_at__isnull=f.archived == ArchiveFilter.EXCLUDE)
    if f.received_from:
        qs = qs.filter(received_at__gte=f.received_from)
    if f.received_to:
        qs = qs.filter(received_at__lt=f.received_to)
    if f.closed_from:
        qs = qs.filter(closed_at__gte=f.closed_from)
    if f.closed_to:
        qs = qs.filter(closed_at__lt=f.closed_to)
    if f.customer_phone:
        qs = qs.filter(customer__phone=f.customer_phone)
    return qs


def _matching(
    qs: QuerySet[Complaint], groups: list[list[str]], *, any_of: bool = False
) -> QuerySet[Complaint]:
    """`qs` narrowed to the complaints whose index terms match every query group (any one
    with `any_of`)."""
    sql, params = search.match_sql(groups, any_of=any_of)
    return qs.filter(pk__in=RawSQL(sql, params))  # noqa: S611 (fixed SQL; the query is bound)


class RankedMatches:
    """The complaints of `base` whose index terms match the query groups, best match first —
    a sequence for Paginator and `paginate`: `count()` and slices.

    The full-text index ranks every match in one query (search.ranked_ids); `base` then keeps
    those the user may see and the filters select, batch by batch until the slice is full.
    Ranking inside the complaint query instead (a score subquery per row) took 16 s for a
    common word at 100,000 complaints."""

    FIRST_BATCH = 200

    def __init__(
        self,
        base: QuerySet[Complaint],
        groups: list[list[str]],
        *,
        any_of: bool = False,
        newest: int | None = None,
    ) -> None:
        self.base, self.groups, self.any_of, self.newest = base, groups, any_of, newest
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = _matching(self.base, self.groups, any_of=self.any_of).count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[Complaint]:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("RankedMatches takes slices of consecutive items")
        start, stop = key.start or 0, key.stop
        if stop is None:
            stop = self.count()
        if start < 0 or stop < 0:
            raise ValueError("negative positions")
        return self._slice(start, stop) if stop > start else []

    def _slice(self, start: int, stop: int) -> list[Complaint]:
        """Two queries per batch of ranked ids: the ranking, and the rows `base` keeps."""
        found: list[Complaint] = []
        passed = 0  # visible matches before `start`
        position, size = 0, max(self.FIRST_BATCH, 2 * stop)
        while len(found) < stop - start:
            batch = search.ranked_ids(
                self.groups, any_of=self.any_of, offset=position, limit=size, newest=self.newest
            )
            visible = self.base.in_bulk([pk for pk, _ in batch])
            for pk, score in batch:
                complaint = visible.get(pk)
                if complaint is None:
                    continue
                if passed < start:
                    passed += 1
                elif len(found) < stop - start:
                    complaint.search_score = score  # type: ignore[attr-defined]
                    found.append(complaint)
            if len(batch) < size:
                break
            position, size = position + size, size * 2
        return found


class TopMatches:
    """The complaints of `base` (what the user may see, filtered) whose index terms match the
    query groups, for a search of the list (issue 19): the newest `search.RANK_WINDOW` matches
    best first, then any older ones newest first — a sequence for Paginator and `paginate`.

    A page reads the index newest first and stops after the window (and, deeper, after the
    page): a common word costs what a rare one does. Ranking every match and counting them
    read all 200,000 matches of a word in one complaint of five at a million (0.3 s on
    SQLite, 2.2 s on PostgreSQL). So the count is exact up to the window; beyond it, with
    `exact_count` (the API, whose `count` is a promise) it counts every match, and without
    (the list page) it is the window and `more` is set: the page says "more than N" and
    numbers the window's pages."""

    def __init__(
        self,
        base: QuerySet[Complaint],
        groups: list[list[str]],
        *,
        exact_count: bool = True,
        scoped: search.Scoped | None = None,
    ) -> None:
        self.base, self.groups, self.exact_count = base, groups, exact_count
        # The same complaints as `base`, as the user's scope and the filters apart (None for
        # a user who sees everything): PostgreSQL's walk goes by the scope's alternatives.
        self.scoped = scoped
        self._window: list[tuple[int, float]] | None = None
        self._count: int | None = None

    @property
    def window(self) -> list[tuple[int, float]]:
        """The newest matches of the window, best first; one query, read once."""
        if self._window is None:
            found = search.newest_matches(
                self.groups,
                visible=self.base,
                scoped=self.scoped,
                limit=search.RANK_WINDOW + 1,
                ranked=True,
            )
            # One more than the window tells whether there are more; that one (the oldest)
            # is not ranked with the rest.
            if len(found) > search.RANK_WINDOW:
                oldest = min(pk for pk, _ in found)
                found = [(pk, score) for pk, score in found if pk != oldest]
                self.more = True
            self._window = found
        return self._window

    more = False  # more matches than the window holds

    def count(self) -> int:
        if self._count is None:
            window = self.window
            if not self.more or not self.exact_count:
                self._count = len(window)
            else:
                self._count = search.match_count(self.groups, visible=self.base, scoped=self.scoped)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[Complaint]:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("TopMatches takes slices of consecutive items")
        start, stop = key.start or 0, key.stop
        if stop is None:
            stop = self.count()
        if start < 0 or stop < 0:
            raise ValueError("negative positions")
        if stop <= start:
            return []
        window = self.window
        chosen = window[start:stop]
        if stop > len(window) and self.more and self.exact_count:
            # Past the window: the older matches, newest first. Without an exact count the
            # sequence is the window (what the page numbers).
            beyond = max(start, len(window))
            chosen += search.newest_matches(
                self.groups,
                visible=self.base,
                scoped=self.scoped,
                offset=beyond,
                limit=stop - beyond,
            )
        rows = self.base.in_bulk([pk for pk, _ in chosen])
        found = []
        for pk, score in chosen:
            complaint = rows.get(pk)
            if complaint is not None:  # deleted since the index was read
                complaint.search_score = score  # type: ignore[attr-defined]
                found.append(complaint)
        return found


def complaint_search(
    user: User, filters: ComplaintFilters, *, exact_count: bool = True
) -> TopMatches | None:
    """The complaint list's complaints for `filters.q`, best first among the newest matches
    (TopMatches); None when the query has no index terms (complaint_list then matches it as
    substrings). Without `exact_count`, a count past the ranked window stops there."""
    groups = search.query_groups(filters.q)
    if not groups:
        return None
    base = complaint_list(user, replace(filters, q=""))
    scope = scope_alternatives(user)
    scoped = None
    if scope is not None:
        scoped = search.Scoped(scope, _filtered(Complaint.objects.all(), filters))
    return TopMatches(base, groups, exact_count=exact_count, scoped=scoped)


def saved_views(user: User) -> list[SavedView]:
    """The user's saved views of the complaint list, by name."""
    return list(SavedView.objects.filter(user=user).order_by("name"))


def later_links(complaint: Complaint) -> tuple[list[Complaint], list[Complaint]]:
    """The complaints that repeat `complaint` and those merged into it as its duplicates, in
    order of receipt: one query for both."""
    rows = list(
        Complaint.objects.filter(Q(repeat_of=complaint.pk) | Q(duplicate_of=complaint.pk)).order_by(
            "received_at", "pk"
        )
    )
    repeats = [c for c in rows if c.repeat_of_id == complaint.pk]
    duplicates = [c for c in rows if c.duplicate_of_id == complaint.pk]
    return repeats, duplicates


def earlier_open(complaint: Complaint) -> Complaint | None:
    """The earlier open complaint that closing `complaint` could close too (issue 13): the one
    it repeats, if still open, or else the latest other open complaint of the same customer
    on the same issue (category) received before it."""
    earlier = complaint.repeat_of
    if earlier is not None and earlier.status in OPEN_STATUSES:
        return earlier
    if complaint.category_id is None:
        return None
    return (
        complaint_rows()
        .filter(
            customer_id=complaint.customer_id,
            category_id=complaint.category_id,
            status__in=OPEN_STATUSES,
            received_at__lte=complaint.received_at,
        )
        .exclude(pk=complaint.pk)
        .order_by("-received_at", "-pk")
        .first()
    )


def watch_list(user: User) -> QuerySet[Complaint]:
    """The supervisors' watch list (R2.4): open complaints in the user's scope whose escalation
    risk is at least settings.TOUSU_RISK_HIGH, highest risk first."""
    return (
        complaint_rows()
        .filter(scope_q(user))
        .filter(status__in=OPEN_STATUSES, risk_score__gte=settings.TOUSU_RISK_HIGH)
        .order_by("-risk_score", "resolution_due", "pk")
    )


def numbers_visible(user: User, numbers: Iterable[str]) -> set[str]:
    """Of `numbers`, those of complaints `user` may open. A page that names complaints across
    departments (an alert's examples, an incident's children, a notice about a complaint
    since transferred) links only these, instead of links that answer 404. One query; none
    for no numbers or for a reader who sees every complaint (`numbers` are read from rows
    that name complaints)."""
    wanted = set(numbers)
    if not wanted or scope_alternatives(user) is None:
        return wanted
    found = Complaint.objects.filter(scope_q(user), number__in=wanted).values_list("number")
    return {number for (number,) in found}


def get_complaint_for_user(user: User, number: str) -> Complaint:
    """The complaint, or NotFound when it does not exist *or* the user may not see it: a
    404 does not reveal that a number exists outside the user's scope."""
    complaint = complaint_rows().filter(number=number).first()
    if complaint is None or not can_view(user, complaint):
        raise NotFound(_("The complaint does not exist or you may not see it"))
    return complaint


def complaint_timeline(complaint: Complaint) -> QuerySet[ComplaintEvent]:
    return complaint.events.select_related("actor").order_by("seq")


# ---- tamper evidence (D8, issue 11) ----------------------------------------------------------
#
# What `timeline_verify` finds, each as (subject, event number or 0, problem): the subject is a
# complaint number, or "seal N" for the seals themselves.
Finding = tuple[str, int, str]
VERIFY_CHUNK = 500  # complaints whose events are read in one query


def timeline_verify(
    numbers: list[str] | None = None, *, seals: SealCheck | None = None
) -> tuple[int, list[Finding]]:
    """Verify the complaints' tamper evidence. Returns (complaints checked, findings).

    - each timeline's keyed hash chain: numbered 1, 2, 3…, linked, each hash recomputed under
      the chain key, the complaint's head at its last event;
    - the registration facts (channel, content, demand, received time, the customer's phone)
      against the digest the first event sealed;
    - the seals: their own chain, the sealed heads against the last seal's digest, and every
      sealed head still in its chain (a truncated chain, a rewound head, a deleted complaint);
    - without `numbers`, the daily numbers: 1…last of each day all present (a gap is a deleted
      complaint registered since the last seal).

    The seals and numbers are read before the chains: a seal or a registration committed while
    this runs can only find the chains longer than sealed, never shorter.
    """
    seals = seals if seals is not None else seals_verify()
    sequences = [] if numbers else list(DailySequence.objects.values_list("day", "last"))
    complaints = Complaint.objects.order_by("pk").values_list(
        "pk",
        "number",
        "event_seq",
        "event_hash",
        "channel",
        "content",
        "demand",
        "received_at",
        "customer__phone",
    )
    if numbers:
        complaints = complaints.filter(number__in=numbers)
    broken: list[Finding] = list(seals.broken)
    seen: set[str] = set()
    chunk: list[tuple[Any, ...]] = []
    for row in complaints.iterator(chunk_size=2000):
        chunk.append(row)
        if len(chunk) == VERIFY_CHUNK:
            broken += _chains_verify(chunk, seals.heads, seen)
            chunk = []
    broken += _chains_verify(chunk, seals.heads, seen)
    if not numbers:
        broken += [
            (number, seq, "complaint deleted (its sealed timeline head is gone)")
            for number, (seq, _hash) in sorted(seals.heads.items())
            if number not in seen
        ]
        broken += _numbers_verify(sequences, seen)
    return len(seen), broken


def _chains_verify(
    rows: list[tuple[Any, ...]], sealed: dict[str, tuple[int, str]], seen: set[str]
) -> list[Finding]:
    if not rows:
        return []
    by_pk: dict[int, list[ComplaintEvent]] = {row[0]: [] for row in rows}
    events = ComplaintEvent.objects.filter(complaint_id__in=list(by_pk)).order_by(
        "complaint_id", "seq"
    )
    for event in events.only(
        "complaint_id", "seq", "at", "type", "actor_name", "data", "prev_hash", "hash"
    ):
        by_pk[event.complaint_id].append(event)
    broken: list[Finding] = []
    for pk, number, head_seq, head_hash, *facts in rows:
        seen.add(number)
        problem = _chain_problem(number, by_pk[pk], head_seq, head_hash, facts, sealed.get(number))
        if problem is not None:
            broken.append((number, *problem))
    return broken


def _chain_problem(
    number: str,
    events: list[ComplaintEvent],
    head_seq: int,
    head_hash: str,
    facts: list[Any],
    sealed: tuple[int, str] | None,
) -> tuple[int, str] | None:
    """The first problem of one complaint's chain, as (event number, problem), or None.

    An event redacted at the end of the retention period (timeline.REDACTED_KEY) cannot have
    its hash recomputed — the data it covered is gone — so it is checked against the later
    `anonymised` event that covers it: that event, itself verified by its hash, records the
    redacted event's hash and the keyed digest of its redacted data. The registration facts
    are checked against the last digest of them the chain holds (the first event's, or an
    `anonymised` event's after the customer's phone and texts were anonymised)."""
    from tousu.complaints.timeline import (
        FACTS_KEY,
        REDACTED_KEY,
        REDACTIONS_KEY,
        event_hash,
        facts_digest,
        redacted_digest,
    )

    prev, expected = "", 1
    redacted: dict[int, ComplaintEvent] = {}  # waiting for the event that covers them
    facts_sealed = None
    for event in events:

        def intact(event: ComplaintEvent = event) -> bool:
            if REDACTED_KEY in event.data:
                return True  # checked against its covering event below
            return event.hash == event_hash(
                number=number,
                seq=event.seq,
                at=event.at,
                type=event.type,
                actor_name=event.actor_name,
                data=event.data,
                prev_hash=event.prev_hash,
            )

        problem = link_problem(
            seq=event.seq, expected=expected, prev_hash=event.prev_hash, prev=prev, intact=intact
        )
        if problem:
            return event.seq, problem
        if sealed is not None and event.seq == sealed[0] and event.hash != sealed[1]:
            return event.seq, "not the event that was sealed"
        if REDACTED_KEY in event.data:
            redacted[event.seq] = event
        if event.type == EventType.ANONYMISED:
            for seq, (hash, digest) in event.data.get(REDACTIONS_KEY, {}).items():
                covered = redacted.pop(int(seq), None)
                if (
                    covered is None
                    or covered.data.get(REDACTED_KEY) != event.seq
                    or covered.hash != hash
                    or redacted_digest(number=number, seq=covered.seq, data=covered.data) != digest
                ):
                    return int(seq), "redacted event changed since its redaction"
        if event.seq == 1 or event.type == EventType.ANONYMISED:
            facts_sealed = event.data.get(FACTS_KEY, facts_sealed)
        prev, expected = event.hash, expected + 1
    if redacted:
        return min(redacted), "event marked redacted but no redaction record covers it"
    if head_seq != expected - 1 or head_hash != prev:
        return expected, "events missing at the end"
    if sealed is not None and sealed[0] > expected - 1:
        return expected, f"events missing at the end (sealed up to event {sealed[0]})"
    if events:
        channel, content, demand, received_at, phone = facts
        digest = facts_digest(
            channel=channel,
            content=content,
            demand=demand,
            received_at=received_at,
            phone=phone or "",
        )
        if facts_sealed != digest:
            return 1, "registration facts changed (channel, content, demand, time or phone)"
    return None


def _numbers_verify(sequences: list[tuple[dt.date, int]], seen: set[str]) -> list[Finding]:
    """Every number issued, 1…last of each day, belongs to a complaint: numbers are allocated
    in the registering transaction (complaints.services.number_allocate), so a rolled-back
    registration gives its number back, and a gap is a complaint deleted."""
    from tousu.complaints.rules import format_number

    broken: list[Finding] = []
    for day, last in sorted(sequences):
        stamp = day.strftime("%Y%m%d")
        broken += [
            (number, 0, "number issued but no complaint has it (complaint deleted)")
            for n in range(1, last + 1)
            if (number := format_number(stamp, n)) not in seen
        ]
    return broken


@dataclass(frozen=True)
class SealCheck:
    """The seals as verified: the sealed heads {number: (seq, hash)} (empty when the seals
    themselves are broken — a forged head proves nothing), the audit log's sealed head, and
    the problems."""

    heads: dict[str, tuple[int, str]]
    audit: tuple[int, str]
    broken: list[Finding]


SEAL_READS = 3  # attempts at reading the heads and the last seal from one moment


def _seal_intact(seal: ChainSeal) -> bool:
    from tousu.complaints.services import seal_hash

    return seal.hash == seal_hash(seal)


def seals_verify() -> SealCheck:
    """The seals' own keyed chain, and the sealed heads against the last seal's count and
    digest (a sealed head changed or deleted, to hide a truncated chain, is found here). A
    seal made while the heads are read is retried, so that both come from one moment."""
    from tousu.complaints.services import sealed_digest

    broken: list[Finding] = []
    prev, expected, last = "", 1, None
    for seal in ChainSeal.objects.order_by("seq").iterator():
        problem = link_problem(
            seq=seal.seq,
            expected=expected,
            prev_hash=seal.prev_hash,
            prev=prev,
            intact=functools.partial(_seal_intact, seal),
        )
        if problem:
            return SealCheck({}, (0, ""), [(f"seal {seal.seq}", 0, problem)])
        prev, expected, last = seal.hash, expected + 1, seal
    for _attempt in range(SEAL_READS):
        heads = {n: (s, h) for n, s, h in SealedHead.objects.values_list("number", "seq", "hash")}
        latest = ChainSeal.objects.order_by("-seq").first()
        if latest is None or last is None or latest.seq == last.seq:
            break
        last = latest  # sealed meanwhile: read again (its chain is checked next run)
    if last is None:
        if heads:
            broken.append(("seal 0", 0, "sealed heads without a seal"))
        return SealCheck({} if heads else heads, (0, ""), broken)
    count, digest = sealed_digest(heads)
    if (count, digest) != (last.chains, last.heads_digest):
        broken.append((f"seal {last.seq}", 0, "sealed heads changed or deleted since the seal"))
        return SealCheck({}, (last.audit_seq, last.audit_hash), broken)
    return SealCheck(heads, (last.audit_seq, last.audit_hash), broken)


# ---- keyset pagination of the complaint list (issue 6) ------------------------------------------


@dataclass(frozen=True)
class KeysetPage:
    """One page of a list in one of the orders of SORTS, reached by a cursor rather than an
    offset, so that the thousandth page costs what the first does: an index range scan. It
    carries no total: counting a filtered list of a million complaints reads every row the
    filter matches (bench/analytics.py), which is what the page must not do."""

    rows: list[Complaint | ListRow]
    next_cursor: str | None  # the page after (further down the order)
    previous_cursor: str | None  # the page before


# The list's orders (issue 13): each a sequence of (field, descending) ending in the primary
# key, so that every row has one place; the cursor holds the values of all of them.
SORTS: dict[str, tuple[tuple[str, bool], ...]] = {
    "received": (("received_at", True), ("pk", True)),  # newest first
    "due": (("resolution_due", False), ("pk", False)),  # least time left first
    "level": (("level_rank", True), ("received_at", True), ("pk", True)),  # highest level first
}
SORT_DEFAULT = "received"
_DATETIME_KEYS = {"received_at", "resolution_due"}


def sorted_by(qs: QuerySet[Complaint], sort: str) -> QuerySet[Complaint]:
    """`qs` with what the order `sort` reads (the level's rank, an annotation)."""
    if sort == "level":
        ranks = [When(level=level, then=Value(rank)) for level, rank in LEVEL_RANK.items()]
        qs = qs.annotate(level_rank=Case(*ranks, default=Value(0), output_field=IntegerField()))
    return qs


def cursor_of(complaint: Complaint | ListRow, sort: str = SORT_DEFAULT) -> str:
    parts = []
    for name, _descending in SORTS[sort]:
        value = getattr(complaint, name)
        parts.append(f"{value.timestamp():.6f}" if name in _DATETIME_KEYS else str(int(value)))
    return "_".join(parts)


def cursor_parse(value: str, sort: str = SORT_DEFAULT) -> tuple[Any, ...] | None:
    """The sort key values of a cursor, or None when it is not one of ours for `sort`."""
    parts = value.split("_")
    spec = SORTS[sort]
    if len(parts) != len(spec):
        return None
    try:
        return tuple(
            dt.datetime.fromtimestamp(float(part), tz=dt.UTC)
            if name in _DATETIME_KEYS
            else int(part)
            for (name, _descending), part in zip(spec, parts, strict=True)
        )
    except (ValueError, OverflowError, OSError):
        return None


def _order(spec: tuple[tuple[str, bool], ...], *, forward: bool) -> list[str]:
    return [("-" if descending == forward else "") + name for name, descending in spec]


def _beyond(
    qs: QuerySet[Complaint],
    spec: tuple[tuple[str, bool], ...],
    key: tuple[Any, ...],
    *,
    forward: bool,
) -> QuerySet[Complaint]:
    """The rows strictly after `key` in the order (`forward`) or strictly before it. The first
    field is bounded by a range (so that its index bounds the scan: an OR of the conditions
    would make the planner filter rows instead); the ties on it are cut by exclusions."""
    equal: dict[str, Any] = {}
    for position, ((name, descending), value) in enumerate(zip(spec, key, strict=True)):
        down = descending == forward  # the rows that follow have smaller values
        if position == 0:
            qs = qs.filter(**{f"{name}__{'lte' if down else 'gte'}": value})
        else:
            last = position == len(spec) - 1
            wrong = ("gte" if down else "lte") if last else ("gt" if down else "lt")
            qs = qs.exclude(**equal, **{f"{name}__{wrong}": value})
        equal[name] = value
    return qs


def complaint_keyset_page(
    qs: QuerySet[Complaint],
    *,
    after: str = "",
    before: str = "",
    size: int = 50,
    sort: str = SORT_DEFAULT,
    read: Callable[[QuerySet[Complaint]], Sequence[Complaint | ListRow]] = list,
) -> KeysetPage:
    """The page of `qs` in the order `sort` (SORTS) after the cursor `after` or before the
    cursor `before`; the first page without either. Raises ValueError on a cursor that is not
    one of ours for that order. `read` turns the page's query into its rows (the list page:
    `list_page_rows`)."""
    spec = SORTS[sort]
    qs = sorted_by(qs, sort)
    key = cursor_parse(after or before, sort) if (after or before) else None
    if (after or before) and key is None:
        raise ValueError("bad cursor")
    if key is not None and after:
        later = _beyond(qs, spec, key, forward=True).order_by(*_order(spec, forward=True))
        rows = list(read(later[: size + 1]))
        more_after, more_before = len(rows) > size, True
        rows = rows[:size]
    elif key is not None:
        earlier = _beyond(qs, spec, key, forward=False).order_by(*_order(spec, forward=False))
        rows = list(read(earlier[: size + 1]))
        more_before, more_after = len(rows) > size, True
        rows = rows[:size][::-1]
    else:
        rows = list(read(qs.order_by(*_order(spec, forward=True))[: size + 1]))
        more_after, more_before = len(rows) > size, False
        rows = rows[:size]
    return KeysetPage(
        rows=rows,
        next_cursor=cursor_of(rows[-1], sort) if rows and more_after else None,
        previous_cursor=cursor_of(rows[0], sort) if rows and more_before else None,
    )


# ---- a customer's complaints (the 360° view, R13.2) -----------------------------------------


def customer_complaints(customer: Customer, user: User) -> QuerySet[Complaint]:
    """The customer's complaints across all channels that `user` may see, newest first."""
    return (
        Complaint.objects.filter(customer=customer)
        .filter(scope_q(user))
        .select_related("category", "department", "handler")
        .order_by("-received_at")
    )


def customer_get_for_user(pk: int, user: User) -> Customer:
    """The customer, when the user may see at least one of their complaints; NotFound
    otherwise, so that customer numbers cannot be walked to learn who complained."""
    customer = customers_selectors.customer_get(pk)
    if not customer_complaints(customer, user).exists():
        raise NotFound(_("No such customer"))
    return customer


def customer_history(customer: Customer, user: User, limit: int | None = None) -> list[Complaint]:
    """The 360° view's complaints (R13.2), newest first, with their callbacks and remedies, in
    a fixed number of queries whatever the customer's history."""
    qs = (
        customer_complaints(customer, user)
        .select_related("category__parent")
        .prefetch_related("callbacks", "remedies")
    )
    return list(qs[:limit] if limit is not None else qs)


# ---- when the customer has the reply --------------------------------------------------------

# When the reply of a complaint's latest resolution reaches the customer, if it is held back:
# answered by the app that sends it (messages registers its lookup in AppConfig.ready(); the
# kernel and the apps beside messages cannot import it). A lookup returns the moment the reply
# goes out, or None when none is held (sent, going out now, or no message at all).
_REPLY_HELD: dict[str, Callable[[Complaint], dt.datetime | None]] = {}


def reply_held_register(name: str, lookup: Callable[[Complaint], dt.datetime | None]) -> None:
    """Called from an app's AppConfig.ready()."""
    _REPLY_HELD[name] = lookup


def reply_held_until(complaint: Complaint) -> dt.datetime | None:
    """When the reply of the complaint's latest resolution goes out to the customer, if it is
    held for later (an SMS in the quiet hours waits for the morning); None when it is not."""
    moments = [m for lookup in _REPLY_HELD.values() if (m := lookup(complaint)) is not None]
    return max(moments) if moments else None
