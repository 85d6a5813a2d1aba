from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tousu.complaints.search import BATCH_SIZE, search_reindex


class Command(BaseCommand):
    help = "Rebuild the Chinese full-text search index of complaints, in batches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument(
            "--missing", action="store_true", help="only complaints not yet in the index"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = search_reindex(batch_size=options["batch_size"], only_missing=options["missing"])
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} complaints."))
