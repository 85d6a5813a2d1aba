"""The pure rules of SMS intake: the parts of a long SMS (UDH, 8- and 16-bit references), their
codings, the sender's phone, "TD", the complaint number named, and the text with a part
missing. No database."""

from __future__ import annotations

import datetime as dt

import pytest

from tousu.intake import sms_rules
from tousu.intake.sms_rules import Part
from tousu.messages.sms_rules import part_read, sms_decode, udh_concat

T0 = dt.datetime(2026, 12, 8, 4, 0, tzinfo=dt.UTC)


def test_udh_concatenation_elements_8_and_16_bit() -> None:
    assert udh_concat(bytes([5, 0, 3, 0x2A, 3, 2]) + b"AB") == ((0x2A, 3, 2), b"AB")
    assert udh_concat(bytes([6, 8, 4, 0x12, 0x34, 2, 1]) + b"CD") == ((0x1234, 2, 1), b"CD")
    # Another element before it (a port address) is skipped.
    ports = bytes([0x05, 4, 0x0B, 0x84, 0x23, 0xF0])
    assert udh_concat(bytes([11]) + ports + bytes([0, 3, 7, 2, 1]) + b"x") == ((7, 2, 1), b"x")
    # A header longer than the data is no header: the text is kept whole.
    assert udh_concat(bytes([40, 0, 3])) == (None, bytes([40, 0, 3]))


def test_a_part_with_a_nonsense_header_is_read_as_a_whole_sms() -> None:
    part = part_read(
        sender="13900139000",
        recipient="10000",
        esm_class=0x40,
        data_coding=8,
        short_message=bytes([5, 0, 3, 1, 2, 5]) + "你好".encode("utf-16-be"),
    )
    assert (part.ref, part.total, part.seq, part.payload) == (
        None,
        1,
        1,
        "你好".encode("utf-16-be"),
    )
    sar = part_read(
        sender="1", recipient="2", esm_class=0, data_coding=0, short_message=b"hi", sar=(9, 2, 2)
    )
    assert (sar.ref, sar.total, sar.seq) == (9, 2, 2)


def test_the_same_pdu_has_the_same_key_and_another_does_not() -> None:
    def one(text: str) -> str:
        return part_read(
            sender="13900139000",
            recipient="10000",
            esm_class=0,
            data_coding=0,
            short_message=text.encode(),
        ).key

    assert one("TD") == one("TD") != one("TD ")


@pytest.mark.parametrize(
    ("coding", "data", "text"),
    [
        (8, "信号差😠".encode("utf-16-be"), "信号差😠"),
        (0, b"Signal lost", "Signal lost"),
        (0, bytes([0x00, 0x1B, 0x65, 0x41]), "@€A"),  # GSM 03.38 with an escape
        (15, "宽带断网".encode("gb18030"), "宽带断网"),
        (4, b"\x00\x01", None),  # 8-bit binary
        (8, b"\xd8\x00", None),  # half a surrogate pair
    ],
)
def test_codings(coding: int, data: bytes, text: str | None) -> None:
    assert sms_decode(coding, data) == text


@pytest.mark.parametrize(
    ("address", "phone"),
    [
        ("13900139000", "13900139000"),
        ("8613900139000", "13900139000"),
        ("+8613900139000", "13900139000"),
        ("008613900139000", "13900139000"),
        ("10086", None),
        ("ChinaMobile", None),
        ("", None),
    ],
)
def test_sender_phone(address: str, phone: str | None) -> None:
    assert sms_rules.sender_phone(address) == phone


@pytest.mark.parametrize(
    ("text", "unsubscribe"),
    [
        ("TD", True),
        ("td", True),
        ("ＴＤ", True),
        (" 退订。", True),
        ("退订彩铃业务", False),
        ("TD 谢谢", False),
    ],
)
def test_unsubscribe_is_td_alone(text: str, unsubscribe: bool) -> None:
    assert sms_rules.is_unsubscribe(text) is unsubscribe


def test_the_number_named() -> None:
    assert sms_rules.number_in("关于ts202612080001的补充") == "TS202612080001"
    assert sms_rules.number_in("ＴＳ２０２６１２０８０００１") == "TS202612080001"
    assert sms_rules.number_in("TS2026120800011 号") == "TS2026120800011"
    assert sms_rules.number_in("订单号 XTS202612080001") == ""
    assert sms_rules.number_in("TS2026") == ""


def test_a_long_sms_is_ready_when_complete_or_waited_for() -> None:
    soon = T0 + dt.timedelta(minutes=5)
    assert sms_rules.group_ready(total=3, seqs=[3, 1, 2], first_at=T0, now=soon)
    assert not sms_rules.group_ready(total=3, seqs=[1, 3], first_at=T0, now=soon)
    assert sms_rules.group_ready(total=3, seqs=[1, 3], first_at=T0, now=T0 + sms_rules.PARTS_WAIT)


def test_parts_join_before_decoding_and_a_gap_is_marked() -> None:
    whole = "投诉宽带".encode("utf-16-be")
    # A character's bytes straddle parts 1 and 2: joined first, then decoded.
    parts = [Part(1, 8, whole[:3]), Part(2, 8, whole[3:])]
    assert sms_rules.text_assemble(parts, total=2, gap=lambda n: f"[{n}]") == "投诉宽带"
    gapped = [Part(1, 8, "第一段".encode("utf-16-be")), Part(3, 8, "第三段".encode("utf-16-be"))]
    assert sms_rules.text_assemble(gapped, total=3, gap=lambda n: f"[{n}]") == "第一段[2]第三段"
    assert sms_rules.text_assemble([Part(1, 4, b"\x00")], total=1, gap=str) is None
