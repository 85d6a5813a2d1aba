"""The alerts on the API, the alerts page and the dashboard: who may see them, what they say."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tousu.accounts.models import Region
from tousu.classification.models import Category
from tousu.core import clock
from tousu.early_warning.models import Alert

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerts(reference: None) -> list[Alert]:
    outage = Category.objects.get(code="network.broadband_outage")
    region = Region.objects.order_by("code").first()
    assert region is not None
    now = clock.now()
    live = Alert.objects.create(
        kind="spike",
        slice=[["category", str(outage.pk)], ["region", str(region.pk)]],
        slice_key=f"category={outage.pk},region={region.pk}",
        window="hour",
        observed=23,
        expected=1.6,
        z=7.2,
        window_start=now - dt.timedelta(hours=1),
        detected_at=now,
        last_seen_at=now,
        peak_day=31,
        terms=[{"term": "断网", "docs": 20}, {"term": "光猫", "docs": 12}],
        examples=["TS202611180001"],
    )
    past = Alert.objects.create(
        kind="spike",
        slice=[],
        slice_key="",
        window="day",
        observed=300,
        expected=120.0,
        z=9.0,
        window_start=now - dt.timedelta(days=5),
        detected_at=now - dt.timedelta(days=4),
        last_seen_at=now - dt.timedelta(days=3),
        ended_at=now - dt.timedelta(days=3),
        terms=[],
        examples=[],
    )
    return [live, past]


def test_the_api_lists_alerts_by_code_and_name(
    api_as: Callable[[Any], Any], analyst: Any, alerts: list[Alert]
) -> None:
    today = clock.local_today()
    body = (
        api_as(analyst).get(f"/api/v1/alerts?from={today - dt.timedelta(days=7)}&to={today}").json()
    )
    assert body["count"] == 2
    live = body["items"][0]
    region = Region.objects.order_by("code").first()
    assert region is not None
    assert live["slice"] == {"category": "network.broadband_outage", "region": region.code}
    assert live["label"] == f"宽带故障 · {region.name}"
    assert live["ongoing"] is True
    assert live["terms"] == ["断网", "光猫"]
    assert live["detected_at"].endswith("+08:00")
    assert body["items"][1]["label"] == "全部投诉"
    assert body["items"][1]["ongoing"] is False
    assert (body["page"], body["page_size"]) == (1, 50)


def test_the_api_pages_alerts_as_every_list(
    api_as: Callable[[Any], Any], analyst: Any, alerts: list[Alert]
) -> None:
    """API.md's list convention: ?page=&page_size= (at most 200), the count of them all."""
    today = clock.local_today()
    period = f"from={today - dt.timedelta(days=7)}&to={today}"
    pages = [
        api_as(analyst).get(f"/api/v1/alerts?{period}&page={n}&page_size=1").json()
        for n in (1, 2, 3)
    ]
    assert [p["count"] for p in pages] == [2, 2, 2]
    assert [[i["id"] for i in p["items"]] for p in pages] == [[alerts[0].pk], [alerts[1].pk], []]
    too_many = api_as(analyst).get(f"/api/v1/alerts?{period}&page_size=201")
    assert too_many.status_code == 422
    assert "page_size" in too_many.json()["error"]["fields"]


def test_the_api_refuses_bad_periods_and_other_roles(
    api_as: Callable[[Any], Any], analyst: Any, handler: Any, alerts: list[Alert]
) -> None:
    assert api_as(analyst).get("/api/v1/alerts?from=2026-12-01").status_code == 422
    assert api_as(analyst).get("/api/v1/alerts?from=2026-12-05&to=2026-12-01").status_code == 422
    assert (
        api_as(analyst).get("/api/v1/alerts?from=2026-12-01&to=2026-12-05&kind=x").status_code
        == 422
    )
    assert api_as(handler).get("/api/v1/alerts?from=2026-12-01&to=2026-12-05").status_code == 403


def test_the_alerts_page_and_the_dashboard_show_the_ongoing_spike(
    client: Client, supervisor: Any, alerts: list[Alert]
) -> None:
    client.force_login(supervisor)
    page = client.get("/alerts/").content.decode()
    assert "宽带故障" in page
    assert "断网" in page
    assert "全部投诉" in page
    assert "received_from=" in page
    assert "q=%E6%96%AD%E7%BD%91" in page
    dashboard = client.get("/dashboard/").content.decode()
    assert 'data-panel="alerts"' in dashboard
    assert "断网" in dashboard
    assert "全部投诉" not in dashboard  # ended alerts stay on the alerts page


def test_taking_an_alert_on_says_who(client: Client, supervisor: Any, alerts: list[Alert]) -> None:
    client.force_login(supervisor)
    response = client.post(f"/alerts/{alerts[0].pk}/acknowledge/", follow=True)
    assert str(supervisor) in response.content.decode()
    alerts[0].refresh_from_db()
    assert alerts[0].acknowledged_by == supervisor
    again = client.post(f"/alerts/{alerts[0].pk}/acknowledge/", follow=True)
    assert "该预警已被认领" in again.content.decode()  # the refusal, in Chinese


def test_handlers_see_no_alerts(client: Client, handler: Any, alerts: list[Alert]) -> None:
    client.force_login(handler)
    assert client.get("/alerts/").status_code == 403
    assert "/alerts/" not in client.get("/queue/").content.decode()
