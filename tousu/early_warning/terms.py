"""Which words of a complaint say something about its cause (for a spike's terms): Chinese
words of two characters or more and English words of three letters or more, without the words
every complaint uses. Pure; the words come from the search index (complaints.search)."""

from __future__ import annotations

from tousu.analytics.report_terms import GENERIC

# English words that say nothing of a cause (imported English complaints, e.g. FCC filings).
_ENGLISH_GENERIC_TEXT = """
    the and for that this with have has had was were are not but you your they them their
    our out all any can could would should will just get got been being from into about
    there here what when which who why how than then also very more most some such only
    over after before again because while since until did does doing done now one two
    comcast xfinity customer service services company complaint complaints called call
    calls told said say says back time times day days month months year years even still
    account like want need know make made take took give gave going went come came
"""
ENGLISH_GENERIC = frozenset(_ENGLISH_GENERIC_TEXT.split())


# Chinese words the analytics' list does not have that say nothing of a cause either.
_CHINESE_GENERIC_TEXT = (
    "一样 好几次 几个 什么 怎么 为什么 还是 已经 现在 马上 电话 打电话 "
    "开始 一直 到底 今天 昨天 之后 以后"
)
CHINESE_GENERIC = frozenset(_CHINESE_GENERIC_TEXT.split())


def useful_words(words: str | None) -> set[str]:
    """The telling words of one complaint's stored word list (space-separated)."""
    out = set()
    for word in (words or "").split():
        if word.isdigit() or word in GENERIC or word in CHINESE_GENERIC:
            continue
        if word.isascii():
            if len(word) >= 3 and word.isalpha() and word not in ENGLISH_GENERIC:
                out.add(word)
        elif len(word) >= 2:
            out.add(word)
    return out
