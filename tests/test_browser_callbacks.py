"""The callback in a real Chromium (R8.1): the agent finds the callback in their queue with its
due time, opens the complaint, sees the script from the approved wording beside a form with no
result chosen, records a failed call with one button (in place), and then the customer's answer
with the overall score and the reasons; on a phone the form does not scroll sideways.

Kept in its own module: see `tests.browser.chromium_browser` on Playwright's event loop.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.browser import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_records_a_failed_call_then_the_customers_answer(
    browser_page: Any, live_server: Any, page_problems: list[str], chromium_browser: Any
) -> None:
    from tests.factories import ComplaintBuilder
    from tousu.accounts.services import user_create
    from tousu.callbacks.models import CallbackTask
    from tousu.setup.services import reference_data_load

    reference_data_load()
    handler = user_create(
        username="handler", role="handler", password=PASSWORD, department="billing"
    )
    user_create(username="agent", role="agent", password=PASSWORD, department="customer_service")
    complaint = ComplaintBuilder(lambda: handler)("closed", customer_name="唐小明")
    page, base = browser_page, live_server.url

    log_in(page, base, "agent")
    row = page.locator(".work-table tr", has_text=complaint.number)
    assert "待回访" in row.inner_text()
    row.locator(f"a[href$='/complaints/{complaint.number}/']").click()
    form = page.locator("details.action-callback")
    if form.get_attribute("open") is None:
        form.locator("summary").click()
    assert "回访话术" in form.inner_text()
    assert "唐*" in form.locator(".callback-script").inner_text()  # masked for an agent
    assert form.locator("input[name=result]:checked").count() == 0

    # A failed call: one button, recorded in place, the next try in another part of the day.
    form.locator("button[name=attempt][value=no_answer]").click()
    page.wait_for_selector("text=已记录本次呼叫")
    task = CallbackTask.objects.get(complaint=complaint)
    assert (task.status, task.attempt_count) == ("pending", 1)
    form = page.locator("details.action-callback")
    if form.get_attribute("open") is None:
        form.locator("summary").click()
    assert "已呼叫 1 次" in form.inner_text()

    # The customer answers the next call: dissatisfied, with a reason.
    form.locator("input[name=result][value=dissatisfied]").check()
    form.locator("select[name=overall]").select_option("2")
    form.locator("input[name=reasons][value=remedy]").check()
    form.locator("input[name=action][value=repair]").check()
    if os.environ.get("TOUSU_SCREENSHOTS"):
        page.screenshot(
            path=os.path.join(os.environ["TOUSU_SCREENSHOTS"], "callback-1366.png"), caret="initial"
        )
    form.locator("button.btn-primary").click()
    page.wait_for_selector("text=回访已记录")
    task.refresh_from_db()
    assert (task.result, task.overall, task.reasons) == ("dissatisfied", 2, ["remedy"])

    phone = chromium_browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844}
    )
    try:
        other = ComplaintBuilder(lambda: handler)("closed", customer_phone="13800138111")
        small = phone.new_page()
        log_in(small, base, "agent")
        small.goto(f"{base}/complaints/{other.number}/")
        callback = small.locator("details.action-callback")
        if callback.get_attribute("open") is None:
            callback.locator("summary").click()
        assert small.evaluate("document.documentElement.scrollWidth") <= 390
        assert callback.locator("button[name=attempt][value=busy]").is_visible()
        if os.environ.get("TOUSU_SCREENSHOTS"):
            small.screenshot(
                path=os.path.join(os.environ["TOUSU_SCREENSHOTS"], "callback-390.png"),
                full_page=True,
            )
    finally:
        phone.close()
    assert page_problems == []
