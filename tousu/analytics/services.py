"""Writes of the count tables (D11): recount changed complaints, the fill job's claimed and
checkpointed loop, and the rebuild from scratch.

How a change reaches the counts: every change of a complaint writes a timeline event in the
same transaction (D8). The fill job walks the events past its checkpoint, recomputes the
contribution of each complaint they belong to (`rules.contributions`), compares it with the
contribution kept in ComplaintFact, and applies the difference to the hourly, daily and
monthly tables in the same transaction. Recomputing an unchanged complaint
writes nothing, so a complaint seen twice — by a re-run, the re-check window or a rebuild
racing the job — is counted once.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, cast

from django.db import connection, transaction

from tousu.analytics import constants, drivers, rules
from tousu.analytics.models import (
    DIMENSIONS,
    ComplaintFact,
    Counts,
    DailyCount,
    FillCursor,
    HourlyCount,
    MonthlyCount,
    RebuildFact,
    RebuildResponsibleFact,
    RebuildRow,
    RebuildSatisfactionFact,
    RebuildSatisfactionRow,
    ResponsibleCount,
    ResponsibleFact,
    SatisfactionCount,
    SatisfactionFact,
)
from tousu.callbacks.choices import SCORE_FACTORS, CallbackStatus
from tousu.callbacks.models import CallbackTask, SurveyResponse
from tousu.complaints.choices import EventType
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.core import clock
from tousu.resolution.models import Remedy

logger = logging.getLogger(__name__)

KEY_LOOKUP_CHUNK = 500


class LeaseLost(Exception):
    """Another worker holds the fill; this one stops (its open batch rolls back)."""


# Reading the facts ------------------------------------------------------------------------


def facts_read(ids: Sequence[int]) -> dict[int, rules.ComplaintFacts]:
    """The facts of the complaints `ids` that exist, in four queries whatever their number."""
    fields = (
        "pk",
        "category_id",
        "channel",
        "region_id",
        "department_id",
        "level",
        "product",
        "received_at",
        "first_response_due",
        "resolution_due",
        "accepted_at",
        "first_response_alerted_at",
        "resolved_at",
        "closed_at",
        "repeat_of_id",
        "first_contact",
        "responsible_department_id",
        "handling__responsible_staff_id",
    )
    rows = Complaint.objects.filter(pk__in=ids).values_list(*fields)
    escalated = set(
        ComplaintEvent.objects.filter(complaint_id__in=ids, type=EventType.ESCALATED)
        .values_list("complaint_id", flat=True)
        .distinct()
    )
    remedies: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for complaint_id, kind, amount in Remedy.objects.filter(complaint_id__in=ids).values_list(
        "complaint_id", "type", "amount"
    ):
        remedies[complaint_id].append((kind, amount))
    callbacks: dict[int, list[rules.CallbackFacts]] = defaultdict(list)
    for complaint_id, done_at, result, overall, *scores in CallbackTask.objects.filter(
        complaint_id__in=ids, status=CallbackStatus.DONE, done_at__isnull=False
    ).values_list("complaint_id", "done_at", "result", "overall", *SCORE_FACTORS):
        callbacks[complaint_id].append(
            rules.CallbackFacts(
                done_at, result, dict(zip(SCORE_FACTORS, scores, strict=True)), overall
            )
        )
    out: dict[int, rules.ComplaintFacts] = {}
    for pk, cat, channel, region, dept, level, product, received, fr_due, due, *rest in rows:
        accepted, alerted, resolved, closed, repeat_of, first_contact, resp, resp_staff = rest
        out[pk] = rules.ComplaintFacts(
            dims=(cat or 0, channel, region or 0, dept or 0, level, product),
            received_at=received,
            first_response_due=fr_due,
            resolution_due=due,
            accepted_at=accepted,
            first_response_alerted=alerted is not None,
            resolved_at=resolved,
            closed_at=closed,
            repeat=repeat_of is not None,
            escalated=pk in escalated,
            first_contact=first_contact,
            remedies=tuple(remedies.get(pk, ())),
            callbacks=tuple(sorted(callbacks.get(pk, ()), key=lambda c: c.done_at)),
            responsible_department=resp or 0,
            responsible_staff=resp_staff or 0,
        )
    return out


# Applying them ---------------------------------------------------------------------------

PeriodOf = Callable[[rules.Hour], tuple[str, dict[str, Any]]]


def _hourly(hour: rules.Hour) -> tuple[str, dict[str, Any]]:
    return str(hour), {"hour": rules.hour_start(hour), "day": rules.local_day(hour)}


def _daily(hour: rules.Hour) -> tuple[str, dict[str, Any]]:
    day = rules.local_day(hour)
    return day.isoformat(), {"day": day}


def _monthly(hour: rules.Hour) -> tuple[str, dict[str, Any]]:
    month = rules.local_day(hour).replace(day=1)
    return month.isoformat()[:7], {"month": month}


GRAINS: tuple[tuple[type[Counts], PeriodOf, tuple[int, ...]], ...] = (
    (HourlyCount, _hourly, rules.rollups_kept(hourly=True)),
    (DailyCount, _daily, rules.rollups_kept(hourly=False)),
    (MonthlyCount, _monthly, rules.rollups_kept(hourly=False)),
)
Merged = dict[str, tuple[dict[str, Any], tuple[Any, ...], dict[str, int]]]


def counts_apply(changes: dict[rules.Key, dict[str, int]]) -> None:
    """Add `changes` (per hour and dimensions) to the hourly, daily and monthly tables.
    Precondition: inside the fill's claimed transaction."""
    for model, period_of, rollups in GRAINS:
        merged: Merged = {}
        for (hour, *cube), delta in changes.items():
            label, period = period_of(hour)
            for rollup in rollups:
                dims = rules.rolled_up(cast("rules.Dims", tuple(cube)), rollup)
                key = "|".join([label, str(rollup), *(str(d) for d in dims)])
                entry = merged.setdefault(
                    key, ({**period, "rollup": rollup}, dims, defaultdict(int))
                )
                for measure, value in delta.items():
                    entry[2][measure] += value
        _table_apply(model, merged)


