"""The intake's background jobs, registered in `tousu.config.jobs`."""

from __future__ import annotations

from tousu.intake.imports import import_runs_process
from tousu.intake.services import risks_rescore


def risk_rescore() -> dict[str, int]:
    """Weigh again the risk of the open complaints that changed or went past their limit."""
    return risks_rescore()


def import_run() -> dict[str, int]:
    """Register the rows of the files uploaded for import; resume runs abandoned mid-way."""
    return import_runs_process()
