"""Masking of personal data (D10). Pure functions; who may see what is in accounts.permissions."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def mask_phone(phone: str) -> str:
    """138****8000: operators recognise a number by its head and tail."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return phone[:1] + "*" * (len(phone) - 1)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str) -> str:
    """张* / 欧阳** / J*** — keep the surname (first character) only."""
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_id_number(value: str) -> str:
    """ID card numbers: the region prefix and the check digits stay, the birth date does not."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_address(value: str) -> str:
    """Keep the district level (first six characters) and hide the street and door number."""
    if not value:
        return ""
    return value[:6] + "****" if len(value) > 6 else value[:2] + "****"


# ---- personal data written into free text ---------------------------------------------------
#
# Customers (and staff quoting them) write numbers into complaints, notes and replies. What is
# caught: mainland mobiles (138 1234 5678, 138-1234-5678, +86 / 0086 / 86 / 0 in front),
# landlines with an area code ((025) 8345 6789, 0512-6512345), 18-character ID numbers (the last
# may be X), bank cards (16 to 19 digits, also in groups of four) and e-mail addresses; digits
# typed full-width (１３８…) as well. What is left alone: amounts, dates and times, complaint
# numbers (TS2026…) and order numbers that are not card-like (shorter runs, or digits run into
# letters), and service numbers without an area code (10086, 400-810-8888).

# Full-width ASCII (what Chinese input methods type) and odd spaces, one character for one, so
# that the patterns see ASCII and a match's positions are those of the text as typed.
_HALF_WIDTH = str.maketrans(
    {chr(0xFF01 + i): chr(0x21 + i) for i in range(0x5E)} | {"\u3000": " ", "\u00a0": " "}
)

# Not inside a longer run of digits, nor after or before a decimal point's digits (amounts).
_NO_DIGIT_BEFORE = r"(?<![0-9])(?<![0-9]\.)"
# Numbers that are not phones stand apart from letters as well: TS2026010500012345 is a
# complaint, ORD6222021234567890 an order. A phone may follow a label (Tel13812345678).
_APART_BEFORE = r"(?<![0-9A-Za-z])(?<![0-9]\.)"
_APART_AFTER = r"(?![0-9A-Za-z])(?!\.[0-9])"
_AREA = r"0(?:10|2[0-9]|[3-9][0-9]{2})"  # 010, 02x, then four-digit codes 03xx…09xx
# An address starts where a run of the characters it may hold starts (so a long run without
# an @ is read once, not once for each of its letters).
_EMAIL = (
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_PERSONAL = re.compile(
    # The address first: 13812345678@163.com is an address.
    rf"(?P<email>{_EMAIL})"
    rf"|(?P<id>{_APART_BEFORE}[0-9]{{17}}[0-9Xx]{_APART_AFTER})"
    rf"|(?P<card>{_APART_BEFORE}(?:[0-9]{{4}}(?:[ -][0-9]{{4}}){{3}}(?:[ -][0-9]{{1,3}})?"
    rf"|[0-9]{{16,19}}){_APART_AFTER})"
    rf"|{_NO_DIGIT_BEFORE}(?P<mobile_prefix>(?:\+|00)?86[ -]?|0)?"
    rf"(?P<mobile>1[3-9][0-9](?:[ -]?[0-9]{{4}}){{2}}){_APART_AFTER}"
    rf"|(?P<area>\({_AREA}\)|{_NO_DIGIT_BEFORE}{_AREA})"
    rf"(?P<landline>[ -]?[1-9][0-9]{{2,3}}[ -]?[0-9]{{4}}){_APART_AFTER}"
)
# The kinds found, as `pii_replace` names them.
PII_KINDS = ("email", "id", "card", "mobile", "landline")
# How much of each kind stays: enough to recognise the number (and to say which one it is on
# the phone), not enough to use it. Digits only; separators and prefixes stay as typed.
_KEEP = {"mobile": (3, 4), "landline": (0, 4), "id": (4, 4), "card": (4, 4)}
MASK = "*"


def _hide_digits(typed: str, ascii_: str, head: int, tail: int) -> str:
    """`typed` with its digits (and an ID's X) starred but the first `head` and last `tail`;
    `ascii_` is the same text half-width, to tell digits by."""
    positions = [i for i, ch in enumerate(ascii_) if ch.isdigit() or ch in "Xx"]
    hidden = set(positions[head : len(positions) - tail])
    return "".join(MASK if i in hidden else ch for i, ch in enumerate(typed))


def _masked(match: re.Match[str], typed: str) -> str:
    kind = match.lastgroup or ""
    if kind == "email":
        at = match.group(0).index("@")  # the same place in the text as typed (＠)
        return typed[:1] + MASK * 3 + typed[at:]
    if kind in ("mobile", "landline"):
        start, end = match.span(kind)
        offset = match.start()
        kept = typed[: start - offset]  # the +86 prefix, the area code
        head, tail = _KEEP[kind]
        number = match.group(kind)
        return kept + _hide_digits(typed[start - offset : end - offset], number, head, tail)
    head, tail = _KEEP[kind]
    return _hide_digits(typed, match.group(0), head, tail)


# What every match of _PERSONAL holds: an @ (an address), or three digits in a row (a mobile's
# 1[3-9]x, an area code 0xx, an ID or card number), half- or full-width. Most texts hold
# neither; they skip the pattern above, whose look-behinds are tried at every character: a
# list page masks 50 to 150 texts, and that took a tenth of its time (issue 19).
_MAYBE_PERSONAL = re.compile(r"[@\uff20]|[0-9\uff10-\uff19]{3}")


def pii_in_text(text: str) -> bool:
    """Whether `text` holds personal data that `mask_text` would mask."""
    if not text or _MAYBE_PERSONAL.search(text) is None:
        return False
    return _PERSONAL.search(text.translate(_HALF_WIDTH)) is not None


def pii_replace(text: str, by_kind: Mapping[str, str]) -> str:
    """`text` with each piece of personal data `mask_text` finds replaced whole by the text for
    its kind (PII_KINDS): how a derived copy (a case for the library) drops it altogether."""
    return _rewrite(text, lambda match, _typed: by_kind[match.lastgroup or ""])


def _rewrite(text: str, new: Callable[[re.Match[str], str], str]) -> str:
    """`text` with each piece of personal data found replaced by `new(match, as typed)`; the
    matching is done on the text made half-width, the rest stays as typed."""
    if not text or _MAYBE_PERSONAL.search(text) is None:
        return text
    out, last = [], 0
    for match in _PERSONAL.finditer(text.translate(_HALF_WIDTH)):
        start, end = match.span()
        out.append(text[last:start])
        out.append(new(match, text[start:end]))
        last = end
    out.append(text[last:])
    return "".join(out)


def mask_text(text: str) -> str:
    """Free text with the personal data written in it masked (138****5678, 3201**********1234,
    6222 **** **** ***0 123, z***@qq.com); the words, and the kind of each number, stay
    readable. Never changes what is stored: it is what a reader who may not see personal data
    reads."""
    return _rewrite(text, _masked)


class TextMask:
    """Free text as one response (a page, an API answer) shows it to its reader: with the
    personal data in it masked, unless `reveal` (the reader's role may see personal data). A
    mask that reveals notes whether any text it let through held personal data (`revealed`),
    so that the response logs the reveal once, and only a real one (D10)."""

    __slots__ = ("names", "reveal", "revealed")

    def __init__(self, *, reveal: bool, names: Iterable[str] = ()) -> None:
        self.reveal = reveal
        self.revealed = False
        # The names of the people the response is about (a complaint's customer): a letter to
        # them greets them by name (尊敬的孟宇浩客户), which no pattern would find. Masked for
        # every reader, as the customer panel masks the name until its reveal (logged) shows
        # it. Longest first, so that 欧阳明 is masked whole before 欧阳; a single character is
        # not a name to look for in text.
        self.names = tuple(sorted({n for n in names if len(n) >= 2}, key=len, reverse=True))

    def text(self, value: str) -> str:
        if not value:
            return value
        if not self.reveal:
            value = mask_text(value)
        elif not self.revealed and pii_in_text(value):
            self.revealed = True
        for name in self.names:
            value = value.replace(name, mask_name(name))
        return value

    def data(self, value: Any) -> Any:
        """JSON-like data (a timeline event's) with every string in it as `text` shows it."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.data(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(item) for item in value]
        return value
