"""Writes of the knowledge domain: cases made from closed complaints and their curation (R7.1,
R7.3), approved wording and its versions (R7.2)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Max

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.classification.models import Category
from tousu.complaints.choices import Channel, Status
from tousu.complaints.models import Complaint
from tousu.complaints.search import text_terms
from tousu.complaints.services import complaint_lock
from tousu.core import clock
from tousu.core.errors import Conflict, NotAllowed, ValidationFailed
from tousu.core.text import clean_text
from tousu.knowledge import rules
from tousu.knowledge.choices import CaseStatus, WordingTopic
from tousu.knowledge.models import Case, WordingArticle, WordingVariant, WordingVersion
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
        raise ValidationFailed("总结过长", fields={"summary": [f"最多 {SUMMARY_MAX_CHARS} 个字符"]})
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
            raise NotAllowed("只有质检人员和管理人员可以把投诉整理为案例")
        if complaint.status != Status.CLOSED:
            raise Conflict("只有已结案的投诉才能整理为案例")
        existing = Case.objects.filter(complaint=complaint).first()
        if existing is not None:
            raise Conflict(f"该投诉已整理为案例 #{existing.pk}")
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
            raise Conflict("该投诉已整理为案例") from None
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
        raise NotAllowed("只有质检人员和管理人员可以编辑案例")
    errors: dict[str, list[str]] = {}
    title = clean_text(title or "")
    if not title:
        errors["title"] = ["此项为必填项"]
    elif len(title) > TITLE_MAX_CHARS:
        errors["title"] = [f"最多 {TITLE_MAX_CHARS} 个字符"]
    if status not in CaseStatus.values:
        errors["status"] = [f"可选：{', '.join(CaseStatus.values)}"]
    if errors:
        raise ValidationFailed("案例信息有误", fields=errors)
    summary = _clean_summary(summary)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
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
    return case


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


def _wording_version_clean(
    data: WordingVersionInput, errors: dict[str, list[str]]
) -> _CleanVersion:
    """The version's texts cleaned; what is wrong is added to `errors`."""
    text = clean_text(data.body or "")
    if not text:
        errors["body"] = ["此项为必填项"]
    elif len(text) > WORDING_MAX_CHARS:
        errors["body"] = [f"最多 {WORDING_MAX_CHARS} 个字符"]
    if data.valid_until is not None and data.valid_until < data.effective_from:
        errors["valid_until"] = ["失效日期不能早于生效日期"]
    note = clean_text(data.change_note or "")
    if len(note) > CHANGE_NOTE_MAX_CHARS:
        errors["change_note"] = [f"最多 {CHANGE_NOTE_MAX_CHARS} 个字符"]
    channel_texts: dict[str, str] = {}
    for channel, variant in (data.variants or {}).items():
        if channel not in Channel.values:
            errors.setdefault("variants", []).append(f"未知渠道「{channel}」")
            continue
        cleaned = clean_text(variant or "")
        if len(cleaned) > WORDING_MAX_CHARS:
            errors.setdefault("variants", []).append(f"{channel}：最多 {WORDING_MAX_CHARS} 个字符")
        elif cleaned:
            channel_texts[channel] = cleaned
    return _CleanVersion(text, data.effective_from, data.valid_until, note, channel_texts)


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
        raise NotAllowed("只有质检人员和管理员可以维护统一口径")
    errors: dict[str, list[str]] = {}
    key = (key or "").strip()
    title = clean_text(title or "")
    if not key:
        errors["key"] = ["此项为必填项"]
    elif len(key) > KEY_MAX_CHARS or not KEY_PATTERN.fullmatch(key):
        errors["key"] = [f"只能包含字母、数字、连字符和下划线，最多 {KEY_MAX_CHARS} 个字符"]
    elif WordingArticle.objects.filter(key=key).exists():
        errors["key"] = [f"「{key}」已存在"]
    if not title:
        errors["title"] = ["此项为必填项"]
    if topic not in WordingTopic.values:
        errors["topic"] = [f"可选：{', '.join(WordingTopic.values)}"]
    version = _wording_version_clean(first_version, errors) if first_version else None
    if errors:
        raise ValidationFailed("口径信息有误", fields=errors)
    with transaction.atomic():
        try:
            # A savepoint: a concurrent create of the same key is a form error, not a 500.
            with transaction.atomic():
                article = WordingArticle.objects.create(
                    key=key, title=title[:100], topic=topic, category=category
                )
        except IntegrityError:
            raise ValidationFailed("口径信息有误", fields={"key": [f"「{key}」已存在"]}) from None
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
        raise NotAllowed("只有质检人员和管理员可以维护统一口径")
    errors: dict[str, list[str]] = {}
    data = _wording_version_clean(
        WordingVersionInput(body, effective_from, valid_until, change_note, variants or {}),
        errors,
    )
    if errors:
        raise ValidationFailed("口径版本有误", fields=errors)
    with transaction.atomic():
        # The article row lock numbers concurrent versions one after the other.
        article = WordingArticle.objects.select_for_update().get(pk=article.pk)
        version = _wording_version_write(article, actor, data)
        wording_index(article)
    return version
