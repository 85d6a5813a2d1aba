"""Text normalisation: what people type is kept as typed, control characters are not."""

from __future__ import annotations

import pytest

from tousu.core.text import clean_text, has_visible_text, normalise_phone


@pytest.mark.parametrize(
    "text",
    [
        "话费被多扣了😡😡",
        "为什么多扣费，。！？：；“”（）",
        "繁體字：為什麼話費會這麼貴",
        "My bill 多扣了 58 元, please refund ASAP!",
        "ＡＢＣ全角字母１２３",
        "第一行\n第二行\t带制表符",
    ],
)
def test_clean_text_keeps_what_people_type(text: str) -> None:
    assert clean_text(text) == text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("多扣\x00费", "多扣费"),
        ("响铃\x07了", "响铃了"),
        ("\ufeff开头有BOM", "开头有BOM"),
        ("删除\x7f键", "删除键"),
        ("C1\x85控制符\x9f", "C1控制符"),
        ("行\u2028分隔\u2029段落", "行分隔段落"),
        ("\x1b[31m红色\x1b[0m", "[31m红色[0m"),
    ],
)
def test_clean_text_strips_control_characters(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("第一行\r\n第二行", "第一行\n第二行"),
        ("旧Mac\r换行", "旧Mac\n换行"),
        ("a\r\n\r\nb", "a\n\nb"),
    ],
)
def test_clean_text_normalises_line_endings(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_clean_text_strips_surrounding_blanks_only() -> None:
    assert clean_text("  \n 前后有空格  中间也有 \r\n ") == "前后有空格  中间也有"


def test_clean_text_composes_to_nfc_without_folding_full_width() -> None:
    assert clean_text("Cafe\u0301，！") == "Café，！"


def test_clean_text_of_only_controls_is_empty() -> None:
    assert clean_text("\x00\x07\ufeff \r\n") == ""


@pytest.mark.parametrize(
    ("raw", "phone"),
    [
        ("13800138000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("0086-138-0013-8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        (" 138 0013 8000 ", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("＋８６ １３８００１３８０００", "13800138000"),
        ("19912345678", "19912345678"),
        ("025-12345678", "02512345678"),
        ("(025)12345678", "02512345678"),
        ("（０２５）１２３４５６７８", "02512345678"),
        ("0512-1234567", "05121234567"),
    ],
)
def test_normalise_phone_accepts_how_people_write_numbers(raw: str, phone: str) -> None:
    assert normalise_phone(raw) == phone


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "138001380001",  # 12 digits
        "1380013800",  # 10 digits
        "12800138000",  # no mobile range starts with 12
        "10086",
        "1380013800a",
        "phone",
        "138.0013.8000",
        "+1 415 555 0100",
        "25-12345678",  # landline without the leading 0
    ],
)
def test_normalise_phone_rejects_what_is_not_a_number(raw: str) -> None:
    assert normalise_phone(raw) is None


@pytest.mark.parametrize(
    ("text", "visible"),
    [
        ("", False),
        ("   \n\t", False),
        ("\u200b\u200c\u200d\u2060", False),  # zero-width space, joiners, word joiner
        ("\u202a\u202e\u2066\u2069", False),  # bidirectional controls
        ("\u3000\u00a0", False),  # ideographic and no-break spaces
        ("\ue000", False),  # private use
        ("断网", True),
        ("\u200b断\u200b", True),
        ("👨\u200d💻", True),
    ],
)
def test_has_visible_text(text: str, visible: bool) -> None:
    assert has_visible_text(text) is visible
