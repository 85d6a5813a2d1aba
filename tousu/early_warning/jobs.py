"""The hourly spike scan (R10.1), registered in `tousu.config.jobs`."""

from __future__ import annotations

from tousu.early_warning.services import alert_scan


def scan() -> dict[str, int]:
    """Scan every slice as of now. Idempotent: an ongoing alert is never raised twice."""
    return alert_scan()
