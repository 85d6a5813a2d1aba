"""Reads of the knowledge domain: the handling suggestion of a complaint, the case library,
approved wording and its versions, and the check of replies against expired wording."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import translation
from django.utils.translation import gettext as _

from tousu.accounts import permissions
from tousu.accounts.models import User
from tousu.complaints.choices import Finding, Status
from tousu.complaints.models import Complaint
from tousu.complaints.search import query_groups
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.core.errors import FieldErrors, NotFound
from tousu.core.pii import mask_name
from tousu.core.refcache import RefCache
from tousu.core.text import clean_text
from tousu.knowledge import rules
from tousu.knowledge.choices import CaseStatus, VersionState
from tousu.knowledge.models import (
    Case,
    ReplyTemplate,
    WordingArticle,
    WordingVariant,
    WordingVersion,
)
from tousu.resolution.choices import RemedyType
from tousu.resolution.selectors import Suggestion, complaint_suggestion

# How many cases the complaint page shows beside the suggestion.
PANEL_CASES = 5


def today() -> dt.date:
    return clock.now().astimezone(SHANGHAI).date()


def category_codes(code: str) -> list[str]:
    """A category code and its ancestors: `billing.roaming` → [billing, billing.roaming]."""
    if not code:
        return []
    parts = code.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _search_q(q: str, field_name: str, *fallback: str) -> Q | None:
    """A filter for the words of `q` over a space-padded terms field (the jieba words of
    complaints.search, so that 漫游费 matches what the index cut as 漫游 费). A query of no
    indexable words (a single character) matches as a substring of the `fallback` fields.
    Case and wording libraries hold thousands of rows, not millions: a LIKE over the terms is
    fast enough and needs no full-text table."""
    groups = query_groups(q)
    if not groups:
        words = q.split()[:8]
        if not words or not fallback:
            return None
        out = Q()
        for word in words:
            any_field = Q()
            for name in fallback:
                any_field |= Q(**{f"{name}__icontains": word})
            out &= any_field
        return out
    out = Q()
    for group in groups:
        any_alternative = Q()
        for alternative in group:
            every_word = Q()
            for term in alternative.split():
                every_word &= Q(**{f"{field_name}__contains": f" {term} "})
            any_alternative |= every_word
        out &= any_alternative
    return out


# ---- approved wording -----------------------------------------------------------------------


@dataclass
class VersionRow:
    """A version with its state today and the text for one channel."""

    version: WordingVersion
    state: VersionState
    text: str
    variants: list[WordingVariant] = field(default_factory=list)

    @property
    def is_current(self) -> bool:
        return self.state == VersionState.CURRENT


@dataclass
class ArticleRow:
    article: WordingArticle
    versions: list[VersionRow]

    @property
    def current(self) -> VersionRow | None:
        return next((v for v in reversed(self.versions) if v.is_current), None)

    @property
    def previous(self) -> VersionRow | None:
        """The version before the current one: what a briefing compares it with."""
        current = self.current
        if current is None:
            return None
        earlier = [v for v in self.versions if v.version.number < current.version.number]
        return earlier[-1] if earlier else None


def _variant_text(version: WordingVersion, channel: str) -> str:
    for variant in version.variants.all():
        if variant.channel == channel:
            return variant.body
    return version.body


def _articles(qs: QuerySet[WordingArticle], channel: str, day: dt.date) -> list[ArticleRow]:
    versions = WordingVersion.objects.prefetch_related("variants").order_by("number")
    rows: list[ArticleRow] = []
    for article in qs.select_related("category").prefetch_related(
        Prefetch("versions", queryset=versions)
    ):
        items = list(article.versions.all())
        states = rules.version_states(
            (rules.VersionDates(v.number, v.effective_from, v.valid_until) for v in items), day
        )
        rows.append(
            ArticleRow(
                article,
                [
                    VersionRow(
                        v, states[v.number], _variant_text(v, channel), list(v.variants.all())
                    )
                    for v in items
                ],
            )
        )
    return rows


def wording_list(q: str = "", topic: str = "", channel: str = "") -> list[ArticleRow]:
    """Approved wording with every version's state today, by topic and title; `q` searches
    titles and texts of all versions."""
    qs = WordingArticle.objects.all()
    if topic:
        qs = qs.filter(topic=topic)
    if q:
        match = _search_q(q, "search_terms", "title", "versions__body")
        if match is not None:
            qs = qs.filter(match).distinct()
    return _articles(qs.order_by("topic", "title"), channel, today())


def wording_article_get(key: str, channel: str = "") -> ArticleRow:
    rows = _articles(WordingArticle.objects.filter(key=key), channel, today())
    if not rows:
        raise NotFound(_("No such approved wording"))
    return rows[0]


def wording_for_complaint(complaint: Complaint) -> list[VersionRow]:
    """The current wording for the complaint's category (or a parent category), in the
    variant for its channel."""
    code = complaint.category.code if complaint.category_id and complaint.category else ""
    if not code:
        return []
    qs = WordingArticle.objects.filter(category__code__in=category_codes(code))
    out = []
    for row in _articles(qs.order_by("topic", "title"), complaint.channel, today()):
        if row.current is not None:
            out.append(row.current)
    return out


def wording_texts(day: dt.date | None = None) -> list[rules.WordingText]:
    """Every version of every wording as the expired-wording check sees it."""
    out: list[rules.WordingText] = []
    for row in _articles(WordingArticle.objects.all(), "", day or today()):
        for v in row.versions:
            out.append(
                rules.WordingText(
                    article_key=row.article.key,
                    article_title=row.article.title,
                    version=v.version.number,
                    state=v.state,
                    valid_until=v.version.valid_until,
                    texts=(v.version.body, *(x.body for x in v.variants)),
                )
            )
    return out


def expired_wording_problems(reply: str) -> list[str]:
    """Why a reply may not be sent as written: each expired or superseded wording version it
    still quotes (R7.2). Empty when the reply is fine."""
    if not reply.strip() or not WordingVersion.objects.exists():
        return []
    return [rules.stale_message(s) for s in rules.expired_wording_in(reply, wording_texts())]


def reply_wording_check(reply: str) -> None:
    """Refuse a reply that still quotes an expired or superseded approved wording (R7.2), with
    the reason on the `reply` field. The resolve action asks this before recording the outcome."""
    errors = FieldErrors()
    for problem in expired_wording_problems(clean_text(reply or "")):
        errors.add("reply", problem)
    errors.raise_if_any(_("The outcome has errors"))


# ---- the case library -----------------------------------------------------------------------


@dataclass
class CaseFilters:
    q: str = ""
    category: str = ""  # a code: includes sub-categories
    clause: str = ""  # a clause code (any version)
    tag: str = ""
    training: bool = False
    status: str = ""  # curators only; others see published cases


def case_list(user: User, filters: CaseFilters | None = None) -> QuerySet[Case]:
    f = filters or CaseFilters()
    qs = Case.objects.select_related("category", "category__parent").prefetch_related("clauses")
    if not permissions.can_curate_cases(user):
        qs = qs.filter(status=CaseStatus.PUBLISHED)
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.category:
        qs = qs.filter(
            Q(category__code=f.category) | Q(category__code__startswith=f.category + ".")
        )
    if f.clause:
        qs = qs.filter(pk__in=Case.objects.filter(clauses__code=f.clause).values("pk"))
    if f.tag:
        qs = qs.filter(tags__contains=f"|{f.tag}|")
    if f.training:
        qs = qs.filter(for_training=True)
    if f.q:
        match = _search_q(f.q, "search_terms", "title", "content", "summary", "outcome")
        if match is not None:
            qs = qs.filter(match)
    return qs.order_by("-created_at", "-pk")


def get_case_for_user(user: User, pk: int) -> Case:
    """A case the user may read: published, or any for curators; NotFound otherwise."""
    case = (
        Case.objects.select_related("category", "complaint", "created_by", "published_by")
        .prefetch_related("clauses")
        .filter(pk=pk)
        .first()
    )
    if case is None or (
        case.status != CaseStatus.PUBLISHED and not permissions.can_curate_cases(user)
    ):
        raise NotFound(_("No such case, or it is not published yet"))
    return case


def cases_for(suggestion: Suggestion | None, complaint: Complaint) -> list[Case]:
    """The published cases of the applicable clause (any version of it); without a clause,
    those of the complaint's category. The complaint's own case is left out."""
    qs = Case.objects.filter(status=CaseStatus.PUBLISHED).select_related("category")
    if suggestion is not None:
        qs = qs.filter(
            pk__in=Case.objects.filter(clauses__code=suggestion.clause.code).values("pk")
        )
    elif complaint.category_id:
        qs = qs.filter(category_id=complaint.category_id)
    else:
        return []
    return list(
        qs.exclude(complaint=complaint).order_by("-for_training", "-created_at")[:PANEL_CASES]
    )


# ---- reply templates ------------------------------------------------------------------------


def _local_date(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    day = moment.astimezone(SHANGHAI).date()
    return f"{day.year}年{day.month}月{day.day}日"


def reply_facts(complaint: Complaint, suggestion: Suggestion | None) -> rules.ReplyFacts:
    """The complaint's facts for a reply: the remedies granted, or before the outcome is
    recorded those the standard suggests. The reply goes to the customer in Chinese whatever
    language the handler's screen is in."""
    with translation.override("zh-hans"):
        granted = [
            (str(RemedyType(r.type).label), r.amount, r.note) for r in complaint.remedies.all()
        ]
        if not granted and suggestion is not None:
            granted = [
                (str(RemedyType(r.type).label), r.amount or Decimal(0), "")
                for r in suggestion.remedies
            ]
        category = complaint.category.name if complaint.category_id and complaint.category else ""
        finding = complaint.get_finding_display() if complaint.finding else ""
    total = sum((amount for _, amount, _note in granted), Decimal(0))
    return rules.ReplyFacts(
        number=complaint.number,
        customer=mask_name(complaint.customer.name),
        category=category,
        remedies=rules.remedies_text(
            [(label, f"{a:.2f}" if a else "", note) for label, a, note in granted]
        ),
        amount=f"{total:.2f}",
        received=_local_date(complaint.received_at),
        resolved=_local_date(complaint.resolved_at or clock.now()),
        today=_local_date(clock.now()),
        finding=str(finding),
    )


