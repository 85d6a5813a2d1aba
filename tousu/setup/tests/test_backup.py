"""`tousu backup` and `tousu restore` end to end: each installation is a data folder (and, when
the suite runs on PostgreSQL, a throwaway database of its own) driven by `tousu` subprocesses,
as an operator would; the suite's own test database is never touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tousu.complaints.models import Complaint
from tousu.setup.backup import key_paths
from tousu.setup.tests.test_commands_serve import environment, read_line

Cli = Callable[..., tuple[int, str, str]]

SUITE_URL = os.environ.get("TOUSU_DATABASE_URL", "")
ON_POSTGRESQL = SUITE_URL.startswith(("postgres://", "postgresql://"))
LOAD_SECONDS = 90

# Registers complaints through the real service, one evidence file on every third, printing
# a line after each, until LOAD_LIMIT complaints or until the file LOAD_STOP exists.
LOAD = """
import os, pathlib, time
from tousu.accounts.models import User
from tousu.intake.services import Registration, complaint_register
from tousu.resolution.services import evidence_add

stop = pathlib.Path(os.environ.get("LOAD_STOP", "/nonexistent"))
limit = int(os.environ["LOAD_LIMIT"])
deadline = time.monotonic() + float(os.environ.get("LOAD_SECONDS", "90"))
actor, _ = User.objects.get_or_create(username="loader", defaults={"role": "admin"})
done = 0
while done < limit and not stop.exists() and time.monotonic() < deadline:
    registration = Registration(
        channel="hotline",
        content="上个月话费无故多扣了58元，客服说查不到原因",
        customer_phone=f"139{os.getpid() % 10000:04d}{done:04d}",
        customer_name="张三",
        category="billing.unexplained_charge",
    )
    complaint = complaint_register(registration=registration, actor=None, actor_name="load")
    if done % 3 == 0:
        evidence_add(
            complaint=complaint, actor=actor, name="录音记录.txt",
            content=f"通话记录 {complaint.number}".encode(),
        )
    done += 1
    print("registered", done, flush=True)
"""

# Prints the installation's row counts as JSON.
COUNTS = """
import json
from tousu.setup.backup import current_counts
print(json.dumps(current_counts()))
"""


@dataclass
class Installation:
    """A tousu installation: its data folder and, on PostgreSQL, its own database."""

    data_dir: Path
    database_url: str = ""

    def env(self, **extra: str) -> dict[str, str]:
        env = environment(self.data_dir)
        if self.database_url:
            env["TOUSU_DATABASE_URL"] = self.database_url
        env.update(extra)
        return env

    def run(self, *args: str, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "tousu.cli", *args],
            env=self.env(**extra),
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    def ok(self, *args: str, **extra: str) -> str:
        result = self.run(*args, **extra)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def counts(self) -> dict[str, int]:
        return json.loads(self.ok("shell", "-c", COUNTS).strip().splitlines()[-1])


def _admin_query(sql: str) -> None:
    import psycopg

    base = SUITE_URL.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], Installation]]:
    """Makes empty installations (a data folder; on PostgreSQL a new empty database, dropped
    when the module ends)."""
    databases: list[str] = []
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")

    def make() -> Installation:
        data_dir = tmp_path_factory.mktemp("tousu")
        if not ON_POSTGRESQL:
            return Installation(data_dir)
        name = f"{SUITE_URL.rsplit('/', 1)[1]}_backup_{worker}_{len(databases)}"
        _admin_query(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _admin_query(f'CREATE DATABASE "{name}"')
        databases.append(name)
        return Installation(data_dir, f"{SUITE_URL.rsplit('/', 1)[0]}/{name}")

    yield make
    for name in databases:
        _admin_query(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def source(installation: Callable[[], Installation]) -> Installation:
    """An initialised installation with two complaints, one with evidence."""
    made = installation()
    made.ok("init")
    made.ok("shell", "-c", LOAD, LOAD_LIMIT="2")
    return made


@pytest.fixture(scope="module")
def pristine(source: Installation, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of `source`, taken once: tests damage copies of it."""
    folder = tmp_path_factory.mktemp("pristine") / "backup"
    source.ok("backup", str(folder))
    return folder


@pytest.fixture
def backup(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "backup"))


def manifest_of(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "manifest.json").read_text())


