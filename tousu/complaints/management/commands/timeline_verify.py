from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.complaints.selectors import timeline_verify


class Command(BaseCommand):
    help = "Verify the hash chain of every complaint's timeline (or of the given numbers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("numbers", nargs="*")

    def handle(self, *args: Any, **opts: Any) -> None:
        checked, broken = timeline_verify(opts["numbers"] or None)
        for number, seq, problem in broken:
            self.stdout.write(f"BROKEN {number} at event {seq}: {problem}")
        if broken:
            raise CommandError(f"{len(broken)} of {checked} timelines are broken")
        self.stdout.write(self.style.SUCCESS(f"{checked} timelines verified, none broken."))
