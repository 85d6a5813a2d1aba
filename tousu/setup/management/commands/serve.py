"""`tousu serve`: the web application on waitress, a production WSGI server in pure Python
(no compiler, works on Windows), with static files from WhiteNoise — so DEBUG stays off."""

import signal
import sys
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.servers.basehttp import get_internal_wsgi_application
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

from tousu.config import runner

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


class Command(BaseCommand):
    help = "Serve Tousu over HTTP with waitress (default http://127.0.0.1:8000/)."
    requires_system_checks = []  # checked below, after the friendlier database check

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")

    def handle(self, *args: Any, **opts: Any) -> None:
        self.database_ready()
        self.check(display_num_errors=False)
        host, port = opts["host"], opts["port"]
        if opts["threads"] < 1:
            raise CommandError("--threads must be at least 1")

        from waitress.server import create_server  # type: ignore[import-untyped]

        try:
            server = create_server(
                get_internal_wsgi_application(),
                host=host.strip("[]"),
                port=port,
                threads=opts["threads"],
                ident="Tousu",
            )
        except OSError as exc:  # port taken, address not on this machine, no permission
            raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
        port = getattr(server, "effective_port", port)
        shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
        self.stdout.write(f"Tousu is running on http://{shown}:{port}/ (Ctrl+C to stop)")
        if host not in LOOPBACK:
            self.stdout.write(
                "Other machines reach it by this machine's name: list that name in "
                "TOUSU_ALLOWED_HOSTS (and TOUSU_CSRF_TRUSTED_ORIGINS for https)."
            )
        if settings.TOUSU_BROKER_URL:
            self.stdout.write(
                "Background jobs run on Celery workers (TOUSU_BROKER_URL is set): "
                "run `tousu worker` and one `tousu beat`."
            )
        else:
            runner.start()
            self.stdout.write("Background jobs run in this process (no TOUSU_BROKER_URL).")
        self.stdout.flush()
        # SIGTERM (a service manager, `kill`) stops as cleanly as Ctrl+C: waitress closes its
        # sockets and threads on SystemExit and KeyboardInterrupt.
        signal.signal(signal.SIGTERM, _exit)
        try:
            server.run()
        finally:
            runner.stop(timeout=5)  # a job cut short is safe: jobs are idempotent (D6)
        self.stdout.write("Stopped.")

    def database_ready(self) -> None:
        """Refuse to start on a database that is missing, unreachable or not migrated: every
        page would fail, and the fix is one command."""
        try:
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError as exc:
            raise CommandError(f"cannot use the database ({exc}); run `tousu init` first") from exc
        if pending:
            raise CommandError(
                f"the database is not set up ({len(pending)} migrations pending): "
                "run `tousu init` first"
            )


def _exit(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)
