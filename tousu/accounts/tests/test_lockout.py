"""The login policy (tousu/accounts/lockout.py): one lockout for every login form, per user
name and per address, with a cool-off, counted atomically, on the audit trail."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from conftest import PASSWORD
from tests.pages import as_user, page
from tousu.core import clock

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 11, 10, 0, tzinfo=clock.SHANGHAI)
LOCKED_ZH = "登录失败次数过多"


def post(client: Client, path: str, username: str, password: str, **extra: Any) -> Any:
    return client.post(path, {"username": username, "password": password}, **extra)


def at(minutes: float) -> Any:
    return clock.frozen(T0 + dt.timedelta(minutes=minutes))


def test_admin_login_locks_and_refuses_the_right_password_until_the_cool_off_ends(
    client: Client, admin_user: Any
) -> None:
    with at(0):
        for _ in range(5):  # TOUSU_LOGIN_FAILURE_LIMIT's default
            post(client, "/admin/login/", "admin", "wrong")
        refused = post(client, "/admin/login/", "admin", PASSWORD)
    assert refused.status_code == 429
    assert LOCKED_ZH in page(refused)
    assert client.get("/admin/").status_code == 302  # not logged in

    with at(14):  # refused again, and the refusal does not prolong the lock
        assert post(client, "/admin/login/", "admin", PASSWORD).status_code == 429
    with at(16):
        response = post(client, "/admin/login/", "admin", PASSWORD)
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_staff_login_succeeds_after_the_cool_off(client: Client, handler: Any) -> None:
    with at(0):
        for _ in range(5):
            post(client, "/login/", "handler", "wrong")
    with at(10):
        assert post(client, "/login/", "handler", PASSWORD).status_code == 429
    with at(15.5):
        assert post(client, "/login/", "handler", PASSWORD).status_code == 302


def test_one_door_one_count(client: Client, handler: Any) -> None:
    """Failures on the admin's login and on the staff's add up: there is no second door."""
    with at(0):
        for path in ("/login/", "/admin/login/", "/login/", "/admin/login/", "/login/"):
            post(client, path, "handler", "wrong")
        assert post(client, "/login/", "handler", PASSWORD).status_code == 429


def test_a_user_name_is_locked_from_every_address(client: Client, handler: Any) -> None:
    with at(0):
        for n, name in enumerate(["handler", "Handler", " HANDLER", "handler ", "handler"]):
            post(client, "/login/", name, "wrong", REMOTE_ADDR=f"10.0.0.{n + 1}")
        refused = post(Client(), "/login/", "handler", PASSWORD, REMOTE_ADDR="10.9.9.9")
    assert refused.status_code == 429


def test_one_password_against_many_user_names_from_one_address_is_stopped(
    client: Client, handler: Any, settings: Any
) -> None:
    from tousu.accounts.models import LoginLockout

    assert settings.TOUSU_LOGIN_ADDRESS_FAILURE_LIMIT == 20
    with at(0):
        for n in range(20):  # one failure each: no user name is near its own limit
            # A forged X-Forwarded-For does not make another address.
            forged = f"203.0.113.{n}"
            post(client, "/login/", f"staff{n:02d}", "Spring-2026", HTTP_X_FORWARDED_FOR=forged)
        # The address is spent: not even a right password gets checked from there.
        refused = post(client, "/login/", "handler", PASSWORD)
        assert refused.status_code == 429
        assert LOCKED_ZH in page(refused)
        # Another address is not affected.
        elsewhere = post(Client(), "/login/", "handler", PASSWORD, REMOTE_ADDR="10.2.2.2")
        assert elsewhere.status_code == 302
    lockout = LoginLockout.objects.get()
    assert (lockout.scope, lockout.ip_address, lockout.failures) == ("address", "127.0.0.1", 20)


def test_the_message_says_how_long_in_chinese_and_in_english(client: Client, handler: Any) -> None:
    with at(0):
        for _ in range(5):
            post(client, "/login/", "handler", "wrong")
    with at(5):
        chinese = page(post(client, "/login/", "handler", PASSWORD))
        english = page(post(client, "/login/", "handler", PASSWORD, HTTP_ACCEPT_LANGUAGE="en"))
    assert "登录失败次数过多，请 10 分钟后再试" in chinese
    assert "Too many failed login attempts. Please try again in 10 minutes" in english


def test_the_lockout_is_on_the_audit_trail(client: Client, handler: Any, admin_user: Any) -> None:
    from tousu.accounts.models import LoginLockout

    with at(0):
        for _ in range(4):
            post(client, "/login/", "handler", "wrong")
        assert not LoginLockout.objects.exists()
        post(client, "/login/", "handler", "wrong")  # the fifth: the lock engages, once
        post(client, "/login/", "handler", PASSWORD)  # refused: not a second lockout
    lockout = LoginLockout.objects.get()
    assert lockout.scope == "username"
    assert lockout.username == "handler"
    assert lockout.ip_address == "127.0.0.1"
    assert lockout.path == "/login/"
    assert lockout.failures == 5
    assert lockout.at == T0
    assert lockout.until == T0 + dt.timedelta(minutes=15)
    admin = as_user(admin_user)
    listing = page(admin.get("/admin/accounts/loginlockout/"))
    assert "handler" in listing
    assert "127.0.0.1" in listing
    # The failed attempts themselves are axes' pages, in Chinese too; deleting one unlocks.
    attempts = page(admin.get("/admin/axes/accessattempt/"))
    assert "登录尝试" in attempts
    assert "handler" in attempts


def test_an_administrator_lifts_a_lock_by_deleting_the_attempts(
    client: Client, handler: Any, admin_user: Any
) -> None:
    from axes.models import AccessAttempt

    with at(0):
        for _ in range(5):
            post(client, "/login/", "handler", "wrong")
        attempt = AccessAttempt.objects.get(username="handler")
        deleted = as_user(admin_user).post(
            f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}
        )
        assert deleted.status_code == 302
        assert post(client, "/login/", "handler", PASSWORD).status_code == 302


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("spray", [False, True], ids=["one-user-name", "many-user-names"])
def test_concurrent_attempts_check_no_more_passwords_than_the_limit(
    handler: Any, settings: Any, monkeypatch: pytest.MonkeyPatch, spray: bool
) -> None:
    """Twenty guesses at once: at most the limit of them reach a password check, however the
    requests interleave (the check of the count and the count are one step)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent attempts need PostgreSQL (SQLite serialises every write)")
    from tousu.accounts.models import LoginLockout, User

    settings.TOUSU_LOGIN_ADDRESS_FAILURE_LIMIT = 8
    limit = settings.TOUSU_LOGIN_ADDRESS_FAILURE_LIMIT if spray else 5
    checks: list[str] = []
    lock = threading.Lock()
    check_password = User.check_password

    def counted(self: Any, raw_password: str) -> bool:
        with lock:
            checks.append(self.username)
        return check_password(self, raw_password)

    monkeypatch.setattr(User, "check_password", counted)
    # Many user names need users to check passwords of (an unknown name is never checked).
    names = [f"staff{n:02d}" for n in range(20)] if spray else ["handler"] * 20
    if spray:
        User.objects.bulk_create(User(username=name, password=handler.password) for name in names)
    statuses: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(names))

    def attempt(username: str) -> None:
        try:
            client = Client()
            start.wait()
            response = post(client, "/login/", username, "wrong")
            with lock:
                statuses.append(response.status_code)
        except BaseException as exc:  # surfaced below
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(checks) <= limit, checks
    assert len(checks) == limit  # and the limit is reached: nothing is refused early
    assert sorted(set(statuses)) == [200, 429]
    assert LoginLockout.objects.count() == 1
