"""Background jobs on real Celery workers (D5, D6): two worker processes on Redis and the
suite's PostgreSQL database run the same jobs at once, and one is killed with SIGKILL in the
middle, yet every escalation step and every webhook happens exactly once and nothing is lost.

Needs Redis at 127.0.0.1:6379 (this test uses its own database number and flushes it) and
PostgreSQL as the test database (worker processes must see what the test commits: SQLite's
in-memory test database is private to this process). Skipped with the reason otherwise — except
on CI (CI=true) with PostgreSQL, where a missing Redis fails the test instead.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection

from tousu.config import jobs
from tousu.config.celery import TASK, build
from tousu.notifications.tests.receiver import Receiver, webhook_receiver

REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 7
BROKER = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
QUEUE = "tousu"
STARTUP_SECONDS = 60
SETTLE_SECONDS = 90  # the longest we wait for the workers to finish
QUIET_SECONDS = 4  # no new work for this long, with an empty queue: they are done


def redis_client() -> Any:
    import redis

    return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_timeout=2)


def redis_problem() -> str | None:
    try:
        redis_client().ping()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture
def broker() -> Iterator[Any]:
    """Skip (or, on CI with PostgreSQL, fail) unless the scenario can run; a clean Redis db."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "Celery integration needs PostgreSQL (TOUSU_DATABASE_URL=postgresql://…): worker "
            "processes must share the test database, and SQLite's test database is private"
        )
    if problem := redis_problem():
        message = f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT} ({problem})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must run the Celery integration test")
        pytest.skip(f"{message}: start redis-server to run the Celery integration test")
    client = redis_client()
    client.flushdb()
    app = build(BROKER)
    yield app
    client.flushdb()


