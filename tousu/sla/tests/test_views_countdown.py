"""The countdown pill on the pages, and pause/resume on the complaint page (R4.1, R4.2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.urls import reverse

from tests.pages import as_user, page
from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.clock import SHANGHAI

# Complaints are built in the status a test starts from (`complaint_in`); the time-limit
# services and pages under test are real.
Build = Callable[..., Complaint]
H = dt.timedelta(hours=1)
RECEIVED = dt.datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI)
DUE = dt.datetime(2026, 11, 25, 9, 30, tzinfo=SHANGHAI)


@pytest.fixture
def complaint(complaint_in: Build) -> Complaint:
    with clock.frozen(RECEIVED + H):
        return complaint_in("in_progress", received_at=RECEIVED)


def detail(user: User, complaint: Complaint, at: dt.datetime) -> str:
    with clock.frozen(at):
        response = as_user(user).get(reverse("desk:detail", args=[complaint.number]))
    assert response.status_code == 200
    return page(response)


@pytest.mark.parametrize(
    ("at", "pill"),
    [(RECEIVED + H, "due-ok"), (DUE - 2 * H, "due-warn"), (DUE + H, "due-over")],
)
def test_the_pill_on_the_complaint_page_queue_and_list(
    handler: User, complaint: Complaint, at: dt.datetime, pill: str
) -> None:
    assert f'class="{pill}"' in detail(handler, complaint, at)
    with clock.frozen(at):
        for url in ("/", reverse("desk:list")):
            assert f'class="{pill}"' in page(as_user(handler).get(url))


def test_pause_and_resume_on_the_complaint_page(handler: User, complaint: Complaint) -> None:
    text = detail(handler, complaint, RECEIVED + 2 * H)
    assert reverse("desk:action", args=[complaint.number, "pause"]) in text
    assert reverse("desk:action", args=[complaint.number, "resume"]) not in text

    with clock.frozen(RECEIVED + 2 * H):
        response = as_user(handler).post(
            reverse("desk:action", args=[complaint.number, "pause"]),
            {"reason": "等客户提供账单截图"},
        )
    assert response.status_code == 302
    text = detail(handler, complaint, DUE + 10 * H)  # long past the old limit: still paused
    assert 'class="due-paused"' in text
    assert "等客户提供账单截图" in text
    assert reverse("desk:action", args=[complaint.number, "resume"]) in text
    assert reverse("desk:action", args=[complaint.number, "pause"]) not in text

    with clock.frozen(RECEIVED + 3 * H):
        response = as_user(handler).post(
            reverse("desk:action", args=[complaint.number, "resume"]), {}
        )
    assert response.status_code == 302
    after = Complaint.objects.get(pk=complaint.pk)
    assert after.paused_at is None
    assert after.resolution_due == DUE + H


def test_pause_refused_on_the_page(
    handler: User, agent: User, complaint: Complaint, complaint_in: Build
) -> None:
    url = reverse("desk:action", args=[complaint.number, "pause"])
    assert as_user(agent).post(url, {"reason": "等客户"}).status_code == 403
    assert as_user(handler).post(url, {"reason": ""}).status_code == 422
    dispatched = complaint_in("dispatched", handler=handler)
    url = reverse("desk:action", args=[dispatched.number, "pause"])
    assert as_user(handler).post(url, {"reason": "等客户"}).status_code == 409
    url = reverse("desk:action", args=[complaint.number, "resume"])
    assert as_user(handler).post(url, {}).status_code == 409


@pytest.mark.parametrize(
    "path", ["businesscalendar", "calendarday", "timelimitpolicy", "escalationstep"]
)
def test_the_admin_pages(admin_user: User, path: str) -> None:
    from tousu.sla.models import BusinessCalendar

    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = as_user(admin_user)
    assert client.get(f"/admin/sla/{path}/").status_code == 200
    assert client.get(f"/admin/sla/{path}/add/").status_code == 200
    calendar = BusinessCalendar.objects.get(code="cn")
    assert client.get(f"/admin/sla/businesscalendar/{calendar.pk}/change/").status_code == 200
