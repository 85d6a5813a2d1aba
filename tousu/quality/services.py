"""Writes of the quality app. Each is atomic; where a complaint is concerned its timeline gets
an event in the same transaction (D8), and the people concerned a notification (delivered
after commit); each validates first and changes nothing on error.

# Inspection
Sampling, scoring, the handler's appeal and its decision, calibration rounds.

# Corrective action
Opening one from a cluster, adding and doing its actions, the effectiveness check that closes
it, reopening one that did not work.

# Controlled documents
Issuing a version (in force on its effective day, superseding the one before) and
acknowledging the version in force.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tousu.accounts import permissions
from tousu.accounts.choices import Role
from tousu.accounts.models import Region, User
from tousu.callbacks.choices import CallbackResult
from tousu.callbacks.models import CallbackTask
from tousu.classification.models import Category
from tousu.complaints.choices import Channel, EventType, Level, Status
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.complaints.services import complaint_lock, event_record
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.core.errors import (
    FieldErrors,
    InvalidTransition,
    NotAllowed,
    date_range_message,
    one_of_message,
    required_message,
    too_long_message,
)
from tousu.core.reasons import choice, reason, reason_kind
from tousu.core.text import clean_text
from tousu.notifications.choices import NotificationKind
from tousu.notifications.services import NotificationDraft, notify_many
from tousu.quality import inspection_defaults as defaults
from tousu.quality import rules, selectors
from tousu.quality.choices import (
    MANDATORY_REASONS,
    AppealStatus,
    CapaKind,
    CapaSource,
    CapaStatus,
    InspectionStatus,
    SampleReason,
    VersionStatus,
)
from tousu.quality.models import (
    CalibrationRound,
    CapaAction,
    ControlledDocument,
    CorrectiveAction,
    DocumentAcknowledgement,
    DocumentVersion,
    Inspection,
    InspectionAppeal,
    InspectionScore,
    Objective,
    SamplingPlan,
    SamplingRun,
    ScoringItem,
    ScoringSheet,
)
from tousu.resolution.models import ConsistencyFlag, StandardClause
from tousu.sla.selectors import calendar_for

COMMENT_MAX_CHARS = 2_000
ITEM_COMMENT_MAX_CHARS = 500
# Statuses of a complaint whose handling can be inspected: there is an outcome to judge.
INSPECTABLE_STATUSES = (Status.RESOLVED, Status.CLOSED)
# How many complete periods back the mandatory kinds are swept again: a dissatisfied callback
# comes days after the complaint closed, possibly after its period's draw.
MANDATORY_LOOKBACK_PERIODS = 2

reason_kind(
    "notice.inspection_scored",
    gettext_lazy("Quality inspection of %(number)s: %(score)s points; appeal by %(due)s"),
)
reason_kind(
    "notice.inspection_appealed",
    gettext_lazy("Appeal of the inspection of %(number)s to decide"),
)
reason_kind(
    "notice.inspection_decided",
    gettext_lazy("Appeal of the inspection of %(number)s: %(result)s, %(score)s points"),
    result=choice(AppealStatus),
)


# ---- configuration: the default sheet and plan -------------------------------------------------


def objectives_load() -> int:
    """The complaint-handling objectives (S0) for the KPIs that have none yet; a target set in
    the admin is kept. Returns how many were created."""
    have = set(Objective.objects.values_list("kpi", flat=True))
    new = [
        Objective(kpi=kpi, direction=direction, target=target)
        for kpi, direction, target in defaults.DEFAULT_OBJECTIVES
        if kpi not in have
    ]
    Objective.objects.bulk_create(new)
    return len(new)


def sheet_defaults_load() -> int:
    """The default sheet (version 1) and sampling plan, when there are none yet; an edited
    sheet or plan is kept. Returns how many were created."""
    made = 0
    if not ScoringSheet.objects.filter(code=defaults.DEFAULT_SHEET_CODE).exists():
        sheet = ScoringSheet.objects.create(
            code=defaults.DEFAULT_SHEET_CODE, version=1, name=defaults.DEFAULT_SHEET_NAME
        )
        ScoringItem.objects.bulk_create(
            ScoringItem(
                sheet=sheet,
                code=item.code,
                title=item.title,
                title_en=item.title_en,
                guidance=item.guidance,
                weight=item.weight,
                max_points=defaults.DEFAULT_MAX_POINTS,
                fatal=item.fatal,
                sort=sort,
            )
            for sort, item in enumerate(defaults.DEFAULT_ITEMS)
        )
        made += 1
    if not SamplingPlan.objects.exists():
        SamplingPlan.objects.create(
            name=defaults.DEFAULT_PLAN_NAME,
            share=defaults.DEFAULT_PLAN_SHARE,
            minimum=defaults.DEFAULT_PLAN_MINIMUM,
            sheet_code=defaults.DEFAULT_SHEET_CODE,
        )
        made += 1
    return made


def sheet_current(code: str = defaults.DEFAULT_SHEET_CODE) -> ScoringSheet:
    """The newest active version of the sheet `code` (the default loaded when missing)."""
    sheet = ScoringSheet.objects.filter(code=code, active=True).order_by("-version").first()
    if sheet is None:
        sheet_defaults_load()
        sheet = ScoringSheet.objects.filter(code=code, active=True).order_by("-version").first()
    if sheet is None:
        raise InvalidTransition(_("No active scoring sheet %(code)s") % {"code": code})
    return sheet


def sheet_new_version(*, sheet: ScoringSheet) -> ScoringSheet:
    """A copy of `sheet` and its items as the next version of its code, to be edited (a sheet
    that scored something keeps its items: each score keeps the version it used). Active at
    once: new inspections take the newest active version."""
    with transaction.atomic():
        latest = (
            ScoringSheet.objects.select_for_update()
            .filter(code=sheet.code)
            .order_by("-version")
            .first()
        )
        assert latest is not None
        copy = ScoringSheet.objects.create(
            code=sheet.code, version=latest.version + 1, name=sheet.name, active=True
        )
        ScoringItem.objects.bulk_create(
            ScoringItem(
                sheet=copy,
                code=i.code,
                title=i.title,
                title_en=i.title_en,
                guidance=i.guidance,
                weight=i.weight,
                max_points=i.max_points,
                fatal=i.fatal,
                sort=i.sort,
            )
            for i in sheet.items.all()
        )
    return copy


# ---- tasks: by hand, by the sampling plan, for calibration --------------------------------------


def inspector_loads(plan: SamplingPlan | None = None) -> dict[int, int]:
    """Every active inspector (quality role) → their open tasks now; of a plan, those it
    names (all when it names none)."""
    people = User.objects.filter(is_active=True, role=Role.QUALITY)
    if plan is not None and plan.inspectors.exists():
        people = people.filter(pk__in=plan.inspectors.values("pk"))
    rows = people.annotate(
        n=Count("inspections_assigned", filter=Q(inspections_assigned__status="open"))
    ).values_list("pk", "n")
    return dict(rows)


def _task(
    complaint: Complaint,
    *,
    handled: selectors.Handled,
    sheet: ScoringSheet,
    reason: str,
    inspector_id: int,
    now: dt.datetime,
    actor: User | None = None,
    plan: SamplingPlan | None = None,
    period_start: dt.date | None = None,
    calibration: CalibrationRound | None = None,
) -> Inspection:
    return Inspection(
        complaint=complaint,
        sheet=sheet,
        reason=reason,
        plan=plan,
        period_start=period_start,
        calibration=calibration,
        inspector_id=inspector_id,
        # The person whose outcome is judged, not the handler dispatch assigned (who may never
        # have acted on it): rules.inspected_handler.
        handler_id=handled.handler_id,
        department_id=handled.department_id,
        created_at=now,
        created_by=actor,
        due_at=now + dt.timedelta(days=settings.TOUSU_INSPECTION_DUE_DAYS),
    )


def _inspectable(complaint: Complaint, errors: FieldErrors, field: str = "complaint") -> None:
    if complaint.duplicate_of_id is not None:
        # Closed as a duplicate (merged): no outcome of its own to judge — its original, which
        # was handled instead, is the one to inspect.
        errors.add(
            field,
            _("%(number)s was closed as a duplicate: inspect the complaint it was merged into")
            % {"number": complaint.number},
        )
    elif complaint.status not in INSPECTABLE_STATUSES:
        errors.add(
            field, _("%(number)s is not resolved or closed yet") % {"number": complaint.number}
        )


def inspection_create(
    *, actor: User, complaint: Complaint, inspector: User | None = None
) -> Inspection:
    """An inspection task for one handled complaint, chosen by hand: to `inspector`, or to
    the least loaded inspector. Refused while the complaint has an open task already."""
    if not permissions.can_inspect(actor):
        raise NotAllowed(_("Your role may not create inspections"))
    errors = FieldErrors()
    _inspectable(complaint, errors)
    if inspector is not None and not (inspector.is_active and inspector.role == Role.QUALITY):
        errors.add("inspector", _("Not an active quality inspector"))
    errors.raise_if_any(_("The inspection cannot be created"))
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        if Inspection.objects.filter(
            complaint=complaint, status=InspectionStatus.OPEN, calibration__isnull=True
        ).exists():
            raise InvalidTransition(_("This complaint already has an open inspection"))
        if inspector is None:
            chosen = rules.assign_by_load(inspector_loads(), 1)
            if not chosen:
                raise InvalidTransition(_("There is no active quality inspector"))
            inspector_id = chosen[0]
        else:
            inspector_id = inspector.pk
        task = _task(
            complaint,
            handled=selectors.inspected_handlers([complaint.pk])[complaint.pk],
            sheet=sheet_current(),
            reason=SampleReason.MANUAL,
            inspector_id=inspector_id,
            now=clock.now(),
            actor=actor,
        )
        task.save()
    return task


@dataclass(frozen=True)
class Draw:
    """A plan's sample of one period: complaint id → why it was picked."""

    period_start: dt.date
    period_end: dt.date
    picked: dict[int, str]


