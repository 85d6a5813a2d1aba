"""Writes of the knowledge domain: cases made from closed complaints and their curation (R7.1,
R7.3), approved wording and its versions (R7.2)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from tousu.accounts import permissions
from tousu.accounts.choices import AuditAction
from tousu.accounts.models import User
from tousu.accounts.services import audit_changes, audit_record
from tousu.classification.models import Category
from tousu.complaints.choices import Channel, Status
from tousu.complaints.models import Complaint
from tousu.complaints.search import text_terms
from tousu.complaints.services import complaint_lock
from tousu.core import clock
from tousu.core.errors import (
    Conflict,
    FieldErrors,
    NotAllowed,
    ValidationFailed,
    one_of_message,
    required_message,
    too_long_message,
)
from tousu.core.text import clean_text
from tousu.knowledge import rules
from tousu.knowledge.choices import CaseStatus, WordingTopic
from tousu.knowledge.models import Case, WordingArticle, WordingVariant, WordingVersion
from tousu.knowledge.selectors import MESSAGE_WORDING_KEY
from tousu.resolution.models import HandlingRecord, StandardClause
from tousu.resolution.selectors import complaint_suggestion

TITLE_MAX_CHARS = 100
SUMMARY_MAX_CHARS = 5_000
WORDING_MAX_CHARS = 5_000
CHANGE_NOTE_MAX_CHARS = 200
KEY_MAX_CHARS = 64
# The article's address in URLs (a Django slug).
KEY_PATTERN = re.compile(r"[-a-zA-Z0-9_]+")
# How much of the complaint's text a generated title quotes.
TITLE_QUOTE_CHARS = 24


def search_terms(*texts: str) -> str:
    """The jieba words of the texts, space-padded (` a b `): a word matches with
    `contains(" word ")`, never inside another word (see selectors._search_q)."""
    terms = text_terms("\n".join(t for t in texts if t))
    return f" {' '.join(terms)} " if terms else ""


def _people(complaint: Complaint) -> list[str]:
    """The names the case must not carry: the customer's, and the staff who handled it."""
    names = [complaint.customer.name]
    for user in (complaint.handler, complaint.registered_by):
        if user is not None:
            names.append(user.display_name)
    return [n for n in names if n]


def _anonymise(complaint: Complaint, text: str) -> str:
    customer = complaint.customer
    return rules.anonymise(
        text,
        names=_people(complaint),
        phones=[customer.phone],
        accounts=[customer.account, customer.id_number],
        addresses=[customer.address],
    )


def _handler_summary(complaint: Complaint) -> str:
    """What the handler wrote about the investigation and the solution (S1's steps)."""
    record = HandlingRecord.objects.filter(complaint=complaint).first()
    steps = record.steps if record is not None else {}
    parts = [steps.get(step, {}).get("text", "") for step in ("investigate", "solution")]
    return "\n".join(p for p in parts if p)


def _clean_summary(value: str) -> str:
    text = clean_text(value or "")
    if len(text) > SUMMARY_MAX_CHARS:
        raise ValidationFailed.for_field(
            "summary", too_long_message(SUMMARY_MAX_CHARS), message=_("The summary is too long")
        )
    return text


def _index(case: Case) -> None:
    case.search_terms = search_terms(
        case.title, case.content, case.summary, case.outcome, " ".join(case.tag_list)
    )