def database_url() -> str:
    """The test database (not the configured one) as a URL for the worker processes."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s["HOST"] or "127.0.0.1"
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgresql://{auth}{'@' if auth else ''}{host}{port}/{quote(s['NAME'], safe='')}"


class Workers:
    """Real `tousu worker` processes; each in its own process group so that a SIGKILL takes
    the worker and its pool processes down together, like a lost machine."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TOUSU_")}
        self.env.update(
            DJANGO_SETTINGS_MODULE="tousu.config.settings",
            PYTHONUNBUFFERED="1",
            TOUSU_DATA_DIR=str(tmp_path / "data"),
            TOUSU_DATABASE_URL=database_url(),
            TOUSU_BROKER_URL=BROKER,
            TOUSU_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            TOUSU_LOG_LEVEL="INFO",
        )

    def log(self, name: str) -> Path:
        return self.tmp_path / f"worker-{name}.log"

    def start(self, name: str, concurrency: int = 2) -> None:
        with self.log(name).open("wb") as log:
            self.processes[name] = subprocess.Popen(  # noqa: S603 - our own interpreter
                [
                    sys.executable,
                    "-m",
                    "tousu.cli",
                    "worker",
                    f"--concurrency={concurrency}",
                    f"--hostname={name}@%h",
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if " ready." in self.log(name).read_text(errors="replace"):
                return
            if self.processes[name].poll() is not None:
                break
            time.sleep(0.2)
        pytest.fail(f"worker {name} did not start:\n{self.tail(name)}")

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def tail(self, name: str, lines: int = 60) -> str:
        text = self.log(name).read_text(errors="replace") if self.log(name).exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def errors(self) -> list[str]:
        """Task failures in any worker's log (a job that raised)."""
        found = []
        for path in self.tmp_path.glob("worker-*.log"):
            found += [
                line
                for line in path.read_text(errors="replace").splitlines()
                if "raised unexpected" in line or "Traceback" in line
            ]
        return found

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        self.processes.clear()


@pytest.fixture
def workers(transactional_db: None, broker: Any, tmp_path: Path) -> Iterator[Workers]:
    # Depends on transactional_db so that the workers are gone before the database is
    # flushed at teardown (their connections would hold it up).
    running = Workers(tmp_path)
    try:
        yield running
    finally:
        running.stop_all()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running


def send(app: Any, name: str, times: int) -> None:
    for _ in range(times):
        app.send_task(TASK, args=(name,))


def wait_until_quiet(progress: Callable[[], object], workers: Workers) -> None:
    """Wait (bounded) until the queue is empty and `progress()` has not changed for a while."""
    client = redis_client()
    deadline = time.monotonic() + SETTLE_SECONDS
    last, since = progress(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now_seen = progress()
        if now_seen != last:
            last, since = now_seen, time.monotonic()
        elif client.llen(QUEUE) == 0 and time.monotonic() - since >= QUIET_SECONDS:
            return
    pytest.fail(f"workers still busy after {SETTLE_SECONDS} s: {last}")


def need_job(name: str) -> None:
    assert name in jobs.JOBS, f"job {name!r} is not in the registry (tousu/config/jobs.py)"


# --- notifications.deliver: each webhook exactly once ------------------------------------------


def queue_webhooks(url: str, count: int) -> list[int]:
    from tousu.core import clock
    from tousu.notifications.models import Delivery, WebhookEndpoint

    endpoint = WebhookEndpoint.objects.create(name="crm", url=url, secret="s")
    now = clock.now()
    rows = Delivery.objects.bulk_create(
        Delivery(
            channel="webhook",
            endpoint=endpoint,
            event="escalated",
            payload={"n": n},
            next_attempt_at=now,
            created_at=now,
        )
        for n in range(count)
    )
    return [row.pk for row in rows]


@pytest.mark.django_db(transaction=True)
def test_two_workers_deliver_each_webhook_once(
    workers: Workers, broker: Any, receiver: Receiver
) -> None:
    from tousu.notifications.models import Delivery

    need_job("notifications.deliver")
    workers.start("w1")
    workers.start("w2")
    ids = queue_webhooks(receiver.url, 120)
    send(broker, "notifications.deliver", 20)
    wait_until_quiet(lambda: len(receiver.requests), workers)

    counts = Counter(receiver.delivery_ids())
    assert set(counts) == {str(pk) for pk in ids}
    assert [pk for pk, n in counts.items() if n > 1] == []
    assert Delivery.objects.filter(status="sent").count() == len(ids)
    assert workers.errors() == []


# --- sla.breach_scan: each escalation step exactly once ---------------------------------------


def breached_complaints(register: Callable[..., Any], count: int) -> list[int]:
    """`count` open complaints whose time limits ran out long ago (every ladder step due)."""
    import datetime as dt

    from tousu.complaints.models import Complaint
    from tousu.core import clock

    pks = [register(customer_phone=f"139{n:08d}").pk for n in range(count)]
    long_ago = clock.now() - dt.timedelta(days=30)
    Complaint.objects.filter(pk__in=pks).update(
        first_response_due=long_ago, resolution_due=long_ago
    )
    return pks


def escalations() -> int:
    from tousu.complaints.models import ComplaintEvent

    return ComplaintEvent.objects.filter(type="escalated").count()


def assert_each_step_exactly_once(pks: list[int]) -> None:
    """Every complaint escalated, one `escalated` event per ladder step it reached, and a
    further scan finds nothing left to do (nothing was missed)."""
    from tousu.complaints.models import Complaint, ComplaintEvent

    steps = dict(Complaint.objects.filter(pk__in=pks).values_list("pk", "escalation_step"))
    events: dict[int, list[Any]] = {pk: [] for pk in pks}
    for complaint_id, data in ComplaintEvent.objects.filter(
        complaint_id__in=pks, type="escalated"
    ).values_list("complaint_id", "data"):
        events[complaint_id].append((data or {}).get("step"))
    not_escalated = [pk for pk in pks if steps[pk] < 1]
    assert not_escalated == [], f"{len(not_escalated)} breached complaints never escalated"
    wrong = {pk: (steps[pk], found) for pk, found in events.items() if len(found) != steps[pk]}
    assert wrong == {}, "complaint: (ladder step reached, steps of its escalated events)"
    repeated = {pk: found for pk, found in events.items() if None not in found}
    assert all(len(set(found)) == len(found) for found in repeated.values()), repeated

    before = escalations()
    jobs.run("sla.breach_scan")
    assert escalations() == before, "a further scan found escalations the workers missed"


@pytest.mark.django_db(transaction=True)
def test_two_workers_escalate_each_step_once(
    workers: Workers, broker: Any, register: Callable[..., Any]
) -> None:
    need_job("sla.breach_scan")
    pks = breached_complaints(register, 60)
    workers.start("w1")
    workers.start("w2")
    started = time.monotonic()
    send(broker, "sla.breach_scan", 20)
    wait_until_quiet(escalations, workers)
    took = time.monotonic() - started
    print(f"60 complaints, 20 scans on 2 workers: {escalations()} escalations, {took:.1f} s")  # noqa: T201
    assert_each_step_exactly_once(pks)
    assert workers.errors() == []


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_scan_loses_nothing_and_repeats_nothing(
    workers: Workers, broker: Any, register: Callable[..., Any]
) -> None:
    need_job("sla.breach_scan")
    pks = breached_complaints(register, 150)
    workers.start("doomed")
    workers.start("w2")
    send(broker, "sla.breach_scan", 6)
    deadline = time.monotonic() + STARTUP_SECONDS
    while escalations() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert escalations() > 0, "no scan started"
    workers.kill("doomed")  # SIGKILL, worker and pool together, mid-scan
    at_kill = escalations()
    workers.start("fresh")
    send(broker, "sla.breach_scan", 6)
    wait_until_quiet(escalations, workers)
    print(f"killed a worker at {at_kill} of {escalations()} escalations")  # noqa: T201
    assert_each_step_exactly_once(pks)