def _period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=SHANGHAI),
        dt.datetime.combine(end, dt.time(), tzinfo=SHANGHAI),
    )


def _closed_in(start: dt.date, end: dt.date) -> Q:
    low, high = _period_bounds(start, end)
    # Not those closed as duplicates (merged): they have no handling of their own to judge.
    return Q(
        status=Status.CLOSED, closed_at__gte=low, closed_at__lt=high, duplicate_of__isnull=True
    )


def mandatory_kinds(ids: Sequence[int], kinds: Iterable[str]) -> dict[int, str]:
    """Which of the complaints `ids` are of the mandatory `kinds`, each for the first kind it
    is (MANDATORY_REASONS order): one query per kind."""
    wanted = set(kinds)
    found: dict[int, str] = {}
    for kind in MANDATORY_REASONS:
        if kind not in wanted:
            continue
        qs = Complaint.objects.filter(pk__in=ids)
        if kind == SampleReason.OVER_LEVEL:
            escalated = ComplaintEvent.objects.filter(type=EventType.ESCALATED).values("complaint")
            qs = qs.filter(Q(level=Level.OVER_LEVEL) | Q(pk__in=escalated))
        elif kind == SampleReason.REOPENED:
            reopened = ComplaintEvent.objects.filter(type=EventType.REOPENED).values("complaint")
            qs = qs.filter(pk__in=reopened)
        elif kind == SampleReason.OUT_OF_STANDARD:
            qs = qs.filter(pk__in=ConsistencyFlag.objects.values("complaint"))
        else:
            dissatisfied = CallbackTask.objects.filter(result=CallbackResult.DISSATISFIED)
            qs = qs.filter(pk__in=dissatisfied.values("complaint"))
        for pk in qs.values_list("pk", flat=True):
            found.setdefault(pk, kind)
    return found