def case_create(
    *,
    complaint: Complaint,
    actor: User,
    summary: str = "",
    tags: str | Iterable[str] = "",
    clauses: list[StandardClause] | None = None,
    for_training: bool = False,
) -> Case:
    """Turn a closed complaint into a draft case (R7.1): its texts anonymised, the handler's
    summary (given, or what the handler recorded), the clause(s) it illustrates (given, or the
    clause that applied to it). One case per complaint."""
    with transaction.atomic():
        complaint = complaint_lock(complaint)
        if not permissions.can_make_case(actor, complaint):
            raise NotAllowed(_("Only quality staff and managers may turn a complaint into a case"))
        if complaint.status != Status.CLOSED:
            raise Conflict(_("Only a closed complaint can become a case"))
        existing = Case.objects.filter(complaint=complaint).first()
        if existing is not None:
            raise Conflict(_("This complaint is already case #%(case)s") % {"case": existing.pk})
        if clauses is None:
            suggestion = complaint_suggestion(complaint)
            clauses = [suggestion.clause] if suggestion is not None else []
        content = _anonymise(
            complaint, "\n".join(filter(None, [complaint.content, complaint.demand]))
        )
        category = complaint.category
        quote = content.replace("\n", " ")
        quote = quote[:TITLE_QUOTE_CHARS] + ("…" if len(quote) > TITLE_QUOTE_CHARS else "")
        title = f"{category.name}：{quote}" if category is not None else quote
        case = Case(
            complaint=complaint,
            title=title[:TITLE_MAX_CHARS],
            category=category,
            channel=complaint.channel,
            content=content,
            outcome=_anonymise(complaint, complaint.reply),
            summary=_anonymise(complaint, _clean_summary(summary) or _handler_summary(complaint)),
            finding=complaint.finding,
            cause=complaint.cause,
            remedies=[{"type": r.type, "amount": str(r.amount)} for r in complaint.remedies.all()],
            tags=rules.tags_stored(rules.tags_normalise(tags)),
            for_training=for_training,
            created_by=actor,
            created_at=clock.now(),
        )
        _index(case)
        try:
            # A savepoint: a concurrent click that won the race leaves this transaction usable.
            with transaction.atomic():
                case.save()
        except IntegrityError:
            raise Conflict(_("This complaint is already a case")) from None
        case.clauses.set(clauses)
    return case


def case_update(
    *,
    case: Case,
    actor: User,
    title: str,
    summary: str,
    tags: str | Iterable[str],
    clauses: list[StandardClause],
    for_training: bool,
    status: str,
) -> Case:
    """Curate a case (quality staff): its title, summary, clauses, tags, training flag, and
    publication. What the curator types is anonymised again: a name typed into a summary must
    not reach the front line."""
    if not permissions.can_curate_cases(actor):
        raise NotAllowed(_("Only quality staff and managers may edit cases"))
    if not permissions.can_curate_case(actor, case.complaint):
        raise NotAllowed(_("This case was made from a complaint outside your data scope"))
    errors = FieldErrors()
    title = clean_text(title or "")
    if not title:
        errors.add("title", required_message())
    elif len(title) > TITLE_MAX_CHARS:
        errors.add("title", too_long_message(TITLE_MAX_CHARS))
    if status not in CaseStatus.values:
        errors.add("status", one_of_message(CaseStatus.values))
    errors.raise_if_any(_("The case has errors"))
    summary = _clean_summary(summary)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        before = _curated(case)
        complaint = case.complaint
        if complaint is not None:
            title, summary = _anonymise(complaint, title), _anonymise(complaint, summary)
        else:
            title, summary = rules.anonymise(title), rules.anonymise(summary)
        case.title, case.summary = title, summary
        case.tags = rules.tags_stored(rules.tags_normalise(tags))
        case.for_training = for_training
        if status == CaseStatus.PUBLISHED and case.status != CaseStatus.PUBLISHED:
            case.published_by, case.published_at = actor, clock.now()
        elif status == CaseStatus.DRAFT:
            case.published_by, case.published_at = None, None
        case.status = status
        _index(case)
        case.save()
        case.clauses.set(clauses)
        # Who published, unpublished or rewrote a case the front line reads (R12.2).
        if changes := audit_changes(before, _curated(case)):
            audit_record(actor=actor, action=AuditAction.CHANGE, obj=case, changes=changes)
    return case


def _curated(case: Case) -> dict[str, Any]:
    """What a curator changes in a case, as its audit entry compares it."""
    return {
        "title": case.title,
        "summary": case.summary,
        "tags": case.tags,
        "for_training": case.for_training,
        "status": case.status,
        "clauses": sorted(c.code for c in case.clauses.all()),
    }


# ---- approved wording ---------------------------------------------------------------------


def wording_index(article: WordingArticle) -> None:
    """Rewrite the article's search words from its title and every version and variant."""
    texts = [article.title]
    for version in article.versions.prefetch_related("variants"):
        texts.append(version.body)
        texts.extend(v.body for v in version.variants.all())
    article.search_terms = search_terms(*texts)
    article.save(update_fields=["search_terms"])


