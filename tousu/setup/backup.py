"""`tousu backup DIR` and `tousu restore DIR`: a consistent copy of the database, the uploads and
the keys, described by a manifest with a checksum of every file.

A backup folder holds:

    database/tousu.sqlite3   SQLite: a snapshot made with SQLite's online backup API
    database/tousu.pgdump    PostgreSQL: pg_dump's custom format, from an exported snapshot
    uploads/...              the evidence files (MEDIA_ROOT)
    keys/secret_key          Django's secret key, when it is a file
    keys/chain_key           the key of the hash chains, when it is a file
    manifest.json            written last, atomically: a folder without it is a partial backup

The database is copied before the uploads: evidence files are written before the row that
names them is committed and never deleted, so every file the copied rows name is copied too
(a file uploaded meanwhile is copied as well, unnamed and harmless).

Restore checks the whole folder against its manifest before it changes anything, then puts
the database, the uploads and the keys in place and checks what it restored: row counts
against the manifest, migrations against the code, and every timeline's hash chain.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.core.clock import local, now
from tousu.customers.models import Customer

# Raised when a reader of this code would change what a backup folder contains.
FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database/tousu.sqlite3"
PG_FILE = "database/tousu.pgdump"
UPLOADS = "uploads"
KEYS = "keys"
# The environment variables that may give a key instead of its file: such a key is not copied.
KEY_VARIABLES = {"secret_key": "TOUSU_SECRET_KEY", "chain_key": "TOUSU_CHAIN_KEY"}
CHUNK = 1024 * 1024
# SQLite restore waits this long for other connections to let go of the live database.
SQLITE_LOCK_SECONDS = 5


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class RestoreReport:
    """What a restore found after putting everything in place."""

    manifest: dict[str, Any]
    counts: dict[str, int]
    unapplied: list[str]
    checked: int
    broken: list[tuple[str, int, str]]
    keys_written: list[str] = field(default_factory=list)

    @property
    def counts_match(self) -> bool:
        return self.counts == self.manifest["counts"]


# --- where things are ---------------------------------------------------------------------


def key_paths() -> dict[str, Path]:
    """The key files of this installation by their name in a backup. The chain key's setting
    may not exist in older code; its default is the same file."""
    data_dir = Path(settings.DATA_DIR)
    chain = getattr(settings, "TOUSU_CHAIN_KEY_PATH", data_dir / "chain_key")
    return {"secret_key": data_dir / "secret_key", "chain_key": Path(chain)}


def vendor() -> str:
    return connection.vendor  # "sqlite" or "postgresql"


def database_file() -> str:
    return SQLITE_FILE if vendor() == "sqlite" else PG_FILE


def counted_tables() -> dict[str, str]:
    """The main tables whose rows a manifest counts, by the name it gives them."""
    return {
        "complaints": Complaint._meta.db_table,
        "timeline_events": ComplaintEvent._meta.db_table,
        "customers": Customer._meta.db_table,
        "users": get_user_model()._meta.db_table,
    }


def tousu_version() -> str:
    try:
        return metadata.version("tousu")
    except metadata.PackageNotFoundError:  # run from a checkout that was not installed
        return "unknown"


# --- files and checksums ------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def files_under(root: Path) -> list[str]:
    """Every regular file below `root`, as sorted relative POSIX paths, the manifest left out."""
    found = []
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(root).as_posix())
    return sorted(p for p in found if p != MANIFEST)


def file_entry(root: Path, relative: str) -> dict[str, Any]:
    path = root / relative
    return {"path": relative, "size": path.stat().st_size, "sha256": sha256_of(path)}


def write_atomically(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write under a temporary name in the same folder, flush to disk, then rename: a reader
    sees the old file or the whole new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def safe_relative(relative: str) -> bool:
    """A manifest path that stays inside the folder (a damaged or forged manifest must not
    make restore write elsewhere)."""
    parts = Path(relative).parts
    return bool(parts) and not Path(relative).is_absolute() and ".." not in parts


# --- backup -------------------------------------------------------------------------------


def backup_create(target: Path) -> dict[str, Any]:
    """Back this installation up into `target` (absent or empty). Returns the manifest."""
    started = time.monotonic()
    target = target.resolve()
    _check_target(target)
    # The backup holds the keys and every customer's personal data: its owner alone reads it.
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    if vendor() == "sqlite":
        snapshot = _sqlite_backup(target / SQLITE_FILE)
    else:
        snapshot = _pg_backup(target / PG_FILE)
    (target / database_file()).chmod(0o600)
    _copy_uploads(target / UPLOADS)
    keys = _copy_keys(target / KEYS)
    manifest = {
        "format": FORMAT,
        "tousu_version": tousu_version(),
        "created_at": local(now()).isoformat(timespec="seconds"),
        "database": {"vendor": vendor(), "file": database_file()},
        "migrations": snapshot["migrations"],
        "counts": snapshot["counts"],
        "keys": keys,
        "keys_not_copied": [v for v in KEY_VARIABLES.values() if os.environ.get(v)],
        "files": [file_entry(target, relative) for relative in files_under(target)],
    }
    manifest["seconds"] = round(time.monotonic() - started, 2)
    write_atomically(target / MANIFEST, _dumps(manifest), mode=0o600)
    return manifest


def _dumps(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()


def _check_target(target: Path) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} is not an empty folder: back up into a new one")
    media = Path(settings.MEDIA_ROOT).resolve()
    if target == media or media in target.parents:
        raise BackupError(f"{target} is inside the uploads folder {media}: choose another")


def _sqlite_backup(destination: Path) -> dict[str, Any]:
    """Copy the live database with SQLite's online backup API, all pages in one step: the copy
    is the database as of one moment, while other processes go on writing (WAL). The copy is
    then made a single self-contained file (no -wal beside it) and checked."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    live = Path(settings.DATABASES["default"]["NAME"])
    if not live.exists():
        raise BackupError(f"no database at {live}: run `tousu init` first")
    source = sqlite3.connect(f"file:{live}?mode=ro", uri=True, timeout=20)
    copy = sqlite3.connect(destination)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        (result,) = copy.execute("PRAGMA integrity_check").fetchone()
        if result != "ok":
            raise BackupError(f"the copy of the database fails its integrity check: {result}")
        return _snapshot_facts(copy.cursor())
    finally:
        copy.close()
        source.close()


