"""Login (the login policy that limits failed attempts is in lockout.py); the logged-in member
of staff, and pages that show free text (personal data in it masked or logged, D10)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from tousu.accounts.choices import Role
from tousu.accounts.forms import LoginForm
from tousu.accounts.models import User
from tousu.accounts.services import pii_reveal_log, text_mask_for


def staff(request: HttpRequest) -> User:
    """The logged-in member of staff (the login middleware guarantees one)."""
    user = request.user
    assert isinstance(user, User)
    return user


def api_user(request: HttpRequest) -> User:
    """The member of staff an API request authenticated as (the API's token auth guarantees
    one on every operation that is not public)."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def render_with_pii(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    subject: str,
    fields: str = "",
    count: int = 1,
    status: int = 200,
    names: Iterable[str] = (),
) -> HttpResponse:
    """`render` for a page that shows free text: the template shows every such text through
    `|pii_text:pii`, which masks the personal data in it for roles that may not see it. For
    those that may, the page then logs one reveal (`pii_reveal_log`): of the structured
    `fields` it revealed, if any, and of the text when what it showed held personal data.
    `names`: the customer's the page is about, masked where its texts write them."""
    user = staff(request)
    texts = text_mask_for(user, names)
    response = render(request, template, {**context, "pii": texts}, status=status)
    pii_reveal_log(user=user, texts=texts, subject=subject, via="page", fields=fields, count=count)
    return response


# Roles with no queue of their own: their work is reading the figures.
DASHBOARD_LANDING_ROLES = {Role.ANALYST}


class LoginView(auth_views.LoginView):
    """Django's login. Failed attempts are limited by the login policy, the same as the
    admin's login (tousu/accounts/lockout.py); a refused attempt gets this page, saying how
    long to wait, with 429 Too Many Requests."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True
    authentication_form = LoginForm

    def get_default_redirect_url(self) -> str:
        """Each role lands where its work is (issue 12): analysts on the dashboard, everyone
        else on their queue (settings.LOGIN_REDIRECT_URL)."""
        user = self.request.user
        if isinstance(user, User) and user.role in DASHBOARD_LANDING_ROLES:
            return reverse("analytics:dashboard")
        return super().get_default_redirect_url()
