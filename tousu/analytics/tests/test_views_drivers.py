"""The dashboard's satisfaction drivers (R8.3): the importance × performance chart's data, the
factor table, the index, the source switch, and the refusal when there is too little."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from conftest import PASSWORD
from tousu.accounts.models import Department
from tousu.analytics.tests.conftest import satisfaction_plant
from tousu.analytics.tests.test_views_dashboard import charts
from tousu.core import clock

URL = "/dashboard/"


def login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_quadrant_chart_and_the_factor_table(reference: None, analyst: Any) -> None:
    today = clock.local_today()
    billing = Department.objects.get(code="billing").pk
    satisfaction_plant(first=today - dt.timedelta(days=29), department=billing)
    response = login(analyst).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-chart="drivers"' in html
    chart = charts(response)["drivers"]
    names = [p["name"] for p in chart["points"]]
    assert names[0] == "及时性"  # the planted leader, in Chinese by default
    assert chart["x_mid"] == 0.25
    assert set(chart["quadrants"].values()) == {"优势区", "修补区", "机会区", "维持区"}
    assert {p["quadrant"] for p in chart["points"]} <= {
        "strength",
        "fix",
        "opportunity",
        "maintain",
    }
    for factor in ("timeliness", "attitude", "solution", "simplicity"):
        assert f'data-factor="{factor}"' in html
    drivers = response.context["drivers"]
    assert drivers["n"] == 600
    assert 'data-kpi="satisfaction_index"' in html
    assert f">{drivers['index']['value']}<" in html.replace("</strong>", "<")


def test_the_source_switch_and_the_refusal(reference: None, analyst: Any) -> None:
    today = clock.local_today()
    satisfaction_plant(first=today - dt.timedelta(days=1), days=2, per_day=5, source="survey")
    client = login(analyst)
    callbacks = client.get(URL)
    assert 'data-drivers-refused="no_data"' in callbacks.content.decode()
    assert charts(callbacks)["drivers"] is None
    links = [s for s in callbacks.context["driver_sources"] if s[0] == "survey"]
    surveys = client.get(links[0][2])
    html = surveys.content.decode()
    assert 'data-drivers-refused="too_few"' in html
    assert 'data-source="survey" aria-current="true"' in html
    # The period and slice filters keep the source chosen.
    assert '<input type="hidden" name="source" value="survey">' in html
    assert surveys.context["drivers"]["n"] == 10
    assert "30" in surveys.context["drivers"]["reason_text"]


def test_english(reference: None, analyst: Any) -> None:
    client = login(analyst)
    client.cookies["django_language"] = "en"
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "What drives satisfaction" in html