def test_a_backup_taken_during_a_registration_load_restores_elsewhere(
    source: Installation, installation: Callable[[], Installation], tmp_path: Path
) -> None:
    stop = tmp_path / "stop"
    loader = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tousu.cli", "shell", "-c", LOAD],
        env=source.env(LOAD_LIMIT="200", LOAD_STOP=str(stop)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # The backup starts once registrations are under way; the loader goes on writing
        # until the backup has finished.
        deadline = time.monotonic() + LOAD_SECONDS
        registered = 0
        while registered < 5 and (line := read_line(loader, deadline)):
            registered += line.startswith("registered")
        assert registered == 5, "the load did not get going"
        folder = tmp_path / "backup"
        backed_up = source.run("backup", str(folder))
    finally:
        stop.touch()
        loader.wait(timeout=LOAD_SECONDS)
    assert loader.returncode == 0, loader.stdout.read() if loader.stdout else ""
    assert backed_up.returncode == 0, backed_up.stderr
    manifest = manifest_of(folder)
    complaints = manifest["counts"]["complaints"]
    assert 2 + 5 <= complaints <= source.counts()["complaints"]
    assert any(entry["path"].startswith("uploads/evidence/") for entry in manifest["files"])

    elsewhere = installation()
    restored = elsewhere.run("restore", str(folder))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    # Restore ran `timeline_verify` over the restored database.
    assert f"{complaints} timelines verified, none broken" in restored.stdout
    for entry in manifest["files"]:
        if entry["path"].startswith("uploads/"):
            path = elsewhere.data_dir / entry["path"]
            assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
    # The restored installation takes new complaints: numbers and ids carry on.
    elsewhere.ok("shell", "-c", LOAD, LOAD_LIMIT="1")
    assert elsewhere.counts() == {
        **manifest["counts"],
        "complaints": complaints + 1,
        "customers": manifest["counts"]["customers"] + 1,
        "timeline_events": elsewhere.counts()["timeline_events"],
    }

    # Now it holds a complaint the backup has not: restoring over it takes --force.
    refused = elsewhere.run("restore", str(folder))
    assert refused.returncode != 0
    assert f"already holds {complaints + 1} complaints" in refused.stderr
    elsewhere.ok("restore", str(folder), "--force")
    assert elsewhere.counts() == manifest["counts"]


def _flip_database_byte(folder: Path) -> str:
    manifest = manifest_of(folder)
    path = folder / manifest["database"]["file"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    return f"{path} is damaged: its SHA-256 does not match"


def _delete_upload(folder: Path) -> str:
    upload = next(p for p in sorted((folder / "uploads").rglob("*")) if p.is_file())
    upload.unlink()
    return f"{upload} is missing from the backup"


def _truncate_manifest(folder: Path) -> str:
    path = folder / "manifest.json"
    path.write_bytes(path.read_bytes()[:200])
    return f"{path} is damaged"


def _add_a_file(folder: Path) -> str:
    (folder / "uploads" / "planted.txt").write_text("not from the backup")
    return f"{folder / 'uploads' / 'planted.txt'} is not in the manifest"


def _remove_manifest(folder: Path) -> str:
    """What a backup interrupted before its end leaves: everything but the manifest."""
    (folder / "manifest.json").unlink()
    return "the backup is partial"


@pytest.mark.parametrize(
    "damage",
    [_flip_database_byte, _delete_upload, _truncate_manifest, _add_a_file, _remove_manifest],
    ids=["flipped-db-byte", "deleted-upload", "truncated-manifest", "extra-file", "partial"],
)
def test_restore_refuses_a_damaged_or_partial_backup_and_changes_nothing(
    backup: Path, damage: Callable[[Path], str], tousu_cli: Cli, register: Callable[..., Any]
) -> None:
    """Restored into the suite's database, in this process: refused before anything is
    touched, even with --force (which would replace a database holding complaints)."""
    complaint = register()
    message = damage(backup)
    keys = {path: path.read_bytes() for path in key_paths().values() if path.is_file()}

    code, _, err = tousu_cli("restore", str(backup), "--force")

    assert code != 0
    assert "Nothing was restored" in err
    assert message in err
    assert list(Complaint.objects.values_list("number", flat=True)) == [complaint.number]
    assert not Path(settings.MEDIA_ROOT).exists()
    assert {path: path.read_bytes() for path in keys} == keys


def test_restore_over_a_database_with_complaints_needs_force(
    backup: Path, tousu_cli: Cli, register: Callable[..., Any]
) -> None:
    complaint = register()
    code, _, err = tousu_cli("restore", str(backup))
    assert code != 0
    assert "already holds 1 complaints" in err
    assert "--force" in err
    assert list(Complaint.objects.values_list("number", flat=True)) == [complaint.number]


def test_backup_refuses_a_folder_that_is_not_empty(source: Installation, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("something of the operator's")
    refused = source.run("backup", str(tmp_path))
    assert refused.returncode != 0
    assert "not an empty folder" in refused.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
