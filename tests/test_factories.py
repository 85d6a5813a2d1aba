"""The `complaint_in` builder (tests/factories.py): a built complaint must be one the real
services could have left behind, and the next service call must treat it as such."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tousu.accounts.models import Department
from tousu.complaints.models import Complaint
from tousu.complaints.selectors import timeline_verify

Build = Callable[..., Complaint]


def facts(c: Complaint) -> dict[str, Any]:
    """What a test reads of a complaint in a status, timestamps as present or not."""
    return {
        "status": c.status,
        "channel": c.channel,
        "category": c.category.code if c.category else None,
        "level": c.level,
        "department": c.department.code if c.department else None,
        "handler": c.handler.username if c.handler else None,
        "accepted": c.accepted_at is not None,
        "resolved": c.resolved_at is not None,
        "closed": c.closed_at is not None,
        "finding": c.finding,
        "cause": c.cause,
        "responsible": c.responsible_department.code if c.responsible_department else None,
        "reply": c.reply,
        "customer_accepted": c.customer_accepted,
        "policy": c.time_limit_policy,
        "remedies": sorted((r.type, r.amount) for r in c.remedies.all()),
        "approvals": [(a.amount, a.level, a.decided_at) for a in c.approvals.all()],
        "callbacks": [t.status for t in c.callbacks.all()],
        "events": [e.type for e in c.events.order_by("seq")],
        "searchable": hasattr(c, "search"),
    }


def assert_consistent(c: Complaint) -> None:
    """The order of things that every complaint keeps, whatever its status."""
    assert c.registered_at >= c.received_at
    assert c.received_at < c.first_response_due <= c.resolution_due
    times = [c.registered_at, c.accepted_at, c.resolved_at, c.closed_at]
    present = [t for t in times if t is not None]
    assert present == sorted(present)
    assert timeline_verify([c.number]) == (1, [])
    assert c.event_seq == c.events.count()


@pytest.mark.parametrize(
    "status", ["dispatched", "in_progress", "awaiting_approval", "resolved", "closed"]
)
def test_a_built_complaint_is_what_the_services_leave_behind(
    complaint_in: Build, lifecycle: Build, status: str
) -> None:
    real = lifecycle(status)
    built = complaint_in(status, customer_phone="13900001111")
    assert_consistent(built)
    expected = facts(real)
    if status == "dispatched":
        # Billing assigns automatically: the real one went to the only handler there; the
        # built one waits in the department's queue unless given a handler.
        expected["handler"] = None
    assert facts(built) == expected


def test_a_registered_complaint_waits_for_dispatch(complaint_in: Build, agent: Any) -> None:
    from tousu.routing.services import complaint_dispatch

    built = complaint_in("registered", registered_by=agent)
    assert_consistent(built)
    assert (built.department, built.handler, built.accepted_at) == (None, None, None)
    # Acknowledged at once, even though nobody has it yet.
    events = [e.type for e in built.events.order_by("seq")]
    assert events == ["registered", "classified", "message_out"]

    billing = Department.objects.get(code="billing")
    # The agent who registered it may route it while nobody has it.
    done = complaint_dispatch(complaint=built, actor=agent, department=billing)
    assert (done.status, done.department) == ("dispatched", billing)
    assert timeline_verify([built.number]) == (1, [])


def test_a_dispatched_complaint_is_accepted(complaint_in: Build, handler: Any) -> None:
    from tousu.complaints.services import complaint_accept

    done = complaint_accept(complaint=complaint_in("dispatched"), actor=handler)
    assert (done.status, done.handler) == ("in_progress", handler)
    assert timeline_verify([done.number]) == (1, [])


def test_an_in_progress_complaint_is_resolved(complaint_in: Build, handler: Any) -> None:
    from tousu.resolution.services import RemedyInput, complaint_resolve

    built = complaint_in("in_progress")
    assert built.handler == handler
    done = complaint_resolve(
        complaint=built,
        actor=handler,
        finding="true",
        cause="process_error",
        responsible_department=Department.objects.get(code="billing"),
        remedies=[RemedyInput("refund", Decimal("30"))],
        reply="已退还多扣的30元。",
    )
    assert done.status == "resolved"
    assert [r.amount for r in done.remedies.all()] == [Decimal("30.00")]
    assert timeline_verify([done.number]) == (1, [])


def test_an_awaiting_complaint_is_approved(complaint_in: Build, supervisor: Any) -> None:
    from tousu.resolution.services import complaint_approve

    built = complaint_in("awaiting_approval")
    assert built.approvals.get().amount == Decimal("258.00")
    done = complaint_approve(complaint=built, actor=supervisor, approved=True)
    assert done.status == "resolved"
    assert done.resolved_at is not None
    assert timeline_verify([done.number]) == (1, [])


def test_a_resolved_complaint_is_closed_with_a_callback(complaint_in: Build, handler: Any) -> None:
    from tousu.resolution.services import complaint_close

    done = complaint_close(
        complaint=complaint_in("resolved"), actor=handler, customer_accepted=True
    )
    assert done.status == "closed"
    assert [t.status for t in done.callbacks.all()] == ["pending"]
    assert timeline_verify([done.number]) == (1, [])


def test_a_closed_complaint_takes_its_callback(complaint_in: Build, agent: Any) -> None:
    from tousu.callbacks.services import complaint_callback_record

    built = complaint_in("closed")
    task = complaint_callback_record(
        complaint=built,
        actor=agent,
        result="satisfied",
        scores={"timeliness": 5, "attitude": 5, "solution": 5, "simplicity": 5},
    )
    assert task.status == "done"
    assert Complaint.objects.get(pk=built.pk).status == "closed"
    assert timeline_verify([built.number]) == (1, [])


def test_fields_and_codes_are_taken(complaint_in: Build, outsider: Any, agent: Any) -> None:
    import datetime as dt

    from tousu.core import clock

    received = clock.now() - dt.timedelta(days=3)
    built = complaint_in(
        "in_progress",
        category="network.coverage",
        department="network",
        handler=outsider,
        channel="web",
        received_at=received,
        registered_by=agent,
        risk_score=0.9,
    )
    assert_consistent(built)
    assert (built.category.code, built.department.code, built.handler) == (
        "network.coverage",
        "network",
        outsider,
    )
    assert (built.channel, built.received_at, built.registered_by) == ("web", received, agent)
    assert built.risk_score == 0.9
    assert built.accepted_at is not None
    assert built.accepted_at > received


def test_a_handler_from_another_department_is_refused(complaint_in: Build, outsider: Any) -> None:
    with pytest.raises(ValueError, match="does not work in billing"):
        complaint_in("in_progress", handler=outsider)


def test_few_statements(
    complaint_in: Build, handler: Any, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    complaint_in("closed")  # the first one looks up the reference rows and wordings it reuses
    with django_assert_max_num_queries(12):
        complaint_in("closed")
