from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.choices import AuditAction, DataScope, Role
from tousu.accounts.models import (
    AUDIT_HEAD,
    ApiToken,
    AuditEntry,
    AuditHead,
    Department,
    LoginLockout,
    PiiAccess,
    Region,
    User,
)
from tousu.accounts.permissions import can_view_pii
from tousu.core import clock
from tousu.core.errors import Conflict, FieldErrors
from tousu.core.keys import mac
from tousu.core.pii import (
    TextMask,
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
)
from tousu.core.rows import Columns, prepared_cursor, rows_insert


def user_create(
    *,
    username: str,
    role: str,
    password: str,
    department: str = "",
    region: str = "",
    display_name: str = "",
    check_password: bool = True,
    data_scope: str = "",
) -> User:
    """A staff account; `data_scope` blank: the role's default (DEFAULT_SCOPE)."""
    errors = FieldErrors()
    if data_scope and data_scope not in DataScope.values:
        errors.add(
            "data_scope",
            _("unknown data scope %(scope)s; one of %(values)s")
            % {"scope": repr(data_scope), "values": ", ".join(DataScope.values)},
        )
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
            data_scope=data_scope,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        user.set_password(password)
        user.save()
        audit_record(
            actor=None,
            action=AuditAction.CREATE,
            obj=user,
            changes=audit_changes({}, audit_snapshot(user)),
        )
    return user


def token_create(*, user: User) -> str:
    """A new API token for `user`; returned once, only its digest is kept."""
    token = ApiToken.generate()
    ApiToken.objects.create(user=user, prefix=token[:8], digest=ApiToken.digest_of(token))
    return token


def token_authenticate(token: str) -> User | None:
    """The active user of this token, with their department, unless it is unknown or revoked.
    Read from the database on every call, never from a copy: a token revoked (or a user
    deactivated) in another process stops working at its next request."""
    sql, tokens, users, departments = _token_query(connection.alias)
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, [ApiToken.digest_of(token), False, True])
        row = cursor.fetchone()
    if row is None:
        return None
    n_token, n_user = len(tokens), len(users)
    found = tokens.instance(row[:n_token])
    user = users.instance(row[n_token : n_token + n_user])
    User._meta.get_field("department").set_cached_value(
        user, departments.instance(row[n_token + n_user :])
    )
    now = timezone.now()
    # Write the last-use time at most once a minute: not a write per API call.
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return user


@functools.lru_cache(maxsize=4)
def _token_query(alias: str) -> tuple[str, Columns, Columns, Columns]:
    """`token_authenticate`'s SQL, written once per process: every API call runs it, and the
    ORM's building of it (two joins, three models' instances) cost about a tenth of a
    registration (issue 19). Parameters: the digest, False (revoked), True (active)."""
    quote = connections[alias].ops.quote_name
    token, user, department = ApiToken._meta, User._meta, Department._meta

    def column(meta: Any, name: str) -> str:
        return quote(meta.get_field(name).column)

    tokens = Columns.of(ApiToken, "t", alias)
    users, departments = Columns.of(User, "u", alias), Columns.of(Department, "d", alias)
    sql = (
        f"SELECT {tokens.sql}, {users.sql}, {departments.sql} "  # noqa: S608 (quoted model names; values bound)
        f"FROM {quote(token.db_table)} t "
        f"JOIN {quote(user.db_table)} u ON u.{quote(user.pk.column)} = t.{column(token, 'user')} "
        f"LEFT JOIN {quote(department.db_table)} d "
        f"ON d.{quote(department.pk.column)} = u.{column(user, 'department')} "
        f"WHERE t.{column(token, 'digest')} = %s AND t.{column(token, 'revoked')} = %s "
        f"AND u.{column(user, 'is_active')} = %s"
    )
    return sql, tokens, users, departments


def pii_access_log(*, user: User, subject: str, fields: str, via: str, count: int = 1) -> None:
    # `rows_insert`, not `objects.create`: its INSERT is written once per process; a list page
    # or API list that shows personal data writes this row on every request (issue 19).
    rows_insert([PiiAccess(user=user, subject=subject, fields=fields, via=via, count=count)])


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
    """Write a lock's engaging to the audit trail (the login policy calls it, once a lock),
    and to the audit log."""
    audit_record(
        actor=None,
        actor_name=username,
        action=AuditAction.LOCKOUT,
        object_type="address" if scope == "address" else "user",
        object_id=str(ip_address or "")[:64],
        object_repr=f"{scope}: {username}"[:200],
        changes={"failures": failures, "until": until.isoformat(), "path": path[:255]},
    )
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


