"""Helpers for tests of server-rendered pages."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from django.test import Client


def as_user(user: Any) -> Client:
    """A test client logged in as `user` (no password round trip: login has its own tests)."""
    client = Client()
    client.force_login(user)
    return client


def page(response: Any) -> str:
    """The page's HTML as text, for asserting what the user reads."""
    return str(response.content.decode())


# Script types a browser does not run: data blocks (json_script writes application/json).
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction"}


class _InlineCodeFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "").strip() for name, value in attrs}
        text = self.get_starttag_text() or tag
        script_type = values.get("type", "").lower()
        if tag == "script" and "src" not in values and script_type not in DATA_SCRIPT_TYPES:
            self.found.append(f"inline script: {text}")
        if tag == "style":
            self.found.append(f"<style> element: {text}")
        for name, value in values.items():
            lowered = value.lower()
            if name.startswith("on"):
                self.found.append(f"event-handler attribute {name}: {text}")
            elif name == "style":
                self.found.append(f"style attribute: {text}")
            elif name.startswith("hx-on"):
                self.found.append(f"evaluated HTMX attribute {name}: {text}")
            elif name == "hx-trigger" and "[" in value:
                self.found.append(f"evaluated HTMX trigger filter: {text}")
            elif name.startswith("hx-") and lowered.startswith(("js:", "javascript:")):
                self.found.append(f"evaluated HTMX value in {name}: {text}")
            elif name in URL_ATTRIBUTES and lowered.startswith("javascript:"):
                self.found.append(f"javascript: URL in {name}: {text}")


def inline_code(html: str) -> list[str]:
    """What in the HTML the Content-Security-Policy ("script-src 'self'; style-src 'self'")
    refuses, or would need HTMX to evaluate: inline scripts (data blocks are fine), event-handler
    attributes, <style> elements, style attributes, javascript: URLs, hx-on attributes, js:
    values and trigger filters (`hx-trigger="keyup[ctrlKey]"`)."""
    finder = _InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.found