@dataclass(frozen=True)
class WordingVersionInput:
    """What a version says and when it applies, as `wording_version_add` takes it."""

    body: str
    effective_from: dt.date
    valid_until: dt.date | None = None
    change_note: str = ""
    variants: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _CleanVersion:
    body: str
    effective_from: dt.date
    valid_until: dt.date | None
    change_note: str
    variants: dict[str, str]


def _wording_version_clean(data: WordingVersionInput, errors: FieldErrors) -> _CleanVersion:
    """The version's texts cleaned; what is wrong is added to `errors`."""
    text = clean_text(data.body or "")
    if not text:
        errors.add("body", required_message())
    elif len(text) > WORDING_MAX_CHARS:
        errors.add("body", too_long_message(WORDING_MAX_CHARS))
    if data.valid_until is not None and data.valid_until < data.effective_from:
        errors.add("valid_until", _("The expiry date cannot be before the effective date"))
    note = clean_text(data.change_note or "")
    if len(note) > CHANGE_NOTE_MAX_CHARS:
        errors.add("change_note", too_long_message(CHANGE_NOTE_MAX_CHARS))
    return _CleanVersion(
        text, data.effective_from, data.valid_until, note, _variants_clean(data.variants, errors)
    )


def _variants_clean(variants: dict[str, str], errors: FieldErrors) -> dict[str, str]:
    """The non-empty texts per channel; unknown channels and long texts are errors."""
    channel_texts: dict[str, str] = {}
    for channel, variant in (variants or {}).items():
        if channel not in Channel.values:
            errors.add("variants", _("Unknown channel “%(channel)s”") % {"channel": channel})
            continue
        cleaned = clean_text(variant or "")
        if len(cleaned) > WORDING_MAX_CHARS:
            errors.add(
                "variants",
                _("%(channel)s: %(error)s")
                % {"channel": channel, "error": too_long_message(WORDING_MAX_CHARS)},
            )
        elif cleaned:
            channel_texts[channel] = cleaned
    return channel_texts


def _wording_version_write(
    article: WordingArticle, actor: User, data: _CleanVersion
) -> WordingVersion:
    """Write the version after the article's last one; the caller holds the article's row lock
    (or has just created it) inside a transaction."""
    last = article.versions.aggregate(n=Max("number"))["n"] or 0
    version = WordingVersion.objects.create(
        article=article,
        number=last + 1,
        body=data.body,
        effective_from=data.effective_from,
        valid_until=data.valid_until,
        change_note=data.change_note,
        created_by=actor,
    )
    WordingVariant.objects.bulk_create(
        WordingVariant(version=version, channel=c, body=b) for c, b in data.variants.items()
    )
    return version


def _key_taken(key: str) -> str:
    return _("“%(key)s” already exists") % {"key": key}


def wording_article_create(
    *,
    actor: User,
    key: str,
    title: str,
    topic: str,
    category: Category | None = None,
    first_version: WordingVersionInput | None = None,
) -> WordingArticle:
    """A new approved wording; with `first_version`, its first version is written in the same
    transaction, so that a refused version leaves no article without text."""
    if not permissions.can_edit_wording(actor):
        raise NotAllowed(_("Only quality staff and administrators may maintain approved wording"))
    errors = FieldErrors()
    key = (key or "").strip()
    title = clean_text(title or "")
    if not key:
        errors.add("key", required_message())
    elif len(key) > KEY_MAX_CHARS or not KEY_PATTERN.fullmatch(key):
        errors.add(
            "key",
            _("Letters, digits, hyphens and underscores only, at most %(limit)s characters")
            % {"limit": KEY_MAX_CHARS},
        )
    elif WordingArticle.objects.filter(key=key).exists():
        errors.add("key", _key_taken(key))
    if not title:
        errors.add("title", required_message())
    if topic not in WordingTopic.values:
        errors.add("topic", one_of_message(WordingTopic.values))
    version = _wording_version_clean(first_version, errors) if first_version else None
    errors.raise_if_any(_("The approved wording has errors"))
    with transaction.atomic():
        try:
            # A savepoint: a concurrent create of the same key is a form error, not a 500.
            with transaction.atomic():
                article = WordingArticle.objects.create(
                    key=key, title=title[:100], topic=topic, category=category
                )
        except IntegrityError:
            raise ValidationFailed.for_field(
                "key", _key_taken(key), message=_("The approved wording has errors")
            ) from None
        if version is not None:
            _wording_version_write(article, actor, version)
        wording_index(article)
    return article