def _insert_sql(model: type[Any], columns: Sequence[str]) -> str:
    """An INSERT of one row of `columns` into `model`'s table, for executemany of plain rows
    (Django's bulk_create would split these wide rows into statements of a dozen on SQLite)."""
    q = connection.ops.quote_name
    return (
        f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(c) for c in columns)}) "  # noqa: S608 (model names; values bound)
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )


def _table_apply(model: type[Counts], merged: Merged) -> None:
    """Read the rows of `merged`'s keys, add the deltas, and write them back: one DELETE and one
    executemany INSERT per chunk (`_insert_sql`). Rows that come to all zeros are dropped."""
    keys = [k for k, (_, _, delta) in merged.items() if any(delta.values())]
    if not keys:
        return
    ops = connection.ops
    period_columns = list(next(iter(merged.values()))[0])
    columns = ["key", *period_columns, *DIMENSIONS, *rules.MEASURES]
    insert = _insert_sql(model, columns)
    for first in range(0, len(keys), KEY_LOOKUP_CHUNK):
        chunk = keys[first : first + KEY_LOOKUP_CHUNK]
        existing = {
            row[1]: row
            for row in model._default_manager.filter(key__in=chunk).values_list(
                "pk", "key", *rules.MEASURES
            )
        }
        rows = []
        for key in chunk:
            period, dims, delta = merged[key]
            found = existing.get(key)
            values = dict(zip(rules.MEASURES, found[2:], strict=True)) if found else {}
            for measure, value in delta.items():
                values[measure] = values.get(measure, 0) + value
            if any(v < 0 for v in values.values()):
                # Only a bug or a hand edit can cause this; the rebuild repairs it.
                logger.error("analytics: negative counts in %s %s: %s", model.__name__, key, values)
            if any(values.values()):
                prepared = [
                    ops.adapt_datetimefield_value(v)
                    if isinstance(v, dt.datetime)
                    else ops.adapt_datefield_value(v)
                    if isinstance(v, dt.date)
                    else v
                    for v in period.values()
                ]
                rows.append((key, *prepared, *dims, *(values.get(m, 0) for m in rules.MEASURES)))
        if existing:
            model._default_manager.filter(pk__in=[row[0] for row in existing.values()]).delete()
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(insert, rows)


def complaints_recount(ids: Sequence[int]) -> int:
    """Bring the counts of complaints `ids` up to date; returns how many contributions changed.
    Precondition: inside the fill's claimed transaction."""
    facts = facts_read(ids)
    old = dict(ComplaintFact.objects.filter(pk__in=ids).values_list("pk", "data"))
    changes: list[tuple[Any, Any]] = []
    stale: list[int] = []
    fresh: list[ComplaintFact] = []
    for pk in ids:
        item = facts.get(pk)
        new = rules.encode(item.dims, rules.contributions(item)) if item else None
        before = old.get(pk)
        if new == before:
            continue
        changes.append((before, new))
        if before is not None:
            stale.append(pk)
        if new is not None:
            fresh.append(ComplaintFact(complaint_id=pk, data=new))
    responsible_recount(ids, facts)
    satisfaction_recount(
        CALLBACK, ids, {pk: rules.callback_observations(item) for pk, item in facts.items()}
    )
    if not changes:
        return 0
    if stale:
        ComplaintFact.objects.filter(pk__in=stale).delete()
    ComplaintFact.objects.bulk_create(fresh, batch_size=1_000)
    counts_apply(rules.deltas(changes))
    return len(changes)


