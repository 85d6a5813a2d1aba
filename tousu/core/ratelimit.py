"""Fixed-window rate limiting on the shared cache (the database cache by default, so it holds
across processes and workers)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _

from tousu.core.errors import RateLimited


def client_ip(request: HttpRequest) -> str:
    # The caller's address, for this limit and for the login policy (accounts/lockout.py).
    # Deployments behind a proxy set REMOTE_ADDR through the WSGI server; we do not trust
    # X-Forwarded-For, which any client can forge to escape the limit.
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def _key(scope: str, ident: str) -> str:
    return "rl:" + scope + ":" + hashlib.sha256(ident.encode()).hexdigest()[:32]


def hit(scope: str, ident: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit; True while the caller is within the limit."""
    key = _key(scope, ident)
    added = cache.add(key, 1, timeout=window_seconds)
    if added:
        return limit >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    return count <= limit


def public_limit(request: HttpRequest, scope: str) -> None:
    """Count a hit on a public (token-less) endpoint; RateLimited once the caller's IP has
    used up settings.TOUSU_PUBLIC_RATE_LIMIT for the hour."""
    if not hit(
        scope, client_ip(request), limit=settings.TOUSU_PUBLIC_RATE_LIMIT, window_seconds=3600
    ):
        raise RateLimited(_("Too many requests; please try again later"))
