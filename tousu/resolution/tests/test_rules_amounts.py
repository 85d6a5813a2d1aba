"""The sums a complaint's text states (the fact a clause computes from, when nobody entered
it), and the measures of "far above" used while that fact is missing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tousu.resolution.rules import (
    above_peers,
    chinese_number,
    disputed_amount_stated,
    median,
    stated_amounts,
)

D = Decimal


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        # The phrasing of the demo's complaints and the classifier's test set.
        ("上个月话费无故多扣了58元，客服说查不到原因", [D(58)]),
        ("话费无故多扣了三十元", [D(30)]),
        ("余额突然少了五十块", [D(50)]),
        ("莫名被扣了二十元话费", [D(20)]),
        ("视频彩铃包每月扣19.9元，我从来没订过", [D("19.9")]),
        ("这个月账单多了300多元", [D(400)]),  # "300多": at most 399
        ("国外回来收了2000多块漫游费", [D(3000)]),
        ("被扣了四百多块", [D(500)]),
        ("每个月只返4块多", [D(5)]),
        ("一千二块钱的手机用了三天就坏了", [D(1200)]),
        ("五块钱一个月的来电提醒", [D(5)]),
        ("畅享套餐59元，这个月多扣了20块", [D(59), D(20)]),
        # Not sums of money.
        ("和朋友一块去的营业厅", []),
        ("元旦前办的宽带，3单元信号很差", []),
        ("每个月多扣几块钱的费用", []),
        ("", []),
    ],
)
def test_stated_amounts(text: str, amounts: list[Decimal]) -> None:
    assert stated_amounts(text) == amounts


@pytest.mark.parametrize(
    ("text", "disputed"),
    [
        # The plan's price is what the customer pays, not what they dispute.
        ("我办的5G畅享套餐129元，这个月多扣了58元", D(58)),
        ("畅享套餐59元，这个月多扣了20块", D(20)),
        ("我的套餐是129元/月，这个月扣了187元，客服说是超套流量", D(187)),
        ("连续三个月每个月都比套餐多扣30元左右，5G畅享套餐129元本来应该是固定的钱", D(30)),
        ("我办的是5G畅享套餐129元，结果另外还收了我58元的变更费", D(58)),
        ("交着融合套餐169元的钱，这个月宽带费又收了我36元", D(36)),
        # A price word beside the sum but a dispute word right before it: the dispute.
        ("营业厅说老用户升5G免费，结果升了以后月租多了20元", D(20)),
        # One sum, tied to no word of either kind: what the text is about.
        ("一千二块钱的手机用了三天就坏了", D(1200)),
        ("上个月话费无故多扣了58元，客服说查不到原因", D(58)),
        ("视频彩铃包每月扣19.9元，我从来没订过", D("19.9")),
        ("超出套餐的流量一下子收了我300多元", D(400)),
        ("我妈接到诈骗电话，被骗了1200元", D(1200)),
        # Two disputed sums: the larger, the most the text can be disputing.
        ("话费多扣了58元，还乱收了我10元的来电提醒费", D(58)),
        # Only a plan's price, or a price per month or per day: no disputed amount stated.
        ("我办的是5G智享套餐199元，信号一直很差", None),
        ("套餐199元/月，用了三年了，网速越来越慢", None),
        ("在日本出差时办了58元一天的漫游包，回来发现还额外按流量收了漫游费", None),
        ("宽带三天两头断网", None),
    ],
)
def test_the_disputed_amount_stated_is_a_sum_in_dispute_not_a_price(
    text: str, disputed: Decimal | None
) -> None:
    assert disputed_amount_stated(text) == disputed


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("二十", 20),
        ("十五", 15),
        ("四百", 400),
        ("一千二", 1200),
        ("一百零五", 105),
        ("三万五千", 35000),
        ("两千", 2000),
        ("一二", None),
    ],
)
def test_chinese_number(text: str, value: int | None) -> None:
    assert chinese_number(text) == value


def test_far_above_the_peers_median() -> None:
    peers = [D(20), D(30), D(50), D(58), D(3000)]  # one generous outcome does not hide the next
    assert median(peers) == D(50)
    assert above_peers(D(2000), peers) == D(50)
    assert above_peers(D(90), peers) is None  # within twice the median
    assert above_peers(D(2000), peers[:4]) is None  # too few to tell
    assert above_peers(D(15), [D(1), D(2), D(2), D(3), D(5)]) is None  # less than 20 yuan apart


def test_the_disputed_sum_as_written() -> None:
    """The demo's handler records "300多元" as 300, the check of an outcome reads up to 400."""
    text = "畅享套餐59元，这个月账单多了300多元"
    assert disputed_amount_stated(text) == D(400)
    assert disputed_amount_stated(text, as_written=True) == D(300)
    assert disputed_amount_stated("我办的是5G智享套餐199元", as_written=True) is None
