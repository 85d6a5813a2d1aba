"""The complaint lifecycle as people live it, in a real Chromium (Debian's), through the UI:
an agent registers a complaint on the phone, the billing handler finds it in the queue,
accepts it, resolves it with a refund within their authority, and closes it. On the way, the
pages' scripts (static files under the Content-Security-Policy) count characters, look the
customer up and insert a reply template, and no page breaks the policy.

Kept in its own module: see `tests.browser.chromium_browser` on Playwright's event loop.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from conftest import reply_release
from tests.browser import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def act(page: Any, action: str) -> Any:
    """The form of a complaint-page action, opened when it sits in a collapsed section."""
    form = page.locator(f"form[action$='/{action}/']")
    summary = page.locator(f"details:has(form[action$='/{action}/']) > summary")
    if summary.count() and not form.is_visible():
        summary.click()
    return form


def test_agent_registers_and_handler_resolves_and_closes(
    browser_page: Any, live_server: Any, page_problems: list[str]
) -> None:
    from tousu.accounts.services import user_create
    from tousu.complaints.models import Complaint
    from tousu.knowledge.models import ReplyTemplate
    from tousu.setup.services import reference_data_load

    reference_data_load()
    ReplyTemplate.objects.create(name="致歉", body="给您带来不便深表歉意。")
    user_create(username="agent", role="agent", password=PASSWORD, department="customer_service")
    user_create(username="handler", role="handler", password=PASSWORD, department="billing")
    page, base = browser_page, live_server.url

    # The agent registers the call; the phone lookup runs as they type.
    log_in(page, base, "agent")
    page.goto(f"{base}/register/")
    page.select_option("#id_channel", "hotline")
    page.locator("#id_customer_phone").press_sequentially("13800138000")
    # HTMX asks the server about the number (with evaluated code off) and shows the answer.
    page.wait_for_selector("#customer-lookup p")
    page.fill("#id_customer_name", "张三")
    content = "上个月话费无故多扣了58元，我从来没订过这个业务，客服也查不到原因。"
    page.fill("#id_content", content)
    assert page.locator("[data-count-for='id_content']").inner_text() == str(len(content))
    page.fill("#id_demand", "退还多扣的58元")
    page.click("form.register-form button[type=submit]")
    page.wait_for_url(re.compile(r"/complaints/TS\d{12,}/$"))
    number = re.search(r"TS\d{12,}", page.url)
    assert number is not None
    number = number.group(0)
    assert page.locator("body").inner_text().count(number) >= 1

    # The billing handler sees it in the queue (automatic classification routed it there).
    log_in(page, base, "handler")
    page.click(f"a:has-text('{number}')")
    page.wait_for_url(f"{base}/complaints/{number}/")

    act(page, "accept").locator("button[type=submit]").click()
    # Saved in place (HTMX): the workspace comes back with the new status.
    page.wait_for_selector(".ws-head .status-in_progress")
    assert "处理中" in page.locator("body").inner_text()

    form = act(page, "resolve")
    form.locator("[data-reply-aids] button", has_text="致歉").click()
    assert "给您带来不便深表歉意" in form.locator("textarea[name=reply]").input_value()
    form.locator("select[name=finding]").select_option("true")
    form.locator("select[name=cause]").select_option("process_error")
    form.locator("select[name=responsible_department]").select_option(label="计费中心")
    form.locator("select[name=remedy_1_type]").select_option("refund")
    form.locator("input[name=remedy_1_amount]").fill("58")
    form.locator("textarea[name=reply]").fill(
        "经核实为系统误订业务，已退还58元，给您带来不便深表歉意。"
    )
    form.locator("button[type=submit]").click()
    # Saved in place (HTMX): the workspace comes back with the new status.
    page.wait_for_selector(".ws-head .status-resolved")
    assert "已解决" in page.locator("body").inner_text()

    # The reply leaves at once, as by day: at night its SMS waits for 08:00, and the close as
    # accepted with it (the page offers only "no" until then).
    reply_release(Complaint.objects.get(number=number))
    page.reload()
    form = act(page, "close")
    form.locator("input[name=customer_accepted][value='1']").check()
    form.locator("button[type=submit]").click()
    # Saved in place (HTMX): the workspace comes back with the new status.
    page.wait_for_selector(".ws-head .status-closed")
    assert "已结案" in page.locator("body").inner_text()

    complaint = Complaint.objects.get(number=number)
    assert complaint.status == "closed"
    assert complaint.department is not None
    assert complaint.department.code == "billing"
    assert [r.amount for r in complaint.remedies.all()] == [58]
    assert complaint.callbacks.filter(status="pending").count() == 1
    assert page_problems == []
