"""Text normalisation for everything people type.

Chinese first: full-width characters, Traditional characters and emoji are kept exactly as
typed (NFKC would turn full-width punctuation into ASCII and change what the customer wrote).
Only control characters, which no person means to type and which break exports, are removed.
"""

from __future__ import annotations

import re
import unicodedata

# C0/C1 controls except tab and newline; also zero-width no-break space (BOM) and the Unicode
# line/paragraph separators that split lines in some viewers but not others.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\u2028\u2029]")
_PHONE_SEPARATORS = re.compile(r"[\s\-()（）]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")


def clean_text(value: str) -> str:
    """Strip control characters and surrounding blanks; normalise line endings; keep the rest."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    return unicodedata.normalize("NFC", value).strip()


# Characters that show nothing: format characters (zero-width space and joiners, word joiner,
# bidirectional controls), controls, private-use and unassigned code points.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Co", "Cn"})


def has_visible_text(value: str) -> bool:
    """Whether a person would see anything: text made only of blanks and invisible characters
    (U+200B and its kin) is empty, however long. The text itself is kept as typed (a zero-width
    joiner inside an emoji is part of it)."""
    return any(
        not c.isspace() and unicodedata.category(c) not in _INVISIBLE_CATEGORIES for c in value
    )


def normalise_phone(value: str) -> str | None:
    """A mainland mobile (11 digits) or landline with area code, as digits only; None if invalid.

    Accepts the ways people write numbers: spaces, dashes, brackets, a +86 / 0086 prefix and
    full-width digits.
    """
    digits = unicodedata.normalize("NFKC", value)
    digits = _PHONE_SEPARATORS.sub("", digits)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if _MOBILE.match(digits) or _LANDLINE.match(digits):
        return digits
    return None
