"""Masking of personal data: enough to recognise, not enough to use."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tousu.complaints.rules import format_number
from tousu.core.pii import (
    PII_KINDS,
    TextMask,
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
    pii_in_text,
    pii_replace,
)


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13800138000", "138****8000"),
        ("02512345678", "025****5678"),
        ("051212345678", "051*****5678"),
        ("02512345", "025*2345"),
        ("1234567", "1******"),
        ("10086", "1****"),
        ("1", "1"),
        ("", ""),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("phone", ["13800138000", "02512345678", "1234567", "10086"])
def test_mask_phone_keeps_the_length_and_hides_the_middle(phone: str) -> None:
    masked = mask_phone(phone)
    assert len(masked) == len(phone)
    assert "*" in masked
    assert masked != phone


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("李小明", "李**"),
        ("欧阳娜娜", "欧***"),
        ("John", "J***"),
        ("王", "王*"),
        ("", ""),
    ],
)
def test_mask_name_keeps_the_first_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("320102199001011234", "3201**********1234"),
        ("32010219900101123X", "3201**********123X"),
        ("123456789", "1234*6789"),
        ("12345678", "********"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_mask_id_number_hides_the_birth_date(value: str, masked: str) -> None:
    assert mask_id_number(value) == masked
    if len(value) == 18:
        assert value[6:14] not in masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("江苏省南京市玄武区中山路1号", "江苏省南京市****"),
        ("南京市玄武区中山路", "南京市玄武区****"),
        ("南京市玄武区", "南京****"),
        ("南京", "南京****"),
        ("", ""),
    ],
)
def test_mask_address_keeps_only_the_district_level(address: str, masked: str) -> None:
    assert mask_address(address) == masked
    assert "中山路" not in masked


# ---- personal data written into free text ---------------------------------------------------

# A property test's examples run in the same test: no database, a few hundred each.
PROPERTY = settings(max_examples=300, deadline=None)
FULL_WIDTH = str.maketrans({chr(0x30 + i): chr(0xFF10 + i) for i in range(10)} | {"X": "Ｘ"})

# Chinese words and punctuation around a number: no digits, letters or points that would make
# it part of something longer.
context = st.text(alphabet="我的手机电话号码是身份证卡邮箱请回：，。；！？（）、 \n", max_size=8)
digit = st.sampled_from("0123456789")


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


def plain(text: str) -> str:
    """Digits, X and stars of a masked number, half-width, without separators."""
    half = text.translate({0xFF10 + i: 0x30 + i for i in range(10)} | {ord("Ｘ"): "X"}).upper()
    return "".join(ch for ch in half if ch.isdigit() or ch in "X*")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("我的手机13812345678，请回电", "我的手机138****5678，请回电"),
        ("138 1234 5678", "138 **** 5678"),
        ("138-1234-5678", "138-****-5678"),
        ("１３８１２３４５６７８", "１３８****５６７８"),
        ("+86 138 1234 5678", "+86 138 **** 5678"),
        ("0086-13812345678", "0086-138****5678"),
        ("8613812345678", "86138****5678"),
        ("Tel13812345678", "Tel138****5678"),
        ("电话13812345678。", "电话138****5678。"),
        ("电话13812345678.", "电话138****5678."),
        ("座机025-83456789", "座机025-****6789"),
        ("(025) 8345 6789", "(025) **** 6789"),
        ("（０５１２）６５１２３４５", "（０５１２）***２３４５"),
        ("02583456789", "025****6789"),
        ("(010)82345678(021)62345678", "(010)****5678(021)****5678"),
        ("身份证320102199001011234", "身份证3201**********1234"),
        ("32010219900101123X", "3201**********123X"),
        ("３２０１０２１９９００１０１１２３Ｘ", "３２０１**********１２３Ｘ"),
        ("卡号6222 0212 3456 7890 123", "卡号6222 **** **** ***0 123"),
        ("6222-0212-3456-7890", "6222-****-****-7890"),
        ("6222021234567890123", "6222***********0123"),
        ("邮箱zhangsan@example.com谢谢", "邮箱z***@example.com谢谢"),
        ("13812345678@163.com", "1***@163.com"),
        ("ｚｈａｎｇ＠ｑｑ．ｃｏｍ", "ｚ***＠ｑｑ．ｃｏｍ"),
        ("13812345678、13912345678", "138****5678、139****5678"),
    ],
)
def test_mask_text_masks_the_middle_and_keeps_the_kind(text: str, masked: str) -> None:
    assert mask_text(text) == masked
    assert pii_in_text(text)
    assert not pii_in_text(masked)


@pytest.mark.parametrize(
    "text",
    [
        "上个月话费无故多扣了58元",
        "¥1,234.56 和 12345678.90 元",
        "13812345678.5 元",  # an amount, however unlikely
        "2026-01-05 10:30:00，2026/1/5，2026年1月5日，20260105，20260105103000",
        "2026-01-05T10:30:00.123456+00:00",
        "投诉单 TS202601050001 和 TS2026010500012345",
        "订单号 E20260105123456，ORD6222021234567890，1234567890123",
        "10086、12315、95588、400-810-8888",
        "a13812345678b",  # inside a code
        "",
    ],
)
def test_mask_text_leaves_amounts_dates_and_reference_numbers(text: str) -> None:
    assert mask_text(text) == text
    assert not pii_in_text(text)


@st.composite
def mobiles(draw: st.DrawFn) -> tuple[str, str]:
    """(the number's 11 digits, the number as a customer might write it)."""
    number = "1" + draw(st.sampled_from("3456789")) + draw(digits(9))
    sep = draw(st.sampled_from(["", " ", "-"]))
    written = f"{number[:3]}{sep}{number[3:7]}{sep}{number[7:]}"
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "0086", "0086-", "86", "0"]))
    written = prefix + written
    if draw(st.booleans()):
        written = written.translate(FULL_WIDTH)
    return number, written


