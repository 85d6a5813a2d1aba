"""Schemathesis against the running server: every operation of /api/v1/openapi.json, with an
admin's token and an agent's, on complaints in every status, generated valid and invalid input
— no answer is a server error, and every answer (errors included) has a status and a body the
document lists for it (issue 11). A failure prints schemathesis' report: what was sent, what
came back, and the curl command that reproduces it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tousu.accounts.services import token_create

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
# Bounded: a few cases per operation and phase keep the test to seconds; the seed makes a
# failure reproducible (schemathesis prints it with the curl commands).
MAX_EXAMPLES = 5
SEED = 20261120


def schemathesis(base_url: str, token: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    st = Path(sys.executable).with_name("st")
    command = [
        str(st),
        "run",
        f"{base_url}/api/v1/openapi.json",
        "--checks",
        CHECKS,
        # Not the coverage phase: its boundary cases of every parameter (over a thousand
        # requests, not bounded by --max-examples) would take minutes.
        "--phases",
        "examples,fuzzing,stateful",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--header",
        f"Authorization: Bearer {token}",
        "--suppress-health-check",
        "all",
    ]
    # Its working directory takes Hypothesis' example database: not the project's.
    return subprocess.run(  # noqa: S603 (our own command line, no shell)
        command, cwd=workdir, capture_output=True, text=True, timeout=300, check=False
    )


def test_fuzzed_requests_get_documented_answers_and_no_server_error(
    live_server: Any,
    admin_user: Any,
    agent: Any,
    lifecycle: Callable[..., Any],
    settings: Any,
    tmp_path: Path,
) -> None:
    # The public endpoints answer their own 429 after a few requests; fuzz past it.
    settings.TOUSU_PUBLIC_RATE_LIMIT = 100_000
    for status in ("dispatched", "in_progress", "awaiting_approval", "resolved", "closed"):
        lifecycle(status)
    lifecycle("in_progress", external_ref="12315-20261120-0042")
    failures = []
    for user in (admin_user, agent):
        run = schemathesis(live_server.url, token_create(user=user), tmp_path)
        if run.returncode != 0:
            failures.append(f"---- as {user.username} ({user.role}) ----\n{run.stdout[-12000:]}")
    assert not failures, "\n".join(failures)
