from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from tousu.setup.services import reference_data_load


class Command(BaseCommand):
    help = "Create or upgrade the database and load reference data (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
        created = reference_data_load()
        summary = ", ".join(f"{k} +{v}" for k, v in created.items())
        self.stdout.write(self.style.SUCCESS(f"Database ready ({summary})."))
