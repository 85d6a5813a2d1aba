"""Root causes (R11.4), for the quarterly report and the root-cause page of the dashboard: the
words the complaints of a period use most, per top category, and the words whose share rose
against the previous period, each with example complaint numbers; and the period's topics —
clusters of complaints around a telling word, labelled and with examples, that corrective
actions and alerts link to by their word.

What makes a word telling (issue 18):
- a maintained stop-word list (stopwords_zh.txt: 你好, 我要, 就是, 麻烦 …) leaves out filler;
- words are ranked by how many sampled complaints use them weighted by their inverse document
  frequency in the system's own complaints (a word every complaint uses weighs little);
- two words that follow each other in many complaints, and mostly together, are also read as
  one phrase (宽带 断网 → 宽带断网), a collocation measure in the spirit of TextRank that needs
  no second pass over the texts.

Texts are read from the complaints themselves, so the read is bounded: a deterministic sample
of at most TERM_SAMPLE complaints received in each period (every k-th by id, k chosen from the
period's volume), as jieba words (`complaints.search.text_words`, kept with the search index
since registration). Shares are of the sampled complaints (document frequency), so two
periods of different volume compare.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db.models import F, QuerySet

from tousu.complaints.models import Complaint
from tousu.complaints.search import text_words

TERM_SAMPLE = 3_000
TOP_TERMS = 20
TERMS_PER_CATEGORY = 3
CATEGORIES_EXPLAINED = 5
EXAMPLES = 3
# A word must appear in this many sampled complaints of the quarter to be reported as rising.
MIN_TERM_DOCS = 3
# Two adjacent words are a phrase when this many sampled complaints use the pair and the pair
# makes up at least PHRASE_COHESION of the rarer word's uses.
MIN_PHRASE_DOCS = 3
PHRASE_COHESION = 0.5
# Topics: at most this many, each of at least MIN_TOPIC_DOCS complaints.
TOPICS = 8
MIN_TOPIC_DOCS = 3


def _stopwords(path: Path) -> frozenset[str]:
    words: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        words.update(line.split("#", 1)[0].split())
    return frozenset(words)


# Words that say nothing about a complaint's cause (tousu/analytics/stopwords_zh.txt).
STOPWORDS = _stopwords(Path(__file__).with_name("stopwords_zh.txt"))
GENERIC = STOPWORDS  # the name early warning's spike terms import


@dataclass
class Sample:
    """The sampled complaints of one period: their words, numbers and categories."""

    total: int  # complaints received in the period
    docs: Sequence[tuple[str, int | None, set[str]]]  # (number, category id, words)
    # Per doc (same order), the adjacent word pairs it uses: phrase candidates (`with_phrases`).
    pairs: Sequence[set[str]] = field(default_factory=list)
    phrases: set[str] = field(default_factory=set)  # the phrases counted among its words

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

    def with_phrases(self, phrases: Iterable[str]) -> None:
        """Count the `phrases` among each complaint's words where it uses them."""
        kept = set(phrases)
        self.phrases |= kept
        for (_number, _category, words), pairs in zip(self.docs, self.pairs, strict=False):
            words.update(pairs & kept)


def _useful(word: str) -> bool:
    return len(word) >= 2 and not word.isdigit() and not word.isascii() and word not in GENERIC


def _pairs(words: Sequence[str]) -> set[str]:
    """Adjacent telling words as phrases. The stored words are jieba's search-mode words in
    order (a long word's parts come before it): a word inside its neighbour is skipped."""
    seq: list[str] = []
    for word in words:
        while seq and seq[-1] in word:
            seq.pop()  # its parts came first; the whole replaces them
        if not (seq and word in seq[-1]):
            seq.append(word)
    telling = [w if _useful(w) else "" for w in seq]
    return {a + b for a, b in itertools.pairwise(telling) if a and b}


def sample(received: QuerySet[Complaint]) -> Sample:
    """At most TERM_SAMPLE of the complaints `received` (those of a period, in a slice): every
    k-th id, in id order."""
    total = received.count()
    step = max(1, math.ceil(total / TERM_SAMPLE))
    if step > 1:
        received = received.alias(slot=F("pk") % step).filter(slot=0)
    rows = received.order_by("pk").values_list("number", "category_id", "search__words")
    docs, pairs = [], []
    for number, category, kept in rows[:TERM_SAMPLE]:
        words = _words(number, kept)
        docs.append((number, category, {w for w in words if _useful(w)}))
        pairs.append(_pairs(words))
    return Sample(total=total, docs=docs, pairs=pairs)


