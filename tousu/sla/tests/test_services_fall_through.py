"""A rung of the escalation ladder whose role nobody holds in the scope today falls through to
the next, up to the complaint office, and says so on the timeline (issue 12)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tousu.complaints.choices import EventType
from tousu.core import clock
from tousu.sla import selectors, services

pytestmark = pytest.mark.django_db


def climb(complaint: Any, order: int) -> dict[str, Any]:
    step = next(s for s in selectors.ladder() if s.order == order)
    now = complaint.resolution_due + dt.timedelta(minutes=step.after_minutes + 1)
    assert services.complaint_ladder_climb(pk=complaint.pk, step=step, previous=0, now=now)
    event = complaint.events.filter(type=EventType.ESCALATED).latest("seq")
    return dict(event.data)


def overdue(complaint_in: Callable[..., Any], handler: Any) -> Any:
    return complaint_in("in_progress", handler=handler, resolution_due=clock.now())


def test_the_supervisor_rung_reaches_the_supervisor(
    complaint_in: Callable[..., Any], handler: Any, supervisor: Any
) -> None:
    data = climb(overdue(complaint_in, handler), 2)
    assert data["notified"] == ["supervisor"]
    assert "notified_as" not in data


def test_with_no_supervisor_the_department_head_is_told_and_the_timeline_says_so(
    complaint_in: Callable[..., Any], handler: Any, dept_head: Any
) -> None:
    data = climb(overdue(complaint_in, handler), 2)
    assert data["notified"] == ["dept_head"]
    assert data["notified_as"] == "dept_head"


def test_with_no_manager_the_complaint_office_is_told(
    complaint_in: Callable[..., Any], handler: Any, make_user: Any
) -> None:
    make_user("office_handler", "handler", department="complaint_office")
    data = climb(overdue(complaint_in, handler), 3)
    assert data["notified"] == ["office_handler"]
    assert data["notified_as"] == "complaint_office"


def test_an_empty_complaint_office_leaves_it_to_the_admins(
    complaint_in: Callable[..., Any], handler: Any, admin_user: Any
) -> None:
    data = climb(overdue(complaint_in, handler), 4)
    assert data["notified"] == [admin_user.username]


def test_the_timeline_shows_who_was_told_instead(
    complaint_in: Callable[..., Any], handler: Any, dept_head: Any, client: Any
) -> None:
    complaint = overdue(complaint_in, handler)
    climb(complaint, 2)
    client.force_login(dept_head)
    html = client.get(f"/complaints/{complaint.number}/").content.decode()
    assert "该级无人在岗，改为通知" in html
