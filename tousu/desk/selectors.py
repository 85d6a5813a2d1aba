"""Reads of the desk that combine several domains for one page: similar complaints with how
they ended (remedies, the customer's satisfaction at the callback)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import Prefetch, prefetch_related_objects

from tousu.accounts.models import User
from tousu.accounts.permissions import can_view_pii, scope_q
from tousu.callbacks.choices import CallbackStatus
from tousu.callbacks.models import CallbackTask
from tousu.complaints.models import Complaint
from tousu.complaints.search import text_words
from tousu.complaints.selectors import RankedMatches, complaint_rows
from tousu.core.errors import NotFound
from tousu.knowledge.rules import reply_fill
from tousu.knowledge.selectors import reply_facts, wording_article_get

SIMILAR_TERMS_MAX = 12
# Similar complaints are looked for among this many of the latest complaints: any of a dozen
# words matches most of a large history, and ranking all of it cost 0.7 s (SQLite) to 15 s
# (PostgreSQL) per complaint page at 1,000,000. At a million a year this is the last 18 days,
# where a shared cause (an outage, a billing run) shows; older precedent is the case library's.
SIMILAR_AMONG = 50_000


@dataclass
class SimilarRemedy:
    type: str
    amount: Decimal
    label: str


@dataclass
class SimilarComplaint:
    """A complaint like another one, with its outcome: remedies, and satisfaction (the result
    of its latest done callback, with its label; None without one)."""

    complaint: Complaint
    score: float
    remedies: list[SimilarRemedy]
    satisfaction: str | None
    satisfaction_label: str


def similar_complaints(complaint: Complaint, user: User, limit: int = 5) -> list[SimilarComplaint]:
    """The complaints in the user's scope most like `complaint` (itself excluded), best first:
    any of its most specific index terms (the longest, up to SIMILAR_TERMS_MAX), ranked by the
    full-text index, among the SIMILAR_AMONG latest complaints. Five queries when the first
    ranked batch holds `limit` the user may see: the latest id, ranking, rows, remedies,
    callbacks."""
    # Its words, not the character pairs the index also holds (带第 says nothing).
    words = text_words(f"{complaint.content}\n{complaint.demand}")
    # Longer words are the more specific ones (宽带 掉线 报修 before 经常); ties by position.
    top = sorted(words, key=lambda w: (-len(w), words.index(w)))[:SIMILAR_TERMS_MAX]
    if not top:
        return []
    candidates = complaint_rows().filter(scope_q(user)).exclude(pk=complaint.pk)
    ranked = RankedMatches(candidates, [[w] for w in top], any_of=True, newest=SIMILAR_AMONG)
    found = ranked[:limit]
    prefetch_related_objects(
        found,
        "remedies",
        Prefetch(
            "callbacks",
            queryset=CallbackTask.objects.filter(status=CallbackStatus.DONE)
            .exclude(result="")
            .order_by("-done_at", "-pk"),
            to_attr="done_callbacks",
        ),
    )
    similar = []
    for c in found:
        done = c.done_callbacks  # type: ignore[attr-defined]
        latest = done[0] if done else None
        similar.append(
            SimilarComplaint(
                complaint=c,
                score=round(float(c.search_score or 0.0), 4),  # type: ignore[attr-defined]
                remedies=[
                    SimilarRemedy(r.type, r.amount, str(r.get_type_display()))
                    for r in c.remedies.all()
                ],
                satisfaction=latest.result if latest else None,
                satisfaction_label=str(latest.get_result_display()) if latest else "",
            )
        )
    return similar


# ---- the callback script (R8.1) ---------------------------------------------------------------

# The approved wording (knowledge, 统一口径/话术) the callback script is read from: its current
# version, with the complaint's facts filled in as in a reply template ({greeting} {number}
# {category} {received} {resolved} {remedies} {finding} {thanks}).
CALLBACK_WORDING_KEY = "callback-script"
# Until the wording is approved in the knowledge base: what every callback agent says anyway.
# Chinese whatever the screen's language: it is read to the customer.
CALLBACK_SCRIPT_DEFAULT = (
    "{greeting}这里是客户服务中心回访专员。您于{received}反映的{category}问题"
    "（工单号 {number}），已于{resolved}处理完毕，处理结果：{remedies}。"
    "想占用您一分钟，请您对本次处理的及时性、服务态度、问题解决情况、办理便捷程度"
    "分别打分（1 到 5 分），并说说总体是否满意。"
    "如有不满意，请问主要是哪方面的原因？{thanks}"
)
# When nothing was granted, the outcome the customer heard was an explanation.
CALLBACK_OUTCOME_DEFAULT = "已向您作出解释说明"


@dataclass
class CallbackScript:
    text: str
    title: str  # of the approved wording; "" for the built-in script
    version: int | None
    revealed: bool  # the customer's real name is in it (a reveal, logged by the page)


def callback_script(complaint: Complaint, user: User) -> CallbackScript:
    """The script of the complaint's callback: the approved callback wording filled with the
    complaint's facts — what was found and granted — and the customer's name masked unless
    the user's role may see personal data."""
    facts = reply_facts(complaint, None)
    revealed = can_view_pii(user) and bool(complaint.customer.name)
    facts = replace(
        facts,
        customer=complaint.customer.name if revealed else facts.customer,
        remedies=facts.remedies or facts.finding or CALLBACK_OUTCOME_DEFAULT,
    )
    title, version, body = "", None, CALLBACK_SCRIPT_DEFAULT
    try:
        current = wording_article_get(CALLBACK_WORDING_KEY, complaint.channel)
    except NotFound:
        current = None
    if current is not None and current.current is not None:
        title, version = current.article.title, current.current.version.number
        body = current.current.text
    return CallbackScript(reply_fill(body, facts), title, version, revealed)
