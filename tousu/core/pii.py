"""Masking of personal data (D10). Pure functions; who may see what is in accounts.permissions."""

from __future__ import annotations

import re


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


# Personal numbers customers write into free text: mainland mobiles, ID card numbers (18 digits,
# the last may be X), landlines with an area code, and long digit runs (bank cards, accounts).
_NUMBERS_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])(?:"
    r"\d{17}[\dXx]"  # ID card
    r"|1[3-9]\d{9}"  # mobile
    r"|0\d{2,3}-?\d{7,8}"  # landline
    r"|\d{12,19}"  # card or account number
    r")(?![0-9A-Za-z])"
)


def mask_text(text: str) -> str:
    """Free text with the personal numbers in it masked; the words stay readable."""
    if not text:
        return ""

    def hide(match: re.Match[str]) -> str:
        value = match.group(0)
        return mask_phone(value) if len(value) == 11 else mask_id_number(value)

    return _NUMBERS_IN_TEXT.sub(hide, text)
