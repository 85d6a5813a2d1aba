"""The dashboard (R11.2): figures from a small fixture registered and driven through the real
services and counted by the rebuild, permissions, data scope, drill-down URLs and the number of
queries.

Fixture (all received today, Asia/Shanghai): two billing complaints in Nanjing by hotline — one
closed (58 yuan refund), one open and overdue — and one network complaint in Suzhou by web, open
with more than a day left.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import PASSWORD
from tousu.accounts.models import Department, Region
from tousu.analytics import services
from tousu.analytics.tests.conftest import change
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.core.clock import SHANGHAI
from tousu.resolution.models import HandlingRecord
from tousu.routing.services import complaint_dispatch

URL = "/dashboard/"
# Form choices (3), the user's scope (1), the KPIs with mixes and the department league (their
# roll-up reads: a few per period and dimension), the daily series (1), the backlog (1), the
# table by responsible department (1, and 1 for its staff names when any are named), the
# satisfaction drivers (1, and 1 for a category filter), the panels of the apps above
# analytics — ongoing spike alerts (1, and 1 per dimension they name), the backlog forecast
# (model, open complaints, handler loads: 3), the repair effect (1) and the quality inspection
# scores (2) —, session and user (2). Independent of the number of complaints.
QUERY_CEILING = 53


@pytest.fixture
def book(register: Callable[..., Any], lifecycle: Callable[..., Any], admin_user: Any) -> Any:
    closed = lifecycle("closed", region="nanjing")
    late = register(region="nanjing")
    Complaint.objects.filter(pk=late.pk).update(resolution_due=clock.now() - dt.timedelta(hours=1))
    network = register(
        region="suzhou", channel="web", category="network.coverage", content="家里信号很差"
    )
    if network.department.code != "network":  # routing may already have sent it there
        complaint_dispatch(
            complaint=network,
            actor=admin_user,
            department=Department.objects.get(code="network"),
            handler=None,
            reason="网络问题",
        )
    Complaint.objects.filter(pk=network.pk).update(
        resolution_due=clock.now() + dt.timedelta(days=3)
    )
    services.counts_rebuild()
    return {"closed": closed, "late": late, "network": network}


def login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def charts(response: Any) -> dict[str, Any]:
    html = response.content.decode()
    start = html.index('<script id="dashboard-data" type="application/json">')
    body = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    return json.loads(body)


def query(url: str) -> dict[str, list[str]]:
    parts = urlsplit(url)
    assert parts.path == "/complaints/"
    return parse_qs(parts.query)


@pytest.mark.parametrize("persona", ["supervisor", "dept_head", "quality", "analyst", "admin_user"])
def test_renders_for_permitted_roles(persona: str, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(persona)
    response = login(user).get(URL)
    assert response.status_code == 200
    assert b"echarts.min.js" in response.content


def test_agent_is_refused(agent: Any) -> None:
    assert login(agent).get(URL).status_code == 403


def test_nav_link_only_for_permitted(agent: Any, analyst: Any) -> None:
    assert b'href="/dashboard/"' in login(analyst).get("/complaints/").content
    assert b'href="/dashboard/"' not in login(agent).get("/complaints/").content


def test_figures_of_the_fixture(book: Any, analyst: Any) -> None:
    response = login(analyst).get(URL)
    kpis = response.context["kpis"]
    assert kpis["current"]["volume"] == 3
    assert kpis["current"]["closed"] == 1
    assert kpis["current"]["compensation_total"] == 58.0
    assert kpis["current"]["on_time_rate"] == 1.0
    data = charts(response)
    today = clock.local_today()
    assert data["trend"]["current"][-1] == {
        "value": 3,
        "day": today.isoformat(),
        "url": data["trend"]["current"][-1]["url"],
    }
    assert sum(p["value"] for p in data["trend"]["current"]) == 3
    assert sum(p["value"] for p in data["trend"]["previous"]) == 0
    assert {c["key"]: c["value"] for c in data["channel"]} == {"hotline": 2, "web": 1}
    assert {r["key"]: r["value"] for r in data["region"]} == {"nanjing": 2, "suzhou": 1}
    # 万投比 per region, from the region's customers, on the chart and in the text beside it.
    served = dict(Region.objects.values_list("code", "customers"))
    nanjing = next(r for r in data["region"] if r["key"] == "nanjing")
    assert nanjing["per_10k"] == round(2 * 10_000 / served["nanjing"], 4)
    assert f"万投比 {nanjing['per_10k']:.2f}" in response.content.decode()
    assert {c["key"]: c["value"] for c in data["category"]} == {
        "billing.unexplained_charge": 2,
        "network.coverage": 1,
    }
    assert {b["key"]: b["value"] for b in data["backlog"]} == {
        "overdue": 1,
        "within_4h": 0,
        "within_24h": 0,
        "later": 1,
    }
    league = {row["key"]: row for row in response.context["league"]}
    assert league["billing"]["current"]["volume"] == 2
    assert league["billing"]["current"]["on_time_rate"] == 1.0
    assert league["network"]["current"]["volume"] == 1
    html = response.content.decode()
    assert 'data-kpi="volume"' in html
    assert "58" in html


def test_filters_narrow_the_figures(book: Any, analyst: Any) -> None:
    response = login(analyst).get(URL, {"channel": "web"})
    assert response.context["kpis"]["current"]["volume"] == 1
    assert {b["key"]: b["value"] for b in charts(response)["backlog"]}["later"] == 1


def test_department_supervisor_sees_only_their_department(book: Any, supervisor: Any) -> None:
    response = login(supervisor).get(URL)
    kpis = response.context["kpis"]
    assert kpis["current"]["volume"] == 2
    assert [row["key"] for row in response.context["league"]] == ["billing"]
    data = charts(response)
    assert {r["key"] for r in data["region"]} == {"nanjing"}
    assert {b["key"]: b["value"] for b in data["backlog"]}["later"] == 0
    # The drill-down carries the scope, so the list shows what was counted.
    assert query(data["channel"][0]["url"])["department"] == ["billing"]


def test_drill_down_urls_carry_the_filters(book: Any, analyst: Any) -> None:
    first, last = "2026-01-01", clock.local_today().isoformat()
    response = login(analyst).get(URL, {"from": first, "to": last, "region": "nanjing"})
    data = charts(response)
    day = data["trend"]["current"][-1]
    assert query(day["url"]) == {
        "region": ["nanjing"],
        "received_from": [day["day"]],
        "received_to": [day["day"]],
    }
    channel = query(data["channel"][0]["url"])
    assert channel == {
        "region": ["nanjing"],
        "channel": ["hotline"],
        "received_from": [first],
        "received_to": [last],
    }
    category = query(data["category"][0]["url"])
    assert category["category"] == ["billing.unexplained_charge"]
    assert category["region"] == ["nanjing"]
    row = response.context["league"][0]
    assert query(row["url"])["department"] == ["billing"]
    assert row["url"].replace("&", "&amp;") in response.content.decode()
    overdue = query(next(b for b in data["backlog"] if b["key"] == "overdue")["url"])
    assert overdue == {"region": ["nanjing"], "time_left": ["overdue"]}
    # The drill-down opens a list that holds the clicked complaints.
    listed = login(analyst).get(data["region"][0]["url"])
    assert listed.status_code == 200
    assert book["late"].number in listed.content.decode()


def test_each_backlog_bucket_drills_down_to_exactly_its_complaints(book: Any, analyst: Any) -> None:
    client = login(analyst)
    backlog = charts(client.get(URL))["backlog"]
    assert sum(b["value"] for b in backlog) == 2
    for bucket in backlog:
        listed = client.get(bucket["url"]).context["rows"]
        assert len(listed) == bucket["value"], bucket["key"]
    late = next(b for b in backlog if b["key"] == "overdue")
    assert [c.number for c in client.get(late["url"]).context["rows"]] == [book["late"].number]


def test_period_defaults_and_bad_input(analyst: Any) -> None:
    client = login(analyst)
    response = client.get(URL)
    today = clock.local_today()
    assert (response.context["first"], response.context["last"]) == (
        today - dt.timedelta(days=29),
        today,
    )
    assert len(charts(response)["trend"]["days"]) == 30
    response = client.get(URL, {"from": "2026-05-10", "to": "2026-05-01"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["last"] == today
    response = client.get(URL, {"from": "2026-07-01", "to": "2026-09-30"})
    assert len(charts(response)["trend"]["days"]) == 92


def test_query_ceiling(book: Any, analyst: Any) -> None:
    client = login(analyst)
    with CaptureQueriesContext(connection) as plain:
        assert client.get(URL).status_code == 200
    with CaptureQueriesContext(connection) as filtered:
        params = {"category": "billing", "region": "nanjing", "from": "2026-01-01"}
        assert client.get(URL, params).status_code == 200
    assert len(plain) <= QUERY_CEILING, len(plain)
    assert len(filtered) <= QUERY_CEILING, len(filtered)


def test_league_counts_transfers_out(book: Any, analyst: Any, admin_user: Any) -> None:
    """Transfers are not in the count tables: the league reads them from the routing records."""
    before = {row["key"]: row["transfers"] for row in login(analyst).get(URL).context["league"]}
    complaint_dispatch(
        complaint=Complaint.objects.get(pk=book["late"].pk),
        actor=admin_user,
        department=Department.objects.get(code="network"),
        handler=None,
        reason="不属于计费问题",
    )
    response = login(analyst).get(URL)
    league = {row["key"]: row for row in response.context["league"]}
    assert league["billing"]["transfers"] == before["billing"] + 1
    assert 'data-department="billing"' in response.content.decode()
    filtered = login(analyst).get(URL, {"channel": "web"}).context["league"]
    assert all(row["transfers"] == 0 for row in filtered)


def test_quarterly_report_button_and_download(book: Any, analyst: Any, supervisor: Any) -> None:
    response = login(analyst).get(URL)
    assert b'action="/dashboard/report/"' in response.content
    quarter = response.context["last_quarter"]
    download = login(analyst).get("/dashboard/report/", {"quarter": quarter, "format": "xlsx"})
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{quarter}.xlsx"'
    assert download.content[:2] == b"PK"
    bad = login(analyst).get("/dashboard/report/", {"quarter": "2026Q9", "format": "xlsx"})
    assert bad.status_code == 400
    # A department's supervisor sees their scope only; the report covers every department.
    assert b'action="/dashboard/report/"' not in login(supervisor).get(URL).content
    assert login(supervisor).get("/dashboard/report/", {"quarter": quarter}).status_code == 403


def test_table_by_responsible_department(
    book: Any, analyst: Any, supervisor: Any, handler: Any
) -> None:
    closed = book["closed"]
    network = Department.objects.get(code="network")
    Complaint.objects.filter(pk=closed.pk).update(responsible_department=network)
    HandlingRecord.objects.update_or_create(
        complaint=closed, defaults={"responsible_staff": handler}
    )
    services.counts_rebuild()
    response = login(analyst).get(URL)
    names = response.context["form"].names("department")
    (row,) = response.context["responsible"]["rows"]
    url = row.pop("url")
    assert row == {
        "department": names["network"],
        "staff": str(handler),
        "closed": 1,
        "fcr": 0,
        "fcr_rate": 0.0,
        "compensation_total": 58.0,
    }
    html = response.content.decode()
    assert 'data-table="responsible"' in html
    assert names["network"] in html.split('data-table="responsible"', 1)[1]
    # The row opens the complaints it counts: closed in its months, network responsible.
    assert url.replace("&", "&amp;") in html.split('data-table="responsible"', 1)[1]
    first, last = response.context["responsible"]["days"]
    params = query(url)
    assert params["responsible_department"] == ["network"]
    assert params["status"] == ["closed"]
    assert params["closed_from"] == [first.isoformat()]
    assert params["closed_to"] == [last.isoformat()]
    assert "received_from" not in params
    listed = login(analyst).get(url).context["rows"]
    assert [c.number for c in listed] == [closed.number]
    # The list's own filter by responsible department: billing was responsible for none.
    other = {**params, "responsible_department": ["billing"]}
    assert list(login(analyst).get("/complaints/", other).context["rows"]) == []
    # Scoped by handling department like the rest: billing handled it, network did not.
    assert len(login(supervisor).get(URL).context["responsible"]["rows"]) == 1
    assert login(analyst).get(URL, {"department": "network"}).context["responsible"]["rows"] == []


def test_the_table_by_responsible_department_counts_the_period_of_the_cards(
    lifecycle: Callable[..., Any], analyst: Any
) -> None:
    """One page, one period: the cards said 已结案 67, 一次解决率 0.0 %, 补偿 2,579.8 while
    the table beside them counted the whole months around the period (77, 5.6 %, 2,619.8).
    A complaint closed earlier in the month, resolved at first contact, is outside both."""
    with clock.frozen(dt.datetime(2026, 11, 3, 10, tzinfo=SHANGHAI)):
        earlier = lifecycle("closed")
        change(earlier.pk, first_contact=True)
    with clock.frozen(dt.datetime(2026, 11, 20, 10, tzinfo=SHANGHAI)):
        lifecycle("closed")
    services.counts_rebuild()
    response = login(analyst).get(URL, {"from": "2026-11-11", "to": "2026-11-30"})
    cards = response.context["kpis"]["current"]
    rows = response.context["responsible"]["rows"]
    assert cards["closed"] == sum(r["closed"] for r in rows) == 1
    assert cards["compensation_total"] == sum(r["compensation_total"] for r in rows) == 58.0
    assert cards["first_contact_resolution_rate"] == 0.0
    assert [r["fcr"] for r in rows] == [0]
    assert response.context["responsible"]["days"] == (dt.date(2026, 11, 11), dt.date(2026, 11, 30))
    html = response.content.decode().split('data-table="responsible"', 1)[1]
    assert "2026-11-11" in html
    assert "2026-11-30" in html
    # The earlier month's days count it, in the cards and the table alike.
    whole = login(analyst).get(URL, {"from": "2026-11-01", "to": "2026-11-30"}).context
    rows = whole["responsible"]["rows"]
    assert whole["kpis"]["current"]["closed"] == sum(r["closed"] for r in rows) == 2
    assert whole["kpis"]["current"]["first_contact_resolution_rate"] == 0.5
    assert sum(r["fcr"] for r in rows) == 1


def test_table_by_responsible_department_in_chinese(book: Any, analyst: Any) -> None:
    client = login(analyst)
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "按责任部门" in html
    assert "一次解决数" in html
