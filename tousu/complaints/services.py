"""Writes to the complaint kernel. Every service is atomic and writes its timeline event in the
same transaction (D8); callers hold no locks of their own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Model, OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from tousu.accounts import permissions
from tousu.accounts.models import AUDIT_HEAD, AuditHead, User
from tousu.accounts.services import pii_access_log
from tousu.complaints import rules
from tousu.complaints.choices import EventType, Status
from tousu.complaints.models import (
    ChainSeal,
    Complaint,
    ComplaintEvent,
    ComplaintSearch,
    DailySequence,
    ExportLog,
    SavedView,
    SealedHead,
)
from tousu.complaints.search import search_note_add, search_row
from tousu.complaints.timeline import FACTS_KEY, event_hash, facts_digest, json_safe
from tousu.core import actors, clock
from tousu.core.errors import (
    Conflict,
    NotAllowed,
    NotFound,
    ValidationFailed,
    required_message,
    too_long_message,
)
from tousu.core.keys import mac
from tousu.core.reasons import Reason
from tousu.core.rows import prepared_cursor, rows_insert
from tousu.core.text import clean_text

NOTE_MAX_CHARS = 5_000
REASON_MAX_CHARS = 1_000


def actor_label(actor: User | None, fallback: str = "system") -> str:
    return str(actor) if actor is not None else fallback


@dataclass
class EventDraft:
    """One timeline event to append with `events_record`."""

    complaint: Complaint
    type: str
    actor: User | None = None
    data: dict[str, Any] | None = None
    actor_name: str | None = None
    at: dt.datetime | None = None


def _chained(drafts: Sequence[EventDraft]) -> tuple[list[ComplaintEvent], list[Complaint]]:
    """The drafts as events appended, in order, to their complaints' hash chains, and the
    complaints whose heads moved on — in memory only: `event_seq` and `event_hash` of every
    draft's complaint are updated, nothing is written."""
    now = clock.now()
    heads: dict[int, Complaint] = {}
    events: list[ComplaintEvent] = []
    for draft in drafts:
        complaint = heads.setdefault(draft.complaint.pk, draft.complaint)
        if complaint is not draft.complaint:  # another copy of the row: keep both in step
            draft.complaint.event_seq, draft.complaint.event_hash = (
                complaint.event_seq,
                complaint.event_hash,
            )
        at = draft.at or now
        seq = complaint.event_seq + 1
        name = draft.actor_name or actor_label(draft.actor)
        payload = json_safe(draft.data or {})
        if seq == 1:  # the first event seals the registration facts (timeline.FACTS_KEY)
            payload[FACTS_KEY] = complaint_facts(complaint)
        digest = event_hash(
            number=complaint.number,
            seq=seq,
            at=at,
            type=draft.type,
            actor_name=name,
            data=payload,
            prev_hash=complaint.event_hash,
        )
        events.append(
            ComplaintEvent(
                complaint=complaint,
                seq=seq,
                at=at,
                type=draft.type,
                actor=draft.actor,
                actor_name=name,
                data=payload,
                prev_hash=complaint.event_hash,
                hash=digest,
            )
        )
        complaint.event_seq, complaint.event_hash = seq, digest
        draft.complaint.event_seq, draft.complaint.event_hash = seq, digest
    return events, list(heads.values())


def complaint_facts(complaint: Complaint) -> str:
    """The keyed digest of the complaint's registration facts as they stand in `complaint`
    (and its customer, which is read if not loaded)."""
    return facts_digest(
        channel=complaint.channel,
        content=complaint.content,
        demand=complaint.demand,
        received_at=complaint.received_at,
        phone=complaint.customer.phone,
    )


# Apps above complaints that act on some events in the same transaction (messages queues the
# customer's reply when a complaint is resolved): complaints cannot import them, they register.
EventListener = Callable[[ComplaintEvent], None]
EVENT_LISTENERS: dict[str, list[EventListener]] = {}


def event_listen(types: Iterable[str], listener: EventListener) -> None:
    """Call `listener(event)` for every event of `types` recorded from now on, inside the
    transaction that records it, after it is written. The event's complaint is the caller's
    own (locked) object: a listener that records events of its own must use it, so that the
    caller's chain head stays in step."""
    for type_ in types:
        if listener not in EVENT_LISTENERS.setdefault(type_, []):
            EVENT_LISTENERS[type_].append(listener)