def _snapshot_facts(cursor: Any) -> dict[str, Any]:
    """The applied migrations and the main tables' row counts, read through `cursor` from the
    very snapshot that is being backed up."""
    counts = {}
    for name, table in counted_tables().items():
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - our own table names
        counts[name] = cursor.fetchone()[0]
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    migrations = [f"{app}.{name}" for app, name in cursor.fetchall()]
    return {"counts": counts, "migrations": migrations}


def pg_program(name: str) -> str:
    """pg_dump or pg_restore: on PATH, else the newest one installed with a server."""
    if found := shutil.which(name):
        return found
    installed = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4])
    )
    if installed:
        return installed[-1]
    raise BackupError(
        f"{name} was not found: install PostgreSQL's client programs "
        f"(Debian: apt-get install postgresql-client) or put {name} on PATH"
    )


def pg_connection_arguments() -> tuple[list[str], dict[str, str]]:
    """The command-line options and environment that connect pg_dump/pg_restore to the
    configured database; the password goes in the environment, never on the command line."""
    db = settings.DATABASES["default"]
    arguments = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        arguments += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        arguments += ["--port", str(db["PORT"])]
    if db.get("USER"):
        arguments += ["--username", str(db["USER"])]
    environment = dict(os.environ)
    if db.get("PASSWORD"):
        environment["PGPASSWORD"] = str(db["PASSWORD"])
    if sslmode := db.get("OPTIONS", {}).get("sslmode"):
        environment["PGSSLMODE"] = str(sslmode)
    return arguments, environment


def _run(command: list[str], environment: dict[str, str], what: str) -> None:
    result = subprocess.run(  # noqa: S603 - a PostgreSQL program with our own arguments
        command, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}): {result.stderr.strip()}")