# Counts by responsible department (R6.4) --------------------------------------------------

RESPONSIBLE_DIMS = (
    "responsible_department",
    "responsible_staff",
    "category",
    "channel",
    "region",
    "department",
)
RESPONSIBLE_COLUMNS = ("key", "month", "day", *RESPONSIBLE_DIMS, *rules.RESPONSIBLE_MEASURES)


def responsible_rows(facts: dict[int, rules.ComplaintFacts]) -> dict[int, tuple[Any, ...]]:
    """Per closed complaint of `facts`, its row of RESPONSIBLE_COLUMNS: one day, one key."""
    out: dict[int, tuple[Any, ...]] = {}
    for pk, item in facts.items():
        found = rules.responsible_contribution(item)
        if found is None:
            continue
        day, measures = found
        category, channel, region, department, _level, _product = item.dims
        dims = (
            item.responsible_department,
            item.responsible_staff,
            category,
            channel,
            region,
            department,
        )
        key = "|".join([day.isoformat(), *(str(d) for d in dims)])
        month = day.replace(day=1)
        out[pk] = (key, month, day, *dims, *(measures[m] for m in rules.RESPONSIBLE_MEASURES))
    return out


def responsible_recount(ids: Sequence[int], facts: dict[int, rules.ComplaintFacts]) -> int:
    """Bring the counts by responsible department of complaints `ids` up to date, as
    `complaints_recount` does the others: compare each new row with the kept ResponsibleFact
    and apply the difference. Returns how many changed. Precondition: inside the fill's
    claimed transaction."""
    new = responsible_rows(facts)
    old = {
        row[0]: tuple(row[1:])
        for row in ResponsibleFact.objects.filter(pk__in=ids).values_list(
            "pk", *RESPONSIBLE_COLUMNS
        )
    }
    changed = [pk for pk in ids if new.get(pk) != old.get(pk)]
    if not changed:
        return 0
    merged: dict[str, tuple[tuple[Any, ...], list[int]]] = {}
    n = len(rules.RESPONSIBLE_MEASURES)
    for pk in changed:
        for row, sign in ((old.get(pk), -1), (new.get(pk), 1)):
            if row is None:
                continue
            entry = merged.setdefault(row[0], (row[:-n], [0] * n))
            for i, value in enumerate(row[-n:]):
                entry[1][i] += sign * value
    ResponsibleFact.objects.filter(pk__in=[pk for pk in changed if pk in old]).delete()
    fresh = [(pk, *new[pk]) for pk in changed if pk in new]
    with connection.cursor() as cursor:
        if fresh:
            cursor.executemany(
                _insert_sql(ResponsibleFact, ["complaint_id", *RESPONSIBLE_COLUMNS]),
                [_adapted(row) for row in fresh],
            )
    _responsible_apply(merged)
    return len(changed)


def _adapted(row: Sequence[Any]) -> tuple[Any, ...]:
    ops = connection.ops
    return tuple(ops.adapt_datefield_value(v) if isinstance(v, dt.date) else v for v in row)


def _responsible_apply(merged: dict[str, tuple[tuple[Any, ...], list[int]]]) -> None:
    """Add the deltas of `merged` (per key: the key's columns, the measures' deltas) to
    ResponsibleCount: read the rows, delete them, insert the sums; rows of all zeros go."""
    keys = [k for k, (_, delta) in merged.items() if any(delta)]
    for first in range(0, len(keys), KEY_LOOKUP_CHUNK):
        chunk = keys[first : first + KEY_LOOKUP_CHUNK]
        existing = {
            row[1]: row
            for row in ResponsibleCount.objects.filter(key__in=chunk).values_list(
                "pk", "key", *rules.RESPONSIBLE_MEASURES
            )
        }
        rows = []
        for key in chunk:
            columns, delta = merged[key]
            found = existing.get(key)
            values = [(found[2 + i] if found else 0) + d for i, d in enumerate(delta)]
            if any(v < 0 for v in values):
                logger.error("analytics: negative counts in ResponsibleCount %s: %s", key, values)
            if any(values):
                rows.append(_adapted((*columns, *values)))
        if existing:
            ResponsibleCount.objects.filter(pk__in=[r[0] for r in existing.values()]).delete()
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(_insert_sql(ResponsibleCount, RESPONSIBLE_COLUMNS), rows)


