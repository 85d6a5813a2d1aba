"""`tousu serve` for real: a subprocess on a free port, DEBUG off, answering over HTTP.

It always runs on SQLite in a temporary data directory, whatever database the suite uses: the
server is a separate process and must not touch the suite's (or anyone's) database.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


@contextlib.contextmanager
def running(
    data_dir: Path, *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen, str, list[str]]]:
    """`tousu serve ARGS` on an initialised database in data_dir: yields the process, its base
    URL and the lines it printed so far (read more with read_line)."""
    env = env or environment(data_dir)
    init = tousu("init", env=env)
    assert init.returncode == 0, init.stderr
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tousu.cli", "serve", "--port", "0", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        seen: list[str] = []
        while line := read_line(process, deadline):
            seen.append(line)
            if match := RUNNING.search(line):
                yield process, match.group(1), seen
                break
        else:
            pytest.fail(f"tousu serve did not start: {''.join(seen)!r}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


# One process (waitress) and several (gunicorn, where the platform forks) must serve alike.
@pytest.fixture(params=["1", "2"], ids=["waitress", "workers"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A running `tousu serve` on an initialised database; yields its base URL."""
    with running(tmp_path, "--workers", request.param, "--threads", "2") as (_, url, _):
        yield url


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


def children(pid: int) -> set[int]:
    """The live child processes of pid (Linux /proc; empty elsewhere)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """Whether pid runs (a zombie waiting for init to reap it does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def started_at(pid: int) -> int:
    """When pid started, in clock ticks since boot (Linux /proc)."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])


def lock_holders(path: Path) -> set[int]:
    """The processes holding a flock on path (Linux /proc/locks)."""
    inode = path.stat().st_ino
    holders = set()
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if fields[1] == "FLOCK" and int(fields[5].rsplit(":", 1)[1]) == inode:
            holders.add(int(fields[4]))
    return holders


# Scheduled once a day, so each runs exactly once right after the runner starts: a second run
# within the test means a second runner.
DAILY_JOBS = ("complaints.retention", "classification.retrain", "early_warning.forecast_train")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="one process where there is no fork")
def test_serve_with_workers_runs_the_jobs_in_one_process_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    import fcntl

    env = environment(tmp_path) | {"TOUSU_LOG_LEVEL": "INFO"}
    with running(tmp_path, "--workers", "3", "--threads", "2", env=env) as (process, url, seen):
        status, _ = get(url + "login/")
        assert status == 200
        # Read the log (it also keeps the pipe from filling) until every daily job has run,
        # and a little longer for a late second runner to show.
        deadline = time.monotonic() + 90
        settle: float | None = None
        while time.monotonic() < (settle or deadline):
            line = read_line(process, settle or deadline)
            if not line:
                break
            seen.append(line)
            if settle is None and all(any(f"job {j}:" in x for x in seen) for j in DAILY_JOBS):
                settle = time.monotonic() + 5
        log = "".join(seen)
        for job in DAILY_JOBS:
            assert log.count(f"job {job}:") == 1, log
        # The election's lock is held (not by the master, which only forks).
        with open(tmp_path / "jobs.lock", "a+b") as handle, pytest.raises(BlockingIOError):
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        workers = children(process.pid)
        if Path("/proc").is_dir():
            # Three workers and the job runner's own process, forked before them: it holds
            # the lock, so no worker runs a job beside its requests (issue 19).
            assert len(workers) == 4
            first = min(workers, key=started_at)
            assert lock_holders(tmp_path / "jobs.lock") == {first}
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert process.stdout is not None
        assert "Stopped." in process.stdout.read()
        assert not any(alive(pid) for pid in workers), "a worker outlived the server"
        # Released with the processes: the next server can run the jobs.
        with open(tmp_path / "jobs.lock", "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_serve_refuses_a_port_in_use(tmp_path: Path) -> None:
    env = environment(tmp_path)
    assert tousu("init", env=env).returncode == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        for workers in ("1", "2"):
            result = tousu("serve", "--port", port, "--workers", workers, env=env, timeout=60)
            assert result.returncode == 1, result.stdout
            assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 8001, "http://127.0.0.1:8001"),
        ("0.0.0.0", 8000, "http://localhost:8000"),  # noqa: S104 (a name, not bound)
        ("::", 8000, "http://localhost:8000"),
        ("::1", 8002, "http://[::1]:8002"),
        ("tousu.example.cn", 80, "http://tousu.example.cn:80"),
    ],
)
def test_the_links_to_customers_point_where_the_server_answers(
    host: str, port: int, url: str, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make run PORT=8001` sent customers links to localhost:8000. Unset, TOUSU_PUBLIC_URL is
    the address served (the port it got); set, it is kept."""
    from io import StringIO

    from tousu.setup.management.commands.serve import Command

    monkeypatch.delenv("TOUSU_PUBLIC_URL", raising=False)
    Command(stdout=StringIO()).announce(host, port)
    assert url == settings.TOUSU_PUBLIC_URL
    monkeypatch.setenv("TOUSU_PUBLIC_URL", "https://tousu.example.cn")
    settings.TOUSU_PUBLIC_URL = "https://tousu.example.cn"
    Command(stdout=StringIO()).announce(host, port)
    assert settings.TOUSU_PUBLIC_URL == "https://tousu.example.cn"
