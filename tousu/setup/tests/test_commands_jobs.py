"""`tousu jobs list|run`, and `tousu worker`/`beat` without a broker."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core import mail

from tousu.config import jobs
from tousu.core import clock
from tousu.notifications.models import Delivery

Cli = Callable[..., tuple[int, str, str]]


def test_jobs_list_prints_the_registry_names_one_a_line(tousu_cli: Cli) -> None:
    code, out, _ = tousu_cli("jobs", "list")
    assert code == 0
    assert out.splitlines() == sorted(jobs.JOBS)
    assert "notifications.deliver" in out.splitlines()


def test_jobs_list_verbose_gives_periods(tousu_cli: Cli) -> None:
    code, out, _ = tousu_cli("jobs", "list", "--verbose")
    assert code == 0
    assert "notifications.deliver\tevery 0:01:00\t" in out


@pytest.mark.django_db
def test_jobs_run_runs_one_job_once_and_prints_its_summary(tousu_cli: Cli) -> None:
    now = clock.now()
    Delivery.objects.create(
        channel="email",
        recipient="handler@example.com",
        event="assigned",
        subject="[Tousu] 新投诉",
        payload={"text": "新投诉"},
        next_attempt_at=now,
        created_at=now,
    )
    code, out, err = tousu_cli("jobs", "run", "notifications.deliver")
    assert code == 0, err
    assert out.startswith("notifications.deliver: ")
    assert '"sent": 1' in out
    assert len(mail.outbox) == 1


def test_jobs_run_an_unknown_job_lists_the_known_ones(tousu_cli: Cli) -> None:
    code, _, err = tousu_cli("jobs", "run", "nope.nothing")
    assert code != 0
    assert "unknown job 'nope.nothing'" in err
    assert "notifications.deliver" in err


@pytest.mark.parametrize("command", ["worker", "beat"])
def test_worker_and_beat_need_a_broker(tousu_cli: Cli, settings: object, command: str) -> None:
    settings.TOUSU_BROKER_URL = ""  # type: ignore[attr-defined]
    code, _, err = tousu_cli(command)
    assert code != 0
    assert "TOUSU_BROKER_URL is not set" in err