def phrases(now: Sample) -> set[str]:
    """The adjacent word pairs of the period that read as one phrase: used by at least
    MIN_PHRASE_DOCS sampled complaints, and mostly together (PHRASE_COHESION of the rarer
    word's uses)."""
    pair_docs: Counter[str] = Counter()
    for pairs in now.pairs:
        pair_docs.update(pairs)
    words = now.frequency()
    kept = set()
    for pair, n in pair_docs.items():
        if n < MIN_PHRASE_DOCS:
            continue
        parts = [w for w in words if pair.startswith(w) and pair[len(w) :] in words]
        rarer = min((min(words[w], words[pair[len(w) :]]) for w in parts), default=0)
        if rarer and n >= PHRASE_COHESION * rarer:
            kept.add(pair)
    return kept


def idf(corpus: Sequence[Sample]) -> dict[str, float]:
    """Inverse document frequency of each word in the `corpus` samples (smoothed, ≥ 1)."""
    counts: Counter[str] = Counter()
    size = 0
    for part in corpus:
        counts.update(part.frequency())
        size += part.size
    return {w: math.log((1 + size) / (1 + n)) + 1.0 for w, n in counts.items()}


def ranked(
    counts: Counter[str], weights: dict[str, float], phrases: Iterable[str] = ()
) -> list[tuple[str, int]]:
    """Words (and `phrases`) by the number of complaints using them times their IDF, then by
    word."""
    top = max(weights.values(), default=1.0)
    return sorted(counts.items(), key=lambda wc: (-wc[1] * weights.get(wc[0], top), wc[0]))


def topics(now: Sample, order: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """Clusters of the period's complaints: each of the best-ranked words in turn gathers the
    complaints using it that no earlier topic took; labelled with the word and the word its
    complaints use most beside it, with examples. The word is what links a corrective action
    or an alert to the topic."""
    taken: set[str] = set()
    out: list[dict[str, Any]] = []
    for word, _n in order:
        if len(out) >= TOPICS:
            break
        docs = [d for d in now.docs if word in d[2] and d[0] not in taken]
        if len(docs) < MIN_TOPIC_DOCS:
            continue
        beside: Counter[str] = Counter()
        for _number, _category, words in docs:
            beside.update(w for w in words if w not in word and word not in w)
        second = beside.most_common(1)
        label = f"{word} · {second[0][0]}" if second and second[0][1] > 1 else word
        taken.update(d[0] for d in docs)
        out.append(
            {
                "term": word,
                "label": label,
                "docs": len(docs),
                "share": round(len(docs) / now.size, 4) if now.size else 0.0,
                "examples": [d[0] for d in docs[:EXAMPLES]],
            }
        )
    return out


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


def category_terms(
    now: Sample, mix: list[dict[str, Any]], weights: dict[str, float] | None = None
) -> list[dict[str, Any]]:
    """For each of the top categories of the period, its most used words with examples."""
    from tousu.classification.models import Category

    ids = dict(Category.objects.values_list("code", "pk"))
    out = []
    for entry in mix[:CATEGORIES_EXPLAINED]:
        pk = ids.get(entry["key"])
        if pk is None or not entry["volume"]:
            continue
        top = ranked(now.frequency(pk), weights or {}, now.phrases)[:TERMS_PER_CATEGORY]
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
    corpus: QuerySet[Complaint] | None = None,
) -> dict[str, Any]:
    """The words of the complaints `received` in a period — most used, per top category of
    `category_mix` (the period's KPI mix), and rising against the complaints `received_before`
    in the previous period — and the period's topics, with the sample sizes. Words are weighed
    by their IDF in `corpus` (the system's complaints of the slice; default: both periods')."""
    now, before = sample(received), sample(received_before)
    kept = phrases(now)
    now.with_phrases(kept)
    before.with_phrases(kept)
    reference = [now, before] if corpus is None else [sample(corpus)]
    for part in reference:
        part.with_phrases(kept)
    weights = idf(reference)
    order = ranked(now.frequency(), weights, kept)
    return {
        "sample": now.size,
        "total": now.total,
        "previous_sample": before.size,
        "previous_total": before.total,
        "limit": TERM_SAMPLE,
        "top": [{"term": w, "docs": n, "examples": now.examples(w)} for w, n in order[:TOP_TERMS]],
        "by_category": category_terms(now, category_mix, weights),
        "rising": rising_terms(now, before),
        "topics": topics(now, order),
    }
