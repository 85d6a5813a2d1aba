"""Chinese word segmentation (jieba), once per text and process.

A registration reads the words of the complaint's text twice: for its risk cues, which must
stand as words of their own (intake.risk), and for its row of the search index
(complaints.search). Both are jieba's precise mode with its HMM for unknown words over the
same text, so the cut is made once and shared (issue 19: it was made twice per registration).
The search index's finer words are derived from it exactly as `jieba.cut_for_search` derives
them. The classifier cuts differently (without the HMM, over its normalised head of the text:
classification.model) and keeps its own cut.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Sequence

import jieba

jieba.setLogLevel(logging.WARNING)

# A registration's text is read by both users within the request; a few hundred texts cover
# every request in flight in a process.
CACHE_TEXTS = 256


def load() -> None:
    """Load jieba's dictionary now (about a second), not in the first cut: a server does it
    before it forks its workers, which then share it."""
    jieba.initialize()


@functools.lru_cache(maxsize=CACHE_TEXTS)
def words(text: str) -> tuple[str, ...]:
    """jieba's precise-mode words of `text` (HMM on), in order; they join back to `text`."""
    return tuple(jieba.cut(text))


def spans(text: str) -> Iterator[tuple[str, int, int]]:
    """(word, start, end) for each of `words(text)`: what `jieba.tokenize(text)` yields."""
    start = 0
    for word in words(text):
        yield word, start, start + len(word)
        start += len(word)


def for_search(cut: Sequence[str]) -> list[str]:
    """The search-mode words of a precise cut: each word's dictionary 2- and 3-grams before
    the word itself, what `jieba.lcut_for_search` gives for the text of that cut."""
    jieba.dt.check_initialized()  # FREQ is empty until the dictionary is loaded
    freq = jieba.dt.FREQ
    out: list[str] = []
    for word in cut:
        if len(word) > 2:
            out += [gram for i in range(len(word) - 1) if freq.get(gram := word[i : i + 2])]
        if len(word) > 3:
            out += [gram for i in range(len(word) - 2) if freq.get(gram := word[i : i + 3])]
        out.append(word)
    return out