def _pg_backup(destination: Path) -> dict[str, Any]:
    """pg_dump the database from a snapshot this connection exports, and read the counts and
    migrations in that same snapshot: the manifest describes exactly what was dumped."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    program = pg_program("pg_dump")
    arguments, environment = pg_connection_arguments()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        facts = _snapshot_facts(cursor)
        command = [program, "--format=custom", "--no-owner", f"--snapshot={snapshot}"]
        _run([*command, "--file", str(destination), *arguments], environment, "pg_dump")
    return facts


def _copy_uploads(destination: Path) -> None:
    media = Path(settings.MEDIA_ROOT)
    if not media.is_dir():
        return
    for relative in files_under(media):
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):  # removed while we copied: not named
            shutil.copy2(media / relative, target)


def _copy_keys(destination: Path) -> dict[str, str]:
    copied = {}
    for name, path in key_paths().items():
        if path.is_file():
            destination.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.copy2(path, destination / name)
            copied[name] = f"{KEYS}/{name}"
    return copied


# --- verification -------------------------------------------------------------------------


def backup_verify(source: Path) -> dict[str, Any]:
    """The manifest of the backup in `source`, once every file in it is checked: present, of
    the listed size and checksum, none missing, none extra; and the backup fits this
    installation (its database vendor, migrations this code knows). Raises BackupError
    naming the first problem."""
    manifest = _read_manifest(source)
    _verify_files(source, manifest)
    if manifest["database"]["vendor"] != vendor():
        raise BackupError(
            f"this is a {manifest['database']['vendor']} backup and the configured database "
            f"is {vendor()}: restore it into a {manifest['database']['vendor']} installation"
        )
    if unknown := sorted(set(manifest["migrations"]) - code_migrations()):
        raise BackupError(
            f"the backup was made by a newer tousu ({manifest['tousu_version']}): its "
            f"migrations {', '.join(unknown[:5])} are unknown here; upgrade tousu first"
        )
    return manifest


def _read_manifest(source: Path) -> dict[str, Any]:
    path = source / MANIFEST
    if not source.is_dir():
        raise BackupError(f"{source} is not a folder")
    if not path.is_file():
        raise BackupError(
            f"{path} is missing: the backup is partial (interrupted before it finished) "
            "or not a tousu backup"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        expected = ("format", "database", "migrations", "counts", "files")
        if not isinstance(manifest, dict) or any(key not in manifest for key in expected):
            raise ValueError("a field is missing")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{path} is damaged: {exc}") from None
    if manifest["format"] != FORMAT:
        raise BackupError(
            f"{path} has format {manifest['format']}; this tousu reads format {FORMAT}"
        )
    return manifest


def _verify_files(source: Path, manifest: dict[str, Any]) -> None:
    listed = {}
    for entry in manifest["files"]:
        if not safe_relative(entry["path"]):
            raise BackupError(f"{source / MANIFEST} is damaged: it names {entry['path']!r}")
        listed[entry["path"]] = entry
    present = set(files_under(source))
    for missing in sorted(set(listed) - present):
        raise BackupError(f"{source / missing} is missing from the backup")
    for extra in sorted(present - set(listed)):
        raise BackupError(f"{source / extra} is not in the manifest: the backup was altered")
    if manifest["database"]["file"] not in listed:
        raise BackupError(f"{source / MANIFEST} is damaged: it lists no database file")
    for relative, entry in sorted(listed.items()):
        path = source / relative
        if path.stat().st_size != entry["size"]:
            raise BackupError(
                f"{path} is damaged: {path.stat().st_size} bytes, the manifest says {entry['size']}"
            )
        if sha256_of(path) != entry["sha256"]:
            raise BackupError(f"{path} is damaged: its SHA-256 does not match the manifest")


def code_migrations() -> set[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


# --- restore ------------------------------------------------------------------------------


def backup_restore(source: Path, *, force: bool = False) -> RestoreReport:
    """Restore the backup in `source` into the configured database, uploads folder and key
    files. Nothing changes unless the whole backup verifies; a database that holds complaints
    or a different key in use is replaced only with `force`."""
    from tousu.resolution.selectors import integrity_verify

    source = source.resolve()
    manifest = backup_verify(source)
    _check_restore_target(source, manifest, force=force)
    if vendor() == "sqlite":
        _sqlite_restore(source / SQLITE_FILE)
    else:
        _pg_restore(source / PG_FILE)
    _restore_uploads(source, manifest)
    written = _restore_keys(source, manifest)
    # The whole tamper-evidence check, as `tousu timeline_verify` runs it: chains, facts,
    # remedies, seals, numbers and the audit log all come back with the chain key.
    report = integrity_verify()
    checked, broken = report.complaints, report.findings
    return RestoreReport(
        manifest=manifest,
        counts=current_counts(),
        unapplied=sorted(code_migrations() - applied_migrations()),
        checked=checked,
        broken=broken,
        keys_written=written,
    )


def current_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        return _snapshot_facts(cursor)["counts"]


def applied_migrations() -> set[str]:
    return {f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()}


def target_complaints() -> int:
    """How many complaints the configured database holds (0 before `tousu init`)."""
    if Complaint._meta.db_table not in connection.introspection.table_names():
        return 0
    return Complaint.objects.count()


def _check_restore_target(source: Path, manifest: dict[str, Any], *, force: bool) -> None:
    if force:
        return
    reasons = []
    if held := target_complaints():
        reasons.append(f"the configured database already holds {held} complaints")
    for name in _different_keys(source, manifest):
        reasons.append(
            f"{key_paths()[name]} differs from the backup's {name}, and the chains in the "
            "configured database were made with it"
        )
    if reasons:
        raise BackupError(
            "; ".join(reasons) + ". Restore replaces them: the chain key must be the one the "
            "restored chains were made with. Use --force to replace them anyway."
        )


def _different_keys(source: Path, manifest: dict[str, Any]) -> list[str]:
    """The keys of this installation that the restore would replace with another value while
    the configured database has complaints made with them. A key generated by a fresh
    installation (no complaints yet) guards nothing and is replaced without asking."""
    if not target_complaints():
        return []
    different = []
    for name, relative in manifest.get("keys", {}).items():
        path = key_paths().get(name)
        if (
            path is not None
            and path.is_file()
            and path.read_bytes() != (source / relative).read_bytes()
        ):
            different.append(name)
    return different


def _sqlite_restore(copy: Path) -> None:
    """Copy the backup beside the live database, then rename it over: the live file is the
    old database or the restored one, never a mix. The old database's write-ahead log must
    go first (a stale -wal would be replayed into the restored file), which also proves no
    server or worker still has it open."""
    live = Path(settings.DATABASES["default"]["NAME"])
    live.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=f".{live.name}.restoring.", dir=live.parent)
    os.close(descriptor)
    temporary = Path(name)
    try:
        shutil.copyfile(copy, temporary)
        connections.close_all()
        if live.exists():
            _sqlite_release(live)
        os.replace(temporary, live)
    finally:
        temporary.unlink(missing_ok=True)


def _sqlite_release(live: Path) -> None:
    """Fold the live database's WAL into it and leave WAL mode (removing -wal and -shm)."""
    try:
        with contextlib.closing(sqlite3.connect(live, timeout=SQLITE_LOCK_SECONDS)) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            (mode,) = db.execute("PRAGMA journal_mode=DELETE").fetchone()
    except sqlite3.OperationalError as exc:
        raise BackupError(
            f"{live} is in use ({exc}): stop `tousu serve`, workers and beat, then restore"
        ) from None
    if mode != "delete":
        raise BackupError(f"{live} is in use: stop `tousu serve`, workers and beat, then restore")


def _pg_restore(dump: Path) -> None:
    """Restore into the configured database in one transaction: objects of the dump that
    exist there (after `tousu init`) are dropped and recreated, all or nothing."""
    program = pg_program("pg_restore")
    arguments, environment = pg_connection_arguments()
    connections.close_all()
    options = ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"]
    _run([program, *options, *arguments, str(dump)], environment, "pg_restore")


def _restore_uploads(source: Path, manifest: dict[str, Any]) -> None:
    media = Path(settings.MEDIA_ROOT)
    prefix = f"{UPLOADS}/"
    for entry in manifest["files"]:
        if entry["path"].startswith(prefix):
            data = (source / entry["path"]).read_bytes()
            write_atomically(media / entry["path"][len(prefix) :], data, mode=0o644)


def _restore_keys(source: Path, manifest: dict[str, Any]) -> list[str]:
    written = []
    for name, relative in manifest.get("keys", {}).items():
        path = key_paths().get(name)
        if path is None:
            continue
        data = (source / relative).read_bytes()
        if not path.is_file() or path.read_bytes() != data:
            write_atomically(path, data, mode=0o600)
            written.append(name)
    return written
