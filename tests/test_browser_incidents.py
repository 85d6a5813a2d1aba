"""An alert becomes an incident whose statement reaches every child in one action (issue 15,
R10.4), in a real Chromium at 1366×768: the supervisor creates the incident from the alert
(its complaints taken in), writes the statement; the administrator approves it; the supervisor
sends it to every open complaint, confirming how many it reaches, and sees the result.

Kept in its own module: see `tests.browser.chromium_browser` on Playwright's event loop.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.browser import PASSWORD, inside, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATEMENT = "苏州工业园区部分区域光缆被挖断，宽带基站故障，抢修人员已在现场，预计今晚恢复。"


def test_an_alert_becomes_an_incident_whose_statement_reaches_every_child(
    browser_page: Any, live_server: Any, page_problems: list[str], chromium_browser: Any
) -> None:
    from tousu.accounts.services import user_create
    from tousu.complaints.models import ComplaintEvent
    from tousu.core import clock
    from tousu.early_warning.models import Alert, Incident
    from tousu.intake.services import Registration, complaint_register
    from tousu.setup.services import reference_data_load

    reference_data_load()
    agent = user_create(
        username="wang", role="agent", password=PASSWORD, department="customer_service"
    )
    user_create(username="lin", role="supervisor", password=PASSWORD, department="customer_service")
    user_create(username="xu", role="admin", password=PASSWORD, department="complaint_office")
    calls = [
        complaint_register(
            registration=Registration(
                channel="hotline",
                content=f"工业园区宽带断网，光猫红灯闪（第{n}户）",
                customer_phone=f"1391000{n:04d}",
                region="suzhou",
                category="network.broadband_outage",
            ),
            actor=agent,
        )
        for n in range(4)
    ]
    now = clock.now()
    alert = Alert.objects.create(
        kind="spike",
        slice=[["category", str(calls[0].category_id)], ["region", str(calls[0].region_id)]],
        slice_key="outage",
        window="hour",
        observed=4,
        expected=0.4,
        z=5.0,
        window_start=now - dt.timedelta(hours=1),
        detected_at=now,
        last_seen_at=now,
        terms=[{"term": "断网", "docs": 4}],
        examples=[calls[0].number],
    )
    page, base = browser_page, live_server.url

    log_in(page, base, "lin")
    page.goto(f"{base}/alerts/")
    page.locator(f"tr[data-alert='{alert.pk}'] a[href*='/incidents/new/']").click()
    form = page.locator("form.incident-new")
    # The four it would take in, named; lin (customer service) may not open the broadband
    # department's complaints, so they are not links to a page that would answer 404.
    assert len(page.locator(".incident-candidates span[title]").all()) == 4
    assert page.locator(".incident-candidates a").all() == []
    form.locator("select[name=level]").select_option("major")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-panel=children]")
    incident = Incident.objects.get()
    assert incident.links.count() == 4
    assert len(page.locator("tr[data-child]").all()) == 4

    page.locator("[data-panel=statements] summary").click()
    page.locator("[data-panel=statements] textarea[name=text]").fill(STATEMENT)
    page.locator("[data-panel=statements] button[type=submit]").click()
    page.wait_for_selector("li[data-version='1']")

    log_in(page, base, "xu")
    page.goto(f"{base}/incidents/{incident.pk}/")
    page.locator("li[data-version='1'] button[type=submit]").click()
    page.wait_for_selector("[data-panel=statement] .prose")

    log_in(page, base, "lin")
    page.goto(f"{base}/incidents/{incident.pk}/")
    reply = page.locator("details.reply-all")
    reply.locator("summary").click()
    assert "4 条未结投诉" in reply.locator(".confirm").inner_text()
    send = reply.locator("button[type=submit]")
    assert inside(send.bounding_box(), 1366, 768)
    send.click()
    page.wait_for_selector(".action-result")
    assert "已应用 4 条，跳过 0 条" in page.locator(".action-result").inner_text()
    for call in calls:
        replies = ComplaintEvent.objects.filter(complaint=call, type="progress_reply")
        assert [e.data["reply"] for e in replies] == [STATEMENT]
    # The complaint page shows the incident and the statement in force (to whoever sees it).
    log_in(page, base, "xu")
    page.goto(f"{base}/complaints/{calls[1].number}/")
    assert STATEMENT in page.locator("[data-panel=incident]").inner_text()
    assert page_problems == []
