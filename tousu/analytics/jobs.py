"""`analytics.fill`, registered in `tousu.config.jobs` to run every minute (D11)."""

from __future__ import annotations

from tousu.analytics import services


def fill() -> dict[str, int]:
    """Bring the count tables up to date with the complaints changed since the last run."""
    return services.counts_fill()
