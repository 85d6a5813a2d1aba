"""Login with throttling of failed attempts per user name and address; the logged-in member of
staff, and pages that show free text (personal data in it masked or logged, D10)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.accounts.services import pii_reveal_log, text_mask_for
from tousu.core import ratelimit


def staff(request: HttpRequest) -> User:
    """The logged-in member of staff (the login middleware guarantees one)."""
    user = request.user
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
) -> HttpResponse:
    """`render` for a page that shows free text: the template shows every such text through
    `|pii_text:pii`, which masks the personal data in it for roles that may not see it. For
    those that may, the page then logs one reveal (`pii_reveal_log`): of the structured
    `fields` it revealed, if any, and of the text when what it showed held personal data."""
    user = staff(request)
    texts = text_mask_for(user)
    response = render(request, template, {**context, "pii": texts}, status=status)
    pii_reveal_log(user=user, texts=texts, subject=subject, via="page", fields=fields, count=count)
    return response


LOGIN_SCOPE = "login"
LOGIN_WINDOW_SECONDS = 15 * 60


class LoginView(auth_views.LoginView):
    """Django's login, refusing further attempts for a user name from one address after
    TOUSU_LOGIN_FAILURE_LIMIT failures within 15 minutes (password guessing)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def _ident(self) -> str:
        username = self.request.POST.get("username", "").strip().lower()
        return f"{username}|{ratelimit.client_ip(self.request)}"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limit = settings.TOUSU_LOGIN_FAILURE_LIMIT
        if ratelimit.exceeded(LOGIN_SCOPE, self._ident(), limit=limit):
            # Not even checked: a correct guess must not get through while throttled.
            form = self.get_form_class()(
                request, initial={"username": request.POST.get("username")}
            )
            context = self.get_context_data(
                form=form,
                throttled=_(
                    "Too many failed attempts. Please wait 15 minutes before trying again, "
                    "or ask an administrator to help."
                ),
            )
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        ratelimit.hit(
            LOGIN_SCOPE,
            self._ident(),
            limit=settings.TOUSU_LOGIN_FAILURE_LIMIT,
            window_seconds=LOGIN_WINDOW_SECONDS,
        )
        return super().form_invalid(form)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        ratelimit.reset(LOGIN_SCOPE, self._ident())
        return super().form_valid(form)