def events_record(drafts: Sequence[EventDraft]) -> list[ComplaintEvent]:
    """Append events to their complaints' hash chains, in order, with one INSERT and one
    UPDATE of the chain heads however many complaints (the background scans write hundreds).

    Precondition: inside `transaction.atomic` with every complaint locked, so that no two
    events take the same place in a chain. Drafts of one complaint chain after each other;
    the complaints' `event_seq` and `event_hash` are updated in memory and in the database.
    """
    events, heads = _chained(drafts)
    if not events:
        return []
    created = ComplaintEvent.objects.bulk_create(events)
    if len(heads) == 1:
        (head,) = heads
        Complaint.objects.filter(pk=head.pk).update(
            event_seq=head.event_seq, event_hash=head.event_hash
        )
    else:
        _chain_heads_save(heads)
    for event in created:
        for listener in EVENT_LISTENERS.get(event.type, ()):
            listener(event)
    return created


def _chain_heads_save(complaints: Iterable[Complaint]) -> None:
    """Save the chain heads of many complaints in one statement (PostgreSQL: UPDATE … FROM
    VALUES) or one executemany (SQLite, in process). Django's bulk_update builds a CASE WHEN
    expression per row and field, which costs more than the scan it serves once a few hundred
    complaints breach together (bench/breach_scan.py)."""
    meta = Complaint._meta
    columns = {f.name: f.column for f in meta.concrete_fields}
    table = connection.ops.quote_name(meta.db_table)
    seq, digest, pk = (
        connection.ops.quote_name(columns[name]) for name in ("event_seq", "event_hash", "id")
    )
    heads = [(c.pk, c.event_seq, c.event_hash) for c in complaints]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            values = ", ".join(["(%s::bigint, %s::integer, %s)"] * len(heads))
            cursor.execute(
                f"UPDATE {table} SET {seq} = v.seq, {digest} = v.hash "  # noqa: S608 (quoted model names; values bound)
                f"FROM (VALUES {values}) AS v(id, seq, hash) WHERE {table}.{pk} = v.id",
                [value for head in heads for value in head],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET {seq} = %s, {digest} = %s WHERE {pk} = %s",  # noqa: S608 (quoted model names; values bound)
                [(s, h, i) for i, s, h in heads],
            )


def event_record(
    *,
    complaint: Complaint,
    type: str,
    actor: User | None,
    data: dict[str, Any] | None = None,
    actor_name: str | None = None,
    at: dt.datetime | None = None,
) -> ComplaintEvent:
    """Append one event to the complaint's hash chain (see `events_record`).

    Precondition: inside `transaction.atomic` with the complaint row locked (`complaint_lock`).
    """
    (event,) = events_record(
        [EventDraft(complaint, type, actor=actor, data=data, actor_name=actor_name, at=at)]
    )
    return event


def complaint_lock(complaint: Complaint, *, archived_ok: bool = False) -> Complaint:
    """The complaint re-read under a row lock, for a write. Precondition: inside
    `transaction.atomic`.

    The one guard of the archive (R5.4): every service that writes to a complaint, its
    timeline or the records about it takes this lock first, so an archived complaint is
    refused here (409, `archived`) for all of them — reopen, notes, evidence, callbacks,
    transfers, merges, bulk actions alike. Only the records services themselves
    (anonymisation at the end of the retention period) pass `archived_ok`."""
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if locked.archived_at is not None and not archived_ok:
        raise archived_refusal(locked)
    return locked


class Archived(Conflict):
    """The complaint is archived (归档) and read-only."""

    code = "archived"


def archived_refusal(complaint: Complaint) -> Archived:
    """The error every write to an archived complaint gets: when it was archived."""
    assert complaint.archived_at is not None
    when = complaint.archived_at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d")
    return Archived(
        _("Complaint %(number)s was archived on %(date)s and is read-only")
        % {"number": complaint.number, "date": when}
    )


def number_allocate(day: dt.date) -> int:
    """The next daily sequence number, unique under concurrency: one upsert creates the day's
    row or increments it, holding its lock to the end of the transaction, and returns our own
    increment. Precondition: inside `transaction.atomic`."""
    return number_and_ids_allocate(day)[0]


