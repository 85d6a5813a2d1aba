"""The dashboard's satisfaction drivers (R8.3) in a real Chromium: ECharts draws the
importance × performance chart with its Chinese quadrant labels, the source switch works, and
the section fits a laptop's width and a phone's (no sideways scrolling), within the
Content-Security-Policy.

Kept in its own module: see `tests.browser.chromium_browser` on Playwright's event loop.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest

from tests.browser import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_drivers_chart_on_a_laptop_and_a_phone(
    browser_page: Any, live_server: Any, page_problems: list[str], tmp_path: Any
) -> None:
    from tousu.accounts.services import user_create
    from tousu.analytics.tests.conftest import satisfaction_plant
    from tousu.core import clock
    from tousu.setup.services import reference_data_load

    reference_data_load()
    user_create(username="analyst", role="analyst", password=PASSWORD, department="billing")
    satisfaction_plant(first=clock.local_today() - dt.timedelta(days=29))
    page, base = browser_page, live_server.url
    log_in(page, base, "analyst", lands="/dashboard/")
    page.goto(f"{base}/dashboard/")
    chart = page.locator("[data-chart='drivers'][data-rendered='true'] canvas")
    chart.wait_for()
    section = page.locator("[data-section='drivers']")
    assert "关键感知要素" in section.inner_text()
    assert section.locator("tr[data-factor]").count() == 4
    assert section.locator("tr[data-factor]").first.get_attribute("data-factor") == "timeliness"
    box = section.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 1366
    folder = os.environ.get("TOUSU_SCREENSHOTS")
    if folder:
        section.screenshot(path=f"{folder}/drivers-1366.png")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.locator("[data-chart='drivers'][data-rendered='true'] canvas").wait_for()
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390
    if folder:
        page.locator("[data-section='drivers']").screenshot(path=f"{folder}/drivers-390.png")

    page.click("[data-source='survey']")
    page.wait_for_selector("[data-drivers-refused='no_data']")
    assert page_problems == []
