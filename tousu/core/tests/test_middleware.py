"""The response-header middleware, on responses made by hand (the pages' own headers are checked
on every page in tests/test_query_counts.py)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from tousu.core.middleware import (
    ContentSecurityPolicyMiddleware,
    NoStoreMiddleware,
    csp_header_value,
)


def answer(response: HttpResponse) -> Any:
    def get_response(request: HttpRequest) -> HttpResponse:
        return response

    return get_response


def test_the_policy_as_header_text() -> None:
    policy = {"default-src": ["'self'"], "img-src": ["'self'", "data:"], "upgrade-x": []}
    assert csp_header_value(policy) == "default-src 'self'; img-src 'self' data:; upgrade-x"


def test_csp_on_every_response(settings: Any) -> None:
    settings.SECURE_CSP = {"default-src": ["'self'"]}
    request = RequestFactory().get("/")
    for response in (HttpResponse(), HttpResponse(status=404), HttpResponse(status=500)):
        out = ContentSecurityPolicyMiddleware(answer(response))(request)
        assert out["Content-Security-Policy"] == "default-src 'self'"


def test_a_response_with_its_own_policy_keeps_it(settings: Any) -> None:
    response = HttpResponse()
    response["Content-Security-Policy"] = "sandbox"
    out = ContentSecurityPolicyMiddleware(answer(response))(RequestFactory().get("/"))
    assert out["Content-Security-Policy"] == "sandbox"


def test_debug_error_pages_have_no_policy(settings: Any) -> None:
    """Django's debug pages are inline script and style; pages that work still get the policy,
    so a developer sees what it refuses."""
    settings.DEBUG = True
    request = RequestFactory().get("/")
    error = ContentSecurityPolicyMiddleware(answer(HttpResponse(status=500)))(request)
    assert "Content-Security-Policy" not in error
    page = ContentSecurityPolicyMiddleware(answer(HttpResponse()))(request)
    assert "Content-Security-Policy" in page


def test_no_store_on_every_response() -> None:
    request = RequestFactory().get("/")
    out = NoStoreMiddleware(answer(HttpResponse()))(request)
    assert out["Cache-Control"] == "no-store"
    # A view's own directives stay, and no-store wins over them (RFC 9111).
    cached = HttpResponse()
    cached["Cache-Control"] = "private, max-age=60"
    out = NoStoreMiddleware(answer(cached))(request)
    assert set(out["Cache-Control"].split(", ")) == {"private", "max-age=60", "no-store"}
