"""Writes of the quality app. Each is atomic, validates first and changes nothing on error.

# Corrective action
Opening one from a cluster, adding and doing its actions, the effectiveness check that closes
it, reopening one that did not work.

# Controlled documents
Issuing a version (in force on its effective day, superseding the one before) and
acknowledging the version in force.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tousu.accounts import permissions
from tousu.accounts.models import Region, User
from tousu.classification.models import Category
from tousu.complaints.choices import Channel
from tousu.complaints.models import Complaint
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
from tousu.core.text import clean_text
from tousu.quality import rules, selectors
from tousu.quality.choices import CapaKind, CapaSource, CapaStatus, VersionStatus
from tousu.quality.models import (
    CapaAction,
    ControlledDocument,
    CorrectiveAction,
    DocumentAcknowledgement,
    DocumentVersion,
)
from tousu.resolution.models import StandardClause

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


def _locked(capa: CorrectiveAction) -> CorrectiveAction:
    return CorrectiveAction.objects.select_for_update().get(pk=capa.pk)


def capa_action_add(
    *, capa: CorrectiveAction, actor: User, title: str, owner: User | None, due_on: dt.date | None
) -> CapaAction:
    """Another action on an open corrective action (a reopened one gets its new actions so)."""
    errors = FieldErrors()
    drafts = _action_errors([ActionDraft(title, owner, due_on)], errors, selectors.today(), "")
    with transaction.atomic():
        capa = _locked(capa)
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
        capa = _locked(action.capa)
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
        capa = _locked(capa)
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
        capa = _locked(capa)
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
