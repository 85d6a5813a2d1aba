"""Repeat detection rules (R2.5): text similarity on Chinese texts, categories, levels."""

from __future__ import annotations

import pytest

from tousu.intake.rules import (
    SIMILARITY_THRESHOLD,
    repeat_level,
    same_category,
    similar_text,
    text_similarity,
)

BILL = "上个月话费无故多扣了58元，客服说查不到原因"


@pytest.mark.parametrize(
    ("other", "similar"),
    [
        (BILL, True),
        ("上个月话费无故多扣了58元，客服一直说查不到原因，很生气", True),
        ("手机话费被无故多扣了５８元！客服查不到原因", True),  # full-width digits folded
        ("家里宽带经常断网，报修三次都没人上门", False),
        ("我的话费上个月被多扣了58元，到现在还没退", False),  # same topic, told differently
        ("", False),
    ],
)
def test_similar_chinese_texts(other: str, similar: bool) -> None:
    assert similar_text(BILL, other) is similar
    assert text_similarity(BILL, other) == text_similarity(other, BILL)


def test_similarity_bounds() -> None:
    assert text_similarity(BILL, BILL) == 1.0
    assert text_similarity("，。！", BILL) == 0.0
    assert 0 < SIMILARITY_THRESHOLD < 1


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("billing.roaming", "billing.roaming", True),
        ("billing.roaming", "billing.value_added", False),
        ("billing", "billing.roaming", True),  # one is only top-level
        ("billing.roaming", "billing", True),
        ("billing", "network", False),
        ("network.coverage", "billing", False),
        ("", "billing", False),
        ("", "", False),
    ],
)
def test_same_category(a: str, b: str, same: bool) -> None:
    assert same_category(a, b) is same


@pytest.mark.parametrize(
    ("level", "earlier", "raised"),
    [
        ("ordinary", "ordinary", "important"),
        ("important", "ordinary", "major"),
        ("ordinary", "important", "major"),  # the third time about one issue
        ("ordinary", "major", "major"),  # not past major automatically
        ("ordinary", "over_level", "major"),
        ("major", "ordinary", "major"),
        ("over_level", "ordinary", "over_level"),  # never below its own level
        ("ordinary", "", "important"),
    ],
)
def test_a_repeat_is_raised_one_level_but_not_past_major(
    level: str, earlier: str, raised: str
) -> None:
    assert repeat_level(level, earlier) == raised
