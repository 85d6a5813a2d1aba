"""Proactive care in a real Chromium (issue 15 item 3): a known outage's care list puts a
customer with earlier complaints in the network department's work queue; its handler, on a
phone (375 wide), opens the list from the queue and records the call — the form fits the
screen's width, and the item leaves the queue.

Kept in its own module: see `tests.browser.chromium_browser` on Playwright's event loop.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.browser import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owning_department_calls_a_customer_before_they_complain(
    browser_page: Any, live_server: Any, page_problems: list[str]
) -> None:
    from conftest import complaint_register_billing
    from tousu.accounts.models import Department, Region
    from tousu.accounts.services import user_create
    from tousu.core import clock
    from tousu.early_warning.models import CareItem, Fault
    from tousu.early_warning.services import care_list_build
    from tousu.setup.services import reference_data_load

    reference_data_load()
    zhang = user_create(username="zhang", role="handler", password=PASSWORD, department="network")
    now = clock.now()
    complaint_register_billing(
        customer_phone="13900000001",
        region="suzhou",
        content="宽带经常掉线，再不解决我就去工信部投诉",
        category="network.broadband_outage",
        received_at=now - dt.timedelta(days=20),
    )
    fault = Fault.objects.create(
        kind="network",
        key="browser",
        title="园区光缆中断",
        region=Region.objects.get(code="suzhou"),
        started_at=now - dt.timedelta(hours=1),
        department=Department.objects.get(code="network"),
        imported_at=now,
    )
    care_list_build(fault=fault)
    item = CareItem.objects.get()
    page, base = browser_page, live_server.url
    page.set_viewport_size({"width": 375, "height": 812})

    log_in(page, base, "zhang")
    row = page.locator(f"tr[data-care='{item.pk}']")
    assert "主动关怀" in row.inner_text()
    row.locator("a").first.click()
    page.wait_for_selector(f"#care-{item.pk}")
    card = page.locator(f"#care-{item.pk}")
    assert "提到向工信部申诉" in card.inner_text()
    form = card.locator("form.care-form")
    box = form.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 375
    form.locator("select[name=outcome]").select_option("contacted")
    form.locator("input[name=note]").fill("已致电告知故障原因及预计恢复时间，客户表示理解")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(f"#care-{item.pk} .badge.care-contacted")
    item.refresh_from_db()
    assert (item.status, item.handled_by) == ("contacted", zhang)

    page.goto(f"{base}/")
    assert page.locator(f"tr[data-care='{item.pk}']").count() == 0
    assert page_problems == []
