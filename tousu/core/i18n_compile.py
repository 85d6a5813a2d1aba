"""Message catalogs without GNU gettext (not installed on our machines): find, compile, check.

    python -m tousu.core.i18n_compile            compile every locale/*/LC_MESSAGES/django.po
    python -m tousu.core.i18n_compile --check    exit 1 if a .mo is missing or stale, or a
                                                 message is untranslated or fuzzy
    python -m tousu.core.i18n_compile --extract  add the msgids found in the code to every .po
                                                 (untranslated), like `makemessages`

Msgids are found as Django finds them: Python calls of `_`/`gettext`/`pgettext`/`ngettext`…
with literal strings, and templates through Django's own `templatize`, which turns
`{% translate %}` and `{% blocktranslate %}` into such calls.
"""

from __future__ import annotations

import argparse
import ast
import io
import os
import sys
import tokenize
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

import polib  # type: ignore[import-untyped]

PACKAGE = Path(__file__).resolve().parent.parent  # the `tousu` package
LOCALE_DIR = PACKAGE / "locale"
TEMPLATE_DIRS = (PACKAGE / "templates",)

# Translation functions and which of their leading arguments are (context, singular, plural).
FUNCTIONS: dict[str, tuple[str, ...]] = {
    "_": ("msgid",),
    "gettext": ("msgid",),
    "gettext_lazy": ("msgid",),
    "gettext_noop": ("msgid",),
    "ngettext": ("msgid", "plural"),
    "ngettext_lazy": ("msgid", "plural"),
    "pgettext": ("context", "msgid"),
    "pgettext_lazy": ("context", "msgid"),
    "npgettext": ("context", "msgid", "plural"),
    "npgettext_lazy": ("context", "msgid", "plural"),
}


class Message(NamedTuple):
    msgid: str
    plural: str = ""
    context: str = ""
    where: str = ""  # file:line of the first occurrence

    @property
    def key(self) -> tuple[str, str]:
        return (self.context, self.msgid)


def _string_literal(token: tokenize.TokenInfo) -> str | None:
    """The value of a plain string token; None for f-strings and other non-literals."""
    if token.type != tokenize.STRING:
        return None
    prefix = token.string[: token.string.find(token.string[-1])].lower()
    if "f" in prefix:
        return None
    value = ast.literal_eval(token.string)
    return value if isinstance(value, str) else None


def _calls(source: str, where: str) -> Iterator[Message]:
    """Translation calls with literal arguments in Python-like source (adjacent literals are
    joined, as Python does)."""
    tokens = [
        t
        for t in tokenize.generate_tokens(io.StringIO(source).readline)
        if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT)
    ]
    for i, token in enumerate(tokens[:-1]):
        roles = FUNCTIONS.get(token.string) if token.type == tokenize.NAME else None
        if roles is None or tokens[i + 1].string != "(":
            continue
        if i > 0 and tokens[i - 1].string in (".", "def"):
            continue  # a method or a definition of that name, not the translation function
        args: list[str] = []
        current: str | None = None
        for tok in tokens[i + 2 :]:
            value = _string_literal(tok)
            if value is not None:
                current = (current or "") + value
            elif tok.string == "," and current is not None and len(args) < len(roles):
                args.append(current)
                current = None
            else:
                break
        if current is not None:
            args.append(current)
        if len(args) < len(roles):
            continue  # not all literal: nothing a catalog can hold
        found = dict(zip(roles, args, strict=False))
        yield Message(
            found["msgid"],
            found.get("plural", ""),
            found.get("context", ""),
            f"{where}:{token.start[0]}",
        )


def python_messages(path: Path) -> Iterator[Message]:
    yield from _calls(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE.parent)))


def template_messages(path: Path) -> Iterator[Message]:
    from django.utils.translation.template import templatize

    source = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    # templatize keeps the template's line breaks and indentation, which mean nothing here
    # but would be Python indentation errors to the tokenizer.
    flat = "\n".join(line.lstrip() for line in source.splitlines())
    yield from _calls(flat, str(path.relative_to(PACKAGE.parent)))


