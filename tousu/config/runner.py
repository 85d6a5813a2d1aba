"""Where enqueued and scheduled jobs run (D5). Three ways, decided here and nowhere else:

1. TOUSU_BROKER_URL is set: `enqueue` sends the Celery task `tousu.run_job(name)` and the
   workers (`tousu worker`) run it; `tousu beat` sends the scheduled ones. This process runs
   nothing itself.
2. No broker, and a process runs the in-process runner (started by `tousu serve` and by
   `tousu.config.wsgi` under any WSGI server, in ONE process per data directory: see
   `start_for_machine` below): a daemon thread that runs enqueued jobs one at a time, a job
   already waiting is not queued twice, and runs every scheduled job (`every` in the registry)
   at its period. The server's other processes hand their enqueued jobs to it.
3. No broker and no runner (commands such as `tousu import`, the shell, the tests): `enqueue`
   runs the job at once, in the caller. Callers enqueue from `transaction.on_commit`, so this
   is still after commit, never inside the change's transaction; it only costs the caller the
   job's time, which is fine off the request path.

In every way a job's exception is logged, never raised into the caller: the change that asked
for the job is committed already, and jobs are idempotent, so the next run catches up (D6).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import threading
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, connections

if TYPE_CHECKING:
    from tousu.config.jobs import Job

logger = logging.getLogger("tousu.jobs")


def enqueue(job: Job) -> None:
    if settings.TOUSU_BROKER_URL:
        from tousu.config.celery import send

        send(job.name)
        return
    if _machine_pid is not None:
        if _machine_pid != os.getpid():
            # Forked from a process that took part in the election (a server that imported the
            # WSGI module before forking): this process takes part on its own.
            start_for_machine()
    elif _runner is not None and _runner.pid != os.getpid():
        # Started before a fork (a pre-forking WSGI server): threads do not survive a fork, so
        # this process starts its own on first use.
        start()
    runner = _runner
    if runner is not None and runner.pid == os.getpid() and runner.is_alive():
        runner.submit(job.name)
    elif not hand_off(job.name):
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
        # FIFO, each name at most once (coalesced), with when it may run (monotonic): at once,
        # or after its job's `gather`.
        self._pending: dict[str, float] = {}
        self._wake = threading.Condition()
        self._stopping = False
        self.runs = 0

    def submit(self, name: str) -> None:
        from tousu.config import jobs

        with self._wake:
            if name not in self._pending:
                self._pending[name] = time.monotonic() + jobs.JOBS[name].gather
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
        finished = 0.0  # when the last job ended (monotonic)
        try:
            while True:
                name = self._next(due)
                if name is None:
                    return
                _connections_checked(probe=time.monotonic() - finished > PROBE_AFTER_IDLE)
                try:
                    run_logged(name)
                finally:
                    self.runs += 1
                    _connections_checked()
                    finished = time.monotonic()
        finally:
            connection.close()

    def _next(self, due: dict[str, float]) -> str | None:
        """The next job to run: an enqueued one first, else a scheduled one that is due;
        waits until there is one. None when stopping."""
        from tousu.config import jobs

        with self._wake:
            while not self._stopping:
                now = time.monotonic()
                ready = next((n for n, at in self._pending.items() if at <= now), None)
                if ready is not None:
                    del self._pending[ready]
                    return ready
                if due:
                    name = min(due, key=due.__getitem__)
                    if due[name] <= now:
                        every = jobs.JOBS[name].every or dt.timedelta(minutes=1)
                        due[name] = now + every.total_seconds()
                        return name
                wake_at = min([*self._pending.values(), *due.values()], default=None)
                self._wake.wait(None if wake_at is None else wake_at - now)
        return None


# A connection idle longer than this is asked whether it still answers before the next job
# (the server may have dropped it); one used a moment ago is not — a probe is a round trip, and
# `messages.send` runs after every registration.
PROBE_AFTER_IDLE = 5.0


def _connections_checked(*, probe: bool = False) -> None:
    """Keep this thread's database connections open from one job to the next, closing one a
    job left inside a transaction or one that no longer answers (`probe`: asked before a job
    that follows an idle spell, as the server may have dropped an idle connection; otherwise
    only after an error). A job
    asked for on every registration (`messages.send`) would otherwise open a new connection
    each time, as Django's per-request `close_old_connections` does with CONN_MAX_AGE 0: on
    PostgreSQL a new server process, which costs more than the job itself (issue 19)."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is None:
            continue
        left_open = conn.in_atomic_block or not conn.get_autocommit()
        if left_open or ((probe or conn.errors_occurred) and not conn.is_usable()):
            conn.close()
        else:
            conn.errors_occurred = False


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
    _leave_election()