def wording_version_add(
    *,
    article: WordingArticle,
    actor: User,
    body: str,
    effective_from: dt.date,
    valid_until: dt.date | None = None,
    change_note: str = "",
    variants: dict[str, str] | None = None,
) -> WordingVersion:
    """A new version of an approved wording, numbered after the last one; `variants` are its
    texts per channel. Earlier versions stay, for the "what changed" view and the check of
    replies that still quote them."""
    if not permissions.can_edit_wording(actor):
        raise NotAllowed(_("Only quality staff and administrators may maintain approved wording"))
    errors = FieldErrors()
    data = _wording_version_clean(
        WordingVersionInput(body, effective_from, valid_until, change_note, variants or {}),
        errors,
    )
    errors.raise_if_any(_("The wording version has errors"))
    with transaction.atomic():
        # The article row lock numbers concurrent versions one after the other.
        article = WordingArticle.objects.select_for_update().get(pk=article.pk)
        version = _wording_version_write(article, actor, data)
        wording_index(article)
    return version


@dataclass(frozen=True)
class MessageWording:
    kind: str  # messages.choices.MessageKind's value
    title: str  # the e-mail's subject
    body: str  # e-mail and other channels
    sms: str  # the SMS variant: one or two messages of 70 characters


# What Tousu tells the customer by itself, approved once by quality and edited like any other
# wording. Placeholders: {greeting} {number} {category} {due} {status_link} {reply}
# {progress} {survey_link} (messages.templates fills them).
MESSAGE_WORDING: tuple[MessageWording, ...] = (
    MessageWording(
        "acknowledgement",
        "您的投诉已受理",
        "{greeting}：\n\n您反映的问题（{category}）已登记受理，投诉编号 {number}。我们将在 "
        "{due} 前给您答复，处理进展可随时查询：{status_link}\n\n如需补充情况，直接回复本邮件即可。",
        "{greeting}，您的投诉{number}（{category}）已受理，我们将于{due}前答复。进展查询：{status_link}",
    ),
    MessageWording(
        "progress",
        "投诉处理进展",
        "{greeting}：\n\n您的投诉 {number} 有新的进展：\n\n{progress}\n\n详情：{status_link}",
        "{greeting}，您的投诉{number}有新进展：{progress}",
    ),
    MessageWording(
        "reply",
        "投诉处理结果",
        "{greeting}：\n\n您的投诉 {number} 已处理完毕：\n\n{reply}\n\n"
        "如对处理结果有疑问，请直接回复本邮件。详情：{status_link}",
        "{greeting}，您的投诉{number}已处理：{reply}",
    ),
    MessageWording(
        "callback_survey",
        "满意度回访",
        "{greeting}：\n\n我们将就投诉 {number} 的处理情况与您联系回访，"
        "请您对处理过程和结果作出评价。{survey_link}",
        "{greeting}，我们将就投诉{number}的处理情况回访您，感谢您的评价。{survey_link}",
    ),
)
# In force for every complaint, also those imported from before the installation.
MESSAGE_WORDING_SINCE = dt.date(2000, 1, 1)
MESSAGE_WORDING_NOTE = "系统内置口径，自安装起生效，安装前导入的投诉同样适用"


def message_wording_load() -> int:
    """The approved wording of the messages to customers, for kinds that have none yet (an
    article quality edited is kept). Returns how many were created."""
    made = 0
    for row in MESSAGE_WORDING:
        key = MESSAGE_WORDING_KEY.format(kind=row.kind)
        if WordingArticle.objects.filter(key=key).exists():
            continue
        with transaction.atomic():
            article = WordingArticle.objects.create(
                key=key, title=row.title, topic=WordingTopic.MESSAGES
            )
            version = WordingVersion.objects.create(
                article=article,
                number=1,
                body=row.body,
                effective_from=MESSAGE_WORDING_SINCE,
                # What the documents page shows beside its date (data, as the bodies are).
                change_note=MESSAGE_WORDING_NOTE,
            )
            WordingVariant.objects.create(version=version, channel=Channel.SMS, body=row.sms)
            wording_index(article)
        made += 1
    return made
