"""The callbacks API: `GET /api/v1/callbacks?state=` (API.md), and attempts and results through
the existing `POST /api/v1/complaints/{number}/callback`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from tousu.accounts.models import User
from tousu.callbacks.models import CallbackTask
from tousu.complaints.models import Complaint
from tousu.core import clock

Build = Callable[..., Complaint]
Api = Callable[[Any], Any]
URL = "/api/v1/callbacks"


def due_in(complaint: Complaint, hours: float) -> None:
    CallbackTask.objects.filter(complaint=complaint, status="pending").update(
        due_at=clock.now() + dt.timedelta(hours=hours)
    )


def numbers(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["number"] for item in response.json()["items"]]


def test_callbacks_by_state(complaint_in: Build, agent: User, api_as: Api) -> None:
    soon, later, late, done = (complaint_in("closed") for _ in range(4))
    due_in(soon, 2)
    due_in(later, 30)
    due_in(late, -3)
    api = api_as(agent)
    api.post(f"/api/v1/complaints/{late.number}/callback", {"attempt": "busy"})
    api.post(
        f"/api/v1/complaints/{done.number}/callback",
        {"result": "basically_satisfied", "overall": 4, "reasons": ["slow"]},
    )
    assert numbers(api.get(URL, state="due")) == [soon.number, later.number]
    assert numbers(api.get(URL)) == [soon.number, later.number]
    overdue = api.get(URL, state="overdue").json()
    assert [i["number"] for i in overdue["items"]] == [late.number]
    item = overdue["items"][0]
    assert (item["attempts"], item["result"], item["status"]) == (1, None, "pending")
    assert item["next_attempt_at"] is not None
    body = api.get(URL, state="done").json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert item["number"] == done.number
    assert (item["result"], item["overall"], item["reasons"], item["attempts"]) == (
        "basically_satisfied",
        4,
        ["slow"],
        1,
    )
    assert item["done_at"] is not None
    assert item["due"].endswith("+08:00")


def test_callbacks_are_scoped_like_complaints(
    complaint_in: Build, api_as: Api, supervisor: User, outsider: User
) -> None:
    complaint = complaint_in("closed")
    # The billing supervisor sees billing's callback; a network handler does not.
    assert numbers(api_as(supervisor).get(URL)) == [complaint.number]
    assert numbers(api_as(outsider).get(URL)) == []


def test_a_bad_state_or_page_is_a_422(reference: None, agent: User, api_as: Api) -> None:
    api = api_as(agent)
    response = api.get(URL, state="later")
    assert response.status_code == 422
    assert "state" in str(response.json())
    assert api.get(URL, page=0).status_code == 422
    assert api_as(None).get(URL).status_code == 401


def test_post_records_a_failed_call_then_unreachable(
    complaint_in: Build, agent: User, api_as: Api, settings: Any
) -> None:
    settings.TOUSU_CALLBACK_ATTEMPTS = 2
    complaint = complaint_in("closed")
    api = api_as(agent)
    url = f"/api/v1/complaints/{complaint.number}/callback"
    response = api.post(url, {"attempt": "no_answer", "comment": "响铃无人接"})
    assert response.status_code == 200, response.content
    task = CallbackTask.objects.get(complaint=complaint)
    assert (task.status, task.attempt_count) == ("pending", 1)
    # The API.md shape: "unreachable" is a failed call too.
    assert api.post(url, {"result": "unreachable"}).status_code == 200
    task.refresh_from_db()
    assert (task.status, task.result, task.attempt_count) == ("done", "unreachable", 2)


def test_post_needs_a_result_or_a_failed_call(
    complaint_in: Build, agent: User, api_as: Api
) -> None:
    complaint = complaint_in("closed")
    api = api_as(agent)
    url = f"/api/v1/complaints/{complaint.number}/callback"
    for body in (
        {},
        {"attempt": "reached"},
        {"attempt": "asleep"},
        {"result": "satisfied", "overall": 9},
    ):
        response = api.post(url, body)
        assert response.status_code == 422, body
    assert CallbackTask.objects.get(complaint=complaint).attempt_count == 0
