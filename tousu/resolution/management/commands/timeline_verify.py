from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.resolution.selectors import integrity_verify


class Command(BaseCommand):
    help = (
        "Verify the tamper evidence: every complaint's keyed timeline chain, its registration "
        "facts and remedies, the seals, the daily numbers and the audit log (or only the given "
        "complaints). Exits non-zero on any finding."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("numbers", nargs="*")

    def handle(self, *args: Any, **opts: Any) -> None:
        report = integrity_verify(opts["numbers"] or None)
        for subject, seq, problem in report.findings:
            where = f"entry {seq}" if subject == "audit" else f"event {seq}"
            self.stdout.write(f"BROKEN {subject} at {where}: {problem}")
        if report.findings:
            others = ("audit", "seal ")
            numbers = {s for s, _, _ in report.findings if not s.startswith(others)}
            rest = len([f for f in report.findings if f[0].startswith(others)])
            raise CommandError(
                f"{len(numbers)} of {report.complaints} timelines are broken"
                + (f"; {rest} problems in the seals or the audit log" if rest else "")
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.complaints} timelines verified, none broken; "
                f"{report.audit_entries} audit log entries verified."
            )
        )
