"""The Celery application, used only when TOUSU_BROKER_URL is set (D5).

One generic task, `tousu.run_job(name)`, runs any job of the registry (`tousu.config.jobs`);
beat's schedule is built from the same registry, so a job and its period are declared once.

Tasks are acknowledged after they ran (`acks_late`) and a worker takes one message at a time
(`worker_prefetch_multiplier=1`): a task whose worker is killed mid-run is delivered again —
on Redis once TOUSU_CELERY_VISIBILITY_TIMEOUT (seconds) has passed. Running a job twice is
safe because every job is idempotent (D6), and beat sends the periodic ones again anyway.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery
from django.conf import settings
from django.db import close_old_connections

TASK = "tousu.run_job"

logger = logging.getLogger("tousu.jobs")


def build(broker_url: str) -> Celery:
    from tousu.config import jobs

    app = Celery("tousu")
    app.conf.update(
        broker_url=broker_url,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": settings.TOUSU_CELERY_VISIBILITY_TIMEOUT},
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        # A worker process that dies (SIGKILL, out of memory) mid-task: deliver it again.
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue="tousu",
        timezone=settings.TIME_ZONE,
        enable_utc=True,
        worker_hijack_root_logger=False,
        beat_schedule={
            job.name: {"task": TASK, "schedule": job.every, "args": (job.name,)}
            for job in jobs.JOBS.values()
            if job.every
        },
    )

    # Not shared: each built app (tests build several) owns its task; no global registry clash.
    @app.task(name=TASK, shared=False)
    def run_job(name: str) -> Any:
        # Connections are per process and may have gone stale between tasks.
        close_old_connections()
        try:
            summary = jobs.run(name)
            logger.info("job %s: %s", name, summary)
            return summary
        finally:
            close_old_connections()

    return app


_apps: dict[str, Celery] = {}


def get_app() -> Celery:
    """This project's Celery app for settings.TOUSU_BROKER_URL."""
    url = settings.TOUSU_BROKER_URL
    if not url:
        raise RuntimeError("TOUSU_BROKER_URL is not set")
    if url not in _apps:
        _apps[url] = build(url)
    return _apps[url]


def send(name: str) -> None:
    """Ask a worker to run job `name`."""
    get_app().send_task(TASK, args=(name,))
