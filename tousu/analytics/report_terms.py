"""Root causes (R11.4), for the quarterly report and the root-cause page of the dashboard: the
words the complaints of a period use most, per top category, and the words whose share rose
against the previous period, each with example complaint numbers.

Texts are read from the complaints themselves, so the read is bounded: a deterministic sample
of at most TERM_SAMPLE complaints received in each period (every k-th by id, k chosen from the
period's volume), as jieba words (`complaints.search.text_words`, kept with the search index
since registration). Shares are of the sampled complaints (document frequency), so two
periods of different volume compare.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet

from tousu.complaints.models import Complaint
from tousu.complaints.search import text_words

TERM_SAMPLE = 3_000
TOP_TERMS = 10
TERMS_PER_CATEGORY = 3
CATEGORIES_EXPLAINED = 5
EXAMPLES = 3
# A word must appear in this many sampled complaints of the quarter to be reported as rising.
MIN_TERM_DOCS = 3
# Words every complaint uses: they say nothing about its cause.
_GENERIC_TEXT = """
投诉 客服 问题 用户 客户 反映 要求 处理 一直 今天 昨天 之前 之后 时间 情况 希望 尽快
解决 联系 工作人员 工作 人员 告知 表示 多次 几次 还有 结果 回复 自己 这样 不能 不是
不到 不了 一下 一些 以后 以前 以上 上个月 这个月 本月 月份 个月 目前 发现 需要 立即
"""
GENERIC = frozenset(_GENERIC_TEXT.split())


@dataclass
class Sample:
    """The sampled complaints of one period: their words, numbers and categories."""

    total: int  # complaints received in the period
    docs: Sequence[tuple[str, int | None, set[str]]]  # (number, category id, words)

    @property
    def size(self) -> int:
        return len(self.docs)

    def frequency(self, category: int | None = None) -> Counter[str]:
        counts: Counter[str] = Counter()
        for _number, cat, words in self.docs:
            if category is None or cat == category:
                counts.update(words)
        return counts

    def examples(self, word: str, category: int | None = None) -> list[str]:
        found = [
            number
            for number, cat, words in self.docs
            if word in words and (category is None or cat == category)
        ]
        return found[:EXAMPLES]


def _useful(word: str) -> bool:
    return len(word) >= 2 and not word.isdigit() and not word.isascii() and word not in GENERIC


def sample(received: QuerySet[Complaint]) -> Sample:
    """At most TERM_SAMPLE of the complaints `received` (those of a period, in a slice): every
    k-th id, in id order."""
    total = received.count()
    step = max(1, math.ceil(total / TERM_SAMPLE))
    if step > 1:
        received = received.alias(slot=F("pk") % step).filter(slot=0)
    rows = received.order_by("pk").values_list("number", "category_id", "search__words")
    docs = [
        (number, category, {w for w in _words(number, words) if _useful(w)})
        for number, category, words in rows[:TERM_SAMPLE]
    ]
    return Sample(total=total, docs=docs)


def _words(number: str, kept: str | None) -> list[str]:
    """The words kept with the search index, or — for a complaint not indexed — its text's."""
    if kept is not None:
        return kept.split()
    text = Complaint.objects.filter(number=number).values_list("content", "demand").first()
    return text_words("\n".join(text)) if text else []


def rising_terms(now: Sample, before: Sample) -> list[dict[str, Any]]:
    """Words whose share of sampled complaints rose most against the previous period."""
    if not now.size:
        return []
    current, previous = now.frequency(), before.frequency()
    rows: list[dict[str, Any]] = []
    for word, docs in current.items():
        if docs < MIN_TERM_DOCS:
            continue
        share = docs / now.size
        prev_share = previous[word] / before.size if before.size else 0.0
        if share <= prev_share:
            continue
        rows.append(
            {
                "term": word,
                "docs": docs,
                "share": round(share, 4),
                "previous_share": round(prev_share, 4),
                "change": round((share - prev_share) / prev_share, 4) if prev_share else None,
                "examples": now.examples(word),
            }
        )
    rows.sort(key=lambda r: (-(r["share"] - r["previous_share"]), r["term"]))
    return rows[:TOP_TERMS]


def category_terms(now: Sample, mix: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each of the top categories of the period, its most used words with examples."""
    from tousu.classification.models import Category

    ids = dict(Category.objects.values_list("code", "pk"))
    out = []
    for entry in mix[:CATEGORIES_EXPLAINED]:
        pk = ids.get(entry["key"])
        if pk is None or not entry["volume"]:
            continue
        counts = now.frequency(pk)
        top = sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))[:TERMS_PER_CATEGORY]
        out.append(
            {
                "category": entry["name"],
                "volume": entry["volume"],
                "terms": [{"term": w, "docs": n, "examples": now.examples(w, pk)} for w, n in top],
            }
        )
    return out


def root_causes(
    received: QuerySet[Complaint],
    received_before: QuerySet[Complaint],
    category_mix: list[dict[str, Any]],
) -> dict[str, Any]:
    """The words of the complaints `received` in a period — most used, per top category of
    `category_mix` (the period's KPI mix), and rising against the complaints `received_before`
    in the previous period — with the sample sizes."""
    now, before = sample(received), sample(received_before)
    return {
        "sample": now.size,
        "total": now.total,
        "previous_sample": before.size,
        "previous_total": before.total,
        "limit": TERM_SAMPLE,
        "top": [
            {"term": w, "docs": n, "examples": now.examples(w)}
            for w, n in sorted(now.frequency().items(), key=lambda wc: (-wc[1], wc[0]))[:TOP_TERMS]
        ],
        "by_category": category_terms(now, category_mix),
        "rising": rising_terms(now, before),
    }
