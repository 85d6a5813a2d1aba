"""`tousu worker`: a Celery worker for this project's jobs (TOUSU_BROKER_URL must be set)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

NO_BROKER = (
    "TOUSU_BROKER_URL is not set, so there is no queue to work on. Set it (e.g. "
    "TOUSU_BROKER_URL=redis://127.0.0.1:6379/0) to run jobs on Celery workers; without it, "
    "`tousu serve` runs the jobs in-process."
)


def celery_app() -> Any:
    if not settings.TOUSU_BROKER_URL:
        raise CommandError(NO_BROKER)
    from tousu.config.celery import get_app

    return get_app()


class Command(BaseCommand):
    help = "Run a Celery worker for Tousu's background jobs (needs TOUSU_BROKER_URL)."
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--concurrency", type=int, help="worker processes (default: one per CPU)"
        )
        parser.add_argument("--queues", help="comma-separated queues (default: tousu)")
        parser.add_argument("--loglevel", default="INFO")
        parser.add_argument("--hostname", help="node name (default: tousu@<host>)")

    def handle(self, *args: Any, **opts: Any) -> None:
        app = celery_app()
        if opts["concurrency"] is not None and opts["concurrency"] < 1:
            raise CommandError("--concurrency must be at least 1")
        argv = ["worker", f"--loglevel={opts['loglevel']}"]
        if opts["concurrency"]:
            argv.append(f"--concurrency={opts['concurrency']}")
        if opts["queues"]:
            argv.append(f"--queues={opts['queues']}")
        argv.append(f"--hostname={opts['hostname'] or 'tousu@%h'}")
        app.worker_main(argv)