def plan_draw(plan: SamplingPlan, period_start: dt.date) -> Draw:
    """The plan's sample of the period starting `period_start`, from the data alone: every
    complaint closed then of a mandatory kind, plus, per handler, `share` (at least
    `minimum`) of their other complaints closed then, drawn from the plan's seed, the period
    and the handler. The same seed and the same data give the same sample."""
    end = period_start + dt.timedelta(days=plan.period_days)
    ids = list(Complaint.objects.filter(_closed_in(period_start, end)).values_list("pk", flat=True))
    # Each handler's share is of the complaints they handled (the ones they would be scored
    # for), not of those dispatch assigned them; nobody handled: nothing to inspect.
    handled = selectors.inspected_handlers(ids)
    rows = [(pk, h.handler_id) for pk, h in handled.items() if h.handler_id is not None]
    picked = mandatory_kinds([pk for pk, _h in rows], plan.mandatory())
    by_handler: dict[int, list[int]] = {}
    for pk, handler_id in rows:
        by_handler.setdefault(handler_id, []).append(pk)
    for handler_id, ids in sorted(by_handler.items()):
        others = [pk for pk in ids if pk not in picked]
        size = rules.sample_size(len(ids), len(others), plan.share, plan.minimum)
        seed = f"{plan.seed}:{period_start.isoformat()}:{handler_id}"
        for pk in rules.sample_draw(others, size, seed):
            picked[pk] = SampleReason.RANDOM
    return Draw(period_start, end, picked)


def _tasks_create(
    plan: SamplingPlan, picked: Mapping[int, str], period_start: dt.date, now: dt.datetime
) -> int:
    """Tasks for the picked complaints the plan has not sampled yet, spread over the
    inspectors by load. Precondition: inside `transaction.atomic`."""
    done = set(
        Inspection.objects.filter(plan=plan, complaint__in=list(picked)).values_list(
            "complaint", flat=True
        )
    )
    fresh = sorted(pk for pk in picked if pk not in done)
    if not fresh:
        return 0
    inspectors = rules.assign_by_load(inspector_loads(plan), len(fresh))
    if not inspectors:
        return 0
    sheet = sheet_current(plan.sheet_code)
    complaints = Complaint.objects.in_bulk(fresh)
    handled = selectors.inspected_handlers(fresh)
    Inspection.objects.bulk_create(
        _task(
            complaints[pk],
            handled=handled[pk],
            sheet=sheet,
            reason=picked[pk],
            inspector_id=inspector_id,
            now=now,
            plan=plan,
            period_start=period_start,
        )
        for pk, inspector_id in zip(fresh, inspectors, strict=True)
    )
    return len(fresh)


def plan_sample(*, plan: SamplingPlan, now: dt.datetime | None = None) -> dict[str, int]:
    """Run the plan as of `now`: draw the last complete period once (its SamplingRun row
    claims it), and sweep the periods before for mandatory complaints that became so late (a
    dissatisfied callback after the draw). Idempotent: a second run, or a second worker,
    creates nothing twice (a complaint is sampled once per plan, a constraint)."""
    now = now or clock.now()
    if not inspector_loads(plan):
        return {"drawn": 0, "mandatory_late": 0}
    current, _end = rules.period_of(clock.local(now).date(), plan.period_days)
    last = current - dt.timedelta(days=plan.period_days)
    drawn = 0
    try:
        with transaction.atomic():
            run = SamplingRun.objects.create(
                plan=plan, period_start=last, period_end=current, ran_at=now
            )
            draw = plan_draw(plan, last)
            drawn = _tasks_create(plan, draw.picked, last, now)
            run.counts = _reason_counts(draw.picked)
            run.save(update_fields=["counts"])
    except IntegrityError:
        drawn = 0  # another run drew this period
    late = 0
    for back in range(1, MANDATORY_LOOKBACK_PERIODS + 1):
        start = last - dt.timedelta(days=back * plan.period_days)
        end = start + dt.timedelta(days=plan.period_days)
        if not SamplingRun.objects.filter(plan=plan, period_start=start).exists():
            continue  # never drawn: nothing to top up (the plan started after it)
        ids = list(Complaint.objects.filter(_closed_in(start, end)).values_list("pk", flat=True))
        picked = mandatory_kinds(ids, plan.mandatory())
        try:
            with transaction.atomic():
                late += _tasks_create(plan, picked, start, now)
        except IntegrityError:
            pass  # a concurrent run created them
    return {"drawn": drawn, "mandatory_late": late}