def number_and_ids_allocate(
    day: dt.date, reserve: Sequence[type[Model]] = ()
) -> tuple[int, list[int] | None]:
    """`number_allocate`, and in the same statement the primary key each row of the `reserve`
    models (one row each) will take when it is inserted with it: a registration that must
    name a row's key in an event before that row exists (the acknowledgement message in its
    `message_out` event) thus writes each row once, and the complaint with the head of its
    whole chain. None for the keys where the database cannot tell them in that statement
    (SQLite before 3.35); the caller then inserts and records as before.

    PostgreSQL: `nextval` of each table's identity sequence (gaps on rollback, as for any
    insert). SQLite: the table's AUTOINCREMENT counter + 1 — safe because the upsert has taken
    the database's one write lock, held to commit: no other connection inserts before us, and
    an explicit key moves the counter on as an automatic one does.
    Precondition: inside `transaction.atomic`; the reserved rows are inserted in it, with
    `save(force_insert=True)` or `core.rows.rows_insert`, before any other row of their
    tables."""
    if not connection.features.can_return_columns_from_insert:  # SQLite before 3.35
        DailySequence.objects.get_or_create(day=day)
        DailySequence.objects.filter(day=day).update(last=F("last") + 1)
        sequence = DailySequence.objects.filter(day=day).values_list("last", flat=True).get()
        return sequence, (None if reserve else [])
    meta = DailySequence._meta
    columns = {f.name: f.column for f in meta.concrete_fields}
    table = connection.ops.quote_name(meta.db_table)
    day_, last = (connection.ops.quote_name(columns[name]) for name in ("day", "last"))
    if connection.vendor == "postgresql":
        next_key = "nextval(pg_get_serial_sequence(%s, %s))"
        key_params: list[str] = [
            p for model in reserve for p in (model._meta.db_table, model._meta.pk.column)
        ]
    else:
        next_key = "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0) + 1"
        key_params = [model._meta.db_table for model in reserve]
    keys = "".join(", " + next_key for _model in reserve)
    with prepared_cursor(connection) as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({day_}, {last}) VALUES (%s, 1) ON CONFLICT ({day_}) "  # noqa: S608 (quoted model names; values bound)
            f"DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {last}{keys}",
            [connection.ops.adapt_datefield_value(day), *key_params],
        )
        sequence, *reserved = cursor.fetchone()
    return int(sequence), [int(key) for key in reserved]


def complaint_create(
    *,
    complaint: Complaint,
    events: Sequence[EventDraft],
    rows: Sequence[Model] = (),
    search: Mapping[str, str] | None = None,
) -> Complaint:
    """Write a new complaint, decided in full beforehand (number, category, level, route, due
    times), with its first timeline events. The events are chained first (as by
    `events_record`), so that the row goes in with the head of its chain: one INSERT for the
    complaint, one for its row of the search index (a new complaint has none for
    `search_index` to look up and rewrite), one for the events, and no UPDATE. `rows`: other
    new rows of the registration, inserted with them (its acknowledgement, its key).
    `search`: its search index columns (`search_row` of its content and demand), when the
    caller made them before taking the number: the words' segmentation need not hold the lock.

    With its key reserved (`number_and_ids_allocate`), the complaint goes in with the rest in
    one round trip (`rows_insert`): the day's number lock, held from the number to the
    commit, then waits for the database once, not once per table (issue 19).

    Precondition: inside the registering transaction; every draft is of `complaint`.
    """
    if any(draft.complaint is not complaint for draft in events):
        raise ValueError("complaint_create: every event must be of the complaint created")
    chained, _ = _chained(events)
    if search is None:
        search = search_row(f"{complaint.content}\n{complaint.demand}")
    row = ComplaintSearch(complaint=complaint, **search)
    if complaint.pk is None:  # no key reserved (SQLite before 3.35): the database gives it
        complaint.save(force_insert=True)
        rows_insert([row, *chained, *rows])
    else:
        rows_insert([complaint, row, *chained, *rows])
    return complaint


def _require(allowed: bool, message: str | None = None) -> None:
    """NotAllowed unless `allowed`; `message` (translated by the caller) says why."""
    if not allowed:
        raise NotAllowed(message or _("Not allowed for your role or data scope"))


