"""The intake's background job, registered in `tousu.config.jobs`."""

from __future__ import annotations

from tousu.intake.services import risks_rescore


def risk_rescore() -> dict[str, int]:
    """Weigh again the risk of the open complaints that changed or went past their limit."""
    return risks_rescore()