def letter_facts(complaint: Complaint) -> dict[str, Any]:
    """What the complaint page fills a reply template with besides the form's own values (the
    remedies, their total and the finding, read as the handler inserts the template): the
    letter is addressed to the customer by their real name — masking is for staff screens,
    not for what the customer receives (issue 12). Precondition: the reader may handle the
    complaint; the page logs the name's reveal."""
    with translation.override("zh-hans"):
        category = complaint.category.name if complaint.category_id and complaint.category else ""
        findings = {value: str(label) for value, label in Finding.choices}
        remedies = {value: str(label) for value, label in RemedyType.choices}
    name = complaint.customer.name
    return {
        "number": complaint.number,
        "customer": name,
        "greeting": rules.greeting(name),
        "category": category,
        "received": _local_date(complaint.received_at),
        "resolved": _local_date(complaint.resolved_at or clock.now()),
        "today": _local_date(clock.now()),
        "thanks": rules.THANKS_TEXT,
        "findings": findings,
        "remedy_labels": remedies,
    }


@dataclass
class FilledTemplate:
    template: ReplyTemplate
    text: str


def reply_templates_for(
    complaint: Complaint, suggestion: Suggestion | None
) -> list[FilledTemplate]:
    """The active reply templates for the complaint's category (or a parent, or any), filled
    with its facts."""
    code = complaint.category.code if complaint.category_id and complaint.category else ""
    qs = ReplyTemplate.objects.filter(active=True).filter(
        Q(category__isnull=True) | Q(category__code__in=category_codes(code))
    )
    templates = list(qs)
    if not templates:
        return []
    facts = reply_facts(complaint, suggestion)
    return [FilledTemplate(t, rules.reply_fill(t.body, facts)) for t in templates]