def _reason(value: Reason | str, *, field: str = "reason", required: bool = True) -> Any:
    """The reason given for an action: one the system generated (a stored reason,
    tousu.core.reasons) as it is; text a person typed, cleaned and checked."""
    if isinstance(value, dict):
        return value
    return _typed_reason(value, field=field, required=required)


def _typed_reason(value: str, *, field: str = "reason", required: bool = True) -> str:
    text = clean_text(value or "")
    if required and not text:
        raise ValidationFailed.for_field(
            field, required_message(), message=_("Please give a reason")
        )
    if len(text) > REASON_MAX_CHARS:
        raise ValidationFailed.for_field(
            field,
            too_long_message(REASON_MAX_CHARS, len(text)),
            message=_("The reason is too long"),
        )
    return text


def complaint_accept(*, complaint: Complaint, actor: User) -> Complaint:
    """The handler starts work: the first response time is recorded (R4.1 及时性)."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        _require(permissions.can_accept(actor, complaint))
        complaint.status = rules.next_status("accept", complaint.status)
        now = clock.now()
        if complaint.accepted_at is None:
            complaint.accepted_at = now
        if complaint.handler_id is None:
            complaint.handler = actor
        complaint.save(update_fields=["status", "accepted_at", "handler", "updated_at"])
        event_record(
            complaint=complaint,
            type=EventType.ACCEPTED,
            actor=actor,
            data={"on_time": now <= complaint.first_response_due},
        )
    return complaint


def complaint_note_add(
    *, complaint: Complaint, actor: User, text: str, internal: bool = True
) -> Complaint:
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        _require(permissions.can_note(actor, complaint))
        body = clean_text(text or "")
        if not body:
            raise ValidationFailed.for_field(
                "text", required_message(), message=_("The note is empty")
            )
        if len(body) > NOTE_MAX_CHARS:
            raise ValidationFailed.for_field(
                "text",
                too_long_message(NOTE_MAX_CHARS, len(body)),
                message=_("The note is too long"),
            )
        event_record(
            complaint=complaint,
            type=EventType.NOTE,
            actor=actor,
            data={"text": body, "internal": bool(internal)},
        )
        search_note_add(complaint, body)
    return complaint


def complaint_close_duplicate(
    *, complaint: Complaint, actor: User, original: Complaint, reason: str = ""
) -> Complaint:
    """Close an open complaint as a duplicate (重复工单) of `original`, the same customer's
    complaint about the same matter, which is handled instead (issue 13): merged into it.
    Unlike a close after the reply (resolution.complaint_close) it confirms no responsibility
    and schedules no callback: the original carries both. `original` may be closed already
    (a repeat closed with its reply closes the earlier one as its duplicate), but not closed as
    a duplicate itself. See `_merge`."""
    return _merge(complaint, actor, original, reason, field="original", required=False)


def complaint_merge(
    *, complaint: Complaint, actor: User, into: Complaint, reason: str
) -> Complaint:
    """Merge a duplicate complaint into `into`, an open complaint of the same customer (issue
    15: a merge into a closed complaint is refused; reopen it first), with a reason: closed
    as its duplicate, linked both ways. See `_merge`."""
    return _merge(complaint, actor, into, reason, field="into", required=True)


def _merge(
    complaint: Complaint,
    actor: User,
    original: Complaint,
    reason: str,
    *,
    field: str,
    required: bool,
) -> Complaint:
    """Close `complaint` as a duplicate of `original` and link the two both ways: the
    duplicate points at its original (`duplicate_of`), the duplicate's timeline names the
    original and the original's names the duplicate, in one transaction. The status it had is
    kept in the closing event, for an administrator's `complaint_unmerge` to restore. Errors
    name `field`, the input that named the original; `required`: a typed reason is needed,
    and the original must be open (not closed)."""
    with transaction.atomic():
        complaint, original = complaint_lock_pair(complaint, original)
        _require(permissions.can_close_duplicate(actor, complaint))
        status = rules.next_status("close_duplicate", complaint.status)
        _duplicate_check(complaint, actor, original, field=field, open_only=required)
        text = _reason(reason, required=required)
        before = complaint.status
        complaint.status = status
        complaint.closed_at = clock.now()
        complaint.duplicate_of = original
        complaint.save(update_fields=["status", "closed_at", "duplicate_of", "updated_at"])
        events_record(
            [
                EventDraft(
                    complaint,
                    EventType.CLOSED_DUPLICATE,
                    actor=actor,
                    data={"duplicate_of": original.number, "reason": text, "before": before},
                ),
                EventDraft(
                    original,
                    EventType.MERGED,
                    actor=actor,
                    data={"duplicate": complaint.number, "reason": text},
                ),
            ]
        )
    return complaint


def complaint_lock_pair(first: Complaint, second: Complaint) -> tuple[Complaint, Complaint]:
    """Both complaints re-read under row locks, taken in primary-key order so that two
    transactions locking the same pair the other way round wait instead of deadlocking.
    Precondition: inside `transaction.atomic`."""
    if first.pk == second.pk:
        locked = complaint_lock(first)
        return locked, locked
    rows = {
        c.pk: c
        for c in Complaint.objects.select_for_update()
        .filter(pk__in=[first.pk, second.pk])
        .order_by("pk")
    }
    return rows[first.pk], rows[second.pk]


def complaint_link(*, complaint: Complaint, actor: User, earlier: Complaint) -> Complaint:
    """Link `complaint`, a repeat, to `earlier`, the same customer's complaint on the same
    matter, both ways and without closing either (issue 13: 关联但不结案): each timeline names
    the other, and the repeat points at the earlier one when it pointed nowhere yet. For when
    the earlier complaint asks for more than this one's reply answered."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        earlier = complaint_lock(earlier)
        _require(permissions.can_view(actor, complaint))
        _link_check(complaint, actor, earlier)
        if complaint.repeat_of_id is None:
            complaint.repeat_of = earlier
            complaint.save(update_fields=["repeat_of", "updated_at"])
        events_record(
            [
                EventDraft(
                    complaint, EventType.LINKED, actor=actor, data={"repeat_of": earlier.number}
                ),
                EventDraft(
                    earlier, EventType.LINKED, actor=actor, data={"repeated_by": complaint.number}
                ),
            ]
        )
    return complaint


