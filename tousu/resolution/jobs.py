"""Background jobs of resolution (D5, D6)."""

from __future__ import annotations

from tousu.resolution.services import approvals_escalate_overdue


def approval_escalate() -> dict[str, int]:
    """Pass approvals whose step is past its time limit to the next role of the chain."""
    return {"escalated": approvals_escalate_overdue()}


def integrity_verify() -> dict[str, int]:
    """Run every check of the tamper evidence and record the run; alert the admins of
    findings not alerted before (resolution.services.integrity_report_record)."""
    from tousu.resolution.selectors import integrity_verify as verify
    from tousu.resolution.services import integrity_report_record

    return integrity_report_record(verify())