@PROPERTY
@given(mobile=mobiles(), before=context, after=context)
def test_any_mobile_shows_its_head_and_tail_only(
    mobile: tuple[str, str], before: str, after: str
) -> None:
    number, written = mobile
    masked = mask_text(before + written + after)
    assert masked.startswith(before)
    assert masked.endswith(after)
    assert plain(masked[len(before) : len(masked) - len(after)]).endswith(
        number[:3] + "****" + number[-4:]
    )
    assert len(masked) == len(before + written + after)
    assert pii_in_text(written)


@st.composite
def landlines(draw: st.DrawFn) -> tuple[str, str, str]:
    """(area code, subscriber number, as written)."""
    area = draw(st.sampled_from(["010", "020", "021", "025", "0512", "0755", "0371", "0991"]))
    subscriber = draw(st.sampled_from("23456789")) + draw(digits(draw(st.sampled_from([6, 7]))))
    sep = draw(st.sampled_from(["", " ", "-"]))
    head = f"({area})" if draw(st.booleans()) else area
    written = head + sep + subscriber
    if draw(st.booleans()):
        written = written.translate(FULL_WIDTH)
    return area, subscriber, written


@PROPERTY
@given(landline=landlines(), before=context, after=context)
def test_any_landline_keeps_its_area_code_and_last_four(
    landline: tuple[str, str, str], before: str, after: str
) -> None:
    area, subscriber, written = landline
    masked = mask_text(before + written + after)
    hidden = len(subscriber) - 4
    assert plain(masked) == area + "*" * hidden + subscriber[-4:]
    assert masked.startswith(before)
    assert masked.endswith(after)


@st.composite
def id_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(birth date, ID number)."""
    region = draw(st.sampled_from("12345678")) + draw(digits(5))
    born = draw(st.dates(dt.date(1900, 1, 1), dt.date(2025, 12, 31))).strftime("%Y%m%d")
    check = draw(st.sampled_from("0123456789Xx"))
    return born, region + born + draw(digits(3)) + check


@PROPERTY
@given(id_number=id_numbers(), full_width=st.booleans(), before=context, after=context)
def test_any_id_number_hides_the_birth_date(
    id_number: tuple[str, str], full_width: bool, before: str, after: str
) -> None:
    born, value = id_number
    written = value.translate(FULL_WIDTH) if full_width else value
    masked = mask_text(before + written + after)
    assert plain(masked) == value[:4].upper() + "*" * 10 + value[-4:].upper()
    assert born not in plain(masked)


@st.composite
def cards(draw: st.DrawFn) -> tuple[str, str]:
    """(the card's digits, as written: in one run or in groups of four)."""
    number = draw(st.sampled_from("3456")) + draw(digits(draw(st.integers(15, 18))))
    sep = draw(st.sampled_from(["", " ", "-"]))
    written = sep.join(number[i : i + 4] for i in range(0, len(number), 4))
    return number, written


@PROPERTY
@given(card=cards(), before=context, after=context)
def test_any_card_number_keeps_four_digits_at_each_end(
    card: tuple[str, str], before: str, after: str
) -> None:
    number, written = card
    masked = mask_text(before + written + after)
    assert plain(masked) == number[:4] + "*" * (len(number) - 8) + number[-4:]
    assert masked.startswith(before)
    assert masked.endswith(after)


@PROPERTY
@given(
    local=st.from_regex(r"[a-z0-9][a-z0-9._]{0,15}", fullmatch=True),
    domain=st.sampled_from(["qq.com", "163.com", "example.com.cn", "mail.sh-bank.cn"]),
    before=context,
    after=context,
)
def test_any_email_keeps_its_first_character_and_domain(
    local: str, domain: str, before: str, after: str
) -> None:
    masked = mask_text(f"{before}{local}@{domain}{after}")
    assert masked == f"{before}{local[0]}***@{domain}{after}"


# What must never be masked: amounts, dates and times, complaint numbers, order numbers that are
# not card-like (a letter prefix and digits that start like a date; or 5 to 15 digits that start
# like no phone), written alone or together in a sentence.
amounts = st.decimals(0, 10**10, places=2).flatmap(
    lambda d: st.sampled_from([f"{d}元", f"¥{d:,}", f"{int(d)}元", f"{d:.2f}"])
)
moments = st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2040, 12, 31)).flatmap(
    lambda t: st.sampled_from(
        [
            t.strftime(f)
            for f in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S")
        ]
        + [t.strftime("%Y%m%d%H%M%S"), t.isoformat(), t.replace(tzinfo=dt.UTC).isoformat()]
    )
)
complaint_numbers = st.builds(
    lambda day, seq: format_number(day.strftime("%Y%m%d"), seq),
    st.dates(dt.date(2020, 1, 1), dt.date(2040, 12, 31)),
    st.integers(1, 99_999_999),
)
order_numbers = st.one_of(
    st.builds(
        lambda prefix, rest: prefix + "2" + rest,
        st.from_regex(r"[A-Z]{1,4}", fullmatch=True),
        st.text(alphabet="0123456789", max_size=24),
    ),
    st.builds(
        lambda first, rest: first + rest,
        st.sampled_from("2345679"),
        # Five digits or more: four runs of four in a row, by a space or a dash, is how a
        # card is written (and so masked).
        st.text(alphabet="0123456789", min_size=4, max_size=14),
    ),
)
ordinary = st.one_of(amounts, moments, complaint_numbers, order_numbers)