def _link_check(complaint: Complaint, actor: User, earlier: Complaint) -> None:
    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed.for_field("earlier", message)

    if not permissions.can_view(actor, earlier):
        raise refuse(_("The earlier complaint does not exist or you may not see it"))
    if earlier.pk == complaint.pk:
        raise refuse(_("A complaint cannot be linked to itself"))
    if earlier.customer_id != complaint.customer_id:
        raise refuse(_("The earlier complaint is another customer's"))


def _duplicate_check(
    complaint: Complaint, actor: User, original: Complaint, *, field: str, open_only: bool
) -> None:
    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed.for_field(field, message)

    if not permissions.can_view(actor, original):
        raise refuse(_("The original complaint does not exist or you may not see it"))
    if original.pk == complaint.pk:
        raise refuse(_("A complaint cannot be a duplicate of itself"))
    if original.customer_id != complaint.customer_id:
        raise refuse(_("The original complaint is another customer's"))
    if original.duplicate_of_id is not None:
        raise refuse(_("The original complaint was itself closed as a duplicate"))
    if open_only and original.status == "closed":
        raise refuse(_("The original complaint is closed: reopen it first, or merge into another"))


SAVED_VIEWS_MAX = 20  # per user: a short menu, not an archive
SAVED_VIEW_NAME_MAX = 40


def saved_view_save(*, user: User, name: str, query: str) -> SavedView:
    """Save the list's filters (`query`, the list's query string) under `name` for `user`; a
    view of the same name is replaced."""
    title = clean_text(name or "")
    if not title:
        raise ValidationFailed.for_field("name", required_message(), message=_("Name the view"))
    if len(title) > SAVED_VIEW_NAME_MAX:
        raise ValidationFailed.for_field(
            "name", too_long_message(SAVED_VIEW_NAME_MAX, len(title)), message=_("Name too long")
        )
    if len(query) > SavedView._meta.get_field("query").max_length:  # type: ignore[operator]
        raise ValidationFailed(_("Too many filters to save"))
    with transaction.atomic():
        existing = SavedView.objects.select_for_update().filter(user=user, name=title).first()
        if existing is not None:
            existing.query = query
            existing.save(update_fields=["query"])
            return existing
        if SavedView.objects.filter(user=user).count() >= SAVED_VIEWS_MAX:
            raise ValidationFailed(
                _("You have %(count)s saved views, the most there may be; delete one first")
                % {"count": SAVED_VIEWS_MAX}
            )
        return SavedView.objects.create(user=user, name=title, query=query)


