from __future__ import annotations

import datetime as dt

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.choices import Role
from tousu.accounts.models import ApiToken, Department, LoginLockout, PiiAccess, Region, User
from tousu.accounts.permissions import can_view_pii
from tousu.core.errors import Conflict, FieldErrors
from tousu.core.pii import TextMask


def user_create(
    *,
    username: str,
    role: str,
    password: str,
    department: str = "",
    region: str = "",
    display_name: str = "",
    check_password: bool = True,
) -> User:
    errors = FieldErrors()
    if role not in Role.values:
        errors.add(
            "role",
            _("unknown role %(role)s; one of %(values)s")
            % {"role": repr(role), "values": ", ".join(Role.values)},
        )
    dept = None
    if department:
        dept = Department.objects.filter(code=department).first()
        if dept is None:
            errors.add("department", _("unknown department %(code)s") % {"code": repr(department)})
    reg = None
    if region:
        reg = Region.objects.filter(code=region).first()
        if reg is None:
            errors.add("region", _("unknown region %(code)s") % {"code": repr(region)})
    if check_password:
        try:
            validate_password(password)
        except DjangoValidationError as exc:
            for message in exc.messages:
                errors.add("password", message)
    errors.raise_if_any(_("invalid user"))
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise Conflict(_("user %(username)s exists") % {"username": repr(username)})
        user = User(
            username=username,
            role=role,
            department=dept,
            region=reg,
            display_name=display_name,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        user.set_password(password)
        user.save()
    return user


def token_create(*, user: User) -> str:
    """A new API token for `user`; returned once, only its digest is kept."""
    token = ApiToken.generate()
    ApiToken.objects.create(user=user, prefix=token[:8], digest=ApiToken.digest_of(token))
    return token


def token_authenticate(token: str) -> User | None:
    row = (
        ApiToken.objects.select_related("user", "user__department")
        .filter(digest=ApiToken.digest_of(token), revoked=False, user__is_active=True)
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    # Write the last-use time at most once a minute: not a write per API call.
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def pii_access_log(*, user: User, subject: str, fields: str, via: str, count: int = 1) -> None:
    PiiAccess.objects.create(user=user, subject=subject, fields=fields, via=via, count=count)


def login_lockout_record(
    *,
    scope: str,
    username: str,
    ip_address: str | None,
    path: str,
    failures: int,
    at: dt.datetime,
    until: dt.datetime,
) -> LoginLockout:
    """Write a lock's engaging to the audit trail (the login policy calls it, once a lock)."""
    return LoginLockout.objects.create(
        scope=scope,
        username=username[:150],
        ip_address=ip_address,
        path=path[:255],
        failures=failures,
        at=at,
        until=until,
    )


# What a response that showed personal data written in free text logs among its fields.
TEXT_FIELD = "text"


def text_mask_for(user: User) -> TextMask:
    """Free text as one response shows it to `user`: whole if the role may see personal data,
    masked otherwise (D10). Log what it revealed with `pii_reveal_log` once the response is
    made."""
    return TextMask(reveal=can_view_pii(user))


def pii_reveal_log(
    *, user: User, texts: TextMask, subject: str, via: str, fields: str = "", count: int = 1
) -> bool:
    """The one access-log row of a response (a page, an API answer) that showed `user` personal
    data: the structured `fields` it revealed (the customer's phone, name…), and `text` when
    free text it showed whole held personal data. Nothing when it showed neither, so that the
    log lists real reveals only. `subject` as for every reveal: the complaint's number,
    `complaints:list`, `customer:<pk>`. Returns whether a row was written."""
    shown = [f for f in fields.split(",") if f]
    if texts.revealed:
        shown.append(TEXT_FIELD)
    if not shown:
        return False
    pii_access_log(user=user, subject=subject, fields=",".join(shown), via=via, count=count)
    return True
