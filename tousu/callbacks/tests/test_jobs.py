"""`callbacks.chase` (R8.1, D6): the callback team is reminded of callbacks falling due and its
supervisors are told of overdue ones — each callback once, however often the job runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tousu.accounts.models import User
from tousu.callbacks.models import CallbackTask
from tousu.complaints.models import Complaint
from tousu.config import jobs
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.notifications.models import Notification

Build = Callable[..., Complaint]
H = dt.timedelta(hours=1)
DUE = dt.datetime(2026, 12, 8, 15, 0, tzinfo=SHANGHAI)


def chase(at: dt.datetime) -> Any:
    with clock.frozen(at):
        return jobs.run("callbacks.chase")


def callback_due(complaint: Complaint, due: dt.datetime = DUE) -> CallbackTask:
    task = CallbackTask.objects.get(complaint=complaint, status="pending")
    task.due_at = due
    task.save(update_fields=["due_at"])
    return task


def notices(kind: str) -> list[tuple[str, str | None]]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list("user__username", "complaint__number")
    )


@pytest.fixture
def team(make_user: Callable[..., User]) -> dict[str, User]:
    """The default team (agents and quality staff) and the customer-service supervisor."""
    return {
        "agent": make_user("agent", "agent", department="customer_service"),
        "quality": make_user("quality", "quality", department="complaint_office"),
        "boss": make_user("cs_sup", "supervisor", department="customer_service"),
        "billing_sup": make_user("billing_sup", "supervisor", department="billing"),
    }


def test_the_job_is_registered() -> None:
    assert jobs.get("callbacks.chase").every == dt.timedelta(minutes=1)


def test_the_team_is_reminded_once_before_the_due_time(
    complaint_in: Build, team: dict[str, User]
) -> None:
    complaint = complaint_in("closed")
    callback_due(complaint)
    assert chase(DUE - 5 * H) == {"reminded": 0, "escalated": 0}
    assert chase(DUE - 4 * H) == {"reminded": 1, "escalated": 0}
    assert notices("reminder") == [("agent", complaint.number), ("quality", complaint.number)]
    assert complaint.number in Notification.objects.filter(kind="reminder").latest("pk").text
    assert chase(DUE - 3 * H) == {"reminded": 0, "escalated": 0}
    assert Notification.objects.filter(kind="reminder").count() == 2


def test_several_callbacks_are_one_reminder_per_member(
    complaint_in: Build, team: dict[str, User]
) -> None:
    for _ in range(3):
        callback_due(complaint_in("closed"))
    assert chase(DUE - 2 * H)["reminded"] == 3
    assert notices("reminder") == [("agent", None), ("quality", None)]
    assert "3" in Notification.objects.get(user=team["agent"], kind="reminder").text


def test_an_overdue_callback_goes_to_the_team_supervisor_once(
    complaint_in: Build, team: dict[str, User]
) -> None:
    complaint = complaint_in("closed")
    callback_due(complaint)
    assert chase(DUE + H) == {"reminded": 0, "escalated": 1}
    # The supervisor of the team's department, not the complaint's (billing).
    assert notices("overdue") == [("cs_sup", complaint.number)]
    event = complaint.events.get(type="callback_overdue")
    assert event.data["notified"] == ["cs_sup"]
    assert event.data["attempts"] == 0
    assert chase(DUE + 2 * H) == {"reminded": 0, "escalated": 0}
    assert Notification.objects.filter(kind="overdue").count() == 1
    assert complaint.events.filter(type="callback_overdue").count() == 1


def test_a_done_callback_is_not_chased(complaint_in: Build, team: dict[str, User]) -> None:
    from tousu.callbacks.services import complaint_callback_record

    complaint = complaint_in("closed")
    callback_due(complaint)
    complaint_callback_record(
        complaint=complaint, actor=team["agent"], result="satisfied", scores={}
    )
    assert chase(DUE - H) == {"reminded": 0, "escalated": 0}
    assert chase(DUE + H) == {"reminded": 0, "escalated": 0}
    assert not Notification.objects.filter(kind__in=["reminder", "overdue"]).exists()


def test_a_team_of_a_department(
    complaint_in: Build, team: dict[str, User], settings: Any, make_user: Callable[..., User]
) -> None:
    """With the team set to a department, its members are reminded and its supervisor told
    of overdue ones."""
    settings.TOUSU_CALLBACK_TEAM = "dept:billing"
    biller = make_user("biller", "handler", department="billing")
    complaint = complaint_in("closed")
    callback_due(complaint)
    chase(DUE - H)
    # Everyone of billing: the complaint's handler too, not the agents.
    assert notices("reminder") == [
        (biller.username, complaint.number),
        ("billing_sup", complaint.number),
        ("handler", complaint.number),
    ]
    chase(DUE + H)
    assert notices("overdue") == [("billing_sup", complaint.number)]
