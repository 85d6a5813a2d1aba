"""Quality inspection in a real Chromium (issue 16, Done when): an inspector opens a sampled
task from the work queue and scores it on one screen at 1366×768; the handler then finds the
score in their queue, sees it and appeals within the deadline.

Kept in its own module: see `tests.browser.chromium_browser` on Playwright's event loop.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import PASSWORD, inside, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_inspector_scores_from_the_queue_and_the_handler_appeals(
    browser_page: Any, live_server: Any, page_problems: list[str], chromium_browser: Any
) -> None:
    from conftest import complaint_drive
    from tousu.accounts.services import user_create
    from tousu.quality.models import Inspection, InspectionAppeal
    from tousu.quality.services import inspection_create
    from tousu.setup.services import reference_data_load

    reference_data_load()
    gao = user_create(
        username="gao", role="quality", password=PASSWORD, department="complaint_office"
    )
    chen = user_create(username="chen", role="handler", password=PASSWORD, department="billing")
    complaint = complaint_drive("closed", chen)
    task = inspection_create(actor=gao, complaint=complaint, inspector=gao)
    page, base = browser_page, live_server.url

    log_in(page, base, "gao")
    row = page.locator(f"tr[data-inspection='{task.pk}']")
    assert "质检" in row.inner_text()
    row.locator(f"a[href='/quality/inspections/{task.pk}/']").click()
    page.wait_for_selector("form.score-form")
    save = page.locator("form.score-form button[type=submit]")
    assert inside(save.bounding_box(), 1366, 768)
    assert complaint.number in page.locator(".inspection-facts").inner_text()
    for code in ("timeliness", "attitude", "standard", "records", "wording"):
        page.locator(f"tr[data-item={code}] label.point:has(input[value='5'])").click()
    page.locator("tr[data-item=explanation] label.point:has(input[value='3'])").click()
    page.locator("tr[data-item=explanation] input[type=text]").fill("未说明多扣费用的原因")
    save.click()
    page.wait_for_selector(".score-total")
    assert page.locator(".score-total").inner_text() == "92.0"
    task.refresh_from_db()
    assert (task.status, str(task.total), task.inspector) == ("scored", "92.0", gao)

    log_in(page, base, "chen")
    row = page.locator(f"tr[data-inspection='{task.pk}']")
    assert "92.0" in row.inner_text()
    row.locator(f"a[href='/quality/inspections/{task.pk}/']").click()
    page.wait_for_selector("[data-panel=inspection-result]")
    assert "未说明多扣费用的原因" in page.locator("[data-panel=inspection-result]").inner_text()
    form = page.locator("form.appeal-form")
    form.locator("textarea[name=reason]").fill("答复中已说明系计费系统错误，见答复原文")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-panel=appeal] .badge.appeal-pending")
    appeal = InspectionAppeal.objects.get(inspection=task)
    assert (appeal.by, appeal.status) == (chen, "pending")
    assert Inspection.objects.get(pk=task.pk).total is not None
    assert page_problems == []
