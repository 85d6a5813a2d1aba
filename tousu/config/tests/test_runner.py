"""Where enqueued jobs run: Celery with a broker, the in-process runner thread when it runs,
otherwise at once in the caller."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tousu.config import jobs, runner

calls: list[str] = []
gate = threading.Event()


def record() -> dict[str, int]:
    calls.append("record")
    return {"done": 1}


def slow() -> None:
    calls.append("slow")
    gate.wait(5)


def tick() -> None:
    calls.append("tick")


def broken() -> None:
    calls.append("broken")
    raise RuntimeError("boom")


def connect() -> None:
    from django.db import connection

    connection.ensure_connection()


def wait_for(condition: Any, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture
def test_jobs(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[None]:
    settings.TOUSU_BROKER_URL = ""
    registry: dict[str, jobs.Job] = {}
    monkeypatch.setattr(jobs, "JOBS", registry)
    here = __name__
    for name, every in [("t.record", None), ("t.slow", None), ("t.broken", None)]:
        jobs.register(name, f"{here}.{name[2:]}", every=every, help="")
    calls.clear()
    gate.clear()
    yield
    gate.set()
    runner.stop(timeout=5)


def test_without_a_runner_a_job_runs_at_once_in_the_caller(test_jobs: None) -> None:
    jobs.enqueue("t.record")
    assert calls == ["record"]


def test_a_failing_job_is_logged_not_raised(
    test_jobs: None, caplog: pytest.LogCaptureFixture
) -> None:
    jobs.enqueue("t.broken")
    assert calls == ["broken"]
    assert "job t.broken failed" in caplog.text


def test_the_runner_thread_runs_jobs_one_at_a_time_and_coalesces_waiting_ones(
    test_jobs: None,
) -> None:
    thread = runner.start(schedule=False)
    jobs.enqueue("t.slow")
    wait_for(lambda: calls == ["slow"])  # running, holding the thread
    for _ in range(5):
        jobs.enqueue("t.record")  # waiting: queued once
    jobs.enqueue("t.broken")
    assert calls == ["slow"]
    gate.set()
    wait_for(lambda: thread.runs == 3)
    assert calls == ["slow", "record", "broken"]
    jobs.enqueue("t.record")  # survives the failure
    wait_for(lambda: thread.runs == 4)
    assert calls[-1] == "record"


def test_a_gathering_job_waits_for_more_asks_and_runs_once_for_them(test_jobs: None) -> None:
    # Like `messages.send` after each registration: a burst of asks is one run.
    jobs.register("t.gathered", f"{__name__}.tick", every=None, help="", gather=1.0)
    thread = runner.start(schedule=False)
    for _ in range(5):
        jobs.enqueue("t.gathered")
    jobs.enqueue("t.record")  # a job that gathers nothing is not held behind it
    wait_for(lambda: thread.runs == 1)
    assert calls == ["record"]
    wait_for(lambda: thread.runs == 2)
    assert calls == ["record", "tick"]
    jobs.enqueue("t.gathered")  # a later ask is a later run
    wait_for(lambda: thread.runs == 3)
    assert calls == ["record", "tick", "tick"]


def test_the_runner_runs_scheduled_jobs_at_their_period(test_jobs: None) -> None:
    jobs.register("t.tick", f"{__name__}.tick", every=dt.timedelta(seconds=0.05), help="")
    runner.start()
    wait_for(lambda: calls.count("tick") >= 3)
    runner.stop()
    assert set(calls) == {"tick"}  # only jobs with a period run on their own


@pytest.mark.django_db(transaction=True)
def test_the_runner_keeps_its_database_connection_from_one_job_to_the_next(
    test_jobs: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job asked for after every registration must not open a new connection each time (on
    PostgreSQL, a new server process: issue 19). Counted as the runner thread's closes: an
    in-memory SQLite test database ignores a close, so the connection object would not tell."""
    from django.db import connections

    wrapper = type(connections["default"])
    closes: list[str] = []
    close = wrapper.close

    def counted(self: Any) -> None:
        closes.append(threading.current_thread().name)
        close(self)

    monkeypatch.setattr(wrapper, "close", counted)
    jobs.register("t.connect", f"{__name__}.connect", every=None, help="")
    thread = runner.start(schedule=False)
    for runs in (1, 2, 3):
        jobs.enqueue("t.connect")
        wait_for(lambda runs=runs: thread.runs == runs)
    assert "tousu-jobs" not in closes


def test_with_a_broker_enqueue_sends_a_celery_task(
    test_jobs: None, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tousu.config import celery

    sent: list[str] = []
    monkeypatch.setattr(celery, "send", sent.append)
    settings.TOUSU_BROKER_URL = "redis://127.0.0.1:6379/15"
    jobs.enqueue("t.record")
    assert sent == ["t.record"]
    assert calls == []


def test_the_celery_app_follows_the_registry(settings: Any) -> None:
    from tousu.config.celery import TASK, build

    app = build("redis://127.0.0.1:6379/15")
    assert app.conf.task_acks_late is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.timezone == "Asia/Shanghai"
    scheduled = {name for name, job in jobs.JOBS.items() if job.every}
    assert set(app.conf.beat_schedule) == scheduled
    entry = app.conf.beat_schedule["notifications.deliver"]
    assert entry["task"] == TASK
    assert entry["args"] == ("notifications.deliver",)
    assert TASK in app.tasks


@pytest.fixture
def data_dir(tmp_path: Any, settings: Any) -> Iterator[Any]:
    settings.DATA_DIR = tmp_path
    yield tmp_path
    runner.stop(timeout=5)


def test_one_process_of_a_data_directory_runs_the_jobs_and_the_others_hand_theirs_over(
    test_jobs: None, data_dir: Any
) -> None:
    """What `tousu serve --workers N` relies on: the first process runs the runner, a second
    (forked, as gunicorn's workers are) loses the election and hands its job to the first."""
    assert runner.start_for_machine() is True
    assert runner.start_for_machine() is True  # again in the same process: no second runner
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe and exits
        report = "ok"
        try:
            if runner.start_for_machine():
                report = "the child won the election too"
            for _ in range(2):  # the second enqueue must not start a runner here either
                jobs.enqueue("t.record")
            if calls:
                report = "the job ran in the child"
            elif runner._runner is not None and runner._runner.pid == os.getpid():
                report = "the child started a runner"
        except BaseException as exc:
            report = repr(exc)
        os.write(write, report.encode())
        os._exit(0)
    os.close(write)
    _, status = os.waitpid(child, 0)
    assert os.read(read, 1000).decode() == "ok"
    os.close(read)
    assert status == 0
    # Both hand-offs reached this process's runner; the second may have found the first still
    # waiting (coalesced), so one or two runs.
    wait_for(lambda: calls and runner._runner is not None and not runner._runner._pending)
    assert set(calls) == {"record"}


def test_a_process_that_lost_the_election_runs_the_job_itself_when_nobody_listens(
    test_jobs: None, data_dir: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As after the elected process died and before a standby took over: no reader on the pipe.
    monkeypatch.setattr(runner, "_machine_pid", os.getpid())
    os.mkfifo(data_dir / runner.FIFO_NAME)
    assert runner.hand_off("t.record") is False
    jobs.enqueue("t.record")
    assert calls == ["record"]


def test_stopping_the_elected_runner_lets_another_process_take_over(
    test_jobs: None, data_dir: Any
) -> None:
    import fcntl

    assert runner.start_for_machine() is True
    with open(data_dir / runner.LOCK_NAME, "a+b") as handle:
        with pytest.raises(BlockingIOError):
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        runner.stop(timeout=5)
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # free now
