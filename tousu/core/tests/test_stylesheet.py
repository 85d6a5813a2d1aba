"""The stylesheet parses as it reads: every block closed where it is meant to be. An unclosed
`@media` block silently moves every rule after it into the media query (a merge once did:
the queue's and the list's styles then applied on phones only)."""

from __future__ import annotations

import re

from django.conf import settings


def test_every_block_of_the_stylesheet_is_closed_at_the_top_level() -> None:
    css = (settings.BASE_DIR / "static" / "tousu" / "app.css").read_text()
    depth, line = 0, 1
    for char in re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group().count("\n"), css, flags=re.S):
        line += char == "\n"
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0, f"a block closed twice at line {line}"
    assert depth == 0, "a block is never closed"


def test_section_comments_sit_outside_any_block() -> None:
    """A section heading (`/* ---------- … */`) starts at the top level: one inside a media
    query is the sign of a block left open above it."""
    css = (settings.BASE_DIR / "static" / "tousu" / "app.css").read_text()
    depth = 0
    for part in re.split(r"(/\* -{5,}[^*]*\*/|[{}])", css):
        if part == "{":
            depth += 1
        elif part == "}":
            depth -= 1
        elif part.startswith("/* -----"):
            assert depth == 0, f"section {part[:60]!r} starts inside a block"
