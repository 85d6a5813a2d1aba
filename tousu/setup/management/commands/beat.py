"""`tousu beat`: Celery beat, sending every scheduled job of the registry at its period.
Run exactly one beat per installation (workers run the jobs)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from tousu.setup.management.commands.worker import celery_app


class Command(BaseCommand):
    help = "Run Celery beat: send Tousu's scheduled jobs to the workers (needs TOUSU_BROKER_URL)."
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loglevel", default="INFO")

    def handle(self, *args: Any, **opts: Any) -> None:
        app = celery_app()
        data_dir = settings.DATA_DIR
        data_dir.mkdir(parents=True, exist_ok=True)
        schedule = data_dir / "celerybeat-schedule"
        app.start(["beat", f"--loglevel={opts['loglevel']}", f"--schedule={schedule}"])
