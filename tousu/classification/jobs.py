"""The learning loop's schedule (registered in `tousu.config.jobs`)."""

from __future__ import annotations

from tousu.classification.services import text_model_challenge


def retrain() -> dict[str, object]:
    """Daily: train a challenger on the system's own labelled complaints and activate it only
    if it beats the active model on the newest ones. Idempotent: the same data (and champion)
    is challenged once, whoever runs it and however often."""
    run = text_model_challenge()
    if run is None:
        return {"outcome": "unchanged"}
    return {
        "outcome": run.outcome,
        "challenger_f1": run.challenger_f1,
        "champion_f1": run.champion_f1,
    }
