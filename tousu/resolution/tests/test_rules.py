"""Evidence file checks and the authority rule: pure functions, no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from tousu.resolution.rules import EVIDENCE_MAX_BYTES, evidence_problem, needs_approval

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
EXE = b"MZ\x90\x00\x03\x00\x00\x00"


@pytest.mark.parametrize(
    ("name", "head"),
    [
        ("账单.pdf", PDF),
        ("screenshot.jpg", JPEG),
        ("截图.JPEG", JPEG),
        ("photo.PNG", PNG),
        ("anim.gif", b"GIF89a\x01\x00"),
        ("录音.mp3", b"ID3\x03\x00"),
        ("录音.amr", b"#!AMR\n"),
        ("通话.m4a", b"\x00\x00\x00\x20ftypM4A "),
        ("说明.txt", "客户说明".encode()),
        ("详单.csv", b"date,amount\n2026-11-01,58\n"),
        ("详单.xlsx", b"PK\x03\x04\x14\x00"),
        ("many.dots.in.name.pdf", PDF),
    ],
)
def test_allowed_evidence_has_no_problem(name: str, head: bytes) -> None:
    assert evidence_problem(name, 1024, head) is None


def test_evidence_at_the_size_limit_is_accepted_and_one_byte_more_is_not() -> None:
    assert evidence_problem("bill.pdf", EVIDENCE_MAX_BYTES, PDF) is None
    problem = evidence_problem("bill.pdf", EVIDENCE_MAX_BYTES + 1, PDF)
    assert problem is not None
    assert "过大" in problem


def test_evidence_problems_in_the_reader_s_language() -> None:
    with translation.override("en"):
        assert evidence_problem("bill.pdf", 0, b"") == "The file is empty"
        assert evidence_problem("bill.pdf", 1024, EXE) == (
            "The file's content does not match its extension “.pdf”"
        )


def test_empty_evidence_is_refused() -> None:
    problem = evidence_problem("bill.pdf", 0, b"")
    assert problem is not None
    assert "空" in problem


@pytest.mark.parametrize("name", ["virus.exe", "script.sh", "page.html", "archive.zip", "noext"])
def test_evidence_of_a_type_not_on_the_list_is_refused(name: str) -> None:
    problem = evidence_problem(name, 1024, EXE)
    assert problem is not None
    assert "不支持" in problem


@pytest.mark.parametrize(
    ("name", "head"),
    [
        ("bill.pdf", EXE),  # an executable renamed .pdf
        ("photo.jpg", PNG),  # a PNG named .jpg is still not what it says
        ("photo.png", b"<html><script>"),
        ("sheet.xlsx", PDF),
    ],
)
def test_evidence_whose_bytes_do_not_match_the_extension_is_refused(name: str, head: bytes) -> None:
    problem = evidence_problem(name, 1024, head)
    assert problem is not None
    assert "不符" in problem


def test_a_text_file_with_binary_content_is_refused() -> None:
    problem = evidence_problem("notes.txt", 1024, b"text\x00\x01\x02")
    assert problem is not None


@pytest.mark.parametrize(
    ("total", "limit", "needed"),
    [
        (Decimal("58"), Decimal("200"), False),
        (Decimal("200"), Decimal("200"), False),  # up to the limit the role decides alone
        (Decimal("200.01"), Decimal("200"), True),
        (Decimal("258"), Decimal("200"), True),
        (Decimal("0"), Decimal("0"), False),  # apologies and explanations need nobody
        (Decimal("0.01"), Decimal("0"), True),
        (Decimal("1000000"), None, False),  # None = unlimited
    ],
)
def test_needs_approval(total: Decimal, limit: Decimal | None, needed: bool) -> None:
    assert needs_approval(total, limit) is needed


# ---- closing as accepted waits for the reply --------------------------------------------------


def test_closing_as_accepted_waits_for_a_reply_held_until_the_morning() -> None:
    from tousu.resolution.rules import accepted_close_waits

    shanghai = ZoneInfo("Asia/Shanghai")
    night = dt.datetime(2026, 12, 1, 23, 0, tzinfo=shanghai)
    morning = dt.datetime(2026, 12, 2, 8, 0, tzinfo=shanghai)

    def waits(accepted: bool | None, held: dt.datetime | None, first: bool = False) -> bool:
        return accepted_close_waits(
            customer_accepted=accepted, reply_held_until=held, first_contact=first, now=night
        )

    assert waits(True, morning)  # the SMS leaves at 08:00: nobody has accepted it yet
    assert not waits(True, None)  # sent, or nothing held
    assert not waits(True, night - dt.timedelta(minutes=1))  # due already: going out now
    assert not waits(False, morning)  # not accepted: nothing to wait for
    assert not waits(None, morning)  # nobody asked (an incident closing its complaints)
    assert not waits(True, morning, first=True)  # told on the call, and accepted there


# ---- a reply that promises money --------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "basis", "total", "words"),
    [
        ("我们将双倍返还已扣费用（最高 1000 元）", "disputed_amount", "0", "返还"),
        ("已为您退款，三个工作日内到账", "fixed", "0", "退款"),
        ("我们将双倍返还已扣费用", "disputed_amount", "30", None),  # recorded: consistent
        ("我们将双倍返还已扣费用", "none", "0", None),  # the clause gives no money
        ("彩铃功能费15元系本人订购，不予退费", "fixed", "0", None),  # an amount; a denial
        ("经核实无法补偿，敬请谅解", "fixed", "0", None),
    ],
)
def test_a_reply_promising_money_that_no_remedy_records(
    reply: str, basis: str, total: str, words: str | None
) -> None:
    from tousu.resolution.rules import unrecorded_money_promise

    found = unrecorded_money_promise(reply=reply, prescribed=[basis], money_total=Decimal(total))
    assert found == words


def test_no_clause_no_promise_to_check() -> None:
    from tousu.resolution.rules import unrecorded_money_promise

    assert unrecorded_money_promise(reply="已退款", prescribed=[], money_total=Decimal(0)) is None
