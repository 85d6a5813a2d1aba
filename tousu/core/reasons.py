"""Generated reasons (why a route, a risk, a flag, an approval), stored as a code and its
parameters and rendered in the reader's language (issue 13).

The stored shape is JSON: `{"code": "risk.prior", "params": {"n": 3, "days": 30}}`. A domain
declares each of its reasons once, in one line:

    reason_kind("risk.prior", gettext_lazy("Complaint no. %(n)s within %(days)s days"),
                legacy=r"(?P<days>\\d+)天内第(?P<n>\\d+)次投诉")

and writes `reason("risk.prior", n=3, days=30)`. Pages show `{{ value|reason }}` (tousu_ui),
which renders the code's message in the active language with each parameter formatted
(`formats`: amounts as yuan, choice codes as their label). `legacy` is the Chinese text the
writers stored before codes: such texts, in old rows and in hash-chained timeline events that
can never be rewritten, are read back as their reason; any other text stays as it was written
(free text is a reason too).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db.models import TextChoices
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext

Reason = dict[str, Any]
Format = Callable[[Any], str]


def yuan(value: Any) -> str:
    """An amount as written in a sentence: 58, 58.5, 915.9 (no trailing zeros)."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    text = f"{amount.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def choice(choices: type[TextChoices]) -> Format:
    """A choice code as its label; a legacy label is read back as its code (`legacy_value`)."""

    def fmt(value: Any) -> str:
        return str(choices(value).label) if value in choices.values else str(value)

    fmt.choices = choices  # type: ignore[attr-defined]
    return fmt


def each_language(text: Callable[[], Any]) -> dict[str, str]:
    """A parameter written in every language the site speaks, for `in_language` to read in the
    reader's: a name the database holds in each (a category's, a department's), which a stored
    reason cannot look up again when it is read."""
    out: dict[str, str] = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            out[code] = str(text())
    return out


def in_language(value: Any) -> str:
    """A parameter stored by `each_language`, in the active language (else the site's own); one
    stored as plain text (before `each_language`) as it was written."""
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    active = translation.get_language() or settings.LANGUAGE_CODE
    for code in (active, active.split("-")[0], settings.LANGUAGE_CODE):
        if value.get(code):
            return str(value[code])
    return next((str(v) for v in value.values() if v), "")


def message(value: Any) -> str:
    """A parameter that is itself an English msgid (e.g. a configured risk marker's reason)."""
    return gettext(str(value)) if value else ""


@dataclass(frozen=True)
class ReasonKind:
    code: str
    message: str | Promise
    formats: Mapping[str, Format] = field(default_factory=dict)
    legacy: re.Pattern[str] | None = None


KINDS: dict[str, ReasonKind] = {}


def reason_kind(
    code: str, text: str | Promise, *, legacy: str = "", **formats: Format
) -> ReasonKind:
    """Declare a reason: its code, its English msgid with `%(name)s` parameters, how each
    parameter reads (default: as given), and the Chinese text it was stored as before codes
    (a regular expression whose named groups are the parameters)."""
    kind = ReasonKind(code, text, formats, re.compile(f"^{legacy}$") if legacy else None)
    KINDS[code] = kind
    return kind


def reason(code: str, **params: Any) -> Reason:
    """A reason to store: JSON-safe (amounts as strings)."""
    if code not in KINDS:
        raise KeyError(f"undeclared reason {code!r}")
    safe = {k: str(v) if isinstance(v, Decimal) else v for k, v in params.items()}
    return {"code": code, "params": safe}


def _legacy_value(fmt: Format | None, text: str) -> Any:
    choices = getattr(fmt, "choices", None)
    if choices is None:
        return text
    with translation.override("zh-hans"):
        by_label = {str(label): value for value, label in choices.choices}
    return by_label.get(text, text)


def reason_parse(text: str) -> Reason | str:
    """A stored Chinese text read back as its reason; other text as it is."""
    for kind in KINDS.values():
        if kind.legacy is not None and (found := kind.legacy.match(text.strip())):
            params = {
                name: _legacy_value(kind.formats.get(name), value)
                for name, value in found.groupdict().items()
                if value is not None
            }
            return {"code": kind.code, "params": params}
    return text


def reason_text(value: Any) -> str:
    """A reason (stored shape, or text from before codes) in the active language."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = reason_parse(value)
        if isinstance(value, str):
            return value
    if not isinstance(value, dict):
        return str(value)
    if value.get("code") not in KINDS:
        return _undeclared_text(value)
    kind = KINDS[value["code"]]
    params = {
        name: kind.formats[name](v) if name in kind.formats else ("" if v is None else str(v))
        for name, v in (value.get("params") or {}).items()
    }
    # A lazy msgid translates as it becomes text; a plain one (gettext_noop) is looked up.
    text = gettext(kind.message) if isinstance(kind.message, str) else str(kind.message)
    try:
        return text % params
    except (KeyError, ValueError, TypeError):
        return text


def _undeclared_text(value: Mapping[str, Any]) -> str:
    """A reason whose code nobody declares (a kind since removed, another installation's
    row): its code and parameters, so that it still says something rather than nothing."""
    params = value.get("params") or {}
    shown = ", ".join(f"{k}={v}" for k, v in params.items()) if isinstance(params, dict) else ""
    code = str(value.get("code", ""))
    return f"{code} ({shown})" if shown else code


def reasons_text(values: Any, separator: str | None = None) -> str:
    """A list of reasons, each rendered, joined the way the active language lists them."""
    joiner = pgettext("between reasons", "; ") if separator is None else separator
    return joiner.join(reason_text(v) for v in values or [])


def reason_office_text(value: Any) -> str:
    """A reason in the installation's language (settings.LANGUAGE_CODE): what is sent out of
    the system as text, e-mail and webhooks, reads as it always has (Chinese by default)."""
    with translation.override(settings.LANGUAGE_CODE):
        return reason_text(value)


def reason_code(value: Any) -> Reason | None:
    """The structured form of a stored reason, a text from before codes read back as its
    reason; None for free text (nothing structured to tell). Names stored in each language
    are given as text in the active one: a parameter is text to receivers."""
    if isinstance(value, str):
        value = reason_parse(value)
    if isinstance(value, dict) and value.get("code") in KINDS:
        params = {k: _param_text(v) for k, v in (value.get("params") or {}).items()}
        return {"code": value["code"], "params": params}
    return None


def _language_names(value: Any) -> bool:
    codes = {code for code, _name in settings.LANGUAGES}
    return isinstance(value, dict) and bool(value) and set(value) <= codes


def _param_text(value: Any) -> Any:
    """A parameter as receivers read it: a name stored in each language (`each_language`) as
    text in the active language, inside lists too; anything else as stored."""
    if _language_names(value):
        return in_language(value)
    if isinstance(value, list):
        return [_param_text(v) for v in value]
    return value


def reason_convert(value: Any) -> Any:
    """A stored value as it is stored from now on: a text from before codes as its reason,
    anything else (free text, a reason already) unchanged. For data migrations."""
    return reason_parse(value) if isinstance(value, str) else value


# The keys of event and webhook data that hold generated reasons (or text a person typed).
REASON_FIELDS = ("rule", "reason", "reasons")


def reason_fields(
    data: Mapping[str, Any], render: Callable[[Any], str] = reason_text
) -> dict[str, Any]:
    """`data` (an event's, a webhook's) with its reasons as text, by `render`, and, next to
    them, their structured form: `"reason_codes": [{"field", "code", "params"}]` (nothing for
    free text). Receivers that read the text see no change; nested data (a registration's
    `risk`) likewise. The data itself is left as it is (it may be an event's)."""
    out: dict[str, Any] = {}
    codes: list[dict[str, Any]] = []
    for key, value in data.items():
        if key in REASON_FIELDS and value:
            values = value if isinstance(value, list) else [value]
            texts = [render(v) for v in values]
            out[key] = texts if isinstance(value, list) else texts[0]
            codes += [{"field": key, **c} for v in values if (c := reason_code(v)) is not None]
        elif isinstance(value, dict) and "code" not in value:
            out[key] = reason_fields(value, render)
        else:
            out[key] = value
    if codes:
        out["reason_codes"] = codes
    return out


def reason_office_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """`reason_fields` in the installation's language: what webhooks send, the reasons as
    text and the names in their codes' parameters alike (Chinese by default)."""
    with translation.override(settings.LANGUAGE_CODE):
        return reason_fields(data, reason_office_text)