def _responsible_stage(facts: dict[int, rules.ComplaintFacts]) -> None:
    """The rebuild's counterpart: append the rows of a batch to the scratch table."""
    rows = [_adapted((pk, *row)) for pk, row in responsible_rows(facts).items()]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(
                _insert_sql(RebuildResponsibleFact, ["complaint_id", *RESPONSIBLE_COLUMNS]), rows
            )


def _responsible_swap() -> None:
    """Replace ResponsibleFact with the scratch rows and ResponsibleCount with their sums per
    key (one INSERT … SELECT … GROUP BY). Precondition: inside the rebuild's last
    transaction."""
    q = connection.ops.quote_name
    ResponsibleFact.objects.all().delete()
    ResponsibleCount.objects.all().delete()
    facts = ", ".join(q(c) for c in ["complaint_id", *RESPONSIBLE_COLUMNS])
    columns = ", ".join(q(c) for c in RESPONSIBLE_COLUMNS)
    grouped = ", ".join(q(c) for c in ("key", "month", "day", *RESPONSIBLE_DIMS))
    sums = ", ".join(f"SUM({q(m)})" for m in rules.RESPONSIBLE_MEASURES)
    scratch = q(RebuildResponsibleFact._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(ResponsibleFact._meta.db_table)} ({facts}) "  # noqa: S608 (model and column names)
            f"SELECT {facts} FROM {scratch}"
        )
        cursor.execute(
            f"INSERT INTO {q(ResponsibleCount._meta.db_table)} ({columns}) "  # noqa: S608 (model and column names)
            f"SELECT {grouped}, {sums} FROM {scratch} GROUP BY {grouped}"
        )


# Satisfaction observations (R8.3, drivers.py) --------------------------------------------

CALLBACK, SURVEY = rules.SATISFACTION_SOURCES
SATISFACTION_KEPT = ("source", *rules.SATISFACTION_DIMENSIONS, "factors")
SATISFACTION_COLUMNS = ("key", "day", "rollup", *SATISFACTION_KEPT, *drivers.MOMENT_COLUMNS)


def survey_observations_read(ids: Sequence[int]) -> dict[int, list[rules.Observation]]:
    """The observations of the survey answers `ids` that exist, in one query."""
    rows = SurveyResponse.objects.filter(pk__in=ids).values_list(
        "pk", "surveyed_at", "customer__region_id", "scores", "overall"
    )
    return {
        pk: rules.survey_observations(at, region or 0, scores or {}, overall)
        for pk, at, region, scores, overall in rows
    }


def satisfaction_recount(
    source: str, ids: Sequence[int], new: dict[int, list[rules.Observation]]
) -> int:
    """Bring the satisfaction counts of `ids` (complaints or survey answers, by `source`) up
    to date with their observations `new` (an id missing there has none): compare with the
    kept SatisfactionFact and apply the difference. Returns how many changed. Precondition:
    inside the fill's claimed transaction."""
    old = dict(
        SatisfactionFact.objects.filter(source=source, ref__in=ids).values_list("ref", "data")
    )
    changes = []
    for pk in ids:
        before, after = old.get(pk) or None, new.get(pk) or None
        if before != after:
            changes.append((pk, before, after))
    if not changes:
        return 0
    stale = [pk for pk, before, _ in changes if before is not None]
    if stale:
        SatisfactionFact.objects.filter(source=source, ref__in=stale).delete()
    SatisfactionFact.objects.bulk_create(
        [SatisfactionFact(source=source, ref=pk, data=after) for pk, _, after in changes if after],
        batch_size=1_000,
    )
    satisfaction_apply(rules.satisfaction_deltas(source, ((b, a) for _, b, a in changes)))
    return len(changes)