# ---- the complaint page's panel -------------------------------------------------------------


@dataclass
class Panel:
    """What the complaint page shows the handler (处理建议): the clause, its remedies and the
    evidence still missing, the approved wording, the clause's cases and the reply templates;
    for curators of a closed complaint, whether it can become a case."""

    suggestion: Suggestion | None
    wording: list[VersionRow]
    cases: list[Case]
    templates: list[FilledTemplate]
    case: Case | None  # this complaint's own case, once made
    can_make_case: bool


def suggestion_panel(complaint: Complaint, user: User) -> Panel | None:
    """The panel for a complaint the user already sees; None when it has nothing to show."""
    suggestion = complaint_suggestion(complaint)
    own_case = Case.objects.filter(complaint=complaint).first()
    panel = Panel(
        suggestion=suggestion,
        wording=wording_for_complaint(complaint),
        cases=cases_for(suggestion, complaint),
        templates=reply_templates_for(complaint, suggestion)
        if permissions.can_handle(user, complaint)
        else [],
        case=own_case
        if own_case is not None
        and (own_case.status == CaseStatus.PUBLISHED or permissions.can_curate_cases(user))
        else None,
        can_make_case=own_case is None
        and complaint.status == Status.CLOSED
        and permissions.can_make_case(user, complaint),
    )
    if (
        not (panel.suggestion or panel.wording or panel.cases or panel.templates or panel.case)
        and not panel.can_make_case
    ):
        return None
    return panel


# The article that words the messages of one kind (messages.choices.MessageKind's value).
MESSAGE_WORDING_KEY = "message-{kind}"


# Every registration's acknowledgement is worded: the wordings found, by (kind, channel, day),
# per process (tousu.core.refcache), dropped when an article, version or variant changes.
_wordings: RefCache[dict[tuple[str, str, dt.date], tuple[str, str] | None]] = RefCache(
    "message wordings",
    dict,
    models=("knowledge.WordingArticle", "knowledge.WordingVersion", "knowledge.WordingVariant"),
)


def message_wording(kind: str, channel: str) -> tuple[str, str] | None:
    """(title, text) of the approved wording of the messages of `kind`, in force today, said for
    `channel` (its variant, else the version's text); None when there is none. The title is
    the e-mail's subject. Read by the messages' template provider (intake registers it), in
    the registration's transaction: one statement the first time in a process and a day, none
    after (the per-process copy)."""
    day = today()
    found = _wordings.get()
    key = (kind, channel, day)
    if key not in found:
        # Two threads may both read it: the same row, the last one kept.
        found[key] = _message_wording_read(kind, channel, day)
    return found[key]


def _message_wording_read(kind: str, channel: str, day: dt.date) -> tuple[str, str] | None:
    variant = WordingVariant.objects.filter(version=OuterRef("pk"), channel=channel)
    row = (
        WordingVersion.objects.filter(
            article__key=MESSAGE_WORDING_KEY.format(kind=kind), effective_from__lte=day
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .annotate(variant=Subquery(variant.values("body")[:1]))
        .order_by("-effective_from", "-number")
        .values_list("article__title", "body", "variant")
        .first()
    )
    if row is None:
        return None
    title, body, said = row
    return title, said or body
