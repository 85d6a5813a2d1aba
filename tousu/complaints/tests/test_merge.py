"""Merging a duplicate complaint into another (issue 15): closed as a duplicate, linked both
ways, both timelines say so; an administrator may undo it (tousu.sla.services.complaint_unmerge,
which restores the status and discounts the merged time from the clocks)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.utils.translation import override

from tousu.complaints.choices import EventType
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.complaints.selectors import later_links, timeline_verify
from tousu.complaints.services import complaint_close_duplicate, complaint_merge
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from tousu.notifications.models import Notification
from tousu.sla.services import complaint_pause, complaint_reopen, complaint_unmerge

pytestmark = pytest.mark.django_db
Build = Callable[..., Complaint]
MONDAY = dt.datetime(2026, 11, 23, 9, 30, tzinfo=SHANGHAI)


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def pair(complaint_in: Build, status: str = "in_progress") -> tuple[Complaint, Complaint]:
    """An open original and a later duplicate of the same customer."""
    with clock.frozen(MONDAY):
        original = complaint_in("in_progress", received_at=MONDAY - dt.timedelta(hours=2))
        duplicate = complaint_in(status, received_at=MONDAY - dt.timedelta(hours=1))
    return original, duplicate


def snapshot(*complaints: Complaint) -> list[tuple[Any, ...]]:
    return [
        (c.status, c.closed_at, c.duplicate_of_id, c.event_seq, c.resolution_due)
        for c in Complaint.objects.filter(pk__in=[c.pk for c in complaints]).order_by("pk")
    ]


def test_a_merge_links_both_ways_and_writes_both_timelines(
    complaint_in: Build, supervisor: Any
) -> None:
    original, duplicate = pair(complaint_in)
    with clock.frozen(MONDAY + dt.timedelta(hours=1)):
        complaint_merge(
            complaint=duplicate, actor=supervisor, into=original, reason="同一笔扣费重复登记"
        )
    merged = fresh(duplicate)
    assert (merged.status, merged.duplicate_of_id) == ("closed", original.pk)
    assert merged.closed_at == MONDAY + dt.timedelta(hours=1)
    closing = merged.events.get(type=EventType.CLOSED_DUPLICATE)
    assert closing.data["duplicate_of"] == original.number
    assert closing.data["before"] == "in_progress"
    assert closing.data["reason"] == "同一笔扣费重复登记"
    mark = fresh(original).events.get(type=EventType.MERGED)
    assert mark.data == {"duplicate": duplicate.number, "reason": "同一笔扣费重复登记"}
    assert fresh(original).status == "in_progress"  # the original is handled on
    assert later_links(original) == ([], [merged])
    assert list(original.duplicates.all()) == [merged]
    assert timeline_verify([original.number, duplicate.number])[1] == []


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("itself", "itself"),
        ("closed", "is closed"),
        ("duplicate", "itself closed as a duplicate"),
        ("another_customer", "another customer"),
    ],
)
def test_a_bad_merge_is_refused_and_changes_nothing(
    complaint_in: Build, supervisor: Any, case: str, message: str
) -> None:
    original, duplicate = pair(complaint_in)
    if case == "itself":
        into = duplicate
    elif case == "closed":
        into = complaint_in("closed")
    elif case == "duplicate":
        into = complaint_in("dispatched")
        complaint_close_duplicate(complaint=into, actor=supervisor, original=original)
    else:
        into = complaint_in("in_progress", customer_phone="13700000004")
    before = snapshot(original, duplicate, into)
    with override("en"), pytest.raises(ValidationFailed) as refused:
        complaint_merge(complaint=duplicate, actor=supervisor, into=fresh(into), reason="重复")
    assert list(refused.value.fields) == ["into"]
    assert message in refused.value.message
    assert snapshot(original, duplicate, into) == before


def test_a_merge_needs_a_reason_a_mergeable_status_and_the_right_role(
    complaint_in: Build, supervisor: Any, outsider: Any
) -> None:
    original, duplicate = pair(complaint_in)
    resolved = complaint_in("resolved")
    before = snapshot(original, duplicate, resolved)
    with pytest.raises(ValidationFailed):
        complaint_merge(complaint=duplicate, actor=supervisor, into=original, reason="  ")
    with pytest.raises(InvalidTransition):
        complaint_merge(complaint=resolved, actor=supervisor, into=original, reason="重复")
    with pytest.raises(NotAllowed):
        complaint_merge(complaint=duplicate, actor=outsider, into=original, reason="重复")
    assert snapshot(original, duplicate, resolved) == before


def test_the_repeat_close_still_merges_into_the_complaint_it_closes(
    complaint_in: Build, supervisor: Any
) -> None:
    """complaint_close_duplicate (bulk, closing a repeat with the earlier one) may name an
    original closed already; it links both ways as a merge does."""
    closed = complaint_in("closed")
    double = complaint_in("dispatched")
    complaint_close_duplicate(complaint=double, actor=supervisor, original=closed)
    assert fresh(double).duplicate_of_id == closed.pk
    assert fresh(closed).events.filter(type=EventType.MERGED).count() == 1


def test_an_admin_undoes_a_merge_restoring_status_and_clocks(
    complaint_in: Build, supervisor: Any, admin_user: Any
) -> None:
    original, duplicate = pair(complaint_in, "dispatched")
    due = duplicate.resolution_due
    merged_at = MONDAY + dt.timedelta(minutes=30)
    with clock.frozen(merged_at):
        complaint_merge(complaint=duplicate, actor=supervisor, into=original, reason="重复登记")
    with clock.frozen(merged_at + dt.timedelta(hours=2)):
        complaint_unmerge(complaint=duplicate, actor=admin_user, reason="不是同一笔扣费，误合并")
    back = fresh(duplicate)
    assert (back.status, back.closed_at, back.duplicate_of_id) == ("dispatched", None, None)
    # The two hours merged count like a pause: the limit is at least that much later.
    assert back.resolution_due >= due + dt.timedelta(hours=2)
    undone = back.events.get(type=EventType.UNMERGED)
    assert undone.data["restored"] == "dispatched"
    assert undone.data["reason"] == "不是同一笔扣费，误合并"
    assert undone.actor == admin_user
    other = fresh(original).events.get(type=EventType.UNMERGED)
    assert other.data["duplicate"] == duplicate.number
    assert later_links(original) == ([], [])
    # Open again, in the handler's department queue, and they hear of it.
    told = set(Notification.objects.filter(complaint=duplicate).values_list("user", flat=True))
    assert told
    assert admin_user.pk not in told
    assert timeline_verify([original.number, duplicate.number])[1] == []


def test_only_an_admin_undoes_a_merge_and_only_of_a_merged_complaint(
    complaint_in: Build, supervisor: Any, admin_user: Any
) -> None:
    original, duplicate = pair(complaint_in)
    complaint_merge(complaint=duplicate, actor=supervisor, into=original, reason="重复")
    before = snapshot(original, duplicate)
    with pytest.raises(NotAllowed):
        complaint_unmerge(complaint=duplicate, actor=supervisor, reason="误合并")
    with pytest.raises(InvalidTransition):
        complaint_unmerge(complaint=original, actor=admin_user, reason="误合并")
    with pytest.raises(ValidationFailed):
        complaint_unmerge(complaint=duplicate, actor=admin_user, reason="")
    # A duplicate is not reopened by the ordinary reopen: that would leave the link behind.
    with pytest.raises(InvalidTransition):
        complaint_reopen(complaint=duplicate, actor=supervisor, reason="客户不满意")
    assert snapshot(original, duplicate) == before


def test_merge_unmerge_merge_again(complaint_in: Build, supervisor: Any, admin_user: Any) -> None:
    original, duplicate = pair(complaint_in)
    complaint_merge(complaint=duplicate, actor=supervisor, into=original, reason="重复")
    complaint_unmerge(complaint=duplicate, actor=admin_user, reason="误合并")
    assert fresh(duplicate).status == "in_progress"
    complaint_merge(complaint=duplicate, actor=supervisor, into=original, reason="确认重复")
    again = fresh(duplicate)
    assert (again.status, again.duplicate_of_id) == ("closed", original.pk)
    types = list(original.events.order_by("seq").values_list("type", flat=True))
    assert types[-3:] == [EventType.MERGED, EventType.UNMERGED, EventType.MERGED]
    # Merged twice: the second merge is refused in the closed status, nothing changes.
    before = snapshot(original, duplicate)
    with pytest.raises(InvalidTransition):
        complaint_merge(complaint=again, actor=supervisor, into=original, reason="再次")
    assert snapshot(original, duplicate) == before


def test_a_complaint_merged_while_paused_stays_paused(
    complaint_in: Build, supervisor: Any, admin_user: Any, handler: Any
) -> None:
    original, duplicate = pair(complaint_in)
    with clock.frozen(MONDAY):
        complaint_pause(complaint=duplicate, actor=handler, reason="等客户提供账单")
        complaint_merge(complaint=duplicate, actor=supervisor, into=original, reason="重复")
    due = fresh(duplicate).resolution_due
    with clock.frozen(MONDAY + dt.timedelta(hours=3)):
        complaint_unmerge(complaint=duplicate, actor=admin_user, reason="误合并")
    back = fresh(duplicate)
    # Its resume will count the merged time with the rest of the pause.
    assert back.paused_at == MONDAY
    assert back.resolution_due == due


@pytest.mark.django_db(transaction=True)
def test_two_merges_of_a_pair_the_opposite_ways_at_once_leave_one_merge(
    complaint_in: Build, supervisor: Any
) -> None:
    """A into B and B into A at the same moment: the locks are taken in one order, so one
    merge waits for the other and is then refused (its original is a duplicate now), instead
    of both closing or the database breaking a deadlock."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: concurrent merges need PostgreSQL")
    a, b = pair(complaint_in)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def merge(complaint: Complaint, into: Complaint) -> None:
        try:
            barrier.wait()
            complaint_merge(complaint=complaint, actor=supervisor, into=into, reason="重复")
            outcomes.append("merged")
        except (ValidationFailed, InvalidTransition):
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=merge, args=(a, b)),
        threading.Thread(target=merge, args=(b, a)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["merged", "refused"]
    linked = Complaint.objects.filter(pk__in=[a.pk, b.pk], duplicate_of__isnull=False)
    assert linked.count() == 1
    assert ComplaintEvent.objects.filter(type=EventType.MERGED).count() == 1