def satisfaction_apply(cube: dict[rules.SatisfactionCube, list[int]]) -> None:
    """Add the moments of `cube` rows to SatisfactionCount, cube and roll-ups: read the rows
    of the keys, add, delete and insert the sums; rows left with no observation go."""
    merged: dict[str, tuple[tuple[Any, ...], list[int]]] = {}
    for (source, day, *dims, mask), delta in cube.items():
        for rollup in rules.SATISFACTION_ROLLUPS:
            kept = rules.satisfaction_rolled_up(cast("rules.SatisfactionDims", tuple(dims)), rollup)
            key = rules.satisfaction_key(day, source, rollup, kept, mask)
            columns = (key, dt.date.fromisoformat(day), rollup, source, *kept, mask)
            entry = merged.setdefault(key, (columns, [0] * len(delta)))
            for i, value in enumerate(delta):
                entry[1][i] += value
    keys = [k for k, (_, delta) in merged.items() if any(delta)]
    insert = _insert_sql(SatisfactionCount, SATISFACTION_COLUMNS)
    for first in range(0, len(keys), KEY_LOOKUP_CHUNK):
        chunk = keys[first : first + KEY_LOOKUP_CHUNK]
        existing = {
            row[1]: row
            for row in SatisfactionCount.objects.filter(key__in=chunk).values_list(
                "pk", "key", *drivers.MOMENT_COLUMNS
            )
        }
        rows = []
        for key in chunk:
            columns, delta = merged[key]
            found = existing.get(key)
            values = [(found[2 + i] if found else 0) + d for i, d in enumerate(delta)]
            if values[0] < 0:
                logger.error("analytics: negative satisfaction counts in %s: %s", key, values)
            if values[0]:
                rows.append(_adapted((*columns, *values)))
        if existing:
            SatisfactionCount.objects.filter(pk__in=[r[0] for r in existing.values()]).delete()
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(insert, rows)


def surveys_fill(owner: str) -> int:
    """Count the survey answers added since the survey checkpoint, and re-check those of
    the last RECHECK_WINDOW (an import whose ids were taken before a faster one committed).
    Answers are only ever added (an import adds rows; nothing edits them), so the id is the
    checkpoint. Returns how many answers changed. Precondition: `owner` holds the fill."""
    cursor, _ = FillCursor.objects.get_or_create(name=constants.SURVEY_CURSOR)
    position = cursor.position
    recheck_from = int(cursor.trail[0][1]) if cursor.trail else position
    changed = 0
    while True:
        ids = list(
            SurveyResponse.objects.filter(pk__gt=recheck_from)
            .order_by("pk")
            .values_list("pk", flat=True)[: constants.FILL_COMPLAINT_BATCH]
        )
        if not ids:
            break
        recheck_from = ids[-1]
        position = max(position, ids[-1])
        with transaction.atomic():
            fill_renew(owner)
            changed += satisfaction_recount(SURVEY, ids, survey_observations_read(ids))
            FillCursor.objects.filter(name=constants.SURVEY_CURSOR).update(position=position)
    FillCursor.objects.filter(name=constants.SURVEY_CURSOR).update(
        trail=_trail(cursor.trail, clock.now(), position)
    )
    return changed


def _satisfaction_stage(source: str, observations: dict[int, list[rules.Observation]]) -> None:
    """The rebuild's counterpart: append a batch's contributions and its cube rows (summed
    within the batch) to the scratch tables."""
    kept = {pk: data for pk, data in observations.items() if data}
    RebuildSatisfactionFact.objects.bulk_create(
        [RebuildSatisfactionFact(source=source, ref=pk, data=data) for pk, data in kept.items()],
        batch_size=1_000,
    )
    cube = rules.satisfaction_deltas(source, ((None, data) for data in kept.values()))
    columns = ["day", "day_label", *SATISFACTION_KEPT, *drivers.MOMENT_COLUMNS]
    rows = [
        _adapted((dt.date.fromisoformat(day), day, source, *dims, mask, *moments))
        for (source, day, *dims, mask), moments in cube.items()
    ]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(_insert_sql(RebuildSatisfactionRow, columns), rows)


