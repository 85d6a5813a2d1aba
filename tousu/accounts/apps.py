from typing import Any

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tousu.accounts"
    label = "accounts"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        # Logins are Django's and django-axes' (the staff's /login/, the admin's, any later
        # form): their signals are the one place every login passes, so the audit log
        # listens there rather than in each view.
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        user_logged_in.connect(_login_audit, dispatch_uid="tousu.accounts.login_audit")
        user_login_failed.connect(_login_failed_audit, dispatch_uid="tousu.accounts.login_failed")


def _login_audit(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from tousu.accounts.services import login_audit

    login_audit(user=user, username=user.get_username(), request=request, succeeded=True)


def _login_failed_audit(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    from tousu.accounts.services import login_audit

    username = str(credentials.get("username") or "")
    login_audit(user=None, username=username, request=request, succeeded=False)
