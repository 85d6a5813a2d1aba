"""The shared cut (core.segment) gives what jieba's own calls give, which the risk reading and
the search index used before they shared it."""

import jieba
import pytest

from tousu.core import segment

TEXTS = [
    "上个月话费无故多扣了58元，客服说查不到原因，要求退还\n尽快处理",
    "家里宽带晚上经常断线，报修三次都没有解决，再不处理我就找工信部和媒体曝光",
    "iphone 15 pro 在小区里信号很差，adsl 也断网；12315 已经打过了",
    "办理套餐时营业员承诺的赠送流量没有到账\n",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_spans_are_jieba_tokenize(text: str) -> None:
    assert list(segment.spans(text)) == list(jieba.tokenize(text))


@pytest.mark.parametrize("text", TEXTS)
def test_for_search_is_jieba_cut_for_search(text: str) -> None:
    assert segment.for_search(segment.words(text)) == jieba.lcut_for_search(text)


def test_a_long_word_gives_its_dictionary_grams_first() -> None:
    cut = segment.words("中华人民共和国")
    assert cut == ("中华人民共和国",)
    found = segment.for_search(cut)
    assert found[-1] == "中华人民共和国"
    assert {"中华", "华人", "人民", "共和", "共和国"} <= set(found)


def test_load_leaves_the_dictionary_loaded() -> None:
    segment.load()
    assert jieba.dt.initialized
    assert jieba.dt.FREQ  # what for_search reads