# --- One runner per machine ------------------------------------------------------------------
# A server with several processes (`tousu serve --workers N`, or any pre-forking WSGI server
# importing tousu.config.wsgi) must still run the scheduled jobs once, not once per process:
# two runners would not corrupt anything (jobs are idempotent, D6) but would double every scan's
# load and race on every row. So the processes of one data directory elect one: the process
# that holds an exclusive flock on DATA_DIR/jobs.lock runs the runner; the others wait on the
# lock in a thread and take over when the holder exits (a worker restarted by the server, or
# killed). The OS releases a flock when its process dies, however it dies, so no stale lock
# can outlive a crash. A process without the lock hands its enqueued jobs to the holder
# through the named pipe DATA_DIR/jobs.fifo (one short line per job, written in one write(),
# which POSIX makes atomic below PIPE_BUF); when nobody reads it, the job runs in the caller as
# it does without a runner. On a platform without flock or named pipes (Windows) `tousu serve`
# is one process and this falls back to `start()`.

LOCK_NAME = "jobs.lock"
FIFO_NAME = "jobs.fifo"
_MAX_NAME = 200  # job names are short; a longer line in the pipe is noise, never a job

_elected = threading.Event()  # this process holds the lock and runs the runner
_machine_pid: int | None = None  # the process that called start_for_machine()
_lock_file: Any = None  # kept open: closing it would release the lock
_pipe_fd: int | None = None
STOP_LINE = b"\0stop\n"  # never a job name; only this process writes it, to its own reader


def machine_wide() -> bool:
    """Whether this platform can elect one runner among processes (flock and named pipes)."""
    return hasattr(os, "mkfifo") and _fcntl() is not None


def _fcntl() -> Any:
    try:
        import fcntl
    except ImportError:  # Windows
        return None
    return fcntl


def start_for_machine() -> bool:
    """Start the in-process runner here if no other process of this data directory runs one;
    otherwise wait for the lock in a thread and take over when its holder exits. Returns
    whether this process runs it now. Safe to call more than once and after a fork."""
    global _machine_pid
    if not machine_wide():
        start()
        return True
    with _lock:
        if _machine_pid == os.getpid():
            return _elected.is_set()
        # First call in this process (or the first since a fork: the parent's threads, lock
        # file and election did not come along).
        _machine_pid = os.getpid()
        _elected.clear()
    if _try_lock(block=False):
        _become_runner()
        return True
    threading.Thread(target=_wait_for_lock, name="tousu-jobs-standby", daemon=True).start()
    return False


def _paths() -> tuple[str, str]:
    data_dir = settings.DATA_DIR
    os.makedirs(data_dir, exist_ok=True)
    return os.path.join(data_dir, LOCK_NAME), os.path.join(data_dir, FIFO_NAME)


def _try_lock(*, block: bool) -> bool:
    global _lock_file
    fcntl = _fcntl()
    lock_path, _ = _paths()
    # Opened here, in this process: a flock belongs to an open file description, so one
    # inherited over a fork would be shared with the parent instead of contended.
    handle = open(lock_path, "a+b")  # noqa: SIM115 - must stay open while the lock is held
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if block else fcntl.LOCK_NB))
    except OSError:
        handle.close()
        return False
    _lock_file = handle
    return True


def _wait_for_lock() -> None:
    if _try_lock(block=True):
        logger.info("job runner taken over by process %s", os.getpid())
        _become_runner()


def _become_runner() -> None:
    _, fifo_path = _paths()
    with contextlib.suppress(FileExistsError):
        os.mkfifo(fifo_path, 0o600)
    # O_RDWR, not O_RDONLY: a reader that is also a writer never sees end-of-file when the
    # last other writer closes, so one blocking read loop serves the whole life of the process.
    global _pipe_fd
    _pipe_fd = fd = os.open(fifo_path, os.O_RDWR)
    runner = start()
    _elected.set()
    threading.Thread(
        target=_read_handoffs, args=(fd, runner), name="tousu-jobs-pipe", daemon=True
    ).start()


def _leave_election() -> None:
    """Release the lock and the pipe (stop(); the tests). A process that exits needs none of
    this: the OS releases both."""
    global _machine_pid, _lock_file, _pipe_fd
    with _lock:
        if _machine_pid != os.getpid():
            return
        fd, _pipe_fd = _pipe_fd, None
        handle, _lock_file = _lock_file, None
        _machine_pid = None
        _elected.clear()
    if fd is not None:
        os.write(fd, STOP_LINE)  # wakes the reader, which closes the pipe
    if handle is not None:
        handle.close()


def _read_handoffs(fd: int, runner: Runner) -> None:
    from tousu.config import jobs

    pending = b""
    while True:
        chunk = os.read(fd, 4096)
        if STOP_LINE in chunk:
            os.close(fd)
            return
        pending += chunk
        *lines, pending = pending.split(b"\n")
        pending = pending[-_MAX_NAME:]
        for line in lines:
            name = line.decode("utf-8", "replace").strip()
            if name in jobs.JOBS:  # anything else in the pipe is not ours to run
                runner.submit(name)


def hand_off(name: str) -> bool:
    """Give the job to the machine's runner in another process; False when none listens."""
    if _machine_pid != os.getpid() or _elected.is_set():
        return False
    _, fifo_path = _paths()
    line = (name + "\n").encode()
    if len(line) > _MAX_NAME:
        return False
    try:
        # Non-blocking: no reader → ENXIO at once; a full pipe → EAGAIN; a request never waits.
        fd = os.open(fifo_path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        return os.write(fd, line) == len(line)
    except OSError:
        return False
    finally:
        os.close(fd)