def _satisfaction_swap() -> None:
    """Replace SatisfactionFact with the scratch contributions and SatisfactionCount with
    the scratch rows summed into every roll-up, keys as `satisfaction_apply` makes them (one
    INSERT … SELECT … GROUP BY per roll-up). Precondition: inside the rebuild's last
    transaction."""
    q = connection.ops.quote_name
    SatisfactionFact.objects.all().delete()
    SatisfactionCount.objects.all().delete()
    facts = ", ".join(q(c) for c in ("source", "ref", "data"))
    scratch = q(RebuildSatisfactionRow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(SatisfactionFact._meta.db_table)} ({facts}) "  # noqa: S608 (model and column names)
            f"SELECT {facts} FROM {q(RebuildSatisfactionFact._meta.db_table)}"
        )
        for rollup, kept in rules.SATISFACTION_ROLLUPS.items():
            dims = [
                q(n) if n in kept else _sql_literal(rules.SATISFACTION_ALL[n])
                for n in rules.SATISFACTION_DIMENSIONS
            ]
            parts = [q("day_label"), q("source"), str(rollup), *dims, q("factors")]
            key = " || '|' || ".join(f"CAST({part} AS VARCHAR(24))" for part in parts)
            values = [key, q("day"), str(rollup), q("source"), *dims, q("factors")]
            values += [f"SUM({q(m)})" for m in drivers.MOMENT_COLUMNS]
            grouped = [q("day"), q("day_label"), q("source"), q("factors"), *(q(n) for n in kept)]
            columns = ", ".join(q(c) for c in SATISFACTION_COLUMNS)
            cursor.execute(
                f"INSERT INTO {q(SatisfactionCount._meta.db_table)} ({columns}) "  # noqa: S608 (model and column names, code literals)
                f"SELECT {', '.join(values)} FROM {scratch} GROUP BY {', '.join(grouped)}"
            )


# The claim and the checkpoint ------------------------------------------------------------


def fill_claim(owner: str, *, wait: bool = False) -> bool:
    """Take the fill for `owner` if nobody holds it (or their lease ran out): a conditional
    UPDATE whose row count says who won (D6)."""
    # A new checkpoint starts from the first event, so its counts are in today's layout.
    FillCursor.objects.get_or_create(name=constants.FILL_CURSOR, defaults={"layout": rules.LAYOUT})
    now = clock.now()
    free = FillCursor.objects.filter(name=constants.FILL_CURSOR).exclude(lease_until__gt=now)
    return bool(free.update(owner=owner, lease_until=now + constants.LEASE))


def fill_renew(owner: str, **changes: Any) -> None:
    """Renew the claim — first statement of each batch transaction, so that on PostgreSQL the
    cursor row stays locked until the batch commits — and save `changes` with it. Raises
    LeaseLost (rolling the batch back) if another worker took over."""
    now = clock.now()
    renewed = FillCursor.objects.filter(name=constants.FILL_CURSOR, owner=owner).update(
        lease_until=now + constants.LEASE, updated_at=now, **changes
    )
    if not renewed:
        raise LeaseLost(owner)


def fill_release(owner: str) -> None:
    FillCursor.objects.filter(name=constants.FILL_CURSOR, owner=owner).update(
        owner="", lease_until=None
    )


def _trail(trail: list[list[float]], now: dt.datetime, position: int) -> list[list[float]]:
    """Add the mark (now, position) and drop marks older than the window, keeping the newest of
    those: it is where the next re-check starts."""
    edge = (now - constants.RECHECK_WINDOW).timestamp()
    marks = sorted([*trail, [now.timestamp(), position]])
    old = [m for m in marks if m[0] <= edge]
    return old[-1:] + [m for m in marks if m[0] > edge]


def _batches(ids: Sequence[int], size: int) -> Iterable[list[int]]:
    for first in range(0, len(ids), size):
        yield list(ids[first : first + size])


def counts_fill(*, batch: int = constants.FILL_EVENT_BATCH) -> dict[str, int]:
    """Bring the count tables up to date with every event since the checkpoint, then re-check
    the complaints of the events of the last RECHECK_WINDOW (late commits). One transaction per
    batch carries the counts and the advanced checkpoint together: stopped anywhere, the next
    run resumes from the last committed batch. Another run holding the fill → skipped.

    Counts kept in another layout (a release added a roll-up or a measure) cannot be updated
    by deltas: the run rebuilds them instead, once."""
    kept_in = FillCursor.objects.filter(name=constants.FILL_CURSOR).values_list("layout", flat=True)
    if kept_in and kept_in[0] != rules.LAYOUT:
        try:
            return {"rebuilt": 1, **counts_rebuild()}
        except LeaseLost:
            return {"skipped": 1}
    owner = secrets.token_hex(8)
    if not fill_claim(owner):
        return {"skipped": 1}
    summary = {"events": 0, "complaints": 0, "changed": 0, "rechecked": 0}
    try:
        cursor = FillCursor.objects.get(name=constants.FILL_CURSOR)
        start = position = cursor.position
        recheck_from = int(cursor.trail[0][1]) if cursor.trail else start
        while True:
            rows = list(
                ComplaintEvent.objects.filter(pk__gt=position)
                .order_by("pk")
                .values_list("pk", "complaint_id")[:batch]
            )
            if not rows:
                break
            position = rows[-1][0]
            ids = sorted({complaint for _, complaint in rows})
            with transaction.atomic():
                fill_renew(owner, position=position)
                summary["changed"] += complaints_recount(ids)
            summary["events"] += len(rows)
            summary["complaints"] += len(ids)
        if recheck_from < start:
            late = sorted(
                set(
                    ComplaintEvent.objects.filter(pk__gt=recheck_from, pk__lte=start).values_list(
                        "complaint_id", flat=True
                    )
                )
            )
            for ids in _batches(late, constants.FILL_COMPLAINT_BATCH):
                with transaction.atomic():
                    fill_renew(owner)
                    summary["changed"] += complaints_recount(ids)
            summary["rechecked"] = len(late)
        summary["surveys"] = surveys_fill(owner)
        with transaction.atomic():
            fill_renew(owner, trail=_trail(cursor.trail, clock.now(), position))
    except LeaseLost:
        logger.warning("analytics.fill: another worker took over; stopping")
        summary["lost"] = 1
    finally:
        fill_release(owner)
    return summary


