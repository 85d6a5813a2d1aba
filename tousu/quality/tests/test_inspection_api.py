"""`/api/v1/inspections…`: list, create by hand, score, appeal and decide, with the error
shape on bad input (nothing changed) and the scope of what each role sees."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tousu.quality.models import Inspection, InspectionAppeal, InspectionScore
from tousu.quality.tests.conftest import FULL

pytestmark = pytest.mark.django_db


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()["error"]
    return body


def test_an_inspector_creates_and_scores_a_task_and_the_handler_appeals(
    api_as: Callable[[Any], Any],
    closed_last_week: Callable[..., Any],
    quality: Any,
    quality2: Any,
    handler: Any,
) -> None:
    complaint = closed_last_week()
    made = api_as(quality).post(
        "/api/v1/inspections", {"complaint": complaint.number, "inspector": "quality"}
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["status"], body["inspector"], body["handler"], body["reason"]) == (
        "open",
        "quality",
        "handler",
        "manual",
    )
    assert [i["code"] for i in body["sheet"]["items"]][:2] == ["timeliness", "attitude"]
    assert body["sheet"]["version"] == 1

    scored = api_as(quality).post(
        f"/api/v1/inspections/{body['id']}/score",
        {"scores": {**FULL, "explanation": 2}, "comments": {"explanation": "未说明扣费原因"}},
    )
    assert scored.status_code == 200, scored.content
    assert (scored.json()["total"], scored.json()["fatal"]) == (88.0, False)

    mine = api_as(handler).get("/api/v1/inspections").json()
    assert [i["id"] for i in mine["items"]] == [body["id"]]
    appealed = api_as(handler).post(
        f"/api/v1/inspections/{body['id']}/appeal", {"reason": "已向客户说明原因，见通话录音"}
    )
    assert appealed.json()["appeal"]["status"] == "pending"
    decided = api_as(quality2).post(
        f"/api/v1/inspections/{body['id']}/appeal/decide",
        {"upheld": True, "note": "录音中有解释", "scores": FULL},
    )
    assert decided.status_code == 200, decided.content
    out = decided.json()
    assert (out["total"], out["appeal"]["status"], out["appeal"]["total_before"]) == (
        100.0,
        "upheld",
        88.0,
    )


@pytest.mark.parametrize(
    ("scores", "field"),
    [
        ({**FULL, "politeness": 3}, "scores.politeness"),
        ({**FULL, "wording": 9}, "scores.wording"),
        ({**FULL, "wording": 2.5}, "scores.wording"),
    ],
)
def test_a_score_outside_the_sheet_gets_the_error_shape_and_changes_nothing(
    api_as: Callable[[Any], Any], task: Inspection, quality: Any, scores: Any, field: str
) -> None:
    error = _error(
        api_as(quality).post(f"/api/v1/inspections/{task.pk}/score", {"scores": scores}), 422
    )
    assert (error["code"], list(error["fields"])) == ("validation_error", [field])
    task.refresh_from_db()
    assert task.status == "open"
    assert not InspectionScore.objects.filter(inspection=task).exists()


def test_scoring_someone_elses_task_or_twice_is_refused(
    api_as: Callable[[Any], Any], task: Inspection, quality: Any, quality2: Any
) -> None:
    path = f"/api/v1/inspections/{task.pk}/score"
    assert _error(api_as(quality2).post(path, {"scores": FULL}), 403)["code"] == "forbidden"
    assert api_as(quality).post(path, {"scores": FULL}).status_code == 200
    again = api_as(quality).post(path, {"scores": {**FULL, "records": 0}})
    assert _error(again, 409)["code"] == "invalid_transition"
    task.refresh_from_db()
    assert float(task.total or 0) == 100.0


def test_an_appeal_after_its_deadline_is_refused(
    api_as: Callable[[Any], Any], task: Inspection, quality: Any, handler: Any
) -> None:
    from tousu.core import clock

    api_as(quality).post(f"/api/v1/inspections/{task.pk}/score", {"scores": FULL})
    task.refresh_from_db()
    assert task.appeal_due_at is not None
    with clock.frozen(task.appeal_due_at + dt.timedelta(seconds=1)):
        late = api_as(handler).post(f"/api/v1/inspections/{task.pk}/appeal", {"reason": "迟了"})
    assert _error(late, 409)["code"] == "invalid_transition"
    assert not InspectionAppeal.objects.exists()


def test_who_sees_which_inspections(
    api_as: Callable[[Any], Any],
    task: Inspection,
    quality: Any,
    handler2: Any,
    supervisor: Any,
    outsider: Any,
    agent: Any,
) -> None:
    for user, seen in ((quality, 1), (supervisor, 1), (handler2, 0), (outsider, 0), (agent, 0)):
        assert api_as(user).get("/api/v1/inspections").json()["count"] == seen, user
    assert _error(api_as(outsider).get(f"/api/v1/inspections/{task.pk}"), 404)
    # Creating is the inspectors' (and administrators').
    created = api_as(supervisor).post("/api/v1/inspections", {"complaint": task.complaint.number})
    assert _error(created, 403)["code"] == "forbidden"


def test_bad_create_input_is_named(
    api_as: Callable[[Any], Any], complaint_in: Callable[..., Any], quality: Any
) -> None:
    error = _error(api_as(quality).post("/api/v1/inspections", {"complaint": "TS1"}), 422)
    assert "complaint" in error["fields"]
    open_one = complaint_in("in_progress")
    error = _error(api_as(quality).post("/api/v1/inspections", {"complaint": open_one.number}), 422)
    assert "complaint" in error["fields"]
    assert not Inspection.objects.exists()


def test_the_work_queue_holds_the_inspection_for_its_inspector_then_the_handler(
    api_as: Callable[[Any], Any], task: Inspection, quality: Any, handler: Any
) -> None:
    def items(user: Any) -> list[dict[str, Any]]:
        body = api_as(user).get("/api/v1/me/work").json()
        return [i for i in body["items"] if i["kind"] == "inspection"]

    [mine] = items(quality)
    assert (mine["id"], mine["number"], mine["due_limit"]) == (
        task.pk,
        task.complaint.number,
        "inspection",
    )
    assert mine["due"].endswith("+08:00")
    assert items(handler) == []
    api_as(quality).post(f"/api/v1/inspections/{task.pk}/score", {"scores": FULL})
    assert items(quality) == []
    [theirs] = items(handler)
    assert (theirs["id"], theirs["due_limit"], theirs["links"]["self"]) == (
        task.pk,
        "appeal",
        f"/api/v1/inspections/{task.pk}",
    )
