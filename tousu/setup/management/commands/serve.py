"""`tousu serve`: the web application, with static files from WhiteNoise — so DEBUG stays off.

Several processes (`--workers`, default one per core) on gunicorn with threaded workers where
the platform can fork, since one Python process runs Python on one core at a time; one process
on waitress, a production WSGI server in pure Python, on Windows and for `--workers 1`.

SQLite is safe with several processes as settings.py configures it: WAL (readers in any process
never block the writer nor it them), every transaction BEGIN IMMEDIATE (the write lock is taken
up front, so two processes never deadlock upgrading a read to a write, which a busy timeout
cannot undo) and a 20 s busy timeout (a writer waits for another's commit instead of failing).
Writes still go one at a time: SQLite has one writer per database.
"""

from __future__ import annotations

import contextlib
import gc
import os
import select
import signal
import socket
import sys
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.servers.basehttp import get_internal_wsgi_application
from django.db import DatabaseError, connection, connections
from django.db.migrations.executor import MigrationExecutor

from tousu.config import runner
from tousu.core import segment

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# Seconds a stopping server gives requests in flight (and a running job) to finish.
GRACE_SECONDS = 10


def can_fork() -> bool:
    return hasattr(os, "fork") and runner.machine_wide()


class Command(BaseCommand):
    help = "Serve Tousu over HTTP (default http://127.0.0.1:8000/), one process per core."
    requires_system_checks = []  # checked below, after the friendlier database check

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="server processes (default: the number of cores; one on Windows)",
        )
        parser.add_argument(
            "--threads", type=int, default=8, help="threads per process (default 8)"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        self.database_ready()
        self.check(display_num_errors=False)
        host, port = opts["host"], opts["port"]
        if opts["threads"] < 1:
            raise CommandError("--threads must be at least 1")
        if opts["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        # jieba's dictionary (a second) is loaded on its first cut: here, once, before the
        # workers fork and share it, not in each worker's first registration (issue 19).
        segment.load()
        if opts["workers"] > 1 and can_fork():
            self.serve_gunicorn(host, port, workers=opts["workers"], threads=opts["threads"])
        else:
            if opts["workers"] > 1:
                self.stdout.write("One server process on this platform (no fork).")
            self.serve_waitress(host, port, threads=opts["threads"])

    def serve_waitress(self, host: str, port: int, *, threads: int) -> None:
        from waitress.server import create_server  # type: ignore[import-untyped]

        try:
            server = create_server(
                get_internal_wsgi_application(),
                host=host.strip("[]"),
                port=port,
                threads=threads,
                ident="Tousu",
            )
        except OSError as exc:  # port taken, address not on this machine, no permission
            raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
        self.announce(host, getattr(server, "effective_port", port))
        if not settings.TOUSU_BROKER_URL:
            runner.start_for_machine()
        # SIGTERM (a service manager, `kill`) stops as cleanly as Ctrl+C: waitress closes its
        # sockets and threads on SystemExit and KeyboardInterrupt.
        signal.signal(signal.SIGTERM, _exit)
        try:
            server.run()
        finally:
            runner.stop(timeout=5)  # a job cut short is safe: jobs are idempotent (D6)
        self.stdout.write("Stopped.")

    def serve_gunicorn(self, host: str, port: int, *, workers: int, threads: int) -> None:
        # The socket is bound here, before gunicorn starts, so a taken port is the same friendly
        # CommandError as on waitress (gunicorn would retry five times, log and exit), and
        # `--port 0` tells us the port it got.
        listener = listen(host, port)
        # The master only forks and watches: no database connection may cross the fork (a
        # child closing an inherited PostgreSQL connection ends the parent's session).
        connections.close_all()
        self.announce(host, listener.getsockname()[1])
        self.stdout.flush()
        # What the master made (jieba's dictionary, Django's apps) is shared with the children
        # page by page until written: frozen, their collector never writes to it (Python's
        # gc.freeze advice for fork without exec).
        gc.freeze()
        jobs = None if settings.TOUSU_BROKER_URL else JobProcess.spawn(listener)
        # gunicorn owns the socket from here on (and closes it when it stops).
        app = gunicorn_app(listener.detach(), workers=workers, threads=threads)
        master = os.getpid()
        try:
            app.run()
        except SystemExit as exc:  # the arbiter, and each forked worker, leave by sys.exit
            if os.getpid() != master:
                raise  # a worker ending: it reports nothing of its own
            if exc.code not in (None, 0):
                raise CommandError("the server stopped with an error (see above)") from exc
        finally:
            if jobs is not None and os.getpid() == master:
                jobs.stop()  # after the workers: none takes the jobs over on the way out
        self.stdout.write("Stopped.")

    def announce(self, host: str, port: int) -> None:
        """Say where it serves (`port` the one it got), before any worker or job runner
        starts."""
        if not os.environ.get("TOUSU_PUBLIC_URL"):
            # The links in messages to customers point where this server answers (its workers
            # and job runner, forked from here, inherit it); one behind a proxy sets it.
            settings.TOUSU_PUBLIC_URL = served_url(host, port)
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
            self.stdout.write("Background jobs run in this server (no TOUSU_BROKER_URL).")
        self.stdout.flush()

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


class JobProcess:
    """The job runner's own process beside gunicorn's workers (issue 19): forked from the
    master before the workers, it takes the data directory's job lock (tousu/config/runner.py)
    and runs the scheduled jobs and those the workers hand it through DATA_DIR/jobs.fifo, and
    serves no request — so a CPU-bound job (the count tables' fill, the classifier's retraining)
    never shares a worker's interpreter with requests. The workers still take part in the
    election (tousu.config.wsgi) as standbys: if this process dies, one of them takes the jobs
    over, as before, and they stay once per data directory."""

    def __init__(self, pid: int, alive_fd: int) -> None:
        self.pid = pid
        # The read end of a pipe whose write end only the child holds: at end-of-file the child
        # has exited (gunicorn's master reaps every child, ours too, so waitpid cannot tell).
        self.alive_fd = alive_fd

    @classmethod
    def spawn(cls, listener: socket.socket) -> JobProcess:
        """Fork the runner's process and return once it holds the job lock (or stands by, when
        another server of this data directory runs the jobs). Precondition: no database
        connection is open (none may cross a fork)."""
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child; the serve tests watch it from outside
            os.close(read_fd)
            listener.close()  # the workers' socket, not this process's
            code = 1
            try:
                _run_jobs_until_stopped(os.getppid(), write_fd)
                code = 0
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)  # never back into the command: it is the master's
        os.close(write_fd)
        os.read(read_fd, 1)  # "ready", or end-of-file if it died starting
        return cls(pid, read_fd)

    def stop(self) -> None:
        """SIGTERM, and wait (up to the grace time) until it has let its job finish and exited."""
        ready, _, _ = select.select([self.alive_fd], [], [], 0)
        if not ready or os.read(self.alive_fd, 1):
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            select.select([self.alive_fd], [], [], GRACE_SECONDS)
        os.close(self.alive_fd)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, os.WNOHANG)


