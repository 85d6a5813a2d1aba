from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tousu.accounts import permissions
from tousu.accounts.models import Region, User
from tousu.callbacks import rules as callback_rules
from tousu.callbacks import selectors
from tousu.callbacks.choices import (
    SCORE_FACTORS,
    AttemptOutcome,
    CallbackResult,
    CallbackStatus,
    DissatisfactionReason,
    DissatisfiedAction,
    SurveyFactor,
)
from tousu.callbacks.models import CallbackAttempt, CallbackTask, SurveyResponse
from tousu.callbacks.signals import callback_recorded, surveys_imported
from tousu.complaints import rules
from tousu.complaints.choices import EventType, Status
from tousu.complaints.models import Complaint
from tousu.complaints.services import (
    EventDraft,
    _require,
    complaint_lock,
    event_record,
    events_record,
)
from tousu.core import clock
from tousu.core.errors import (
    FieldErrors,
    ValidationFailed,
    one_of_message,
    required_message,
    too_long_message,
)
from tousu.core.reasons import reason, reason_kind
from tousu.core.text import clean_text, normalise_phone
from tousu.customers.services import customers_ensure
from tousu.notifications.choices import NotificationKind
from tousu.notifications.services import NotificationDraft, notify_many, webhook_emit
from tousu.sla.services import complaint_reopen_apply

COMMENT_MAX_CHARS = 2_000
NOTE_MAX_CHARS = 200
# Results that may carry reasons for dissatisfaction: a basically satisfied customer may
# still say what fell short.
REASONED_RESULTS = (CallbackResult.DISSATISFIED, CallbackResult.BASICALLY_SATISFIED)


def callback_schedule(*, complaint: Complaint) -> CallbackTask:
    """Precondition: inside the transaction that closed the complaint (row locked)."""
    now = clock.now()
    # A reopened-and-closed-again complaint has one pending callback, about the latest outcome.
    complaint.callbacks.filter(status=CallbackStatus.PENDING).update(
        status=CallbackStatus.CANCELLED
    )
    task = CallbackTask.objects.create(
        complaint=complaint,
        due_at=callback_rules.callback_due(now, settings.TOUSU_CALLBACK_DUE_HOURS),
        created_at=now,
    )
    event_record(
        complaint=complaint,
        type=EventType.CALLBACK_SCHEDULED,
        actor=None,
        # The task, for the survey message's one-time link (messages.triggers).
        data={"due_at": task.due_at.isoformat(), "task": task.pk},
    )
    return task


def _scores_clean(scores: dict[str, int], errors: FieldErrors) -> dict[str, int]:
    """The scores of known factors that are whole numbers 1 to 5; the others are errors."""
    clean: dict[str, int] = {}
    for key, value in scores.items():
        if key not in SCORE_FACTORS:
            errors.add("scores", _("Unknown score “%(key)s”") % {"key": key})
        elif not _is_score(value):
            errors.add("scores", _("%(key)s must be a whole number from 1 to 5") % {"key": key})
        else:
            clean[key] = value
    return clean