def saved_view_delete(*, user: User, pk: int) -> None:
    """Delete one of the user's own saved views (another's is not found)."""
    deleted, _rows = SavedView.objects.filter(user=user, pk=pk).delete()
    if not deleted:
        raise NotFound(_("No such saved view"))


def list_export_record(
    *, user: User, format: str, filters: dict[str, Any], rows: int, revealed: bool
) -> ExportLog:
    """Log an export of a complaint list before it is sent (who, when, which filters, how
    many rows), and the personal data it carries unmasked, if any (D10)."""
    if not permissions.can_export(user):
        raise NotAllowed(_("Your role may not export complaint lists"))
    if revealed and not permissions.can_view_pii(user):
        raise NotAllowed(_("Your role may not see personal data"))
    with transaction.atomic():
        log = ExportLog.objects.create(
            user=user,
            at=clock.now(),
            format=format,
            filters=json_safe(filters),
            rows=rows,
            revealed=revealed,
        )
        if revealed and rows:
            pii_access_log(
                user=user,
                subject="complaints:export",
                fields="name,phone,content,demand",
                via="export",
                count=rows,
            )
    return log


# ---- archive (归档, R5.4, R12.2) -------------------------------------------------------------

ARCHIVE_BATCH = 500  # complaints archived per transaction
ARCHIVE_ACTOR = actors.ARCHIVE  # the job's name on the timeline


def _archived_data(complaint: Complaint, now: dt.datetime) -> dict[str, Any]:
    closed_at = complaint.closed_at
    assert closed_at is not None  # only closed complaints are archived
    return {"closed_at": closed_at.isoformat(), "days": (now - closed_at).days}


# What keeps a closed complaint from the archive, registered by the apps above the kernel (a
# callback still pending: the callback team must be able to record it). Each is a condition on
# Complaint — an Exists(...) over the app's own table — true for the complaints to hold back.
_ARCHIVE_HOLDS: dict[str, Callable[[], Any]] = {}


def archive_hold_register(name: str, hold: Callable[[], Any]) -> None:
    """Called from an app's AppConfig.ready()."""
    _ARCHIVE_HOLDS[name] = hold


def archive_cutoff(now: dt.datetime, days: int | None = None) -> dt.datetime:
    """Complaints closed at or before this moment are due for the archive."""
    return now - dt.timedelta(days=settings.TOUSU_ARCHIVE_DAYS if days is None else days)


def archive_due(now: dt.datetime, days: int | None = None) -> Q:
    """The complaints due for the archive at `now`: closed at or before the cutoff, not
    archived yet, and held back by no app (a pending callback)."""
    due = Q(
        status=Status.CLOSED, archived_at__isnull=True, closed_at__lte=archive_cutoff(now, days)
    )
    for hold in _ARCHIVE_HOLDS.values():
        due &= ~Q(hold())
    return due


def complaints_archive(
    *, now: dt.datetime | None = None, days: int | None = None, batch: int = ARCHIVE_BATCH
) -> int:
    """Archive every complaint closed for `days` (settings.TOUSU_ARCHIVE_DAYS): the
    `complaints.archive` job. Each is claimed by a conditional update (D6: a row another
    worker holds is skipped, a row already archived no longer matches) and gets an `archived`
    event in the same transaction, batch by batch. Returns how many were archived; a second
    run archives nothing.

    Archiving changes no fact a count or KPI reads (status, dates, category …): an archived
    complaint is counted, listed and found as before; it only refuses writes
    (`complaint_lock`)."""
    now = now or clock.now()
    due = archive_due(now, days)
    archived = 0
    while True:
        with transaction.atomic():
            rows = list(
                # NO KEY UPDATE, as the UPDATE itself takes (see sla.services._claim).
                Complaint.objects.select_for_update(skip_locked=True, no_key=True)
                .filter(due)
                .order_by("closed_at", "pk")[:batch]
            )
            if not rows:
                return archived
            Complaint.objects.filter(due, pk__in=[c.pk for c in rows]).update(archived_at=now)
            events_record(
                [
                    EventDraft(
                        c,
                        EventType.ARCHIVED,
                        actor_name=ARCHIVE_ACTOR,
                        at=now,
                        data=_archived_data(c, now),
                    )
                    for c in rows
                ]
            )
            archived += len(rows)
        if len(rows) < batch:
            return archived


