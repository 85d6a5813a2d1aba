"""`/api/v1/capa…`: open, list, actions, verify; bad input and permissions change nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.quality.models import CorrectiveAction

pytestmark = pytest.mark.django_db


def body(**extra: Any) -> dict[str, Any]:
    today = clock.local_today()
    return {
        "title": "不明扣费投诉上升",
        "source": "term",
        "source_ref": "扣费",
        "category": "billing",
        "root_cause": "增值业务订购未二次确认",
        "due_on": (today + dt.timedelta(days=20)).isoformat(),
        "actions": [
            {
                "title": "恢复二次确认短信",
                "owner": "handler",
                "due_on": (today + dt.timedelta(days=7)).isoformat(),
            },
        ],
        **extra,
    }


def test_open_list_act_and_verify_too_early(
    api_as: Callable[[Any], Any], quality: Any, handler: Any, register: Callable[..., Any]
) -> None:
    complaint = register()
    client = api_as(quality)
    created = client.post("/api/v1/capa", body(complaints=[complaint.number]))
    assert created.status_code == 201, created.content
    capa = created.json()
    assert capa["status"] == "open"
    assert capa["complaints"] == [complaint.number]
    assert capa["slice"]["category"] == "billing"
    assert capa["owner"] == "quality"

    listed = api_as(handler).get("/api/v1/capa", status="active").json()
    assert [c["id"] for c in listed["items"]] == [capa["id"]]  # they hold an action of it

    action = capa["actions"][0]["id"]
    done = api_as(handler).post(f"/api/v1/capa/{capa['id']}/actions/{action}/done", {"note": "ok"})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "actions_done"
    verifiable = dt.date.fromisoformat(done.json()["verifiable_on"])
    assert verifiable == clock.local_today() + dt.timedelta(days=31)

    early = client.post(f"/api/v1/capa/{capa['id']}/verify")
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "invalid_transition"
    assert CorrectiveAction.objects.get().status == "actions_done"

    later = dt.datetime.combine(verifiable, dt.time(9), tzinfo=SHANGHAI)
    with clock.frozen(later):
        verified = client.post(f"/api/v1/capa/{capa['id']}/verify")
    assert verified.status_code == 200, verified.content
    effect = verified.json()["effectiveness"]
    assert effect["verdict"] == "no_data"  # nothing in the count tables here
    assert verified.json()["status"] == "closed_not_effective"
    assert effect["text"]


def test_bad_input_and_roles(
    api_as: Callable[[Any], Any], quality: Any, handler: Any, agent: Any, outsider: Any
) -> None:
    client = api_as(quality)
    bad = client.post("/api/v1/capa", body(category="nope", owner="ghost", complaints=["TS1"]))
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {"category", "owner", "complaints"}
    past = client.post("/api/v1/capa", body(due_on="2000-01-01"))
    assert past.status_code == 422
    assert list(past.json()["error"]["fields"]) == ["due_on"]
    assert api_as(agent).post("/api/v1/capa", body()).status_code == 403
    assert not CorrectiveAction.objects.exists()

    capa = client.post("/api/v1/capa", body()).json()
    # An outsider holds no action of it and reads no dashboard: not found.
    assert api_as(outsider).get(f"/api/v1/capa/{capa['id']}").status_code == 404
    assert api_as(outsider).get("/api/v1/capa").json()["count"] == 0
    assert client.get("/api/v1/capa", status="bogus").status_code == 422