def _is_score(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5


def _reasons_clean(reasons: list[str], result: str, errors: FieldErrors) -> list[str]:
    """The coded reasons for dissatisfaction, each once, in the order of the code list."""
    unknown = [r for r in reasons if r not in DissatisfactionReason.values]
    if unknown:
        errors.add("reasons", one_of_message(DissatisfactionReason.values))
    if reasons and result not in REASONED_RESULTS:
        errors.add("reasons", _("Reasons for dissatisfaction need a not fully satisfied result"))
    return [r for r in DissatisfactionReason.values if r in reasons]


def _pending_task(complaint: Complaint) -> CallbackTask:
    task = complaint.callbacks.select_for_update().filter(status=CallbackStatus.PENDING).first()
    if task is None:
        raise ValidationFailed(_("No callback is due"))
    return task


def _attempt_add(
    task: CallbackTask, actor: User, outcome: str, note: str, now: dt.datetime
) -> CallbackAttempt:
    attempt = CallbackAttempt.objects.create(
        task=task, at=now, by=actor, outcome=outcome, note=note
    )
    task.attempt_count += 1
    return attempt


def _task_done(
    task: CallbackTask,
    complaint: Complaint,
    actor: User | None,
    *,
    result: str,
    data: dict[str, Any],
    now: dt.datetime,
) -> None:
    """The callback's end: the result on the task, the `callback` event, the webhook, and the
    signal after commit (the repair programme listens)."""
    task.status = CallbackStatus.DONE
    task.result = result
    task.done_by = actor
    task.done_at = now
    task.next_attempt_at = None
    task.save()
    event_record(
        complaint=complaint,
        type=EventType.CALLBACK,
        actor=actor,
        data=data,
        actor_name=None if actor is not None else "customer",
    )
    # The comment stays inside: the customer's own words may name people.
    hook = {k: v for k, v in data.items() if k not in ("comment", "note")}
    webhook_emit(event=EventType.CALLBACK, complaint=complaint, data=hook)
    transaction.on_commit(lambda: callback_recorded.send(sender=CallbackTask, task=task))


def _failed_attempt(
    task: CallbackTask, complaint: Complaint, actor: User, outcome: str, note: str
) -> None:
    """A call that did not reach the customer: the next try at another part of the day, or —
    at the configured number of failed calls — the callback done as unreachable."""
    now = clock.now()
    earlier = list(task.attempts.order_by("at", "pk").values_list("at", "outcome"))
    _attempt_add(task, actor, outcome, note, now)
    tried = [callback_rules.slot_of(at) for at, o in earlier if callback_rules.is_failed(o)]
    tried.append(callback_rules.slot_of(now))
    data: dict[str, Any] = {"attempt": outcome, "attempts": task.attempt_count}
    if note:
        data["note"] = note
    if len(tried) >= settings.TOUSU_CALLBACK_ATTEMPTS:
        event_record(complaint=complaint, type=EventType.CALLBACK_ATTEMPT, actor=actor, data=data)
        done: dict[str, Any] = {
            "result": CallbackResult.UNREACHABLE.value,
            "scores": {},
            "comment": note,
            "attempts": task.attempt_count,
        }
        _task_done(task, complaint, actor, result=CallbackResult.UNREACHABLE, data=done, now=now)
        return
    task.next_attempt_at = callback_rules.next_attempt_at(now, tried)
    task.save(update_fields=["attempt_count", "next_attempt_at"])
    data["next_attempt_at"] = task.next_attempt_at.isoformat()
    event_record(complaint=complaint, type=EventType.CALLBACK_ATTEMPT, actor=actor, data=data)


def _outcome_check(outcome: str, errors: FieldErrors) -> None:
    if outcome not in AttemptOutcome.values:
        errors.add("attempt", one_of_message(AttemptOutcome.values))
    elif not callback_rules.is_failed(outcome):
        errors.add("attempt", _("A call that reached the customer is recorded with its result"))


def callback_attempt_record(
    *, complaint: Complaint, actor: User, outcome: str, note: str = ""
) -> CallbackTask:
    """A call of the pending callback that did not reach the customer (no answer, busy,
    switched off, refused, wrong number), R8.1. The next try is scheduled at another part of
    the day; after settings.TOUSU_CALLBACK_ATTEMPTS failed calls the callback is done as
    unreachable."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        _require(permissions.can_callback(actor, complaint))
        rules.next_status("callback", complaint.status)
        task = _pending_task(complaint)
        errors = FieldErrors()
        _outcome_check(outcome, errors)
        text = clean_text(note or "")
        if len(text) > NOTE_MAX_CHARS:
            errors.add("note", too_long_message(NOTE_MAX_CHARS))
        errors.raise_if_any(_("The callback attempt has errors"))
        _failed_attempt(task, complaint, actor, outcome, text)
    return task


def complaint_callback_record(
    *,
    complaint: Complaint,
    actor: User,
    result: str,
    scores: dict[str, int] | None,
    comment: str = "",
    dissatisfied_action: str = DissatisfiedAction.REOPEN,
    overall: int | None = None,
    reasons: list[str] | None = None,
    attempt: str = "",
) -> CallbackTask:
    """Record the callback (R8.1): the call that reached the customer and what they said —
    the result, the factor scores, the overall score 1–5 and the coded reasons for
    dissatisfaction. Dissatisfied → reopened for the handler, or handed to the repair
    programme (R8.2). `unreachable` is a failed call (`attempt`, by default no answer): the
    callback ends as unreachable only at the configured number of failed calls."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        _require(permissions.can_callback(actor, complaint))
        rules.next_status("callback", complaint.status)
        task = _pending_task(complaint)
        errors = FieldErrors()
        if result not in CallbackResult.values:
            errors.add("result", one_of_message(CallbackResult.values))
        if dissatisfied_action not in DissatisfiedAction.values:
            errors.add("action", one_of_message(DissatisfiedAction.values))
        clean_scores = _scores_clean(scores or {}, errors)
        clean_reasons = _reasons_clean(list(reasons or []), result, errors)
        if overall is not None and not _is_score(overall):
            errors.add("overall", _("A whole number from 1 to 5"))
        unreachable = result == CallbackResult.UNREACHABLE
        if unreachable and (clean_scores or overall is not None):
            errors.add("scores", _("An unreachable customer gives no scores"))
        if unreachable:
            _outcome_check(attempt or AttemptOutcome.NO_ANSWER, errors)
        elif attempt and attempt != AttemptOutcome.REACHED:
            errors.add(
                "attempt", _("A result is recorded only for a call that reached the customer")
            )
        text = clean_text(comment or "")
        if len(text) > COMMENT_MAX_CHARS:
            errors.add("comment", too_long_message(COMMENT_MAX_CHARS))
        errors.raise_if_any(_("The callback record has errors"))
        if unreachable:
            _failed_attempt(task, complaint, actor, attempt or AttemptOutcome.NO_ANSWER, text)
            return task
        now = clock.now()
        _attempt_add(task, actor, AttemptOutcome.REACHED, "", now)
        for key in SCORE_FACTORS:
            setattr(task, key, clean_scores.get(key))
        task.overall = overall
        task.reasons = clean_reasons
        task.comment = text
        data: dict[str, Any] = {"result": result, "scores": clean_scores, "comment": text}
        if overall is not None:
            data["overall"] = overall
        if clean_reasons:
            data["dissatisfaction"] = clean_reasons
        _task_done(task, complaint, actor, result=result, data=data, now=now)
        if result == CallbackResult.DISSATISFIED:
            if dissatisfied_action == DissatisfiedAction.REOPEN:
                complaint_reopen_apply(
                    complaint,
                    status=rules.next_status("callback", complaint.status, alternative=True),
                    actor=actor,
                    reason=reason("callback.dissatisfied", comment=text)
                    if text
                    else reason("callback.dissatisfied_silent"),
                )
            else:
                complaint.needs_repair = True
                complaint.save(update_fields=["needs_repair", "updated_at"])
                event_record(
                    complaint=complaint, type=EventType.REPAIR_FLAGGED, actor=actor, data={}
                )
    assert complaint.status in (Status.CLOSED, Status.IN_PROGRESS)
    return task


def callback_answer_by_customer(
    *, task: CallbackTask, scores: dict[str, int], overall: int, comment: str = ""
) -> CallbackTask:
    """The customer answers the callback survey themselves, through the link sent to them
    (issue 17): their scores per factor, the overall score and a comment; the result follows
    the overall score (`rules.result_for_overall`), and a dissatisfied customer's complaint is
    reopened for the handler, as after a callback call. Once: a task already done (answered,
    or called) or cancelled is refused. Precondition: the caller checked the link."""
    with transaction.atomic():
        complaint = complaint_lock(task.complaint)
        rules.next_status("callback", complaint.status)
        task = complaint.callbacks.select_for_update().get(pk=task.pk)
        if task.status != CallbackStatus.PENDING:
            raise ValidationFailed(_("This survey has already been answered"))
        errors = FieldErrors()
        clean_scores = _scores_clean(scores, errors)
        if not _is_score(overall):
            errors.add("overall", _("A whole number from 1 to 5"))
        text = clean_text(comment or "")
        if len(text) > COMMENT_MAX_CHARS:
            errors.add("comment", too_long_message(COMMENT_MAX_CHARS))
        errors.raise_if_any(_("The callback record has errors"))
        result = callback_rules.result_for_overall(overall)
        for key in SCORE_FACTORS:
            setattr(task, key, clean_scores.get(key))
        task.overall = overall
        task.comment = text
        data: dict[str, Any] = {
            "result": result,
            "scores": clean_scores,
            "comment": text,
            "overall": overall,
            "by": "survey_link",
        }
        _task_done(task, complaint, None, result=result, data=data, now=clock.now())
        if result == CallbackResult.DISSATISFIED:
            complaint_reopen_apply(
                complaint,
                status=rules.next_status("callback", complaint.status, alternative=True),
                actor=None,
                actor_name="customer",
                reason=reason("callback.dissatisfied", comment=text)
                if text
                else reason("callback.dissatisfied_silent"),
            )
    return task


# ---- the reasons written above, in the reader's language (tousu.core.reasons) -----------------
# A reopening written before codes holds the Chinese text; `legacy` reads it back.
reason_kind(
    "callback.dissatisfied_silent",
    gettext_lazy("Dissatisfied at the callback"),
    legacy="回访不满意：dissatisfied",
)
reason_kind(
    "callback.dissatisfied",
    gettext_lazy("Dissatisfied at the callback: %(comment)s"),
    legacy="回访不满意：(?P<comment>.*)",
)
# ---- chasing callbacks (the job callbacks.chase) ------------------------------------------------

reason_kind("notice.callback_due", gettext_lazy("Callback %(number)s is due by %(due)s"))
reason_kind(
    "notice.callbacks_due",
    gettext_lazy("%(count)s callbacks are due by %(due)s, the first %(number)s"),
)
reason_kind(
    "notice.callback_overdue",
    gettext_lazy("Callback %(number)s is overdue since %(due)s (%(attempts)s calls so far)"),
)


def _claim(pks: Sequence[int], conditions: Q, **changes: object) -> list[CallbackTask]:
    """Claim the callbacks of `pks` that still meet `conditions` (D6): lock them, skipping
    rows another worker holds, and write `changes`, which take them out of `conditions`.
    Precondition: inside a transaction."""
    rows = list(
        CallbackTask.objects.select_for_update(skip_locked=True, no_key=True, of=("self",))
        .filter(conditions, pk__in=pks)
        .select_related("complaint")
        .order_by("pk")
    )
    if rows:
        CallbackTask.objects.filter(pk__in=[t.pk for t in rows]).update(**changes)
    return rows


def _due_text(moment: dt.datetime) -> str:
    return f"{clock.local(moment):%m-%d %H:%M}"


def callbacks_remind(*, pks: Sequence[int], now: dt.datetime) -> int:
    """Remind the callback team of the callbacks of `pks` falling due soon, once each: each
    member hears once per run, of those they may see (one callback by its number, several as
    a count). Returns how many callbacks were reminded. Precondition: inside a transaction."""
    lead = dt.timedelta(hours=settings.TOUSU_CALLBACK_REMIND_HOURS)
    rows = _claim(
        pks,
        Q(
            status=CallbackStatus.PENDING,
            reminded_at__isnull=True,
            due_at__gt=now,
            due_at__lte=now + lead,
        ),
        reminded_at=now,
    )
    if not rows:
        return 0
    drafts = []
    for member in selectors.callback_team_members():
        theirs = [t for t in rows if permissions.can_view(member, t.complaint)]
        if not theirs:
            continue
        first = min(theirs, key=lambda t: t.due_at)
        last = max(theirs, key=lambda t: t.due_at)
        if len(theirs) == 1:
            text = reason(
                "notice.callback_due", number=first.complaint.number, due=_due_text(first.due_at)
            )
            complaint: Complaint | None = first.complaint
        else:
            text = reason(
                "notice.callbacks_due",
                count=len(theirs),
                due=_due_text(last.due_at),
                number=first.complaint.number,
            )
            complaint = None
        drafts.append(NotificationDraft([member], NotificationKind.REMINDER, text, complaint))
    notify_many(drafts)
    return len(rows)


def callbacks_escalate(*, pks: Sequence[int], now: dt.datetime) -> int:
    """Tell the callback team's supervisors of the callbacks of `pks` past their due time,
    once each, with a `callback_overdue` event on the complaint's timeline. Returns how many.
    Precondition: inside a transaction."""
    # The timeline's chain needs its complaints locked (events_record). They are locked
    # before their callbacks, in the order the services lock them (complaint_lock, then the
    # callback): the other order could deadlock with an agent recording the callback.
    owners = CallbackTask.objects.filter(pk__in=pks).values_list("complaint_id", flat=True)
    locked = {
        c.pk: c
        for c in Complaint.objects.select_for_update(skip_locked=True, no_key=True)
        .filter(pk__in=list(owners))
        .order_by("pk")
    }
    rows = _claim(
        pks,
        Q(
            status=CallbackStatus.PENDING,
            due_at__lte=now,
            escalated_at__isnull=True,
            complaint__in=list(locked),
        ),
        escalated_at=now,
    )
    if not rows:
        return 0
    supervisors = selectors.callback_team_supervisors()
    notified = sorted(u.username for u in supervisors)
    drafts, events = [], []
    for task in rows:
        complaint = locked[task.complaint_id]
        text = reason(
            "notice.callback_overdue",
            number=complaint.number,
            due=_due_text(task.due_at),
            attempts=task.attempt_count,
        )
        drafts.append(NotificationDraft(supervisors, NotificationKind.OVERDUE, text, complaint))
        data = {
            "due_at": task.due_at.isoformat(),
            "attempts": task.attempt_count,
            "notified": notified,
        }
        events.append(EventDraft(complaint, EventType.CALLBACK_OVERDUE, data=data, at=now))
    notify_many(drafts)
    events_record(events)
    return len(rows)


# ---- survey import (`tousu import-survey`) -----------------------------------------------------

SURVEY_NAME_MAX_CHARS = 64
# How a survey file writes its times; without an offset they are Asia/Shanghai.
SURVEY_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")


@dataclass(frozen=True)
class SurveyRowError:
    """One problem of a survey file: its row as a spreadsheet numbers it (the header is row 1),
    the column, and what is wrong."""

    row: int
    column: str
    message: str


@dataclass
class SurveyImport:
    """What an import did: the file's batch (SHA-256), its data rows, how many responses and
    new customers it added — none when `errors` (all or nothing), or when the file was
    imported before (`repeated`)."""

    batch: str
    rows: int = 0
    added: int = 0
    customers_created: int = 0
    repeated: bool = False
    errors: list[SurveyRowError] = field(default_factory=list)


@dataclass
class _SurveyRow:
    row: int
    phone: str
    surveyed_at: dt.datetime
    overall: int
    scores: dict[str, int]
    name: str
    region: Region | None


def _survey_time(text: str) -> dt.datetime:
    value = text.strip()
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        for fmt in SURVEY_TIME_FORMATS:
            try:
                moment = dt.datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(value) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.SHANGHAI)
    if not clock.moment_in_range(moment) or moment > clock.now():
        raise ValueError(value)
    return moment


