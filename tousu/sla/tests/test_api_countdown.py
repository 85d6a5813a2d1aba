"""The countdown in the API and the pause/resume actions (R4.1, R4.2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tousu.accounts.models import User
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.sla.models import TimeLimitPolicy

# Complaints are built in the status a test starts from (`complaint_in`); the time-limit
# services and pages under test are real.
Build = Callable[..., Complaint]
URL = "/api/v1/complaints"
H = dt.timedelta(hours=1)
RECEIVED = dt.datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI)  # Friday; due Wednesday 09:30
DUE = dt.datetime(2026, 11, 25, 9, 30, tzinfo=SHANGHAI)


@pytest.fixture
def complaint(complaint_in: Build) -> Complaint:
    with clock.frozen(RECEIVED + H):
        return complaint_in("in_progress", received_at=RECEIVED)


def get(api_as: Any, user: User, complaint: Complaint, at: dt.datetime) -> dict[str, Any]:
    with clock.frozen(at):
        response = api_as(user).get(f"{URL}/{complaint.number}")
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


@pytest.mark.parametrize(
    ("at", "state", "seconds"),
    [
        (RECEIVED + H, "ok", int((DUE - RECEIVED - H).total_seconds())),
        (DUE - 2 * H, "warn", 2 * 3600),  # past 75 % of Friday 09:30 → Wednesday 09:30
        (DUE, "over", 0),
        (DUE + 90 * dt.timedelta(minutes=1), "over", -90 * 60),
    ],
)
def test_the_countdown_in_the_api(
    api_as: Any, handler: User, complaint: Complaint, at: dt.datetime, state: str, seconds: int
) -> None:
    data = get(api_as, handler, complaint, at)
    assert data["due_state"] == state
    assert data["time_left_seconds"] == seconds
    assert data["time_limit_policy"] == "ordinary"
    assert data["overdue"] is (seconds < 0)


def test_the_warn_share_is_the_policy_s(api_as: Any, handler: User, complaint: Complaint) -> None:
    at = RECEIVED + 24 * H  # 24 of 120 clock hours: 20 %
    assert get(api_as, handler, complaint, at)["due_state"] == "ok"
    policy = TimeLimitPolicy.objects.get(code="ordinary")
    policy.warn_share = 0.2
    policy.save()
    assert get(api_as, handler, complaint, at)["due_state"] == "warn"


def test_a_closed_complaint_has_no_countdown(
    api_as: Any, handler: User, complaint_in: Build
) -> None:
    data = api_as(handler).get(f"{URL}/{complaint_in('closed').number}").json()
    assert data["time_left_seconds"] is None
    assert data["due_state"] is None


def test_pause_and_resume_through_the_api(api_as: Any, handler: User, complaint: Complaint) -> None:
    with clock.frozen(dt.datetime(2026, 11, 20, 17, tzinfo=SHANGHAI)):
        response = api_as(handler).post(
            f"{URL}/{complaint.number}/pause", {"reason": "等客户提供缴费凭证"}
        )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["due_state"] == "paused"
    frozen_left = data["time_left_seconds"]
    # The time left stands still while paused.
    later = get(api_as, handler, complaint, dt.datetime(2026, 11, 23, 9, tzinfo=SHANGHAI))
    assert later["due_state"] == "paused"
    assert later["time_left_seconds"] == frozen_left
    with clock.frozen(dt.datetime(2026, 11, 23, 10, tzinfo=SHANGHAI)):
        response = api_as(handler).post(f"{URL}/{complaint.number}/resume", {})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["due_state"] == "ok"
    assert data["resolution_due"] == "2026-11-25T11:30:00+08:00"  # two working hours later


def test_pause_refusals(
    api_as: Any, handler: User, agent: User, outsider: User, complaint_in: Build
) -> None:
    dispatched = complaint_in("dispatched", handler=handler)
    response = api_as(handler).post(f"{URL}/{dispatched.number}/pause", {"reason": "等客户"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    working = complaint_in("in_progress")
    response = api_as(agent).post(f"{URL}/{working.number}/pause", {"reason": "等客户"})
    assert response.status_code == 403
    response = api_as(outsider).post(f"{URL}/{working.number}/pause", {"reason": "等客户"})
    assert response.status_code == 404
    response = api_as(handler).post(f"{URL}/{working.number}/pause", {"reason": ""})
    assert response.status_code == 422
    response = api_as(handler).post(f"{URL}/{working.number}/pause", {"why": "等客户"})
    assert response.status_code == 422
    response = api_as(handler).post(f"{URL}/{working.number}/resume", {})
    assert response.status_code == 409  # not paused
