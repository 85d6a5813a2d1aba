"""`tousu serve` for real: a subprocess on a free port, DEBUG off, answering over HTTP.

It always runs on SQLite in a temporary data directory, whatever database the suite uses: the
server is a separate process and must not touch the suite's (or anyone's) database.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

STARTUP_SECONDS = 30
RUNNING = re.compile(r"Tousu is running on (http://127\.0\.0\.1:(\d+)/) \(Ctrl\+C to stop\)")


def environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOUSU_")}
    env.update(
        TOUSU_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="tousu.config.settings",
        PYTHONUNBUFFERED="1",
    )
    return env


def tousu(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tousu.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def read_line(process: subprocess.Popen, deadline: float) -> str:
    """The next line of the server's output, or "" at the deadline or when it exits."""
    assert process.stdout is not None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.2)
        if ready:
            return process.stdout.readline()
        if process.poll() is not None:
            return ""
    return ""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A running `tousu serve` on an initialised database; yields its base URL."""
    env = environment(tmp_path)
    init = tousu("init", env=env)
    assert init.returncode == 0, init.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "tousu.cli", "serve", "--port", "0", "--threads", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        seen = []
        while line := read_line(process, deadline):
            seen.append(line)
            if match := RUNNING.search(line):
                yield match.group(1)
                break
        else:
            pytest.fail(f"tousu serve did not start: {''.join(seen)!r}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our server
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_serve_answers_pages_static_files_and_the_api(server: str) -> None:
    status, body = get(server + "login/")
    assert status == 200
    assert b"<form" in body

    status, body = get(server + "static/tousu/app.css")
    assert status == 200
    assert body.strip()

    status, body = get(server + "api/v1/openapi.json")
    assert status == 200
    assert b'"openapi"' in body

    # DEBUG is off: a missing page is the plain 404, not Django's debug page.
    status, body = get(server + "static/no-such-file.css")
    assert status == 404
    assert b"URLconf" not in body


def test_serve_refuses_an_uninitialised_database(tmp_path: Path) -> None:
    result = tousu("serve", "--port", "0", env=environment(tmp_path), timeout=60)
    assert result.returncode == 1
    assert "run `tousu init` first" in result.stderr
