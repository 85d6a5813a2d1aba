"""The pure rules of the knowledge domain: anonymisation, tags, wording versions and the
expired-wording check, reply templates, the "what changed" diff. No database."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tousu.core.pii import PII_KINDS, pii_in_text
from tousu.core.tests.test_pii import personal
from tousu.knowledge import rules
from tousu.knowledge.choices import VersionState

# ---- anonymisation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "电话13800138000",
        "电话 138 0013 8000",
        "电话138-0013-8000",
        "电话+86 13800138000",
        "电话+8613800138000",
        "电话００８６１３８００１３８０００",
        "电话１３８００１３８０００",
    ],
)
def test_mobile_numbers_in_every_spelling(text: str) -> None:
    out = rules.anonymise(text)
    assert out.replace(" ", "") == "电话[电话]"


@pytest.mark.parametrize(
    "text", ["座机025-83456789", "座机02583456789", "座机(025)83456789", "座机（0512）6512345"]
)
def test_landlines(text: str) -> None:
    assert rules.anonymise(text) == "座机[电话]"


@pytest.mark.parametrize(
    ("text", "anonymised"),
    [
        ("座机025-8345-6789", "座机[电话]"),
        ("座机(025) 8345 6789", "座机[电话]"),
        ("邮箱ｚｈａｎｇ＠ｑｑ．ｃｏｍ。", "邮箱[邮箱]。"),
    ],
)
def test_what_pages_would_mask_is_removed_too(text: str, anonymised: str) -> None:
    """A case is read by roles that may not see personal data: it keeps nothing that the
    masking of the pages (core.pii) would have hidden from them."""
    assert rules.anonymise(text) == anonymised


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.one_of(personal, st.sampled_from(["，", "我的", "电话", "：", " "]))))
def test_a_case_keeps_no_personal_data_that_a_page_would_mask(parts: list[str]) -> None:
    assert not pii_in_text(rules.anonymise("".join(parts)))


def test_every_kind_of_personal_data_has_its_placeholder() -> None:
    from tousu.core import anonymise

    assert set(anonymise._BY_KIND) == set(PII_KINDS)


def test_service_numbers_and_amounts_stay() -> None:
    text = "拨打10086无人接听，多扣了58元，每月3号扣费，2026年3月5日办理"
    assert rules.anonymise(text) == text


@pytest.mark.parametrize(
    "number",
    [
        "32010219900307123X",
        "32010219900307123x",
        "320102199003071234",
        "３２０１０２１９９００３０７１２３Ｘ",
    ],
)
def test_id_numbers_of_18_digits_with_x(number: str) -> None:
    assert rules.anonymise(f"身份证{number}。") == "身份证[证件号]。"


def test_old_15_digit_id_numbers() -> None:
    assert rules.anonymise("身份证号320102900307123") == "身份证号[证件号]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("银行卡6222021234567890123扣款", "银行卡[账号]扣款"),
        ("银行卡6222 0212 3456 7890 扣款", "银行卡[账号] 扣款"),
        ("宽带账号：NJ12345678", "宽带账号：[账号]"),
        ("宽带账号为 ad025123456", "宽带账号为 [账号]"),
        ("户号 88012345", "户号 [账号]"),
        ("工号1234的客服", "工号[工号]的客服"),
        ("邮箱wang.xm@qq.com", "邮箱[邮箱]"),
        ("流水号202603150000123456789", "流水号[账号]"),
    ],
)
def test_accounts_cards_staff_numbers_and_mail(text: str, expected: str) -> None:
    assert rules.anonymise(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("住在南京市鼓楼区中山路100号3栋201室，", "住在南京市鼓楼区[地址]，"),
        ("我家住幸福家园5号楼1201", "我家住[地址]"),
        ("地址：苏州市工业园区星湖街328号", "地址：苏州市工业园区[地址]"),
        ("装在3栋2单元501室", "装在[地址]"),
        ("住在阳光花园12幢3-502", "住在[地址]"),
    ],
)
def test_addresses_keep_the_district(text: str, expected: str) -> None:
    assert rules.anonymise(text) == expected


def test_a_store_or_road_without_a_door_number_stays() -> None:
    text = "在中山路营业厅办理，家里信号一格都没有"
    assert rules.anonymise(text) == text


def test_the_record_address_goes_whole() -> None:
    out = rules.anonymise(
        "上门到无锡惠山区玉祁镇前进村老宅，没人", addresses=["无锡惠山区玉祁镇前进村老宅"]
    )
    assert out == "上门到[地址]，没人"


def test_names_from_the_record_with_title_and_given_name() -> None:
    out = rules.anonymise(
        "机主张三来电，张先生说三哥没办过；客户欧阳娜娜说娜娜很生气，欧阳女士要求退费",
        names=["张三", "欧阳娜娜"],
    )
    assert "张三" not in out
    assert "娜娜" not in out
    assert "欧阳" not in out
    assert "某先生" in out
    assert "某女士" in out
    assert out.startswith("机主某某来电")


def test_common_title_patterns_without_a_record() -> None:
    out = rules.anonymise("李女士和王先生都投诉过；营业员高小姐态度差")
    assert out == "某女士和某先生都投诉过；营业员某小姐态度差"


def test_a_record_surname_outside_the_common_list() -> None:
    assert rules.anonymise("禤先生来电", names=["禤国强"]) == "某先生来电"


def test_self_introductions() -> None:
    assert rules.anonymise("我叫王小明，姓名：李四") == "我叫某某，姓名：某某"


def test_no_false_names_in_ordinary_words() -> None:
    text = "这位先生反映网络很差，客服老师没有解释"
    assert rules.anonymise(text) == text


def test_a_whole_complaint() -> None:
    text = (
        "我是张三，手机13800138000，身份证32010219900307123X，家住南京市鼓楼区中山路100号"
        "3栋201室。上月宽带账号：NJ12345678被多扣58元，营业员李女士说会退，至今没退。"
    )
    out = rules.anonymise(text, names=["张三"], phones=["13800138000"], accounts=["NJ12345678"])
    for secret in ("张三", "13800138000", "32010219900307123X", "中山路", "NJ12345678", "李女士"):
        assert secret not in out
    assert "多扣58元" in out
    assert "南京市鼓楼区" in out


def test_surname_of() -> None:
    assert rules.surname_of("欧阳娜娜") == "欧阳"
    assert rules.surname_of("张三") == "张"
    assert rules.surname_of("欧阳") == "欧"


# ---- tags -----------------------------------------------------------------------------------


def test_tags_normalise_and_store() -> None:
    tags = rules.tags_normalise("漫游，流量、 退费  漫游|x")
    assert tags == ["漫游", "流量", "退费", "x"]
    assert rules.tags_stored(tags) == "|漫游|流量|退费|x|"
    assert rules.tags_read("|漫游|流量|") == ["漫游", "流量"]
    assert rules.tags_stored([]) == ""
    assert len(rules.tags_normalise([str(i) for i in range(30)])) == rules.TAGS_MAX
    assert rules.tags_normalise("a" * 50) == ["a" * rules.TAG_MAX_CHARS]


# ---- wording versions -----------------------------------------------------------------------

DAY = dt.date(2026, 6, 1)


def test_version_states() -> None:
    V = rules.VersionDates
    states = rules.version_states(
        [
            V(1, dt.date(2025, 1, 1), dt.date(2025, 12, 31)),  # past its last day
            V(2, dt.date(2026, 1, 1), None),  # superseded by 3
            V(3, dt.date(2026, 5, 1), None),  # current
            V(4, dt.date(2026, 7, 1), None),  # announced
        ],
        DAY,
    )
    assert states == {
        1: VersionState.EXPIRED,
        2: VersionState.EXPIRED,
        3: VersionState.CURRENT,
        4: VersionState.UPCOMING,
    }


def test_the_last_valid_day_is_inclusive() -> None:
    V = rules.VersionDates
    assert rules.version_states([V(1, DAY, DAY)], DAY) == {1: VersionState.CURRENT}
    later = DAY + dt.timedelta(days=1)
    assert rules.version_states([V(1, DAY, DAY)], later) == {1: VersionState.EXPIRED}


OLD = "漫游日包每日二十五元含五百兆高速流量。超出高速流量后降速使用，不再另行收费。"
NEW = "漫游日包每日三十元含一吉高速流量。超出高速流量后降速使用，不再另行收费。"


def wording(version: int, state: VersionState, *texts: str) -> rules.WordingText:
    return rules.WordingText("roaming", "漫游日包", version, state, dt.date(2026, 4, 30), texts)


def test_a_reply_quoting_an_expired_version_is_caught() -> None:
    versions = [wording(1, VersionState.EXPIRED, OLD), wording(2, VersionState.CURRENT, NEW)]
    reply = "您好，漫游日包每日二十五元含五百兆高速流量，给您带来不便深表歉意。"
    found = rules.expired_wording_in(reply, versions)
    assert [(s.version, s.sentence) for s in found] == [(1, "漫游日包每日二十五元含五百兆高速流量")]
    message = rules.stale_message(found[0])
    assert "漫游日包" in message
    assert "第 1 版" in message
    assert "2026-04-30" in message


def test_sentences_the_current_version_still_says_are_fine() -> None:
    versions = [wording(1, VersionState.EXPIRED, OLD), wording(2, VersionState.CURRENT, NEW)]
    assert rules.expired_wording_in("超出高速流量后降速使用，不再另行收费。", versions) == []
    assert rules.expired_wording_in(NEW, versions) == []
    assert rules.expired_wording_in("", versions) == []


def test_blanks_and_channel_variants_are_checked_too() -> None:
    variant = "日包25元含500M，次日零点生效"
    versions = [wording(1, VersionState.EXPIRED, OLD, variant)]
    assert rules.expired_wording_in("漫游日包 每日二十五元 含五百兆高速流量", versions)
    assert rules.expired_wording_in("提醒：日包25元含500M，次日零点生效！", versions)


def test_short_common_sentences_do_not_count() -> None:
    versions = [wording(1, VersionState.EXPIRED, "感谢您的理解。" + OLD)]
    assert rules.expired_wording_in("感谢您的理解。", versions) == []


def test_upcoming_versions_do_not_excuse_and_are_not_flagged() -> None:
    versions = [wording(1, VersionState.UPCOMING, OLD)]
    assert rules.expired_wording_in(OLD, versions) == []


# ---- reply templates ------------------------------------------------------------------------

FACTS = rules.ReplyFacts(
    number="TS202606010001",
    customer="张*",
    category="不明扣费",
    remedies="退款 58.00 元、道歉",
    amount="58.00",
    received="2026年6月1日",
    resolved="2026年6月2日",
    today="2026年6月2日",
)


def test_reply_fill_with_the_facts_and_the_thanks_at_the_end() -> None:
    out = rules.reply_fill(
        "{greeting}\n您{received}反映的{category}问题（{number}）已办理{remedies}。", FACTS
    )
    assert out.startswith(
        "尊敬的张*客户，您好：\n您2026年6月1日反映的不明扣费问题（TS202606010001）"
    )
    assert "已办理退款 58.00 元、道歉。" in out
    assert out.endswith(rules.THANKS_TEXT)
    # S1's three sentences: sorry for the trouble, thanks for the trust, we will improve.
    assert "歉意" in rules.THANKS[0]
    assert "信任" in rules.THANKS[1]
    assert "改进" in rules.THANKS[2]


def test_reply_fill_places_the_thanks_where_asked_and_keeps_unknown_placeholders() -> None:
    out = rules.reply_fill("{thanks}合计{amount}元{unknown}{number.__class__}", FACTS)
    assert out == rules.THANKS_TEXT + "合计58.00元{unknown}{number.__class__}"
    assert rules.unknown_placeholders("{unknown}{amount}{x}") == ["unknown", "x"]


def test_reply_fill_without_a_name() -> None:
    facts = rules.ReplyFacts(**{**FACTS.__dict__, "customer": ""})
    assert rules.reply_fill("{greeting}", facts).startswith("尊敬的客户，您好：")
    assert rules.reply_fill("", facts) == rules.THANKS_TEXT


def test_remedies_text() -> None:
    assert rules.remedies_text([("退款", "58.00", ""), ("道歉", "", "")]) == "退款 58.00 元、道歉"
    # What was done, as the handler noted it: the label alone says nothing.
    explained = rules.remedies_text([("解释说明", "", "告知 12321 举报渠道")])
    assert explained == "解释说明（告知 12321 举报渠道）"
    assert rules.remedies_text([]) == "无"  # "处理结果：无。", not "处理结果：。"


# ---- what changed ---------------------------------------------------------------------------


def test_wording_diff() -> None:
    parts = rules.wording_diff(OLD, NEW)
    assert "".join(p.text for p in parts if p.op != "insert") == OLD
    assert "".join(p.text for p in parts if p.op != "delete") == NEW
    deleted = "".join(p.text for p in parts if p.op == "delete")
    inserted = "".join(p.text for p in parts if p.op == "insert")
    assert "二" in deleted
    assert "五百兆" in deleted
    assert "三" in inserted
    assert "一吉" in inserted
    assert rules.wording_diff("", "新") == [rules.DiffPart("insert", "新")]