def _rebuild_stage(ids: Sequence[int]) -> int:
    """Count complaints `ids` into the scratch tables: their contributions, and their counts
    per hour and full set of dimensions, appended without lookups (`_rebuild_sum` adds up the
    hours and dimensions that recur from batch to batch). Returns how many were counted."""
    facts = facts_read(ids)
    _responsible_stage(facts)
    _satisfaction_stage(
        CALLBACK, {pk: rules.callback_observations(item) for pk, item in facts.items()}
    )
    encoded = [
        (pk, rules.encode(item.dims, rules.contributions(item))) for pk, item in facts.items()
    ]
    RebuildFact.objects.bulk_create(
        (RebuildFact(complaint_id=pk, data=data) for pk, data in encoded), batch_size=1_000
    )
    ops = connection.ops
    columns = [
        "hour_no", "hour", "day", "day_label", "month", "month_label", *DIMENSIONS,
        *rules.MEASURES,
    ]  # fmt: skip
    rows: list[tuple[Any, ...]] = []
    for (hour, *dims), measures in rules.deltas((None, data) for _, data in encoded).items():
        day = rules.local_day(hour)
        month = day.replace(day=1)
        period = (
            hour,
            ops.adapt_datetimefield_value(rules.hour_start(hour)),
            ops.adapt_datefield_value(day),
            day.isoformat(),
            ops.adapt_datefield_value(month),
            month.isoformat()[:7],
        )
        rows.append((*period, *dims, *(measures.get(m, 0) for m in rules.MEASURES)))
    with connection.cursor() as cursor:
        cursor.executemany(_insert_sql(RebuildRow, columns), rows)
    return len(encoded)


# Per grain: the count table, its period columns (read from the same columns of the scratch
# table), the scratch column that gives the period part of its keys (the labels of `_hourly`,
# `_daily` and `_monthly`), and that label's width when it is fixed (a date, a month), which
# lets the grain's roll-ups be summed from its own cube rows, a quarter of the scratch rows.
REBUILD_GRAINS: tuple[tuple[type[Counts], tuple[str, ...], str, int | None], ...] = (
    (HourlyCount, ("hour", "day"), "hour_no", None),
    (DailyCount, ("day",), "day_label", len("2026-11-22")),
    (MonthlyCount, ("month",), "month_label", len("2026-11")),
)


def _sql_literal(value: int | str) -> str:
    """A dimension's "all" value (rules.ALL, a constant of the code) as an SQL literal."""
    return str(value) if isinstance(value, int) else "'" + value.replace("'", "''") + "'"


def _rebuild_sum() -> None:
    """Sum the scratch rows into every grain and roll-up of the count tables, with keys equal
    to those `counts_apply` makes, so that the fill job carries on from the rebuilt rows:
    one INSERT … SELECT … GROUP BY per grain and roll-up. The cube (rollup 0) of each grain
    comes from the scratch rows; the daily and monthly roll-ups from that cube, whose keys
    start with the period's label."""
    q = connection.ops.quote_name
    for model, period, label, width in REBUILD_GRAINS:
        for rollup in rules.rollups_kept(hourly=model is HourlyCount):
            kept = rules.ROLLUPS[rollup]
            if rollup == 0 or width is None:
                source, where, period_label = RebuildRow._meta.db_table, "", q(label)
            else:
                source, where = model._meta.db_table, "WHERE rollup = 0"
                period_label = f"SUBSTR({q('key')}, 1, {width})"
            dims = [
                q(n) if n in kept else _sql_literal(cast("int | str", rules.ALL[n]))
                for n in DIMENSIONS
            ]
            # Wide enough for the product (64 characters, Complaint.product): a narrower cast
            # would cut it on PostgreSQL, and the key would no longer be `counts_apply`'s.
            key = " || '|' || ".join(
                f"CAST({part} AS VARCHAR(64))" for part in [period_label, str(rollup), *dims]
            )
            columns = ["key", "rollup", *period, *DIMENSIONS, *rules.MEASURES]
            values = [
                key,
                str(rollup),
                *(q(c) for c in period),
                *dims,
                *(f"SUM({q(m)})" for m in rules.MEASURES),
            ]
            grouped = [*(q(c) for c in period), period_label, *(q(n) for n in kept)]
            sql = (
                f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(c) for c in columns)}) "  # noqa: S608 (model and column names, code literals)
                f"SELECT {', '.join(values)} FROM {q(source)} {where} "
                f"GROUP BY {', '.join(grouped)}"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql)


