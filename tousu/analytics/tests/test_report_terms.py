"""What makes a root-cause word telling (R11.4, issue 18): stop words, IDF against the system's
own complaints, phrases and topics. Pure: samples built by hand, no database."""

from __future__ import annotations

from tousu.analytics.report_terms import (
    STOPWORDS,
    Sample,
    _pairs,
    _useful,
    idf,
    phrases,
    ranked,
    topics,
)

FILLER = {"你好", "您好", "我要", "就是", "麻烦", "谢谢", "请问", "一下", "什么", "怎么", "一直"}


def doc(number: str, words: list[str]) -> tuple[str, None, set[str]]:
    return (number, None, {w for w in words if _useful(w)})


def make(rows: dict[str, list[str]]) -> Sample:
    return Sample(
        total=len(rows),
        docs=[doc(n, w) for n, w in rows.items()],
        pairs=[_pairs(w) for w in rows.values()],
    )


def test_the_stop_word_list_holds_the_filler_people_write() -> None:
    assert FILLER <= STOPWORDS
    assert not ({"断网", "宽带", "扣费", "信号", "漫游"} & STOPWORDS)
    assert not any(_useful(w) for w in FILLER)


def test_a_word_every_complaint_uses_weighs_less_than_a_telling_one() -> None:
    corpus = make({f"C{i}": ["资费", "话费", "扣费" if i < 2 else "套餐"] for i in range(10)})
    weights = idf([corpus])
    assert weights["扣费"] > weights["套餐"] > weights["话费"]
    # Three complaints about charges against four that all say 话费: the rarer word leads.
    now = make({"A": ["话费", "扣费"], "B": ["话费", "扣费"], "C": ["话费", "扣费"], "D": ["话费"]})
    assert [w for w, _n in ranked(now.frequency(), weights)][:2] == ["扣费", "话费"]


def test_adjacent_words_used_together_are_a_phrase() -> None:
    # Search-mode words come part first (尽快, 恢复, 尽快恢复): the whole is the word.
    assert _pairs(["宽带", "断网", "尽快", "恢复", "尽快恢复"]) == {"宽带断网", "断网尽快恢复"}
    rows = {f"N{i}": ["你好", "宽带", "断网", "光猫"] for i in range(4)}
    rows["X"] = ["宽带", "提速"]
    now = make(rows)
    kept = phrases(now)
    assert "宽带断网" in kept
    assert "断网光猫" in kept
    now.with_phrases(kept)
    assert now.frequency()["宽带断网"] == 4
    assert "你好宽带" not in now.frequency()


def test_topics_group_the_complaints_around_their_telling_words() -> None:
    rows = {f"N{i}": ["宽带", "断网", "光猫"] for i in range(4)}
    rows |= {f"R{i}": ["国际", "漫游", "流量"] for i in range(3)}
    rows["Z"] = ["套餐"]
    now = make(rows)
    found = topics(now, ranked(now.frequency(), idf([now])))
    assert [t["docs"] for t in found] == [4, 3]
    first, second = found
    assert first["term"] in {"宽带", "断网", "光猫"}
    assert " · " in first["label"]
    assert set(first["examples"]) <= {f"N{i}" for i in range(4)}
    assert second["term"] in {"国际", "漫游", "流量"}
    assert second["share"] == round(3 / 8, 4)
