"""Login (the login policy that limits failed attempts is in lockout.py)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest

from tousu.accounts.forms import LoginForm
from tousu.accounts.models import User


def staff(request: HttpRequest) -> User:
    """The logged-in member of staff (the login middleware guarantees one)."""
    user = request.user
    assert isinstance(user, User)
    return user


class LoginView(auth_views.LoginView):
    """Django's login. Failed attempts are limited by the login policy, the same as the
    admin's login (tousu/accounts/lockout.py); a refused attempt gets this page, saying how
    long to wait, with 429 Too Many Requests."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True
    authentication_form = LoginForm