def _run_jobs_until_stopped(parent: int, ready_fd: int) -> None:
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    # Ctrl+C reaches the whole process group: the master stops the workers first, then this.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    runner.start_for_machine()
    os.write(ready_fd, b"r")
    # The master stops this process with SIGTERM; should the master die without doing so (kill
    # -9), this process is re-parented and stops on its own, releasing the lock for the next
    # server.
    while not stopping.wait(1) and os.getppid() == parent:
        pass
    runner.stop(timeout=GRACE_SECONDS / 2)


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port, or a CommandError saying why not."""
    bare = host.strip("[]")
    try:
        infos = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    try:
        # As every server does: a restart can bind while the old sockets sit in TIME_WAIT.
        # (It does not let two servers share a port: that needs SO_REUSEPORT.)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.set_inheritable(True)
    return sock


def gunicorn_app(fd: int, *, workers: int, threads: int) -> Any:
    """gunicorn's application over an already bound socket, configured here rather than by a
    gunicorn.conf.py or the command line (neither is read)."""
    from gunicorn.app.base import BaseApplication

    class Application(BaseApplication):
        def load_config(self) -> None:
            options: dict[str, Any] = {
                "bind": [f"fd://{fd}"],
                "workers": workers,
                "worker_class": "gthread",
                "threads": threads,
                # The app is imported in each worker after the fork, never in the master: each
                # worker opens its own database connections, and the job runner
                # (tousu.config.wsgi) is elected among the workers, not forked.
                "preload_app": False,
                "graceful_timeout": GRACE_SECONDS,
                "proc_name": "tousu",
                "loglevel": "warning",
                "accesslog": None,
                "errorlog": "-",
                # gunicorn 27's control socket defaults to one path per user: two servers would
                # fight over it, and nothing here uses it.
                "control_socket_disable": True,
                # Proxy headers are Django's to judge (TOUSU_HTTPS sets SECURE_PROXY_SSL_HEADER),
                # as under waitress: gunicorn would otherwise trust X-Forwarded-Proto from any
                # local process.
                "forwarded_allow_ips": "",
                "secure_scheme_headers": {},
                "worker_exit": _worker_exit,
            }
            for key, value in options.items():
                if key in self.cfg.settings:  # an older gunicorn lacks the newer options
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return get_internal_wsgi_application()

    return Application()


def _worker_exit(server: Any, worker: Any) -> None:
    # The worker that runs the jobs lets the one in progress finish (within the grace time);
    # its lock goes with the process and another worker, if any stays, takes over.
    runner.stop(timeout=GRACE_SECONDS / 2)


def _exit(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)


def served_url(host: str, port: int) -> str:
    """The address a browser on this machine reaches the server at: every address (0.0.0.0,
    ::) by localhost."""
    name = host.strip("[]")
    if name in ("", "0.0.0.0", "::"):  # noqa: S104 (a name compared, not bound)
        name = "localhost"
    elif ":" in name:  # an IPv6 address
        name = f"[{name}]"
    return f"http://{name}:{port}"
