"""The dashboard in a real Chromium (Debian's): a billing supervisor opens it, ECharts draws the
charts on canvases, and a row of the department league opens the complaint list with the
dashboard's filters. Then the other main pages, none of which breaks the Content-Security-Policy.

Kept in its own module: see `tests.browser.chromium_browser` on Playwright's event loop.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_reads_the_dashboard_and_drills_down(
    browser_page: Any, live_server: Any, page_problems: list[str]
) -> None:
    from tousu.accounts.services import user_create
    from tousu.analytics.services import counts_rebuild
    from tousu.intake.services import Registration, complaint_register
    from tousu.setup.services import reference_data_load

    reference_data_load()
    user_create(username="boss", role="supervisor", password=PASSWORD, department="billing")
    complaint = complaint_register(
        registration=Registration(
            channel="hotline",
            content="上个月话费无故多扣了58元，客服说查不到原因",
            customer_phone="13800138000",
            customer_name="张三",
            category="billing.unexplained_charge",
            region="nanjing",
        ),
        actor=None,
    )
    counts_rebuild()
    page, base = browser_page, live_server.url

    log_in(page, base, "boss")

    page.click("nav.nav a[href='/dashboard/']")
    page.wait_for_url(f"{base}/dashboard/")
    # ECharts has drawn every chart on a canvas.
    page.wait_for_selector("[data-chart='trend'][data-rendered='true'] canvas")
    assert page.locator(".chart canvas").count() == 5
    # ECharts' tooltip on hover stays within the Content-Security-Policy too (its HTML
    # tooltips would not: their markup has style attributes). It shows on the next frames.
    page.locator("[data-chart='trend']").hover()
    page.wait_for_timeout(300)
    assert page_problems == []
    assert "万投比" in page.locator("[data-region='nanjing']").inner_text()
    assert page.locator("[data-kpi='volume'] .kpi-value").inner_text() == "1"

    page.click("table.league tr[data-department='billing'] a")
    page.wait_for_url(re.compile(r"/complaints/\?"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["department"] == ["billing"]
    assert set(query) == {"department", "received_from", "received_to"}
    assert complaint.number in page.content()

    # The Content-Security-Policy holds on the other main pages: every page of the menu, the
    # complaint's, the customer's (revealing the phone number through HTMX), the public ones.
    menu = page.locator("nav.nav a").evaluate_all("links => links.map(a => a.pathname)")
    for path in menu:
        page.goto(f"{base}{path}")
    page.goto(f"{base}/complaints/{complaint.number}/")
    page.click("a[href^='/customers/']")
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    page.evaluate("window.notReloaded = true")
    page.locator("[hx-post*='/reveal/'] button").click()
    page.wait_for_selector("text=13800138000")
    assert page.evaluate("window.notReloaded")  # swapped in by HTMX, not a new page
    page.context.clear_cookies()
    for path in ("/public/", "/public/status/", "/login/"):
        page.goto(f"{base}{path}")
    assert len(menu) >= 6
    assert page_problems == []