def source_files() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts and "tests" not in path.parts:
            yield path
    for directory in TEMPLATE_DIRS:
        yield from sorted(directory.rglob("*.html"))
        yield from sorted(directory.rglob("*.txt"))


def scan(paths: Iterable[Path] | None = None) -> dict[tuple[str, str], Message]:
    """Every translatable message of the code and templates, keyed by (context, msgid)."""
    found: dict[tuple[str, str], Message] = {}
    for path in paths if paths is not None else source_files():
        reader = python_messages if path.suffix == ".py" else template_messages
        for message in reader(path):
            found.setdefault(message.key, message)
    return found


def catalogs() -> list[Path]:
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))


def extract() -> int:
    """Add every message found in the code to each catalog, untranslated; returns how many."""
    messages = scan()
    added = 0
    for po_path in catalogs():
        po = polib.pofile(str(po_path), wrapwidth=0)
        have = {(e.msgctxt or "", e.msgid) for e in po}
        for key, message in sorted(messages.items()):
            if key in have:
                continue
            entry = polib.POEntry(
                msgid=message.msgid,
                msgstr="",
                msgctxt=message.context or None,
                occurrences=[tuple(message.where.rsplit(":", 1))],
            )
            if message.plural:
                entry.msgid_plural = message.plural
                entry.msgstr_plural = {0: ""}
            po.append(entry)
            added += 1
        po.save(str(po_path))
    return added


def mo_path(po_path: Path) -> Path:
    return po_path.with_suffix(".mo")


def compiled(po_path: Path) -> bytes:
    po = polib.pofile(str(po_path))
    return bytes(po.to_binary())


def compile_all() -> list[Path]:
    written = []
    for po_path in catalogs():
        mo_path(po_path).write_bytes(compiled(po_path))
        written.append(mo_path(po_path))
    return written


def problems() -> list[str]:
    """What keeps the catalogs from being complete and compiled; empty when all is well."""
    found: list[str] = []
    if not catalogs():
        found.append(f"no catalog under {LOCALE_DIR}")
    for po_path in catalogs():
        name = po_path.relative_to(PACKAGE.parent)
        po = polib.pofile(str(po_path))
        for entry in po:
            if entry.obsolete:
                continue
            label = f"{name}: {entry.msgid!r}"
            if "fuzzy" in entry.flags:
                found.append(f"{label} is fuzzy")
            if entry.msgid_plural:
                if not entry.msgstr_plural or not all(entry.msgstr_plural.values()):
                    found.append(f"{label} has an empty plural translation")
            elif not entry.msgstr:
                found.append(f"{label} is not translated")
        mo = mo_path(po_path)
        if not mo.exists():
            found.append(f"{mo.relative_to(PACKAGE.parent)} is missing: run the compiler")
        elif mo.read_bytes() != compiled(po_path):
            found.append(f"{mo.relative_to(PACKAGE.parent)} is stale: run the compiler")
    return found


def missing_from_catalogs() -> list[str]:
    """Messages in the code that some catalog lacks (they would show untranslated)."""
    messages = scan()
    out = []
    for po_path in catalogs():
        have = {(e.msgctxt or "", e.msgid) for e in polib.pofile(str(po_path)) if not e.obsolete}
        for key, message in sorted(messages.items()):
            if key not in have:
                out.append(f"{po_path.parent.parent.name}: {message.msgid!r} ({message.where})")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tousu.core.i18n_compile")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="verify, change nothing")
    mode.add_argument("--extract", action="store_true", help="add new msgids to the catalogs")
    args = parser.parse_args(argv)

    import django
    from django.apps import apps

    if not apps.ready:  # templatize needs settings
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.config.settings")
        django.setup()

    if args.extract:
        sys.stdout.write(f"{extract()} new message(s) added; translate them, then compile.\n")
        return 0
    if args.check:
        issues = problems() + [f"not in catalog: {m}" for m in missing_from_catalogs()]
        sys.stderr.writelines(f"{issue}\n" for issue in issues)
        return 1 if issues else 0
    for path in compile_all():
        sys.stdout.write(f"compiled {path.relative_to(PACKAGE.parent)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
