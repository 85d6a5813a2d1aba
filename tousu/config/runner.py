"""Where enqueued and scheduled jobs run (D5). Three ways, decided here and nowhere else:

1. TOUSU_BROKER_URL is set: `enqueue` sends the Celery task `tousu.run_job(name)` and the
   workers (`tousu worker`) run it; `tousu beat` sends the scheduled ones. This process runs
   nothing itself.
2. No broker, and this process runs the in-process runner (started by `tousu serve`, and by
   `tousu.config.wsgi` under any WSGI server; a forked server process starts its own on its
   first enqueue): a daemon thread that runs enqueued jobs one at a time, a job already
   waiting is not queued twice, and runs every scheduled job (`every` in the registry) at its
   period.
3. No broker and no runner (commands such as `tousu import`, the shell, the tests): `enqueue`
   runs the job at once, in the caller. Callers enqueue from `transaction.on_commit`, so this
   is still after commit, never inside the change's transaction; it only costs the caller the
   job's time, which is fine off the request path.

In every way a job's exception is logged, never raised into the caller: the change that asked
for the job is committed already, and jobs are idempotent, so the next run catches up (D6).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import close_old_connections, connection

if TYPE_CHECKING:
    from tousu.config.jobs import Job

logger = logging.getLogger("tousu.jobs")


def enqueue(job: Job) -> None:
    if settings.TOUSU_BROKER_URL:
        from tousu.config.celery import send

        send(job.name)
        return
    runner = _runner
    if runner is not None and runner.pid != os.getpid():
        # Started before a fork (a pre-forking WSGI server): threads do not survive a fork, so
        # this process starts its own on first use.
        runner = start()
    if runner is not None and runner.is_alive():
        runner.submit(job.name)
    else:
        run_logged(job.name)


def run_logged(name: str) -> Any:
    """Run a job here and now; log its summary or its exception (never raise)."""
    from tousu.config import jobs

    started = time.monotonic()
    try:
        summary = jobs.run(name)
    except Exception:
        logger.exception("job %s failed", name)
        return None
    logger.info("job %s: %s (%.2f s)", name, summary, time.monotonic() - started)
    return summary


class Runner(threading.Thread):
    """The in-process runner: one daemon thread, one job at a time."""

    def __init__(self, *, schedule: bool = True) -> None:
        super().__init__(name="tousu-jobs", daemon=True)
        self.pid = os.getpid()
        self.schedule = schedule
        self._pending: list[str] = []  # FIFO, each name at most once (coalesced)
        self._wake = threading.Condition()
        self._stopping = False
        self.runs = 0

    def submit(self, name: str) -> None:
        with self._wake:
            if name not in self._pending:
                self._pending.append(name)
            self._wake.notify()

    def stop(self, timeout: float = 30) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()
        self.join(timeout)

    def run(self) -> None:
        from tousu.config import jobs

        # A scheduled job first runs right after start (catching up on what came due while
        # nothing ran), then every `every`.
        due: dict[str, float] = {}
        if self.schedule:
            now = time.monotonic()
            due = {job.name: now for job in jobs.JOBS.values() if job.every}
        try:
            while True:
                name = self._next(due)
                if name is None:
                    return
                close_old_connections()
                try:
                    run_logged(name)
                finally:
                    self.runs += 1
                    close_old_connections()
        finally:
            connection.close()

    def _next(self, due: dict[str, float]) -> str | None:
        """The next job to run: an enqueued one first, else a scheduled one that is due;
        waits until there is one. None when stopping."""
        from tousu.config import jobs

        with self._wake:
            while not self._stopping:
                if self._pending:
                    return self._pending.pop(0)
                now = time.monotonic()
                if due:
                    name = min(due, key=due.__getitem__)
                    if due[name] <= now:
                        every = jobs.JOBS[name].every or dt.timedelta(minutes=1)
                        due[name] = now + every.total_seconds()
                        return name
                    self._wake.wait(due[name] - now)
                else:
                    self._wake.wait()
        return None


_runner: Runner | None = None
_lock = threading.Lock()


def start(*, schedule: bool = True) -> Runner:
    """Start the in-process runner in this process (once; again after a fork)."""
    global _runner
    with _lock:
        if _runner is None or _runner.pid != os.getpid() or not _runner.is_alive():
            _runner = Runner(schedule=schedule)
            _runner.start()
        return _runner


def stop(timeout: float = 30) -> None:
    """Stop this process's runner (tests; a clean shutdown), waiting up to `timeout` seconds
    for the job it runs."""
    global _runner
    with _lock:
        runner, _runner = _runner, None
    if runner is not None and runner.pid == os.getpid():
        runner.stop(timeout)
