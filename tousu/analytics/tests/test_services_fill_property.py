"""Property: whatever changes complaints go through, and whenever the job runs in between,
after a final run the count tables equal a recount from scratch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tousu.accounts.models import Department, Region
from tousu.analytics.tests.conftest import assert_counts_match, change
from tousu.callbacks.models import CallbackTask
from tousu.classification.models import Category
from tousu.complaints.choices import EventType
from tousu.complaints.models import Complaint
from tousu.config import jobs
from tousu.resolution.models import Remedy

POOL = 3
H = dt.timedelta(hours=1)

ops = st.one_of(
    st.tuples(st.just("fill")),
    st.tuples(st.just("channel"), st.sampled_from(["hotline", "web", "app"])),
    st.tuples(st.just("level"), st.sampled_from(["ordinary", "major"])),
    st.tuples(st.just("department"), st.sampled_from(["billing", "network"])),
    st.tuples(st.just("region"), st.sampled_from(["nanjing", "suzhou", None])),
    st.tuples(st.just("category"), st.sampled_from(["network.coverage", "billing.roaming"])),
    st.tuples(st.just("accept"), st.integers(0, 180)),
    st.tuples(st.just("close"), st.integers(0, 800)),
    st.tuples(st.just("reopen")),
    st.tuples(st.just("remedy"), st.sampled_from(["refund", "apology"]), st.integers(0, 9999)),
    st.tuples(st.just("unremedy")),
    st.tuples(
        st.just("callback"),
        st.sampled_from(["satisfied", "dissatisfied", "unreachable"]),
        st.integers(1, 5),
        st.integers(0, 400),
    ),
    st.tuples(st.just("event"), st.sampled_from([EventType.TRANSFERRED, EventType.ESCALATED])),
)


def apply(c: Complaint, op: tuple[Any, ...]) -> None:
    kind, *args = op
    fields: dict[str, Any] = {}
    event = EventType.NOTE
    if kind == "fill":
        jobs.run("analytics.fill")
        return
    if kind in ("channel", "level"):
        fields[kind] = args[0]
    elif kind == "department":
        fields["department"] = Department.objects.get(code=args[0])
    elif kind == "region":
        fields["region"] = Region.objects.get(code=args[0]) if args[0] else None
    elif kind == "category":
        fields["category"] = Category.objects.get(code=args[0])
    elif kind == "accept":
        fields["accepted_at"] = c.received_at + dt.timedelta(minutes=args[0])
    elif kind == "close":
        closed = c.received_at + H * args[0]
        fields.update(status="closed", resolved_at=closed, closed_at=closed)
    elif kind == "reopen":
        fields.update(status="in_progress", resolved_at=None, closed_at=None)
    elif kind == "remedy":
        Remedy.objects.create(
            complaint=c, type=args[0], amount=Decimal(args[1]) / 100, created_at=c.received_at
        )
    elif kind == "unremedy":
        Remedy.objects.filter(complaint=c).delete()
    elif kind == "callback":
        result, score, hours = args
        done = c.received_at + H * hours
        scores = {} if result == "unreachable" else {"timeliness": score, "solution": score}
        CallbackTask.objects.create(
            complaint=c,
            due_at=done,
            created_at=done,
            done_at=done,
            status="done",
            result=result,
            **scores,
        )
    elif kind == "event":
        event = args[0]
    change(c.pk, event, **fields)


def test_counts_equal_a_recount_after_random_changes(
    register: Callable[..., Complaint],
) -> None:
    received = dt.datetime(2026, 11, 10, 23, 30, tzinfo=dt.UTC)
    pool = [register(received_at=received + H * 5 * i) for i in range(POOL)]

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(st.tuples(st.integers(0, POOL - 1), ops), min_size=1, max_size=8))
    def run(steps: list[tuple[int, tuple[Any, ...]]]) -> None:
        for index, op in steps:
            apply(Complaint.objects.get(pk=pool[index].pk), op)
        jobs.run("analytics.fill")
        assert_counts_match()

    run()
