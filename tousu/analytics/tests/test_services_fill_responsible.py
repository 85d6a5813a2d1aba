"""The counts by responsible department (R6.4, issue 13): filled by `analytics.fill` with the
other count tables, moved when a complaint changes, and equal to a rebuild from scratch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tousu.accounts.models import Department, User
from tousu.analytics import services
from tousu.analytics.models import ResponsibleCount, ResponsibleFact
from tousu.analytics.tests.conftest import change
from tousu.complaints.models import Complaint
from tousu.config import jobs
from tousu.core import clock
from tousu.resolution.models import HandlingRecord
from tousu.sla.services import complaint_reopen

FIELDS = (
    "day",
    "responsible_department",
    "responsible_staff",
    "department",
    "closed",
    "fcr",
    "compensation_fen",
)


def table() -> set[tuple[Any, ...]]:
    return set(ResponsibleCount.objects.values_list(*FIELDS))


def blame(complaint: Complaint, department: Department, staff: User | None) -> None:
    """Confirm who is responsible, as resolving does: the complaint's row, the handling
    record and a timeline event."""
    HandlingRecord.objects.update_or_create(
        complaint=complaint, defaults={"responsible_staff": staff}
    )
    change(complaint.pk, responsible_department=department)


def test_a_closed_complaint_counts_under_its_responsible_department_not_its_handler(
    lifecycle: Callable[..., Complaint], handler2: User
) -> None:
    complaint = lifecycle("closed")
    network = Department.objects.get(code="network")
    assert complaint.department_id != network.pk
    blame(complaint, network, handler2)
    change(complaint.pk, first_contact=True)
    jobs.run("analytics.fill")
    closed = Complaint.objects.get(pk=complaint.pk).closed_at
    assert closed is not None
    day = clock.local(closed).date()
    # The lifecycle grants a 58 yuan refund.
    assert table() == {(day, network.pk, handler2.pk, complaint.department_id, 1, 1, 5800)}


def test_a_change_of_blame_or_a_reopening_moves_the_counts(
    lifecycle: Callable[..., Complaint], handler2: User
) -> None:
    complaint = lifecycle("closed")
    jobs.run("analytics.fill")
    assert {row[3:5] for row in table()} == {(complaint.department_id, 1)}
    network = Department.objects.get(code="network")
    blame(complaint, network, None)
    assert jobs.run("analytics.fill")["changed"] == 0  # the other tables did not change
    assert {row[1:3] for row in table()} == {(network.pk, 0)}
    assert jobs.run("analytics.fill")["events"] == 0
    complaint_reopen(complaint=complaint, actor=None, reason="客户不认可处理结果")
    jobs.run("analytics.fill")
    assert table() == set()
    assert not ResponsibleFact.objects.exists()


def test_rebuild_equals_the_incremental_fill(
    lifecycle: Callable[..., Complaint], register: Callable[..., Complaint], supervisor: User
) -> None:
    network = Department.objects.get(code="network")
    first, second, _third = (lifecycle("closed") for _ in range(3))
    register()
    jobs.run("analytics.fill")
    blame(second, network, supervisor)
    jobs.run("analytics.fill")
    blame(first, network, supervisor)
    jobs.run("analytics.fill")
    filled = table()
    facts = set(ResponsibleFact.objects.values_list("complaint_id", *FIELDS))
    assert sum(row[4] for row in filled) == 3
    services.counts_rebuild()
    assert table() == filled
    assert set(ResponsibleFact.objects.values_list("complaint_id", *FIELDS)) == facts
    assert jobs.run("analytics.fill")["changed"] == 0
    assert table() == filled
