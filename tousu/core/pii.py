"""Masking of personal data (D10). Pure functions; who may see what is in accounts.permissions."""

from __future__ import annotations


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