@PROPERTY
@given(parts=st.lists(ordinary, min_size=1, max_size=4), glue=st.sampled_from(["，", " ", "；"]))
def test_amounts_dates_complaint_and_order_numbers_are_never_masked(
    parts: list[str], glue: str
) -> None:
    text = "金额和单号：" + glue.join(parts) + "。"
    assert mask_text(text) == text
    assert not pii_in_text(text)


personal = st.one_of(
    mobiles().map(lambda m: m[1]),
    landlines().map(lambda m: m[2]),
    id_numbers().map(lambda m: m[1]),
    cards().map(lambda m: m[1]),
)


@PROPERTY
@given(parts=st.lists(st.one_of(personal, ordinary, context), max_size=6))
def test_masking_keeps_the_text_and_leaves_nothing_to_find(parts: list[str]) -> None:
    """Masking stars digits in place (the length, the words and the separators stay), masks
    everything it finds, and a second pass changes nothing."""
    text = "，".join(parts)
    masked = mask_text(text)
    assert len(masked) == len(text)
    for was, now in zip(text, masked, strict=True):
        assert now == was or (now == "*" and plain(was) in "0123456789Xx")
    assert not pii_in_text(masked)
    assert mask_text(masked) == masked


def test_a_derived_copy_drops_each_kind_whole() -> None:
    kinds = {kind: f"[{kind}]" for kind in PII_KINDS}
    text = (
        "电话+86 138 1234 5678，座机（０２５）８３４５６７８９，"
        "卡6222 0212 3456 7890 123，ａ＠ｂ．ｃｎ"
    )
    assert pii_replace(text, kinds) == "电话[mobile]，座机[landline]，卡[card]，[email]"


def test_a_text_mask_that_may_not_reveal_masks_and_reveals_nothing() -> None:
    texts = TextMask(reveal=False)
    assert texts.text("电话13812345678") == "电话138****5678"
    data = {"note": "邮箱a@b.cn", "remedies": [{"note": "卡6222021234567890"}], "total": 58}
    assert texts.data(data) == {
        "note": "邮箱a***@b.cn",
        "remedies": [{"note": "卡6222********7890"}],
        "total": 58,
    }
    assert texts.revealed is False


def test_a_text_mask_that_may_reveal_notes_only_real_personal_data() -> None:
    texts = TextMask(reveal=True)
    assert texts.text("上个月多扣了58元") == "上个月多扣了58元"
    assert texts.data({"note": "TS202601050001", "size": 1024}) == {
        "note": "TS202601050001",
        "size": 1024,
    }
    assert texts.revealed is False
    assert texts.data(["电话13812345678"]) == ["电话13812345678"]
    assert texts.revealed is True


def test_a_text_mask_masks_the_customers_name_where_the_text_writes_it() -> None:
    from tousu.core.pii import TextMask

    letter = "尊敬的欧阳明客户，您好：欧阳明先生反映的问题已处理。联系电话13812345678"
    masked = TextMask(reveal=False, names=["欧阳", "欧阳明", "王"])
    assert (
        masked.text(letter) == "尊敬的欧**客户，您好：欧**先生反映的问题已处理。联系电话138****5678"
    )
    # A reader who may see personal data sees the numbers; the name, as the customer panel
    # shows it, only by the panel's reveal: no reveal is logged for it.
    reader = TextMask(reveal=True, names=["欧阳明"])
    assert reader.text("欧阳明先生来电") == "欧**先生来电"
    assert not reader.revealed
