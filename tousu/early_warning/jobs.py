"""The hourly spike scan (R10.1), registered in `tousu.config.jobs`."""

from __future__ import annotations

from tousu.early_warning import services
from tousu.early_warning.services import alert_scan, backlog_model_train, incident_actions_run


def scan() -> dict[str, int]:
    """Scan every slice as of now. Idempotent: an ongoing alert is never raised twice."""
    return alert_scan()


def forecast_train() -> dict[str, int]:
    """Daily: learn the backlog forecast afresh. Each run adds one model row (or none when
    the history has nothing to learn); the newest row is the one in use."""
    model = backlog_model_train()
    return {"rows": model.rows if model else 0}


def care_scan() -> dict[str, int]:
    """Every 10 minutes: the care lists of the faults still followed, up to date — customers
    who complained about the fault since are marked (and leave the queue), customers newly hit
    are listed. Idempotent: one item per fault and customer, each mark a conditional update."""
    return services.care_scan()


def incident_actions() -> dict[str, int]:
    """Apply the incidents' actions to their children, each child once (D6): started from the
    page or the API, enqueued on commit; the schedule catches any a failure left unfinished."""
    return incident_actions_run()
