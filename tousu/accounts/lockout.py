"""The login policy: one lockout for every login form (the staff's /login/ and the admin's
/admin/login/), built on django-axes and its database handler. The AXES_* settings point here.

- A user name is refused, from every address, once it has TOUSU_LOGIN_FAILURE_LIMIT failed
  logins; an address is refused, for every user name, once it has
  TOUSU_LOGIN_ADDRESS_FAILURE_LIMIT (one password tried against many names).
- Failures count while they are younger than TOUSU_LOGIN_COOLOFF_MINUTES. They are axes'
  access attempts, a row per user name, address and browser whose time is its last failure.
  Attempts refused during a lock are not counted: a lock ends when the cool-off says, however
  often the guesser knocks.
- A successful login forgets that user name's failures from that address.
- Concurrency: axes itself checks the count before the password and adds to it after, so
  concurrent guesses all pass the same check. Here an attempt is counted as a failure before
  its password is checked, in one transaction with the check, serialised per user name and
  per address; a success takes the count back. So at most the limit of passwords are checked,
  however the requests interleave.
- Each lock's engaging is written to the audit trail (`LoginLockout`, in the admin), and axes'
  `user_locked_out` signal is sent.

API tokens are not passwords and do not pass through here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
import math
from dataclasses import dataclass, field
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.conf import settings
from axes.exceptions import AxesBackendPermissionDenied, AxesBackendRequestParameterRequired
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_credentials, get_query_str
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router, transaction
from django.db.models import Case, F, Q, Sum, TextField, Value, When
from django.db.models.functions import Concat
from django.http import HttpRequest, HttpResponse
from django.utils.translation import ngettext

from tousu.accounts.choices import LockoutScope
from tousu.accounts.services import login_lockout_record
from tousu.core import clock, ratelimit

log = logging.getLogger(__name__)

# axes' lockout parameters (settings.AXES_LOCKOUT_PARAMETERS), as the audit trail names them.
SCOPES = {"username": LockoutScope.USERNAME, "ip_address": LockoutScope.ADDRESS}
# As axes separates the form data of repeated failures on one row.
SEPARATOR = "\n---------\n"


# ---- the settings' callables -----------------------------------------------------------------


def cool_off(request: HttpRequest | None = None) -> dt.timedelta:
    """AXES_COOLOFF_TIME, read per call so that a changed setting applies at once."""
    return dt.timedelta(minutes=settings.TOUSU_LOGIN_COOLOFF_MINUTES)


def username_of(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the user name tried, trimmed and lower-cased, so that
    "Handler " counts against the same limit as "handler"."""
    name = credentials.get("username") if credentials else request.POST.get("username")
    return str(name).strip().lower()[:150] if name else None