def _survey_header(header: list[str], errors: list[SurveyRowError]) -> list[str]:
    """The header's column names (trimmed, lower case); unknown, repeated or missing columns
    are errors of row 1."""
    columns = [h.strip().lower() for h in header]
    known = {*callback_rules.SURVEY_REQUIRED, *callback_rules.SURVEY_OPTIONAL, *SurveyFactor.values}
    for name in columns:
        if name not in known:
            errors.append(SurveyRowError(1, name, _("Unknown column")))
        elif columns.count(name) > 1:
            errors.append(SurveyRowError(1, name, _("Repeated column")))
    for name in callback_rules.SURVEY_REQUIRED:
        if name not in columns:
            errors.append(SurveyRowError(1, name, _("Missing column")))
    return columns


def _survey_row(
    number: int,
    cells: dict[str, str],
    regions: dict[str, Region],
    errors: list[SurveyRowError],
) -> _SurveyRow | None:
    found: list[SurveyRowError] = []

    def bad(column: str, message: str) -> None:
        found.append(SurveyRowError(number, column, message))

    phone = normalise_phone(cells.get("phone", ""))
    if phone is None:
        bad("phone", _("Not a mobile or landline number"))
    surveyed_at = None
    try:
        surveyed_at = _survey_time(cells.get("surveyed_at", ""))
    except ValueError:
        bad("surveyed_at", _("Not a past date and time such as 2026-11-20 09:30"))
    overall = None
    try:
        overall = callback_rules.score_parse(cells.get("overall", ""))
        if overall is None:
            bad("overall", required_message())
    except ValueError:
        bad("overall", _("A whole number from 1 to 5"))
    scores: dict[str, int] = {}
    for factor in SurveyFactor.values:
        try:
            score = callback_rules.score_parse(cells.get(factor, ""))
        except ValueError:
            bad(factor, _("A whole number from 1 to 5, or blank when not asked"))
            continue
        if score is not None:
            scores[factor] = score
    name = clean_text(cells.get("name", ""))
    if len(name) > SURVEY_NAME_MAX_CHARS:
        bad("name", too_long_message(SURVEY_NAME_MAX_CHARS))
    region = None
    if region_text := cells.get("region", "").strip():
        region = regions.get(region_text.lower())
        if region is None:
            bad("region", _("Unknown region"))
    errors.extend(found)
    if found or phone is None or surveyed_at is None or overall is None:
        return None
    return _SurveyRow(number, phone, surveyed_at, overall, scores, name, region)


