"""`GET /api/v1/stats/kpis`: volumes for a period and the previous one, grouped, scoped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tousu.accounts.models import Department, User
from tousu.complaints.models import Complaint
from tousu.config import jobs
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.routing.services import complaint_dispatch

URL = "/api/v1/stats/kpis"
Api = Callable[[Any], Any]
FIGURES = {
    "volume",
    "on_time_rate",
    "avg_handling_hours",
    "satisfaction_rate",
    "repeat_rate",
    "escalation_rate",
    "compensation_total",
    "per_10k_customers",
}


def at(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def history(register: Callable[..., Complaint]) -> None:
    """Period 2026-11-11…11-20 (10 days) against 11-01…11-10.

    current:  hotline ×3 (00:30 on the 11th, the 15th, 23:30 on the 20th), web ×1,
              regulator ×1 (another customer; the complaint office forwards it to network)
    previous: hotline ×1, email ×1 (23:30 on the 10th, just before the period)
    outside:  hotline on 10-31 and at 00:30 on 11-21
    """
    half_past = dt.timedelta(minutes=30)
    with clock.frozen(dt.datetime(2026, 11, 22, 9, tzinfo=SHANGHAI)):
        register(received_at=at(11, 0) + half_past)
        register(received_at=at(15))
        register(received_at=at(20, 23) + half_past)
        register(channel="web", received_at=at(18))
        referral = register(
            channel="regulator",
            category="network.coverage",
            content="小区没有信号，已向工信部申诉",
            customer_phone="13900139000",
            received_at=at(19),
        )
        complaint_dispatch(
            complaint=referral,
            actor=None,
            department=Department.objects.get(code="network"),
            reason="工信部转办：信号覆盖问题，转网络部门核查",
        )
        register(received_at=at(3))
        register(channel="email", received_at=at(10, 23) + half_past)
        register(received_at=dt.datetime(2026, 10, 31, 12, tzinfo=SHANGHAI))
        register(received_at=at(21, 0) + half_past)
        # The figures come from the count tables (D11), which the every-minute job fills.
        jobs.run("analytics.fill")


def kpis(client: Any, **params: str) -> dict[str, Any]:
    response = client.get(URL, **params)
    assert response.status_code == 200, response.content
    return response.json()


def test_volumes_for_the_period_and_the_previous_one(
    api_as: Api, analyst: User, history: None
) -> None:
    body = kpis(api_as(analyst), **{"from": "2026-11-11", "to": "2026-11-20"})
    assert body["from"] == "2026-11-11"
    assert body["to"] == "2026-11-20"
    assert set(body["current"]) >= FIGURES
    assert set(body["previous"]) >= FIGURES
    assert body["current"]["volume"] == 5
    assert body["previous"]["volume"] == 2
    assert body["change"]["volume"] == 1.5
    assert "groups" not in body or body["groups"] is None


def test_group_by_channel(api_as: Api, analyst: User, history: None) -> None:
    body = kpis(api_as(analyst), **{"from": "2026-11-11", "to": "2026-11-20"}, group_by="channel")
    assert body["group_by"] == "channel"
    groups = {g["key"]: g for g in body["groups"]}
    assert set(groups) == {"hotline", "web", "regulator", "email"}
    assert {k: (g["current"]["volume"], g["previous"]["volume"]) for k, g in groups.items()} == {
        "hotline": (3, 1),
        "web": (1, 0),
        "regulator": (1, 0),
        "email": (0, 1),
    }
    assert body["groups"][0]["key"] == "hotline"  # largest first
    assert sum(g["current"]["volume"] for g in body["groups"]) == body["current"]["volume"]


def test_group_by_department(api_as: Api, analyst: User, history: None) -> None:
    body = kpis(
        api_as(analyst), **{"from": "2026-11-11", "to": "2026-11-20"}, group_by="department"
    )
    groups = {g["key"]: g for g in body["groups"]}
    assert groups["billing"]["current"]["volume"] == 4
    assert groups["billing"]["name"] == "计费中心"
    assert groups["network"]["current"]["volume"] == 1


def test_one_day_compares_with_the_day_before(api_as: Api, analyst: User, history: None) -> None:
    body = kpis(api_as(analyst), **{"from": "2026-11-11", "to": "2026-11-11"})
    assert body["current"]["volume"] == 1
    assert body["previous"]["volume"] == 1
    assert body["change"]["volume"] == 0


def test_no_previous_volume_means_no_change_figure(
    api_as: Api, analyst: User, history: None
) -> None:
    body = kpis(api_as(analyst), **{"from": "2026-10-01", "to": "2026-10-31"})
    assert body["current"]["volume"] == 1
    assert body["previous"]["volume"] == 0
    assert body["change"]["volume"] is None


def test_figures_are_scoped_to_what_the_user_may_see(
    api_as: Api, make_user: Callable[..., User], history: None
) -> None:
    network_supervisor = make_user("network_supervisor", "supervisor", department="network")
    body = kpis(api_as(network_supervisor), **{"from": "2026-11-11", "to": "2026-11-20"})
    assert body["current"]["volume"] == 1  # the network complaint only
    assert body["previous"]["volume"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "from"),
        ({"from": "2026-11-01"}, "to"),
        ({"to": "2026-11-01"}, "from"),
        ({"from": "2026-13-01", "to": "2026-12-01"}, "from"),
        ({"from": "2026-11-01", "to": "30.11.2026"}, "to"),
        ({"from": "yesterday", "to": "today"}, "from"),
        ({"from": "2026-11-20", "to": "2026-11-01"}, "to"),
        ({"from": "2026-11-01", "to": "2026-11-30", "group_by": "colour"}, "group_by"),
    ],
)
def test_bad_parameters_are_422(
    api_as: Api, analyst: User, params: dict[str, str], field: str
) -> None:
    response = api_as(analyst).get(URL, **params)
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]


@pytest.mark.parametrize("role", ["agent", "handler"])
def test_kpis_follow_the_dashboard_permission(
    api_as: Api, make_user: Callable[..., User], role: str
) -> None:
    """The front line and handlers do not open the dashboard; its figures are refused to them
    through the API too (issue 11)."""
    user = make_user(f"kpi_{role}", role)
    response = api_as(user).get(URL, **{"from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_kpis_need_a_token(api_as: Api, db: None) -> None:
    response = api_as(None).get(URL, **{"from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_filters_and_the_additional_figures(api_as: Api, analyst: User, history: None) -> None:
    body = kpis(api_as(analyst), **{"from": "2026-11-11", "to": "2026-11-20"}, channel="hotline")
    assert body["current"]["volume"] == 3
    assert body["previous"]["volume"] == 1
    assert body["current"]["first_response_on_time_rate"] is None  # nobody accepted yet
    assert body["current"]["closed"] == 0
    assert body["current"]["per_10k_customers"] is not None
    assert [e["key"] for e in body["mix"]["channel"]] == ["hotline"]
    by_category = kpis(
        api_as(analyst), **{"from": "2026-11-11", "to": "2026-11-20"}, category="network"
    )
    assert by_category["current"]["volume"] == 1  # network.coverage, under network
    by_department = kpis(
        api_as(analyst), **{"from": "2026-11-11", "to": "2026-11-20"}, department="network"
    )
    assert by_department["current"]["volume"] == 1


def test_the_number_of_queries_does_not_grow_with_the_data(
    api_as: Api, analyst: User, history: None, django_assert_max_num_queries: Any
) -> None:
    # Totals, 4 mixes and the groups, each for both periods, plus the token and the names:
    # bounded by the shape of the period (at most 3 grains each), not by the data.
    client = api_as(analyst)
    with django_assert_max_num_queries(20):
        kpis(client, **{"from": "2026-11-11", "to": "2026-11-20"}, group_by="region")


# ---- GET /api/v1/stats/responsible ------------------------------------------------------------

RESPONSIBLE = "/api/v1/stats/responsible"


@pytest.fixture
def closed_by_billing(lifecycle: Callable[..., Complaint]) -> Complaint:
    """One complaint closed on 2026-11-20, billing confirmed responsible, a 58 yuan refund."""
    with clock.frozen(dt.datetime(2026, 11, 20, 10, tzinfo=SHANGHAI)):
        closed = lifecycle("closed")
        jobs.run("analytics.fill")
    return closed


def test_responsible_departments_figures_for_the_days_of_the_period(
    api_as: Api, analyst: User, closed_by_billing: Complaint
) -> None:
    response = api_as(analyst).get(RESPONSIBLE, **{"from": "2026-11-11", "to": "2026-11-20"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["days"] == ["2026-11-11", "2026-11-20"]
    assert body["months"] == ["2026-11-01", "2026-11-01"]  # kept for earlier clients
    assert body["rows"] == [
        {
            "department": "billing",
            "staff": None,
            "closed": 1,
            "fcr": 0,
            "fcr_rate": 0.0,
            "compensation_total": 58.0,
        }
    ]
    # Another month, days of the same month outside the period, or a slice by another
    # handling department, count nothing.
    october = api_as(analyst).get(RESPONSIBLE, **{"from": "2026-10-01", "to": "2026-10-31"})
    assert october.json()["rows"] == []
    later = api_as(analyst).get(RESPONSIBLE, **{"from": "2026-11-21", "to": "2026-11-30"})
    assert later.json()["rows"] == []
    network = api_as(analyst).get(
        RESPONSIBLE, **{"from": "2026-11-01", "to": "2026-11-30"}, department="network"
    )
    assert network.json()["rows"] == []


def test_responsible_figures_are_scoped_and_follow_the_dashboard_permission(
    api_as: Api, make_user: Callable[..., User], closed_by_billing: Complaint
) -> None:
    period = {"from": "2026-11-01", "to": "2026-11-30"}
    network_supervisor = make_user("network_supervisor", "supervisor", department="network")
    assert api_as(network_supervisor).get(RESPONSIBLE, **period).json()["rows"] == []
    agent = make_user("stats_agent", "agent")
    response = api_as(agent).get(RESPONSIBLE, **period)
    assert response.status_code == 403
    assert api_as(network_supervisor).get(RESPONSIBLE, to="2026-11-30").status_code == 422