def text_mask_for(user: User, names: Iterable[str] = ()) -> TextMask:
    """Free text as one response shows it to `user`: whole if the role may see personal data,
    masked otherwise (D10), with `names` (the customer's the response is about) masked where
    the text writes them. Log what it revealed with `pii_reveal_log` once the response is
    made."""
    return TextMask(reveal=can_view_pii(user), names=names)


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


# ---- the audit log (issue 11) ----------------------------------------------------------------

# Never written to the audit log, not even masked: that they changed is all it says.
SECRET_FIELDS = frozenset({"password", "digest", "key", "token"})
# Personal data, written masked.
PERSONAL_MASKS: dict[str, Callable[[str], str]] = {
    "phone": mask_phone,
    "id_number": mask_id_number,
    "address": mask_address,
    "email": mask_text,
    "first_name": mask_name,
    "last_name": mask_name,
}
SECRET_CHANGED = "(changed)"  # noqa: S105 (a marker standing for a secret, not one)


def audit_value(field: str, value: Any) -> Any:
    """A field's value as the audit log keeps it: JSON, personal data masked, free text with
    the phone and ID numbers in it masked, secrets never."""
    if field in SECRET_FIELDS:
        return SECRET_CHANGED
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict | list):
        return json_safe_value(value)
    text = str(value)
    if field in PERSONAL_MASKS:
        return PERSONAL_MASKS[field](text) if text else text
    return mask_text(text)


def json_safe_value(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def audit_snapshot(obj: models.Model) -> dict[str, Any]:
    """The object's own fields (foreign keys as their ids, many-to-many as sorted ids), as the
    audit log compares them before and after a change."""
    values: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        values[f.name] = f.value_from_object(obj)
    if obj.pk is not None:
        for m2m in obj._meta.many_to_many:
            values[m2m.name] = sorted(o.pk for o in getattr(obj, m2m.name).all())
    return {name: json_safe_value(value) for name, value in values.items()}


def audit_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} of the fields that differ, as `audit_value` keeps them."""
    changed = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            changed[name] = [audit_value(name, old), audit_value(name, new)]
    return changed


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    actor_name: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEntry:
    """Append an entry to the audit log, in the caller's transaction (one is opened if none is:
    the head's lock must be held to the entry's commit, or two writers would take one number).
    `obj` names the object (its type, id and masked name); `changes` come from `audit_changes`.
    Three statements: lock the head, insert the entry, move the head."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk or "")
        object_repr = object_repr or mask_text(str(obj))
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=AUDIT_HEAD).first()
        if head is None:  # a database emptied (a test's flush): the head is the last entry
            last = AuditEntry.objects.order_by("-seq").first()
            head = AuditHead.objects.create(
                pk=AUDIT_HEAD, seq=last.seq if last else 0, hash=last.hash if last else ""
            )
        entry = AuditEntry(
            seq=head.seq + 1,
            at=clock.now(),
            actor=actor,
            actor_name=(actor_name or (actor.get_username() if actor else "system"))[:150],
            action=action,
            object_type=object_type[:64],
            object_id=object_id[:64],
            object_repr=object_repr[:200],
            changes=json_safe_value(changes or {}),
            prev_hash=head.hash,
        )
        entry.hash = audit_hash(entry)
        entry.save(force_insert=True)
        AuditHead.objects.filter(pk=AUDIT_HEAD).update(seq=entry.seq, hash=entry.hash)
    return entry


def audit_hash(entry: AuditEntry) -> str:
    """The entry's keyed hash: its content and the previous entry's hash."""
    return mac(
        {
            "audit": entry.seq,
            "at": entry.at.astimezone(dt.UTC).isoformat(),
            "actor": entry.actor_id,
            "actor_name": entry.actor_name,
            "action": entry.action,
            "object": [entry.object_type, entry.object_id, entry.object_repr],
            "changes": entry.changes,
            "prev": entry.prev_hash,
        }
    )


def login_audit(*, user: User | None, username: str, request: Any, succeeded: bool) -> AuditEntry:
    """A login or a failed login on the audit log: the user name tried (as typed, never the
    password), the address and the login page."""
    address, path = "", ""
    if request is not None:
        address = str(getattr(request, "META", {}).get("REMOTE_ADDR") or "")
        path = str(getattr(request, "path", "") or "")
    return audit_record(
        actor=user,
        actor_name=username[:150] or "?",
        action=AuditAction.LOGIN if succeeded else AuditAction.LOGIN_FAILED,
        object_type="user",
        object_id=str(user.pk) if user is not None else "",
        object_repr=mask_text(username)[:200],
        changes={"address": address[:64], "path": path[:255]},
    )
