"""The Content-Security-Policy (issue 11): what it allows, that every template keeps to it
(tests/test_query_counts.py also checks every rendered page), and where it is sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.pages import as_user, inline_code
from tousu.core.middleware import csp_header_value

PACKAGE = Path(settings.BASE_DIR)


def test_scripts_and_styles_only_from_this_server() -> None:
    policy = settings.SECURE_CSP
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    for directive, sources in policy.items():
        for unsafe in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*"):
            assert unsafe not in sources, directive


def templates() -> list[Path]:
    return sorted(PACKAGE.glob("**/templates/**/*.html"))


def test_there_are_templates_to_check() -> None:
    assert len(templates()) > 50


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_template_has_inline_code(path: Path) -> None:
    """Scripts go in tousu/static (data for them in json_script blocks), styles in app.css."""
    assert inline_code(path.read_text(encoding="utf-8")) == []


def test_sent_with_pages_api_answers_and_errors(handler: Any) -> None:
    expected = csp_header_value(settings.SECURE_CSP)
    anonymous = Client()
    for response in (
        anonymous.get("/login/"),
        anonymous.get("/public/"),
        anonymous.get("/"),  # the redirect to the login page
        anonymous.get("/api/v1/complaints"),  # 401
        anonymous.get("/api/v1/docs"),
        as_user(handler).get("/"),
        as_user(handler).get("/no-such-page/"),
    ):
        assert response["Content-Security-Policy"] == expected


def test_static_files_keep_their_caching() -> None:
    """Answered by WhiteNoise before the policy and no-store are added: scripts and styles
    need no policy of their own, and browsers may cache them."""
    response = Client().get("/static/tousu/app.js")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response
    assert "no-store" not in response["Cache-Control"]
    assert "max-age" in response["Cache-Control"]


def test_the_csrf_failure_page_is_ours(reference: None) -> None:
    """Django's own styles itself inline; the policy would leave it bare."""
    response = Client(enforce_csrf_checks=True).post("/login/", {"username": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "表单已过期" in html
    assert "tousu/app.css" in html
    assert inline_code(html) == []
