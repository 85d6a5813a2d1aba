"""The login forms: Django's, saying why when the login policy refused the attempt."""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from tousu.accounts.lockout import lockout_message


class LoginForm(AuthenticationForm):
    """The staff's login (/login/)."""

    def get_invalid_login_error(self) -> ValidationError:
        # Set by the login policy (tousu/accounts/lockout.py) when it refused the attempt, or
        # when this failure engaged a lock: "wrong password" would hide why the right one
        # fails too.
        if self.request is not None and getattr(self.request, "axes_locked_out", False):
            return ValidationError(lockout_message(self.request), code="locked_out")
        return super().get_invalid_login_error()


class AdminLoginForm(LoginForm, AdminAuthenticationForm):
    """The admin's login (/admin/login/): staff accounts only, the same policy."""
