from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tousu.core.errors import NotFound
from tousu.resolution.models import Approval, AuthorityLimit, Evidence, HandlingRecord, Remedy

if TYPE_CHECKING:
    from tousu.complaints.models import Complaint


def authority_limit(role: str) -> Decimal | None:
    """The most a role may grant alone; None = unlimited. A role with no row may grant
    nothing with money: a missing configuration must not hand out unlimited authority."""
    row = AuthorityLimit.objects.filter(role=role).first()
    if row is None:
        return Decimal(0)
    return row.max_amount


@dataclass
class Handling:
    """What the complaint page shows of the handling: S1's recorded steps, the evidence, the
    remedies granted and an approval still waiting for a decision."""

    steps: dict[str, dict[str, Any]]
    evidence: list[Evidence]
    remedies: list[Remedy]
    pending_approval: Approval | None


def pending_approval(complaint: Complaint) -> Approval | None:
    return complaint.approvals.filter(decided_at__isnull=True).first()


def complaint_handling(complaint: Complaint) -> Handling:
    record = HandlingRecord.objects.filter(complaint=complaint).first()
    return Handling(
        steps=record.steps if record is not None else {},
        evidence=list(complaint.evidence.select_related("uploaded_by")),
        remedies=list(complaint.remedies.all()),
        pending_approval=pending_approval(complaint),
    )


def evidence_get(complaint: Complaint, pk: int) -> Evidence:
    """One attachment of a complaint the caller may already see; NotFound otherwise."""
    evidence = complaint.evidence.filter(pk=pk).first()
    if evidence is None:
        raise NotFound("证据不存在")
    return evidence


def consistency_flags(complaint: Complaint) -> list[Any]:
    """The consistency flags raised on the complaint's outcome (R6.3). Not built yet."""
    return []