def _survey_rows(data: bytes, errors: list[SurveyRowError]) -> tuple[list[_SurveyRow], int]:
    """The good rows of the file and how many data rows it has (blank lines aside)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        errors.append(SurveyRowError(0, "", _("The file is not UTF-8 text")))
        return [], 0
    lines = list(csv.reader(io.StringIO(text)))
    if not lines:
        errors.append(SurveyRowError(1, "", _("The file is empty")))
        return [], 0
    columns = _survey_header(lines[0], errors)
    regions: dict[str, Region] = {}
    for region in Region.objects.all():
        for key in (region.code, region.name, region.name_en):
            if key:
                regions[key.lower()] = region
    rows = []
    seen = 0
    for number, cells in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        seen += 1
        if len(cells) > len(columns):
            errors.append(SurveyRowError(number, "", _("More cells than columns")))
            continue
        row = _survey_row(number, dict(zip(columns, cells, strict=False)), regions, errors)
        if row is not None:
            rows.append(row)
    if not seen:
        errors.append(SurveyRowError(2, "", _("The file has no data rows")))
    return rows, seen


def survey_import(*, data: bytes) -> SurveyImport:
    """Import a satisfaction survey file (CSV, UTF-8; header: phone, surveyed_at, overall, one
    column per SurveyFactor code, optional name and region): a SurveyResponse per row, and the
    customer when the phone is new. All or nothing: a file with any bad row imports nothing
    and comes back with every problem (row, column, message). The same file twice adds nothing
    (batch = its SHA-256). `surveys_imported` is sent after commit."""
    batch = hashlib.sha256(data).hexdigest()
    result = SurveyImport(batch=batch)
    rows, result.rows = _survey_rows(data, result.errors)
    if result.errors:
        return result
    with transaction.atomic():
        if SurveyResponse.objects.filter(batch=batch).exists():
            result.repeated = True
            return result
        people: dict[str, tuple[str, Region | None]] = {}
        for row in rows:
            people.setdefault(row.phone, (row.name, row.region))
        customers, result.customers_created = customers_ensure(people=people)
        now = clock.now()
        SurveyResponse.objects.bulk_create(
            SurveyResponse(
                customer=customers[row.phone],
                surveyed_at=row.surveyed_at,
                overall=row.overall,
                scores=row.scores,
                batch=batch,
                row=row.row,
                created_at=now,
            )
            for row in rows
        )
        result.added = len(rows)
        added = result.added
        transaction.on_commit(
            lambda: surveys_imported.send(sender=SurveyResponse, batch=batch, count=added)
        )
    return result