SCRATCH: tuple[type[Any], ...] = (
    RebuildFact,
    RebuildRow,
    RebuildResponsibleFact,
    RebuildSatisfactionFact,
    RebuildSatisfactionRow,
)


def _surveys_stage(owner: str) -> int:
    """Stage every survey answer, in batches; returns the last id seen (the survey
    checkpoint the rebuild leaves)."""
    last = 0
    while True:
        ids = list(
            SurveyResponse.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[: constants.FILL_COMPLAINT_BATCH]
        )
        if not ids:
            return last
        with transaction.atomic():
            fill_renew(owner)
            _satisfaction_stage(SURVEY, survey_observations_read(ids))
        last = ids[-1]


def counts_rebuild(
    *, batch: int = constants.FILL_COMPLAINT_BATCH, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Count every complaint again from scratch.

    Each batch of `batch` complaints is counted as the fill job counts (`rules.contributions`)
    into the scratch tables, one transaction each; one last transaction then replaces the
    complaints' contributions and the count tables with the scratch rows' sums. Readers see
    the old figures until that commit, and a rebuild stopped anywhere leaves the old counts and
    contributions standing together. The checkpoint is set to the events seen before the
    recount began (later ones are the fill job's, which waits meanwhile). Raises LeaseLost if a
    fill run holds the tables (try again in a minute)."""
    owner = secrets.token_hex(8)
    if not fill_claim(owner):
        raise LeaseLost("busy")
    started = clock.now()
    q = connection.ops.quote_name
    try:
        position = ComplaintEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with transaction.atomic():
            fill_renew(owner)
            # left by a rebuild that stopped
            for model in SCRATCH:
                model.objects.all().delete()  # no relations or signals: one DELETE each
        last, done = 0, 0
        while True:
            ids = list(
                Complaint.objects.filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                break
            with transaction.atomic():
                fill_renew(owner)
                done += _rebuild_stage(ids)
            last = ids[-1]
            if progress:
                progress(done)
        surveys_seen = _surveys_stage(owner)
        with transaction.atomic():
            fill_renew(
                owner,
                position=position,
                trail=[[started.timestamp(), position]],
                rebuilt_at=clock.now(),
                layout=rules.LAYOUT,
            )
            for table in (HourlyCount, DailyCount, MonthlyCount, ComplaintFact):
                table.objects.all().delete()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {q(ComplaintFact._meta.db_table)} (complaint_id, data) "  # noqa: S608 (model names)
                    f"SELECT complaint_id, data FROM {q(RebuildFact._meta.db_table)}"
                )
            _rebuild_sum()
            _responsible_swap()
            _satisfaction_swap()
            FillCursor.objects.update_or_create(
                name=constants.SURVEY_CURSOR,
                defaults={"position": surveys_seen, "trail": [[started.timestamp(), surveys_seen]]},
            )
            for model in SCRATCH:
                model.objects.all().delete()
        # Fresh planner statistics: the tables were replaced wholesale, and a plan made for the
        # old (or empty) tables can read every row where an index would read a few.
        with connection.cursor() as cursor:
            analysed: tuple[type[Any], ...] = (
                HourlyCount, DailyCount, MonthlyCount, ComplaintFact, ResponsibleCount,
                SatisfactionCount, SatisfactionFact,
            )  # fmt: skip
            for table in analysed:
                cursor.execute(f"ANALYZE {q(table._meta.db_table)}")
    finally:
        fill_release(owner)
    return {
        "complaints": done,
        "hourly_rows": HourlyCount.objects.count(),
        "daily_rows": DailyCount.objects.count(),
        "monthly_rows": MonthlyCount.objects.count(),
    }