def _reason_counts(picked: Mapping[int, str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind in picked.values():
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def calibration_create(
    *, actor: User, name: str, complaints: Sequence[Complaint], inspectors: Sequence[User]
) -> CalibrationRound:
    """A calibration round: each inspector gets a task for each of the complaints, on the
    current sheet; `name` may be empty (the round reads as its month in each language). Its
    scores are about the inspectors: nobody is notified, nothing appealed."""
    if not permissions.can_inspect(actor):
        raise NotAllowed(_("Your role may not start a calibration round"))
    errors = FieldErrors()
    title = clean_text(name or "")  # empty: the round is called after its month (`title`)
    if len(title) > 80:
        errors.add("name", too_long_message(80))
    if not complaints:
        errors.add("complaints", required_message())
    for c in complaints:
        _inspectable(c, errors, "complaints")
    people = {u.pk: u for u in inspectors}
    if len(people) < 2:
        errors.add("inspectors", _("At least two inspectors"))
    if any(not (u.is_active and u.role == Role.QUALITY) for u in people.values()):
        errors.add("inspectors", _("Not an active quality inspector"))
    errors.raise_if_any(_("The calibration round cannot be started"))
    now = clock.now()
    with transaction.atomic():
        sheet = sheet_current()
        round_ = CalibrationRound.objects.create(
            name=title, sheet=sheet, created_by=actor, created_at=now
        )
        handled = selectors.inspected_handlers(c.pk for c in complaints)
        Inspection.objects.bulk_create(
            _task(
                c,
                handled=handled[c.pk],
                sheet=sheet,
                reason=SampleReason.CALIBRATION,
                inspector_id=pk,
                now=now,
                actor=actor,
                calibration=round_,
            )
            for c in {c.pk: c for c in complaints}.values()
            for pk in sorted(people)
        )
    return round_


# ---- scoring -----------------------------------------------------------------------------------


def _points_check(
    items: Sequence[ScoringItem],
    points: Mapping[str, object],
    comments: Mapping[str, object],
    errors: FieldErrors,
) -> tuple[dict[str, int], dict[str, str]]:
    """Every item of the sheet scored with a whole number within its scale, nothing else;
    comments only on the sheet's items."""
    known = {item.code: item for item in items}
    clean: dict[str, int] = {}
    for code in points:
        if code not in known:
            errors.add(f"scores.{code}", one_of_message(known))
    for code, item in known.items():
        value = points.get(code)
        if value is None or value == "":
            errors.add(f"scores.{code}", required_message())
        elif (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not (0 <= value <= item.max_points)
        ):
            errors.add(
                f"scores.{code}",
                _("A whole number from 0 to %(max)s") % {"max": item.max_points},
            )
        else:
            clean[code] = value
    notes: dict[str, str] = {}
    for code, text in comments.items():
        if code not in known:
            errors.add(f"comments.{code}", one_of_message(known))
            continue
        note = clean_text(str(text or ""))
        if len(note) > ITEM_COMMENT_MAX_CHARS:
            errors.add(f"comments.{code}", too_long_message(ITEM_COMMENT_MAX_CHARS))
        notes[code] = note
    return clean, notes


def _item_rules(items: Sequence[ScoringItem]) -> list[rules.ItemRule]:
    return [rules.ItemRule(i.code, i.weight, i.max_points, i.fatal) for i in items]


def _comment(text: str, errors: FieldErrors, field: str = "comment") -> str:
    clean = clean_text(text or "")
    if len(clean) > COMMENT_MAX_CHARS:
        errors.add(field, too_long_message(COMMENT_MAX_CHARS))
    return clean


def _locked(inspection: Inspection) -> Inspection:
    return Inspection.objects.select_for_update().select_related("complaint").get(pk=inspection.pk)


def _event(inspection: Inspection, type: str, actor: User, data: dict[str, object]) -> None:
    """The complaint's timeline hears of its inspection (not of calibration rounds)."""
    if inspection.calibration_id is not None:
        return
    event_record(
        complaint=complaint_lock(inspection.complaint),
        type=type,
        actor=actor,
        data={"inspection": inspection.pk, **data},
    )


def inspection_score(
    *,
    inspection: Inspection,
    actor: User,
    points: Mapping[str, object],
    comments: Mapping[str, object] | None = None,
    comment: str = "",
) -> Inspection:
    """Score an open task: every item of its sheet within its scale (else 422, nothing
    saved), the total from `rules.score_total`. Only its inspector (403), only once (409).
    The handler is told, with the deadline to appeal."""
    with transaction.atomic():
        inspection = _locked(inspection)
        if not permissions.can_score_inspection(actor, inspection):
            raise NotAllowed(_("This inspection is assigned to someone else"))
        if inspection.status != InspectionStatus.OPEN:
            raise InvalidTransition(_("This inspection is scored already"))
        items = list(inspection.sheet.items.all())
        errors = FieldErrors()
        clean, notes = _points_check(items, points, comments or {}, errors)
        text = _comment(comment, errors)
        errors.raise_if_any(_("The scores have errors"))
        result = rules.score_total(_item_rules(items), clean)
        InspectionScore.objects.bulk_create(
            InspectionScore(
                inspection=inspection, item=i, points=clean[i.code], comment=notes.get(i.code, "")
            )
            for i in items
        )
        now = clock.now()
        inspection.status = InspectionStatus.SCORED
        inspection.scored_at = now
        inspection.total = result.total
        inspection.fatal = result.fatal
        inspection.comment = text
        if inspection.calibration_id is None:
            inspection.appeal_due_at = rules.appeal_deadline(
                now, settings.TOUSU_INSPECTION_APPEAL_DAYS, calendar_for(None)
            )
        inspection.save()
        _event(
            inspection,
            EventType.INSPECTED,
            actor,
            {"quality_score": str(result.total), "comment": text},
        )
        if inspection.calibration_id is None and inspection.handler_id:
            _notify(
                [inspection.handler],
                inspection,
                reason(
                    "notice.inspection_scored",
                    number=inspection.complaint.number,
                    score=str(result.total),
                    due=clock.local(inspection.appeal_due_at).strftime("%Y-%m-%d %H:%M")
                    if inspection.appeal_due_at
                    else "",
                ),
            )
    return inspection


def _notify(users: Iterable[User | None], inspection: Inspection, text: dict[str, object]) -> None:
    notify_many(
        [
            NotificationDraft(
                [u for u in users if u is not None],
                NotificationKind.INSPECTION,
                text,
                inspection.complaint,
            )
        ]
    )


# ---- the handler's appeal and its decision -----------------------------------------------------


def _points_of(inspection: Inspection) -> dict[str, int]:
    return {s.item.code: s.points for s in inspection.scores.select_related("item")}


def inspection_appeal(*, inspection: Inspection, actor: User, reason_text: str) -> InspectionAppeal:
    """The handler appeals the score with a reason, until the deadline (after: 409, nothing
    changes). Once per inspection. The other inspectors are asked to decide."""
    with transaction.atomic():
        inspection = _locked(inspection)
        if not permissions.can_appeal_inspection(actor, inspection):
            raise NotAllowed(_("Only the handler whose handling was scored may appeal"))
        if inspection.status != InspectionStatus.SCORED or inspection.appeal_due_at is None:
            raise InvalidTransition(_("Only a score given to a handler may be appealed"))
        if InspectionAppeal.objects.filter(inspection=inspection).exists():
            raise InvalidTransition(_("This score has been appealed already"))
        if clock.now() > inspection.appeal_due_at:
            raise InvalidTransition(
                _("The time to appeal ended on %(due)s")
                % {"due": clock.local(inspection.appeal_due_at).strftime("%Y-%m-%d %H:%M")}
            )
        errors = FieldErrors()
        text = _comment(reason_text, errors, "reason")
        if not text:
            errors.add("reason", _("Say why the score is wrong"))
        errors.raise_if_any(_("The appeal has errors"))
        assert inspection.total is not None
        appeal = InspectionAppeal.objects.create(
            inspection=inspection,
            by=actor,
            reason=text,
            created_at=clock.now(),
            total_before=inspection.total,
            points_before=_points_of(inspection),
        )
        _event(inspection, EventType.INSPECTION_APPEALED, actor, {"reason": text})
        _notify(
            selectors.appeal_deciders(inspection),
            inspection,
            reason("notice.inspection_appealed", number=inspection.complaint.number),
        )
    return appeal


def appeal_decide(
    *,
    inspection: Inspection,
    actor: User,
    upheld: bool,
    note: str,
    points: Mapping[str, object] | None = None,
    comments: Mapping[str, object] | None = None,
) -> InspectionAppeal:
    """Decide a pending appeal: another inspector than the one who scored (403). Upheld, the
    revised item scores (the whole sheet, checked as when scoring) give the new total; both
    are kept on the appeal. Rejected, the score stands. A reason either way."""
    with transaction.atomic():
        inspection = _locked(inspection)
        appeal = InspectionAppeal.objects.select_for_update().filter(inspection=inspection).first()
        if appeal is None or appeal.status != AppealStatus.PENDING:
            raise InvalidTransition(_("There is no pending appeal of this score"))
        if not permissions.can_decide_appeal(actor, inspection):
            raise NotAllowed(_("Another inspector than the one who scored decides the appeal"))
        items = list(inspection.sheet.items.all())
        errors = FieldErrors()
        text = _comment(note, errors, "note")
        if not text:
            errors.add("note", _("Say why"))
        clean: dict[str, int] = {}
        notes: dict[str, str] = {}
        if upheld:
            clean, notes = _points_check(items, points or {}, comments or {}, errors)
        errors.raise_if_any(_("The decision has errors"))
        now = clock.now()
        appeal.status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
        appeal.decided_by = actor
        appeal.decided_at = now
        appeal.decision_note = text
        if upheld:
            result = rules.score_total(_item_rules(items), clean)
            for score in inspection.scores.select_related("item"):
                score.points = clean[score.item.code]
                if notes.get(score.item.code):
                    score.comment = notes[score.item.code]
                score.save(update_fields=["points", "comment"])
            inspection.total = result.total
            inspection.fatal = result.fatal
            inspection.save(update_fields=["total", "fatal"])
            appeal.points_after = clean
        appeal.total_after = inspection.total
        appeal.save()
        _event(
            inspection,
            EventType.APPEAL_DECIDED,
            actor,
            {"appeal": appeal.status, "quality_score": str(inspection.total), "reason": text},
        )
        _notify(
            [inspection.handler, inspection.inspector],
            inspection,
            reason(
                "notice.inspection_decided",
                number=inspection.complaint.number,
                result=appeal.status,
                score=str(inspection.total),
            ),
        )
    return appeal


TEXT_MAX_CHARS = 2_000
TITLE_MAX_CHARS = 120
ACTION_MAX_CHARS = 200
VERIFY_DAYS_MIN = 7
VERIFY_DAYS_MAX = 180
COMPLAINTS_MAX = 500
# How far ahead a due day may be set.
DUE_DAYS_MAX = 3 * 366


def due_error(due_on: dt.date | None, today: dt.date) -> str | None:
    """Why a due day is refused: missing, past, or further than DUE_DAYS_MAX ahead."""
    if due_on is None:
        return required_message()
    latest = today + dt.timedelta(days=DUE_DAYS_MAX)
    if not today <= due_on <= latest:
        return date_range_message(today, latest)
    return None


# ---- Corrective action -----------------------------------------------------------------------


@dataclass(frozen=True)
class ActionDraft:
    title: str
    owner: User | None
    due_on: dt.date | None


@dataclass(frozen=True)
class _Action:
    """A draft that passed the checks."""

    title: str
    owner: User
    due_on: dt.date


def _text(value: str, field: str, limit: int, errors: FieldErrors, *, required: bool) -> str:
    clean = clean_text(value or "")
    if required and not clean:
        errors.add(field, required_message())
    elif len(clean) > limit:
        errors.add(field, too_long_message(limit, len(clean)))
    return clean


def _action_errors(
    drafts: Sequence[ActionDraft], errors: FieldErrors, today: dt.date, prefix: str = "actions"
) -> list[_Action]:
    """The drafts cleaned, their problems added to `errors` under `actions[i].title` …, or
    under `title` … with no prefix (one action)."""
    clean = []
    for i, d in enumerate(drafts):
        at = f"{prefix}[{i}]." if prefix else ""
        title = _text(d.title, f"{at}title", ACTION_MAX_CHARS, errors, required=True)
        if d.owner is None or not d.owner.is_active:
            errors.add(f"{at}owner", _("An active member of staff"))
        if problem := due_error(d.due_on, today):
            errors.add(f"{at}due_on", problem)
        if d.owner is not None and d.due_on is not None:
            clean.append(_Action(title, d.owner, d.due_on))
    return clean


def capa_open(
    *,
    actor: User,
    title: str,
    source: str,
    root_cause: str,
    owner: User | None,
    due_on: dt.date | None,
    kind: str = CapaKind.CORRECTIVE,
    source_ref: str = "",
    category: Category | None = None,
    region: Region | None = None,
    channel: str = "",
    clause_code: str = "",
    complaints: Sequence[Complaint] = (),
    actions: Sequence[ActionDraft] = (),
    verify_after_days: int = 30,
) -> CorrectiveAction:
    """Open a corrective action on a slice (category/region/channel) or a standard clause,
    with the complaints chosen from its cluster and its first actions."""
    if not permissions.can_manage_capa(actor):
        raise NotAllowed(_("Your role may not open corrective actions"))
    today = selectors.today()
    errors = FieldErrors()
    title = _text(title, "title", TITLE_MAX_CHARS, errors, required=True)
    root_cause = _text(root_cause, "root_cause", TEXT_MAX_CHARS, errors, required=True)
    source_ref = clean_text(source_ref or "")[:120]
    if kind not in CapaKind.values:
        errors.add("kind", one_of_message(CapaKind.values))
    if source not in CapaSource.values:
        errors.add("source", one_of_message(CapaSource.values))
    if channel and channel not in Channel.values:
        errors.add("channel", one_of_message(Channel.values))
    if clause_code and not StandardClause.objects.filter(code=clause_code).exists():
        errors.add("clause", _("No such standard clause"))
    if clause_code and (category or region or channel):
        errors.add("clause", _("A clause-based action has no other slice"))
    if not (clause_code or category or region or channel):
        errors.add(
            "category", _("Name the slice it targets: a category, region, channel or clause")
        )
    if owner is None or not owner.is_active:
        errors.add("owner", _("An active member of staff"))
    if problem := due_error(due_on, today):
        errors.add("due_on", problem)
    if not VERIFY_DAYS_MIN <= verify_after_days <= VERIFY_DAYS_MAX:
        errors.add(
            "verify_after_days",
            _("From %(low)s to %(high)s days") % {"low": VERIFY_DAYS_MIN, "high": VERIFY_DAYS_MAX},
        )
    if len(complaints) > COMPLAINTS_MAX:
        errors.add("complaints", _("At most %(n)s complaints") % {"n": COMPLAINTS_MAX})
    drafts = _action_errors(actions, errors, today)
    errors.raise_if_any(_("The corrective action has errors"))
    assert owner is not None
    assert due_on is not None
    now = clock.now()
    with transaction.atomic():
        capa = CorrectiveAction.objects.create(
            title=title,
            kind=kind,
            source=source,
            source_ref=source_ref,
            category=category,
            region=region,
            channel=channel,
            clause_code=clause_code,
            root_cause=root_cause,
            owner=owner,
            due_on=due_on,
            verify_after_days=verify_after_days,
            opened_by=actor,
            opened_at=now,
        )
        capa.complaints.set(complaints)
        _actions_create(capa, drafts, now)
    return capa


def _end_of(day: dt.date) -> dt.datetime:
    """The last moment of an Asia/Shanghai day (the due time of a due day)."""
    return dt.datetime.combine(day, dt.time(23, 59), tzinfo=SHANGHAI)


def _actions_create(capa: CorrectiveAction, drafts: Sequence[_Action], now: dt.datetime) -> None:
    CapaAction.objects.bulk_create(
        CapaAction(
            capa=capa,
            title=d.title,
            owner=d.owner,
            due_on=d.due_on,
            due_at=_end_of(d.due_on),
            created_at=now,
        )
        for d in drafts
    )


def _capa_locked(capa: CorrectiveAction) -> CorrectiveAction:
    return CorrectiveAction.objects.select_for_update().get(pk=capa.pk)


def capa_action_add(
    *, capa: CorrectiveAction, actor: User, title: str, owner: User | None, due_on: dt.date | None
) -> CapaAction:
    """Another action on an open corrective action (a reopened one gets its new actions so)."""
    errors = FieldErrors()
    drafts = _action_errors([ActionDraft(title, owner, due_on)], errors, selectors.today(), "")
    with transaction.atomic():
        capa = _capa_locked(capa)
        if not permissions.can_act_capa(actor, capa):
            raise NotAllowed(_("You may not act on this corrective action"))
        if capa.status != CapaStatus.OPEN:
            raise InvalidTransition(_("Actions are added to an open corrective action only"))
        errors.raise_if_any(_("The action has errors"))
        [draft] = drafts
        return CapaAction.objects.create(
            capa=capa, title=draft.title, owner=draft.owner, due_on=draft.due_on,
            due_at=_end_of(draft.due_on), created_at=clock.now(),
        )  # fmt: skip


def capa_action_done(*, action: CapaAction, actor: User, note: str = "") -> CapaAction:
    """Record an action done. The last one done puts the corrective action in ACTIONS_DONE:
    its effect is watched from the next day for `verify_after_days` days."""
    errors = FieldErrors()
    text = _text(note, "note", TEXT_MAX_CHARS, errors, required=False)
    errors.raise_if_any(_("The action has errors"))
    with transaction.atomic():
        capa = _capa_locked(action.capa)
        action = CapaAction.objects.select_for_update().get(pk=action.pk)
        if not permissions.can_do_capa_action(actor, action):
            raise NotAllowed(_("You may not act on this corrective action"))
        if capa.status != CapaStatus.OPEN:
            raise InvalidTransition(_("The corrective action is not open"))
        if action.done_at is not None:
            raise InvalidTransition(_("This action is done already"))
        now = clock.now()
        action.done_at = now
        action.note = text
        action.save(update_fields=["done_at", "note"])
        if not capa.actions.filter(done_at__isnull=True).exists():
            capa.status = CapaStatus.ACTIONS_DONE
            capa.actions_done_on = clock.local(now).date()
            periods = selectors.capa_periods(capa)
            assert periods is not None
            capa.verify_from = dt.datetime.combine(
                periods.verifiable_on, dt.time(), tzinfo=SHANGHAI
            )
            capa.save(update_fields=["status", "actions_done_on", "verify_from"])
    return action


def capa_verify(*, capa: CorrectiveAction, actor: User) -> CorrectiveAction:
    """The effectiveness check: once the watched period after the actions is over, compare
    the slice's rate with the period before (from the count tables) and close the corrective
    action as effective or not. Before that day: an error, and nothing changes."""
    if not permissions.can_manage_capa(actor) and actor.pk != capa.owner_id:
        raise NotAllowed(_("Your role may not verify corrective actions"))
    with transaction.atomic():
        capa = _capa_locked(capa)
        if capa.status != CapaStatus.ACTIONS_DONE:
            raise InvalidTransition(
                _("Only a corrective action whose actions are all done can be verified")
            )
        measured = selectors.capa_measure(capa)
        assert measured is not None
        today = selectors.today()
        if today < measured.periods.verifiable_on:
            raise InvalidTransition(
                _("The effect is watched until %(day)s: verify from %(next)s")
                % {
                    "day": measured.periods.after_last.isoformat(),
                    "next": measured.periods.verifiable_on.isoformat(),
                }
            )
        result = rules.effect(
            before=measured.before,
            after=measured.after,
            exposure_before=measured.exposure_before,
            exposure_after=measured.exposure_after,
        )
        p = measured.periods
        capa.result = {
            **result.as_json(),
            "unit": measured.unit,
            "days": p.days,
            "before_first": p.before_first.isoformat(),
            "before_last": p.before_last.isoformat(),
            "after_first": p.after_first.isoformat(),
            "after_last": p.after_last.isoformat(),
            "reason": rules.verdict_reason(result),
            "previous": (capa.result or {}).get("previous", []),
        }
        capa.status = (
            CapaStatus.CLOSED_EFFECTIVE if result.effective else CapaStatus.CLOSED_NOT_EFFECTIVE
        )
        capa.verified_at = clock.now()
        capa.verified_by = actor
        capa.save(update_fields=["result", "status", "verified_at", "verified_by"])
    return capa


def capa_reopen(
    *, capa: CorrectiveAction, actor: User, actions: Sequence[ActionDraft]
) -> CorrectiveAction:
    """Reopen a corrective action that did not work, with the new actions to take; the
    check's figures so far are kept as the previous result."""
    if not permissions.can_manage_capa(actor):
        raise NotAllowed(_("Your role may not reopen corrective actions"))
    errors = FieldErrors()
    drafts = _action_errors(actions, errors, selectors.today())
    if not drafts:
        errors.add("actions", _("Give the new actions"))
    with transaction.atomic():
        capa = _capa_locked(capa)
        if capa.status != CapaStatus.CLOSED_NOT_EFFECTIVE:
            raise InvalidTransition(_("Only a corrective action that did not work is reopened"))
        errors.raise_if_any(_("The corrective action cannot be reopened"))
        previous = dict(capa.result or {})
        history = previous.pop("previous", [])
        capa.result = {"previous": [*history, previous]}
        capa.status = CapaStatus.OPEN
        capa.actions_done_on = None
        capa.verify_from = None
        capa.verified_at = None
        capa.verified_by = None
        capa.times_reopened += 1
        capa.save()
        _actions_create(capa, drafts, clock.now())
    return capa


# ---- Controlled documents --------------------------------------------------------------------


def document_version_issue(
    *,
    document: ControlledDocument,
    actor: User,
    author: User,
    text: str,
    change_note: str,
    effective_from: dt.date,
    review_by: dt.date,
) -> DocumentVersion:
    """Issue (approve) the next version of a document, `actor` approving. It is in force at
    once when its effective day has come (the one in force before is superseded, kept);
    otherwise the job `quality.documents_activate` puts it in force on that day."""
    if not permissions.can_issue_document(actor):
        raise NotAllowed(_("Your role may not issue controlled documents"))
    errors = FieldErrors()
    body = (text or "").strip()
    if not body:
        errors.add("text", required_message())
    note = _text(change_note, "change_note", 300, errors, required=False)
    if review_by <= effective_from:
        errors.add("review_by", _("After the effective day"))
    errors.raise_if_any(_("The document version has errors"))
    with transaction.atomic():
        document = ControlledDocument.objects.select_for_update().get(pk=document.pk)
        last = document.versions.order_by("-number").first()
        if last is not None and effective_from < last.effective_from:
            raise InvalidTransition(_("A new version takes effect after the one before"))
        version = DocumentVersion.objects.create(
            document=document,
            number=(last.number + 1) if last else 1,
            text=body,
            change_note=note,
            author=author,
            approver=actor,
            approved_at=clock.now(),
            effective_from=effective_from,
            review_by=review_by,
        )
        if effective_from <= selectors.today():
            _put_in_force(version)
    return version


def _put_in_force(version: DocumentVersion) -> None:
    """Supersede the version in force (if any) and put `version` in its place (inside the
    document's lock)."""
    now = clock.now()
    DocumentVersion.objects.filter(
        document=version.document_id, status=VersionStatus.IN_FORCE
    ).update(status=VersionStatus.SUPERSEDED, superseded_at=now)
    # Versions approved for earlier days that never came into force are passed over too.
    DocumentVersion.objects.filter(
        document=version.document_id, status=VersionStatus.APPROVED, number__lt=version.number
    ).update(status=VersionStatus.SUPERSEDED, superseded_at=now)
    DocumentVersion.objects.filter(pk=version.pk).update(status=VersionStatus.IN_FORCE)
    version.status = VersionStatus.IN_FORCE


def documents_activate() -> dict[str, int]:
    """Put in force the approved versions whose effective day has come (the latest one of each
    document). Idempotent: an in-force version is not approved any more."""
    today = selectors.today()
    due = DocumentVersion.objects.filter(
        status=VersionStatus.APPROVED, effective_from__lte=today
    ).order_by("document", "-number")
    done = 0
    for document_id in sorted(set(due.values_list("document", flat=True))):
        with transaction.atomic():
            ControlledDocument.objects.select_for_update().get(pk=document_id)
            latest = due.filter(document=document_id).first()
            if latest is not None:
                _put_in_force(latest)
                done += 1
    return {"activated": done}


def document_acknowledge(
    *, document: ControlledDocument, user: User, version: int | None = None
) -> DocumentAcknowledgement:
    """The user has read the version in force. `version`, when given, must be that version:
    acknowledging a superseded (or not yet valid) one is refused. Twice is once."""
    current = document.versions.filter(status=VersionStatus.IN_FORCE).first()
    if current is None:
        raise InvalidTransition(_("No version of this document is in force"))
    if version is not None and version != current.number:
        raise InvalidTransition(
            _("Version %(given)s is not in force; version %(current)s is")
            % {"given": version, "current": current.number}
        )
    existing = DocumentAcknowledgement.objects.filter(version=current, user=user).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return DocumentAcknowledgement.objects.create(
                version=current, user=user, at=clock.now()
            )
    except IntegrityError:
        # Acknowledged at the same moment in another request: the first stands.
        return DocumentAcknowledgement.objects.get(version=current, user=user)
