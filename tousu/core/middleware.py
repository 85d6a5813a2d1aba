from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

# Paths reachable without logging in: the login page itself, the customer's public pages,
# the API (which authenticates by token), static files and the language switch.
PUBLIC_PREFIXES = ("/login/", "/public/", "/api/", "/static/", "/i18n/", "/admin/", "/healthz")


class LoginRequiredMiddleware:
    """Login everywhere but the public pages — safer than remembering a decorator per view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)