def address_of(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the address the public rate limit takes (REMOTE_ADDR; a
    forgeable X-Forwarded-For is never trusted), or None where there is none (a request made
    in code)."""
    try:
        return str(ipaddress.ip_address(ratelimit.client_ip(request)))
    except ValueError:
        return None


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page the view rendered, whose form says why (see
    accounts/forms.py), answered 429 Too Many Requests."""
    if isinstance(original_response, HttpResponse) and original_response.status_code == 200:
        original_response.status_code = settings.AXES_HTTP_RESPONSE_CODE
        return original_response
    return HttpResponse(
        lockout_message(request),
        status=settings.AXES_HTTP_RESPONSE_CODE,
        content_type="text/plain; charset=utf-8",
    )


def lockout_message(request: HttpRequest) -> str:
    """What a locked-out attempt reads: how many minutes until the lock lifts."""
    prepared: Any = request
    credentials = getattr(prepared, "axes_credentials", None)
    lifts = _handler().lock_lifts_at(prepared, credentials)
    remaining = lifts - prepared.axes_attempt_time if lifts else cool_off(request)
    minutes = max(1, math.ceil(remaining.total_seconds() / 60))
    return ngettext(
        "Too many failed login attempts. Please try again in %(minutes)d minute, "
        "or ask an administrator to unlock the account.",
        "Too many failed login attempts. Please try again in %(minutes)d minutes, "
        "or ask an administrator to unlock the account.",
        minutes,
    ) % {"minutes": minutes}


# ---- the attempt -----------------------------------------------------------------------------


@dataclass
class _Attempt:
    """What the policy decided about one login request (kept on the request)."""

    counted: bool = False  # counted as a failure before its password was checked
    refused: bool = False  # refused without a password check
    failures: dict[str, int] = field(default_factory=dict)  # per scope, this one included
    reaching: list[str] = field(default_factory=list)  # scopes whose lock it engages if it fails


def _attempt(request: Any) -> _Attempt:
    state = getattr(request, "tousu_login_attempt", None)
    if state is None:
        state = _Attempt()
        request.tousu_login_attempt = state
    return state


def _prepare(request: Any) -> None:
    """axes' attributes of the request (address, browser, path…), its time taken from the
    project's clock, which tests and replays move."""
    if getattr(request, "tousu_login_prepared", False):
        return
    AxesProxyHandler.update_request(request)
    request.axes_attempt_time = clock.now()
    request.tousu_login_prepared = True


def _handler() -> LoginPolicyHandler:
    handler = AxesProxyHandler.get_implementation()
    if not isinstance(handler, LoginPolicyHandler):
        raise ImproperlyConfigured("AXES_HANDLER must be tousu.accounts.lockout.LoginPolicyHandler")
    return handler


def _lock_id(key: str) -> int:
    """A PostgreSQL advisory lock's number (a signed 64-bit integer) for a key."""
    digest = hashlib.sha256(f"tousu.login:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _serialise(keys: dict[str, str], using: str) -> None:
    """Hold each key's lock until the current transaction ends, so that attempts on one user
    name or one address read and write their count one after the other. PostgreSQL: an
    advisory lock per key, always taken in the same order (no deadlock). SQLite needs none:
    the settings begin every transaction IMMEDIATE, which takes the database's write lock."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for lock_id in sorted({_lock_id(f"{scope}:{value}") for scope, value in keys.items()}):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])


# ---- axes' backend and handler ---------------------------------------------------------------


class LoginLockBackend(AxesStandaloneBackend):
    """The first of AUTHENTICATION_BACKENDS: admits a login attempt to the password check of
    the backends after it, or refuses it (PermissionDenied ends Django's `authenticate`, which
    reports a failed login; the login form then says why). It checks no password itself."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if not settings.AXES_ENABLED:
            return None
        if request is None:
            # A login that cannot be counted is refused (in tests: see the root conftest).
            raise AxesBackendRequestParameterRequired(
                "the login policy needs the request to authenticate"
            )
        prepared: Any = request
        _prepare(prepared)
        credentials = get_credentials(username=username, password=password, **kwargs)
        if _handler().admit(prepared, credentials):
            return None
        prepared.axes_locked_out = True
        prepared.axes_credentials = credentials
        raise AxesBackendPermissionDenied("locked out by the login policy")


class LoginPolicyHandler(AxesDatabaseHandler):
    """AXES_HANDLER: axes' database handler (its access attempts, its log of logins) with the
    policy of the module's docstring: a limit per user name and per address, each attempt
    counted before its password is checked, and lockouts on the audit trail."""

    # -- reading the counts --------------------------------------------------------------------

    @staticmethod
    def _keys(request: Any, credentials: dict[str, Any] | None) -> dict[str, str]:
        """The attempt's user name and address, by axes' lockout parameter."""
        keys: dict[str, str] = {}
        username = get_client_username(request, credentials)
        if username:
            keys["username"] = username
        # Without an address (a request made in code) only the user name holds: one shared
        # "no address" would lock all such attempts together.
        if request.axes_ip_address:
            keys["ip_address"] = request.axes_ip_address
        return keys

    @staticmethod
    def _limit(scope: str) -> int:
        if scope == "username":
            return int(settings.TOUSU_LOGIN_FAILURE_LIMIT)
        return int(settings.TOUSU_LOGIN_ADDRESS_FAILURE_LIMIT)

    @staticmethod
    def _live(request: Any) -> Q:
        """Access attempts whose last failure is within the cool-off."""
        return Q(attempt_time__gt=request.axes_attempt_time - cool_off(request))

    def _failures(self, request: Any, keys: dict[str, str]) -> dict[str, int]:
        """Each key's live failures, in one query."""
        if not keys:
            return {}
        either = Q()
        for scope, value in keys.items():
            either |= Q(**{scope: value})
        sums = AccessAttempt.objects.filter(either, self._live(request)).aggregate(
            **{
                f"{scope}_failures": Sum("failures_since_start", filter=Q(**{scope: value}))
                for scope, value in keys.items()
            }
        )
        return {scope: sums[f"{scope}_failures"] or 0 for scope in keys}

    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        keys = self._keys(request, credentials)
        failures = self._failures(request, keys)
        return any(failures[scope] >= self._limit(scope) for scope in keys)

    def lock_lifts_at(
        self, request: Any, credentials: dict[str, Any] | None = None
    ) -> dt.datetime | None:
        """When the attempt's locks will all have lifted, if nothing more fails; None if it is
        not locked."""
        ends = [
            self._lifts_at(request, scope, value)
            for scope, value in self._keys(request, credentials).items()
        ]
        return max((end for end in ends if end is not None), default=None)

    def _lifts_at(self, request: Any, scope: str, value: str) -> dt.datetime | None:
        """When one key's lock lifts, None if it holds none. Its failures expire oldest row
        first, so the lock holds until the newest rows that still add up to the limit are
        older than the cool-off."""
        total, limit = 0, self._limit(scope)
        rows = (
            AccessAttempt.objects.filter(self._live(request), **{scope: value})
            .order_by("-attempt_time")
            .values_list("attempt_time", "failures_since_start")
        )
        for attempt_time, failures in rows:
            total += failures
            if total >= limit:
                return attempt_time + cool_off(request)
        return None

    # -- the check and the count, in one ---------------------------------------------------------

    def admit(self, request: Any, credentials: dict[str, Any] | None) -> bool:
        """Whether the attempt may have its password checked. If so it is counted as a failure
        now, and a success takes that back (`user_logged_in`); the check and the count are one
        transaction, serialised per user name and per address, so that concurrent attempts
        cannot all read the same count."""
        keys = self._keys(request, credentials)
        state = _attempt(request)
        using = router.db_for_write(AccessAttempt)
        with transaction.atomic(using=using):
            _serialise(keys, using)
            failures = self._failures(request, keys)
            if any(failures[scope] >= self._limit(scope) for scope in keys):
                state.refused = True
                return False
            self._count_failure(request, credentials)
        state.counted = True
        state.failures = {scope: failures[scope] + 1 for scope in keys}
        state.reaching = [s for s in keys if state.failures[s] >= self._limit(s)]
        return True

    def _count_failure(self, request: Any, credentials: dict[str, Any] | None) -> None:
        """One more failure on the attempt's row, with what axes keeps of it (its form data
        without the password, its path…); a row past the cool-off starts again from one."""
        at = request.axes_attempt_time
        live = self._live(request)
        get_data = get_query_str(request.GET).replace("\0", "0x00")
        post_data = get_query_str(request.POST).replace("\0", "0x00")
        row = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
            user_agent=request.axes_user_agent,
        )
        # Every right-hand side reads the row as it was, before this update.
        updated = row.update(
            failures_since_start=Case(
                When(live, then=F("failures_since_start") + 1), default=Value(1)
            ),
            get_data=Case(
                When(live, then=Concat("get_data", Value(SEPARATOR + get_data))),
                default=Value(get_data),
                output_field=TextField(),
            ),
            post_data=Case(
                When(live, then=Concat("post_data", Value(SEPARATOR + post_data))),
                default=Value(post_data),
                output_field=TextField(),
            ),
            http_accept=request.axes_http_accept,
            path_info=request.axes_path_info,
            attempt_time=at,
        )
        if updated:
            return
        # No other transaction can create this row meanwhile: it would hold the same locks.
        created = AccessAttempt.objects.create(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
            user_agent=request.axes_user_agent,
            http_accept=request.axes_http_accept,
            path_info=request.axes_path_info,
            get_data=get_data,
            post_data=post_data,
            failures_since_start=1,
        )
        # auto_now_add stamped the wall clock; the cool-off counts from the attempt's time, which
        # differs only where the project's clock is moved (tests, replays).
        if abs(created.attempt_time - at) > dt.timedelta(seconds=1):
            row.update(attempt_time=at)

    # -- Django's signals (through axes' proxy) -------------------------------------------------

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        if request is None:
            log.error("login failure without a request: not counted by the login policy")
            return
        _prepare(request)
        request.axes_credentials = credentials
        state = _attempt(request)
        if not (state.counted or state.refused):
            # authenticate() reached without this policy's backend first: count it now.
            self.admit(request, credentials)
        if state.refused:
            # Refused before its password was checked, and not counted: the lock ends on time.
            request.axes_locked_out = True
            return
        if not state.reaching:
            return
        request.axes_locked_out = True
        username = get_client_username(request, credentials) or ""
        address = request.axes_ip_address
        log.warning(
            "login locked (%s) for %r from %s", ", ".join(state.reaching), username, address
        )
        user_locked_out.send("axes", request=request, username=username, ip_address=address)
        at = request.axes_attempt_time
        keys = self._keys(request, credentials)
        for scope in state.reaching:
            until = self._lifts_at(request, scope, keys[scope]) or at + cool_off(request)
            login_lockout_record(
                scope=SCOPES[scope],
                username=username,
                ip_address=address,
                path=request.axes_path_info,
                failures=state.failures[scope],
                at=at,
                until=until,
            )

    def user_logged_in(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        _prepare(request)
        # axes' log of the login, and its clean-up of expired attempts.
        super().user_logged_in(sender, request, user, **kwargs)
        # The count taken in advance, and this user name's earlier failures from this address,
        # are forgiven; its failures elsewhere, and the address's on other names, stand.
        username = get_client_username(request, get_credentials(user.get_username()))
        AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).delete()

    def user_logged_out(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        _prepare(request)
        super().user_logged_out(sender, request, user, **kwargs)
