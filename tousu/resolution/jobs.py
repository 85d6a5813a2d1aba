"""Background jobs of resolution (D5, D6)."""

from __future__ import annotations

from tousu.resolution.services import approvals_escalate_overdue


def approval_escalate() -> dict[str, int]:
    """Pass approvals whose step is past its time limit to the next role of the chain."""
    return {"escalated": approvals_escalate_overdue()}
