"""Automatic assignment by skill and load (R3.2), and the department queue."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

import pytest
from django.utils import translation

from tousu.accounts.models import Department, User
from tousu.classification.models import Category
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.reasons import reason_text
from tousu.notifications.models import Notification
from tousu.routing.models import HandlerProfile

Register = Callable[..., Complaint]
MakeUser = Callable[..., User]


@pytest.fixture
def trio(make_user: MakeUser) -> list[User]:
    """Three billing handlers, none assigned anything yet."""
    return [make_user(name, "handler") for name in ("h_a", "h_b", "h_c")]


_phones = itertools.count(13900000000)


def give(user: User, count: int, register: Register) -> None:
    """`count` open complaints held by `user`, registered in the network department (which has
    no handler) so that they do not disturb billing's assignment; one customer each."""
    for _ in range(count):
        phone = str(next(_phones))
        complaint = register(category="network.coverage", customer_phone=phone)
        Complaint.objects.filter(pk=complaint.pk).update(handler=user)


def skill(user: User, *codes: str) -> None:
    profile, _ = HandlerProfile.objects.get_or_create(user=user)
    profile.categories.set(Category.objects.filter(code__in=codes))


def test_the_handler_with_the_fewest_open_complaints_gets_it(
    trio: list[User], register: Register
) -> None:
    a, b, c = trio
    give(b, 2, register)
    give(c, 1, register)
    give(a, 0, register)
    complaint = register()
    assert complaint.handler == a
    assert complaint.status == "dispatched"
    assert complaint.events.get(type="dispatched").data["assigned"] == "auto"
    assert HandlerProfile.objects.get(user=a).last_assigned_at is not None
    assert Notification.objects.filter(user=a, kind="assigned", complaint=complaint).exists()


def test_ties_go_to_the_handler_idle_longest(trio: list[User], register: Register) -> None:
    a, b, c = trio
    now = clock.now()
    HandlerProfile.objects.create(user=a, last_assigned_at=now - dt.timedelta(minutes=5))
    HandlerProfile.objects.create(user=b, last_assigned_at=now - dt.timedelta(hours=3))
    HandlerProfile.objects.create(user=c, last_assigned_at=now - dt.timedelta(hours=1))
    assert register().handler == b
    # b now has one open complaint; of a and c (none each), c waited longer.
    assert register(customer_phone="13700137000").handler == c
    assert register(customer_phone="13700137001").handler == a


def test_handlers_never_assigned_come_first_then_by_username(
    trio: list[User], register: Register
) -> None:
    a, b, _c = trio
    HandlerProfile.objects.create(user=a, last_assigned_at=clock.now() - dt.timedelta(days=9))
    assert register().handler == b


def test_load_spreads_over_the_department(trio: list[User], register: Register) -> None:
    phones = [f"1370013700{i}" for i in range(6)]
    handlers = [register(customer_phone=p).handler for p in phones]
    assert sorted(u.username for u in handlers if u) == ["h_a", "h_a", "h_b", "h_b", "h_c", "h_c"]


def test_skills_decide_among_handlers(trio: list[User], register: Register) -> None:
    _a, b, c = trio
    skill(b, "billing.roaming")
    skill(c, "billing")  # a parent category covers its sub-categories
    give(c, 1, register)
    assert register(category="billing.roaming").handler == b
    # Unexplained charges: only c has the skill (through the parent), despite the load.
    assert (
        register(category="billing.unexplained_charge", customer_phone="13700137000").handler == c
    )


def test_without_anyone_skilled_every_handler_is_a_candidate(
    trio: list[User], register: Register
) -> None:
    a, _b, _c = trio
    skill(a, "network")
    assert register(category="billing.roaming").handler == a  # fewest, never assigned, "h_a"


def test_inactive_and_away_handlers_are_skipped(trio: list[User], register: Register) -> None:
    a, b, c = trio
    a.is_active = False
    a.save()
    HandlerProfile.objects.create(user=b, accepting=False)
    assert register().handler == c


def test_managers_are_not_assigned_automatically(
    make_user: MakeUser, supervisor: User, register: Register
) -> None:
    complaint = register()
    assert complaint.handler is None  # billing has no handler, only a supervisor


def test_queue_mode_leaves_it_unassigned_and_tells_the_department(
    trio: list[User], register: Register
) -> None:
    Department.objects.filter(code="billing").update(assignment_mode="queue")
    complaint = register()
    assert complaint.handler is None
    assert complaint.status == "dispatched"
    told = Notification.objects.filter(complaint=complaint, kind="dispatched")
    assert sorted(n.user.username for n in told) == ["h_a", "h_b", "h_c"]
    # The queue is named in each reader's language.
    with translation.override("en"):
        assert reason_text(told[0].notice).endswith(
            "in the queue of Billing centre, waiting to be taken"
        )
    with translation.override("zh-hans"):
        assert "计费" in reason_text(told[0].notice)


def test_a_transfer_is_assigned_in_the_new_department(
    lifecycle: Callable[..., Complaint], outsider: User, handler: User
) -> None:
    from tousu.routing.services import complaint_dispatch

    complaint = lifecycle("in_progress")
    complaint_dispatch(
        complaint=complaint,
        actor=handler,
        department=Department.objects.get(code="network"),
        reason="信号问题，转网络部门",
    )
    assert Complaint.objects.get(pk=complaint.pk).handler == outsider


def test_dispatch_within_the_department_without_a_handler_puts_it_back_in_the_queue(
    register: Register, handler: User, supervisor: User
) -> None:
    from tousu.routing.services import complaint_dispatch

    complaint = register()
    assert complaint.handler == handler
    complaint_dispatch(
        complaint=complaint, actor=supervisor, department=Department.objects.get(code="billing")
    )
    assert Complaint.objects.get(pk=complaint.pk).handler is None


def test_assignment_queries_do_not_grow_with_handlers(
    make_user: MakeUser, register: Register
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_user("h00", "handler")
    register(customer_phone="13700137000")  # warm up: the day's sequence row
    with CaptureQueriesContext(connection) as one:
        register(customer_phone="13700137001")
    for i in range(1, 12):
        HandlerProfile.objects.create(user=make_user(f"h{i:02d}", "handler"))
    with CaptureQueriesContext(connection) as twelve:
        register(customer_phone="13700137002")
    assert len(twelve) == len(one)
