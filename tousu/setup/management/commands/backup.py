from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.setup.backup import BackupError, backup_create


class Command(BaseCommand):
    # A backup runs from cron while the server runs: Django's system checks (seconds of URL and
    # template inspection) would only slow it and could stop it for reasons unrelated to the data.
    requires_system_checks: list[str] = []
    help = (
        "Back up the database, the uploads and the keys into DIR (new or empty), with a "
        "manifest of checksums; safe while the server and workers run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", type=Path, metavar="DIR")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            manifest = backup_create(opts["dir"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        size = sum(entry["size"] for entry in manifest["files"])
        counts = ", ".join(f"{name} {count}" for name, count in manifest["counts"].items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup of {manifest['database']['vendor']} written to {opts['dir']}: "
                f"{len(manifest['files'])} files, {size / 1e6:.1f} MB in "
                f"{manifest['seconds']:.1f} s ({counts})."
            )
        )
        if not manifest["keys"].get("chain_key") and manifest["keys_not_copied"]:
            self.stderr.write(
                f"Keys given by {', '.join(manifest['keys_not_copied'])} are not in the "
                "backup: keep them with it, or the restored chains cannot be verified."
            )