# ---- seals (issue 11) ------------------------------------------------------------------------

SEAL_BATCH = 1000


def head_digest(number: str, seq: int, hash: str) -> int:
    """One sealed head's keyed digest, as a number for `sealed_digest`'s XOR."""
    return int(mac({"head": [number, seq, hash]}), 16)


def sealed_digest(heads: dict[str, tuple[int, str]]) -> tuple[int, str]:
    """(count, XOR of the heads' keyed digests): a digest of the set that does not depend on
    order and that a seal keeps up to date by XOR-ing out a moved head's old digest and in its
    new one, without reading every head. Without the key no row's digest can be made, so no
    change of the rows can be made to cancel out."""
    total = 0
    for number, (seq, hash) in heads.items():
        total ^= head_digest(number, seq, hash)
    return len(heads), f"{total:064x}"


def seal_hash(seal: ChainSeal) -> str:
    return mac(
        {
            "seal": seal.seq,
            "at": seal.at.astimezone(dt.UTC).isoformat(),
            "chains": seal.chains,
            "heads": seal.heads_digest,
            "audit": [seal.audit_seq, seal.audit_hash],
            "prev": seal.prev_hash,
        }
    )


def chain_seal() -> ChainSeal | None:
    """Seal the timeline heads that moved on since the last seal, and the audit log's head:
    the `complaints.seal` job. Returns the new seal, or None when nothing moved.

    Only committed heads are read, and a head is sealed only forwards (a head behind its
    sealed event is what verification reports, not something to seal), so a transaction
    still open cannot make a seal that its commit contradicts. Seals are serialised by the
    lock on the last one (and the unique seal number); the work is one query for the moved
    heads, which the database answers by joining on the complaint number, plus a write per
    batch of moved heads."""
    with transaction.atomic():
        last = ChainSeal.objects.select_for_update().order_by("-seq").first()
        sealed_seq = SealedHead.objects.filter(number=OuterRef("number")).values("seq")[:1]
        moved = list(
            Complaint.objects.filter(event_seq__gt=0)
            .annotate(sealed=Subquery(sealed_seq))
            .filter(Q(sealed__isnull=True) | Q(sealed__lt=F("event_seq")))
            .values_list("number", "event_seq", "event_hash")
        )
        audit = AuditHead.objects.filter(pk=AUDIT_HEAD).values_list("seq", "hash").first()
        audit_seq, audit_hash = audit or (0, "")
        unchanged_audit = last is not None and (last.audit_seq, last.audit_hash) == audit
        if not moved and (unchanged_audit or (last is None and audit_seq == 0)):
            return None
        seq = last.seq + 1 if last else 1
        total = int(last.heads_digest, 16) if last else 0
        chains = last.chains if last else 0
        for start in range(0, len(moved), SEAL_BATCH):
            batch = moved[start : start + SEAL_BATCH]
            old = {
                row.number: row
                for row in SealedHead.objects.filter(number__in=[n for n, _s, _h in batch])
            }
            new_rows, moved_rows = [], []
            for number, head_seq, head_hash in batch:
                total ^= head_digest(number, head_seq, head_hash)
                row = old.get(number)
                if row is None:
                    chains += 1
                    new_rows.append(
                        SealedHead(number=number, seq=head_seq, hash=head_hash, sealed_in=seq)
                    )
                    continue
                total ^= head_digest(number, row.seq, row.hash)
                row.seq, row.hash, row.sealed_in = head_seq, head_hash, seq
                moved_rows.append(row)
            SealedHead.objects.bulk_create(new_rows)
            SealedHead.objects.bulk_update(moved_rows, ["seq", "hash", "sealed_in"])
        seal = ChainSeal(
            seq=seq,
            at=clock.now(),
            chains=chains,
            heads_digest=f"{total:064x}",
            audit_seq=audit_seq,
            audit_hash=audit_hash,
            prev_hash=last.hash if last else "",
        )
        seal.hash = seal_hash(seal)
        seal.save(force_insert=True)
    return seal
