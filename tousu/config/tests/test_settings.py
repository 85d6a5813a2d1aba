"""The typed environment readers of the settings: pure functions over a mapping, tested without
reloading Django's settings."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import PASSWORD
from tousu.config.settings import (
    SettingError,
    env_bool,
    env_date,
    env_float,
    env_int,
    env_list,
    env_str,
    https_settings,
)


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", " yes ", "On"])
def test_bool_true(raw: str) -> None:
    assert env_bool("TOUSU_X", environ={"TOUSU_X": raw}) is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "off", ""])
def test_bool_false(raw: str) -> None:
    assert env_bool("TOUSU_X", default=True, environ={"TOUSU_X": raw}) is False


def test_bool_unset_is_the_default() -> None:
    assert env_bool("TOUSU_X", environ={}) is False
    assert env_bool("TOUSU_X", default=True, environ={}) is True


def test_bool_typo_stops_start_up_naming_the_variable() -> None:
    with pytest.raises(SettingError) as error:
        env_bool("TOUSU_DEBUG", environ={"TOUSU_DEBUG": "ture"})
    message = str(error.value)
    assert "TOUSU_DEBUG='ture'" in message
    assert "1/true/yes/on or 0/false/no/off" in message


def test_int() -> None:
    assert env_int("TOUSU_N", 5, environ={}) == 5
    assert env_int("TOUSU_N", 5, environ={"TOUSU_N": " 42 "}) == 42
    assert env_int("TOUSU_N", 5, minimum=0, environ={"TOUSU_N": "0"}) == 0


@pytest.mark.parametrize(
    ("raw", "accepts"),
    [
        ("", "expected a whole number"),
        ("4.5", "expected a whole number"),
        ("twenty", "expected a whole number"),
        ("0", "expected a whole number at least 1 and at most 65535"),
        ("70000", "expected a whole number at least 1 and at most 65535"),
    ],
)
def test_int_refused(raw: str, accepts: str) -> None:
    with pytest.raises(SettingError, match=accepts) as error:
        env_int("TOUSU_EMAIL_PORT", 25, minimum=1, maximum=65535, environ={"TOUSU_EMAIL_PORT": raw})
    assert str(error.value).startswith(f"TOUSU_EMAIL_PORT={raw!r} is not valid")


def test_float() -> None:
    assert env_float("TOUSU_F", 0.7, environ={}) == 0.7
    assert env_float("TOUSU_F", 0.7, minimum=0, maximum=1, environ={"TOUSU_F": "0.25"}) == 0.25


@pytest.mark.parametrize(
    ("raw", "accepts"),
    [
        ("high", "expected a number"),
        ("nan", "expected a finite number"),
        ("1.5", "expected a number at least 0 and at most 1"),
        ("-0.1", "expected a number at least 0 and at most 1"),
    ],
)
def test_float_refused(raw: str, accepts: str) -> None:
    with pytest.raises(SettingError, match=accepts):
        env_float("TOUSU_RISK_HIGH", 0.7, minimum=0, maximum=1, environ={"TOUSU_RISK_HIGH": raw})


def test_str_keeps_the_value_as_given() -> None:
    assert env_str("TOUSU_S", environ={}) == ""
    assert env_str("TOUSU_S", "fallback", environ={}) == "fallback"
    assert env_str("TOUSU_S", environ={"TOUSU_S": " secret "}) == " secret "


def test_str_choices() -> None:
    levels = ("ERROR", "WARNING")
    assert env_str("TOUSU_LOG_LEVEL", "WARNING", choices=levels, environ={}) == "WARNING"
    assert env_str("TOUSU_LOG_LEVEL", choices=levels, environ={"TOUSU_LOG_LEVEL": "ERROR"}) == (
        "ERROR"
    )
    with pytest.raises(SettingError, match="expected one of ERROR, WARNING"):
        env_str("TOUSU_LOG_LEVEL", choices=levels, environ={"TOUSU_LOG_LEVEL": "warn"})


def test_list() -> None:
    assert env_list("TOUSU_L", ["a", "b"], environ={}) == ["a", "b"]
    assert env_list("TOUSU_L", ["a"], environ={"TOUSU_L": ""}) == []
    assert env_list("TOUSU_L", environ={"TOUSU_L": " x.example , ,y.example"}) == [
        "x.example",
        "y.example",
    ]


def test_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOUSU_TEST_FLAG", "yes")
    assert env_bool("TOUSU_TEST_FLAG") is True
    monkeypatch.setenv("TOUSU_TEST_FLAG", "maybe")
    with pytest.raises(SettingError):
        env_bool("TOUSU_TEST_FLAG")


def test_date() -> None:
    default = dt.date(2000, 1, 1)
    assert env_date("TOUSU_D", default, environ={}) == default
    assert env_date("TOUSU_D", default, environ={"TOUSU_D": " 2015-06-30 "}) == dt.date(2015, 6, 30)


@pytest.mark.parametrize(
    "raw", ["", "2015", "2015-02-30", "20150630", "2015-W26-2", "30/06/2015", "1969-12-31"]
)
def test_date_refused(raw: str) -> None:
    accepts = "expected a date YYYY-MM-DD from 1970-01-01 to 2026-12-31"
    with pytest.raises(SettingError, match=accepts) as error:
        env_date(
            "TOUSU_EARLIEST_RECEIVED",
            dt.date(2000, 1, 1),
            minimum=dt.date(1970, 1, 1),
            maximum=dt.date(2026, 12, 31),
            environ={"TOUSU_EARLIEST_RECEIVED": raw},
        )
    assert str(error.value).startswith(f"TOUSU_EARLIEST_RECEIVED={raw!r} is not valid")


def test_date_after_the_maximum_is_refused() -> None:
    with pytest.raises(SettingError, match="to 2026-12-31"):
        env_date(
            "TOUSU_D",
            dt.date(2000, 1, 1),
            maximum=dt.date(2026, 12, 31),
            environ={"TOUSU_D": "2027-01-01"},
        )


def test_earliest_received_is_a_date_by_default() -> None:
    from django.conf import settings

    earliest = settings.TOUSU_EARLIEST_RECEIVED
    assert earliest == dt.date(2000, 1, 1)


@pytest.mark.parametrize("raw", ["2000-13-01", "3000-01-01"])
def test_a_bad_earliest_received_stops_start_up(raw: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOUSU_")}
    env.update(TOUSU_DATA_DIR=str(tmp_path), TOUSU_EARLIEST_RECEIVED=raw)
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "DJANGO_SETTINGS_MODULE": "tousu.config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode != 0
    assert f"TOUSU_EARLIEST_RECEIVED={raw!r} is not valid: expected a date YYYY-MM-DD" in (
        run.stderr
    )


# ---- HTTPS (TOUSU_HTTPS) ---------------------------------------------------------------------

HTTPS_OFF = {
    "SECURE_PROXY_SSL_HEADER": None,
    "SECURE_SSL_REDIRECT": False,
    "SECURE_HSTS_SECONDS": 0,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
}


def test_https_is_off_by_default() -> None:
    """The default is a plain local server: nothing that needs HTTPS."""
    assert https_settings({}) == HTTPS_OFF
    assert https_settings({"TOUSU_HTTPS": "0", "TOUSU_HSTS_INCLUDE_SUBDOMAINS": "1"}) == HTTPS_OFF


def test_https_on() -> None:
    assert https_settings({"TOUSU_HTTPS": "1"}) == {
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 365 * 24 * 60 * 60,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }


def test_hsts_can_be_shorter_off_or_cover_subdomains() -> None:
    on = {"TOUSU_HTTPS": "yes"}
    assert https_settings({**on, "TOUSU_HSTS_SECONDS": "300"})["SECURE_HSTS_SECONDS"] == 300
    assert https_settings({**on, "TOUSU_HSTS_SECONDS": "0"})["SECURE_HSTS_SECONDS"] == 0
    with_subdomains = https_settings({**on, "TOUSU_HSTS_INCLUDE_SUBDOMAINS": "1"})
    assert with_subdomains["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    with pytest.raises(SettingError, match="TOUSU_HSTS_SECONDS='-1'"):
        https_settings({**on, "TOUSU_HSTS_SECONDS": "-1"})
    with pytest.raises(SettingError, match="TOUSU_HTTPS='https'"):
        https_settings({"TOUSU_HTTPS": "https"})


def test_django_behind_an_https_proxy(settings: Any, handler: Any) -> None:
    """With the settings on: a plain request is redirected, one the proxy marks as HTTPS is
    answered with HSTS, and the session and CSRF cookies are sent over HTTPS only."""
    from django.test import Client

    for name, value in https_settings({"TOUSU_HTTPS": "1"}).items():
        setattr(settings, name, value)
    client = Client()
    plain = client.get("/login/")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/login/"

    secure = Client(headers={"X-Forwarded-Proto": "https"})
    page = secure.get("/login/")
    assert page.status_code == 200
    assert page["Strict-Transport-Security"] == "max-age=31536000"
    assert page.cookies["csrftoken"]["secure"]
    logged_in = secure.post("/login/", {"username": handler.username, "password": PASSWORD})
    assert logged_in.status_code == 302
    assert logged_in.cookies["sessionid"]["secure"]
