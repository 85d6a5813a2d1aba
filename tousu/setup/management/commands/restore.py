from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.setup.backup import BackupError, RestoreReport, backup_restore


class Command(BaseCommand):
    # The target may be a fresh folder before `tousu init`: the system checks would only slow
    # the restore (seconds) and it checks what it restored itself.
    requires_system_checks: list[str] = []
    help = (
        "Restore a backup made by `tousu backup` from DIR into the configured database, "
        "uploads and key files, after checking every file against its manifest. Stop the "
        "server and workers first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", type=Path, metavar="DIR")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database that holds complaints, and keys that differ",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            report = backup_restore(opts["dir"], force=opts["force"])
        except BackupError as exc:
            raise CommandError(f"Nothing was restored: {exc}") from None
        manifest = report.manifest
        self.stdout.write(
            f"Restored the backup of {manifest['created_at']} "
            f"(tousu {manifest['tousu_version']}, {manifest['database']['vendor']})."
        )
        if report.keys_written:
            self.stdout.write(f"Keys put in place: {', '.join(report.keys_written)}.")
        self.report_counts(report)
        if report.unapplied:
            self.stdout.write(
                f"{len(report.unapplied)} migrations of this version are not applied yet: "
                "run `tousu init` before starting the server."
            )
        for number, seq, problem in report.broken:
            self.stdout.write(f"BROKEN {number} at event {seq}: {problem}")
        problems = []
        if not report.counts_match:
            problems.append("row counts differ from the manifest")
        if report.broken:
            problems.append(f"{len(report.broken)} of {report.checked} timelines are broken")
        if problems:
            raise CommandError("Restored, but " + "; ".join(problems))
        self.stdout.write(self.style.SUCCESS(f"{report.checked} timelines verified, none broken."))

    def report_counts(self, report: RestoreReport) -> None:
        for name, expected in report.manifest["counts"].items():
            found = report.counts.get(name)
            mark = "ok" if found == expected else "DIFFERS"
            self.stdout.write(f"  {name}: {found} (manifest {expected}) {mark}")
