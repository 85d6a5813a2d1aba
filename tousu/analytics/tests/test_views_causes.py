"""The root-cause page of the dashboard (R11.4): the words of the period's complaints, rising
against the previous period, with examples — within the reader's data scope.

Fixture: this period, three billing complaints about broadband outages (断网) and one network
complaint about a base station (基站); the period before, two billing complaints about roaming
charges (漫游).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tousu.accounts.models import Department
from tousu.analytics import services
from tousu.analytics.tests.test_views_dashboard import login
from tousu.complaints.models import Complaint
from tousu.core import clock
from tousu.routing.services import complaint_dispatch

URL = "/dashboard/causes/"


@pytest.fixture
def texts(register: Callable[..., Any], admin_user: Any) -> dict[str, Any]:
    outages = [
        register(content=text)
        for text in (
            "家里宽带晚上经常断网，要求尽快修好",
            "宽带断网三天了没人管，话费照扣",
            "这周宽带断网好几次，根本用不了",
        )
    ]
    station = register(category="network.coverage", content="小区基站信号很差，电话打不出去")
    if station.department.code != "network":
        complaint_dispatch(
            complaint=station,
            actor=admin_user,
            department=Department.objects.get(code="network"),
            handler=None,
            reason="网络问题",
        )
    before = clock.now() - dt.timedelta(days=40)
    roaming = [
        register(content=text, received_at=before)
        for text in ("国际漫游费太贵了，要求退还", "漫游流量被多收了钱")
    ]
    services.counts_rebuild()
    return {"outages": outages, "station": station, "roaming": roaming}


def rising(response: Any) -> dict[str, dict[str, Any]]:
    return {r["term"]: r for r in response.context["terms"]["rising"]}


def test_rising_words_with_examples_that_open_their_complaints(
    texts: dict[str, Any], analyst: Any
) -> None:
    client = login(analyst)
    response = client.get(URL)
    assert response.status_code == 200
    terms = response.context["terms"]
    assert (terms["sample"], terms["total"]) == (4, 4)
    assert (terms["previous_sample"], terms["previous_total"]) == (2, 2)
    word = rising(response)["断网"]
    assert word["docs"] == 3
    assert word["previous_share"] == 0.0
    outages = {c.number for c in texts["outages"]}
    assert word["examples"]
    assert set(word["examples"]) <= outages
    html = response.content.decode()
    for number in word["examples"]:
        assert f'href="/complaints/{number}/"' in html
    # The word opens the list searched for it over the same period: the complaints using it.
    parts = urlsplit(word["url"])
    assert parts.path == "/complaints/"
    params = parse_qs(parts.query)
    assert params["q"] == ["断网"]
    assert set(params) == {"q", "received_from", "received_to"}
    listed = {c.number for c in client.get(word["url"]).context["rows"]}
    assert listed == outages


def test_words_of_the_previous_period_are_not_rising(texts: dict[str, Any], analyst: Any) -> None:
    assert "漫游" not in rising(login(analyst).get(URL))
    # Over the earlier month the roaming complaints are the period's own words.
    first = (clock.local_today() - dt.timedelta(days=45)).isoformat()
    last = (clock.local_today() - dt.timedelta(days=31)).isoformat()
    response = login(analyst).get(URL, {"from": first, "to": last})
    top = {w["term"]: w["docs"] for w in response.context["terms"]["top"]}
    assert top["漫游"] == 2
    assert "断网" not in top


def test_a_department_supervisor_sees_only_words_and_examples_of_their_scope(
    texts: dict[str, Any], supervisor: Any, analyst: Any
) -> None:
    station = texts["station"].number
    everyone = login(analyst).get(URL).content.decode()
    assert "基站" in everyone
    response = login(supervisor).get(URL)  # billing
    assert response.context["terms"]["total"] == 3
    html = response.content.decode()
    assert "基站" not in html
    assert station not in html


def test_the_slice_narrows_the_words(texts: dict[str, Any], analyst: Any) -> None:
    response = login(analyst).get(URL, {"department": "network"})
    assert response.context["terms"]["total"] == 1
    top = {w["term"] for w in response.context["terms"]["top"]}
    assert "基站" in top
    assert "断网" not in top
    url = response.context["terms"]["top"][0]["url"]
    assert parse_qs(urlsplit(url).query)["department"] == ["network"]


def test_bad_dates_show_an_error_and_the_default_period(
    texts: dict[str, Any], analyst: Any
) -> None:
    response = login(analyst).get(URL, {"from": "2026-05-10", "to": "2026-05-01"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["last"] == clock.local_today()


def test_agents_are_refused(agent: Any) -> None:
    assert login(agent).get(URL).status_code == 403


def test_the_dashboard_links_to_it_with_its_period_and_slice(
    texts: dict[str, Any], analyst: Any
) -> None:
    response = login(analyst).get("/dashboard/", {"region": "nanjing"})
    url = response.context["causes_url"]
    parts = urlsplit(url)
    assert parts.path == URL
    assert parse_qs(parts.query)["region"] == ["nanjing"]
    assert url.replace("&", "&amp;") in response.content.decode()
    assert Complaint.objects.count() == 6


def test_filler_words_stay_out_of_the_top_words_and_topics_link_to_their_complaints(
    register: Callable[..., Any], analyst: Any
) -> None:
    """A demo-like period: complaints written as customers write them, full of greetings and
    filler, about broadband outages and unexplained charges."""
    for text in (
        "你好，我要投诉，就是家里宽带一直断网，麻烦尽快处理一下",
        "您好，请问宽带断网什么时候能修好，谢谢",
        "我要投诉，宽带断网三天了，就是没人来修",
        "麻烦查一下，这个月话费莫名扣费20元，我要退款",
        "你好，就是话费又莫名扣费了，怎么回事",
        "请问为什么莫名扣费，我要求退还",
    ):
        register(content=text)
    services.counts_rebuild()
    response = login(analyst).get(URL)
    terms = response.context["terms"]
    top = [w["term"] for w in terms["top"]]
    assert not set(top) & {"你好", "您好", "我要", "就是", "麻烦", "请问", "一下", "谢谢"}
    assert {"断网", "扣费"} <= set(top[:6]), top
    topics = {t["term"]: t for t in terms["topics"]}
    assert len(topics) == 2
    outage = next(t for t in terms["topics"] if "断网" in t["label"])
    assert outage["docs"] == 3
    html = response.content.decode()
    assert outage["label"] in html
    listed = {c.number for c in login(analyst).get(outage["url"]).context["rows"]}
    assert set(outage["examples"]) <= listed
