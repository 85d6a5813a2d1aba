from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

# Paths reachable without logging in: the login page itself, the customer's public pages,
# the API (which authenticates by token), static files and the language switch.
PUBLIC_PREFIXES = ("/login/", "/public/", "/api/", "/static/", "/i18n/", "/admin/", "/healthz")

CSP_HEADER = "Content-Security-Policy"


class LoginRequiredMiddleware:
    """Login everywhere but the public pages — safer than remembering a decorator per view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)


def csp_header_value(policy: Mapping[str, Sequence[str]]) -> str:
    """`{"img-src": ["'self'", "data:"], …}` as the header's text: `img-src 'self' data:; …`."""
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())


class ContentSecurityPolicyMiddleware:
    """The policy of settings.SECURE_CSP on every response Django makes, pages, API answers,
    downloads and errors alike (a download opened in the browser gets it too). A response that
    already carries a policy keeps its own.

    Django's debug pages (DEBUG on, an error status) are left without it: they are built with
    inline script and style, and are read by the developer who asked for them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if CSP_HEADER in response or (settings.DEBUG and response.status_code >= 400):
            return response
        response[CSP_HEADER] = csp_header_value(settings.SECURE_CSP)
        return response


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response Django makes: pages, lists, exports, evidence
    and API answers carry personal data, which no browser cache or proxy may keep (a shared
    counter PC, the back button after logging out). Even the public pages show a customer's
    own complaint. Static files are answered before this middleware and keep their caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, no_store=True)
        return response
