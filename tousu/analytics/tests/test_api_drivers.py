"""`GET /api/v1/reports/satisfaction-drivers` (R8.3, API.md): per factor mean, importance,
interval and n, the method, the index; scoped, sliced, and 422 on bad input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tousu.accounts.models import Department, Region, User
from tousu.analytics.models import SatisfactionCount
from tousu.analytics.tests.conftest import satisfaction_plant

URL = "/api/v1/reports/satisfaction-drivers"
Api = Callable[[Any], Any]
FIRST = dt.date(2026, 10, 1)
PERIOD = {"from": "2026-10-01", "to": "2026-10-30"}


@pytest.fixture
def planted(reference: None) -> dict[str, int]:
    billing = Department.objects.get(code="billing").pk
    network = Department.objects.get(code="network").pk
    region = Region.objects.order_by("pk").values_list("pk", flat=True)[0]
    satisfaction_plant(first=FIRST, department=billing, region=region)
    # Network's callbacks: fewer, and their customers care about other things.
    satisfaction_plant(
        first=FIRST, department=network, region=region, per_day=1, weights=(0.1, 0.1, 0.1, 0.7)
    )
    # The previous 30 days: a lower-scoring period for the index's comparison.
    satisfaction_plant(first=FIRST - dt.timedelta(days=30), department=billing, seed=2)
    satisfaction_plant(
        first=FIRST, source="survey", region=region, weights=(0.1, 0.1, 0.1, 0.1, 0.6, 0.3)
    )
    return {"billing": billing, "network": network}


def test_the_planted_importance_order_and_the_shape(
    planted: dict[str, int], api_as: Api, analyst: User
) -> None:
    response = api_as(analyst).get(URL, **PERIOD)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["from"] == "2026-10-01"
    assert body["method"] == "relative_weights"
    assert body["interval_method"] == "grouped_jackknife_days"
    assert body["source"] == "callback"
    assert body["ranked"] is True
    assert body["n"] == 30 * 20 + 30
    assert body["days"] == 30
    factors = body["factors"]
    assert [f["factor"] for f in factors] == ["timeliness", "attitude", "solution", "simplicity"]
    for f in factors:
        assert set(f) >= {"factor", "name", "mean", "importance", "interval", "n", "quadrant"}
        assert 1 <= f["mean"] <= 5
        low, high = f["interval"]
        assert 0 <= low <= f["importance"] <= high <= 1
        assert f["n"] == body["n"]
    assert factors[0]["quadrant"] in {"strength", "fix"}
    index = body["index"]
    assert 0 <= index["value"] <= 100
    assert index["previous"] is not None
    assert index["change"] == pytest.approx(index["value"] - index["previous"], abs=0.11)
    assert body["previous"] == {"from": "2026-09-01", "to": "2026-09-30", "n": 600}


def test_a_slice_and_a_department_scope(
    planted: dict[str, int], api_as: Api, analyst: User, supervisor: User, make_user: Any
) -> None:
    sliced = api_as(analyst).get(URL, department="network", **PERIOD).json()
    assert sliced["n"] == 30
    assert sliced["factors"][0]["factor"] == "simplicity"
    # A billing supervisor sees billing's callbacks only, whatever they ask for.
    mine = api_as(supervisor).get(URL, **PERIOD).json()
    assert mine["n"] == 600
    assert api_as(supervisor).get(URL, department="network", **PERIOD).json()["n"] == 0
    outsider = make_user("net_sup", "supervisor", department="network")
    assert api_as(outsider).get(URL, **PERIOD).json()["n"] == 30


def test_sources(planted: dict[str, int], api_as: Api, analyst: User) -> None:
    surveys = api_as(analyst).get(URL, source="survey", **PERIOD).json()
    assert surveys["n"] == 600
    # The surveys ask six factors; network and tariff lead, as planted.
    assert [f["factor"] for f in surveys["factors"][:2]] == ["network", "tariff"]
    both = api_as(analyst).get(URL, source="both", **PERIOD).json()
    assert both["n"] == 600 + 630
    assert {f["factor"] for f in both["factors"]} == {
        "timeliness", "attitude", "solution", "simplicity",
    }  # fmt: skip


def test_too_few_answers_are_not_ranked(reference: None, api_as: Api, analyst: User) -> None:
    satisfaction_plant(first=FIRST, days=2, per_day=5)
    body = api_as(analyst).get(URL, **PERIOD).json()
    assert body["n"] == 10
    assert body["ranked"] is False
    assert body["reason"] == "too_few"
    assert "30" in body["reason_text"]
    assert all(f["importance"] is None and f["mean"] is not None for f in body["factors"])


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"from": "2026-10-01"},
        {"from": "yesterday", "to": "2026-10-30"},
        {"from": "2026-10-30", "to": "2026-10-01"},
        {"from": "2024-01-01", "to": "2026-10-30"},
        {**PERIOD, "source": "twitter"},
    ],
)
def test_bad_input_is_422(
    params: dict[str, str], reference: None, api_as: Api, analyst: User
) -> None:
    response = api_as(analyst).get(URL, **params)
    assert response.status_code == 422, response.content
    assert response.json()["error"]
    assert not SatisfactionCount.objects.exists()


def test_roles_without_the_dashboard_are_refused(reference: None, api_as: Api, agent: User) -> None:
    assert api_as(agent).get(URL, **PERIOD).status_code == 403
    assert api_as(None).get(URL, **PERIOD).status_code == 401
