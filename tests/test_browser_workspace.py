"""The complaint workspace in a real Chromium (issue 12): at 1366×768 a handler finds the resolve
form on the first screen, adds a remedy row, sees the running total go over their authority with
the approver named, inserts a reply template filled with the customer's real name and the total
entered, and records the outcome in place; the supervisor finds the approval in their queue with
its deadline and approves; the handler is notified; the customer reads the reply, under their own
name and with the real total, on the public status page. On a phone the page does not scroll
sideways.

Kept in its own module: see `tests.browser.chromium_browser` on Playwright's event loop.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import PASSWORD, inside, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEMPLATE = "{greeting}\n已为您办理{remedies}，合计{amount}元。"


def test_handler_resolves_over_authority_and_the_supervisor_approves_from_their_queue(
    browser_page: Any, live_server: Any, page_problems: list[str], chromium_browser: Any
) -> None:
    from tests.factories import ComplaintBuilder
    from tousu.accounts.services import user_create
    from tousu.complaints.models import Complaint
    from tousu.knowledge import rules
    from tousu.knowledge.models import ReplyTemplate
    from tousu.setup.services import reference_data_load

    reference_data_load()
    ReplyTemplate.objects.create(name="退款答复", body=TEMPLATE)
    handler = user_create(
        username="handler", role="handler", password=PASSWORD, department="billing"
    )
    user_create(
        username="zhang",
        role="supervisor",
        password=PASSWORD,
        department="billing",
        display_name="张三",
    )
    complaint = ComplaintBuilder(lambda: handler)("in_progress", customer_name="唐小明")
    page, base = browser_page, live_server.url
    url = f"{base}/complaints/{complaint.number}/"

    log_in(page, base, "handler")
    page.goto(url)
    form = page.locator("form[action$='/resolve/']")
    # The whole resolve form, its button included, is on the first screen at 1366×768.
    assert inside(form.bounding_box(), 1366, 768)
    assert "唐小明" not in page.locator(".ws-facts").inner_text()  # staff see it masked

    form.locator("select[name=finding]").select_option("true")
    form.locator("select[name=cause]").select_option("process_error")
    form.locator("select[name=remedy_1_type]").select_option("refund")
    form.locator("input[name=remedy_1_amount]").fill("150")
    assert "在您的授权内" in form.locator("[data-authority]").inner_text()
    form.locator("[data-remedy-add]").click()
    form.locator("select[name=remedy_2_type]").select_option("bill_credit")
    form.locator("input[name=remedy_2_amount]").fill("100")
    form.locator("input[name=remedy_2_note]").fill("下月账单抵扣")
    authority = form.locator("[data-authority]").inner_text()
    assert "¥250.00" in authority
    assert "超出授权，将提交 张三 审批" in authority

    form.locator("[data-reply-aids] button", has_text="退款答复").click()
    reply = form.locator("textarea[name=reply]").input_value()
    facts = rules.ReplyFacts(
        number=complaint.number,
        customer="唐小明",
        category="",
        remedies="退款 150.00 元、话费抵扣 100.00 元（下月账单抵扣）",
        amount="250.00",
        received="",
        resolved="",
        today="",
    )
    assert reply == rules.reply_fill(TEMPLATE, facts)  # the page fills as the server would
    assert reply.startswith("尊敬的唐小明客户，您好：")

    # Recorded in place: no reload (the marker survives), the reader stays where they were.
    page.evaluate("window.__sameDocument = true; window.scrollTo(0, 120)")
    scrolled = page.evaluate("window.scrollY")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".ws-head .status-awaiting_approval")
    assert page.evaluate("window.__sameDocument") is True
    assert page.evaluate("window.scrollY") == scrolled
    assert page.url == url
    assert "审批" in page.locator(".ws-clocks").inner_text()

    saved = Complaint.objects.get(pk=complaint.pk)
    assert saved.status == "awaiting_approval"
    assert saved.reply == reply

    # The supervisor lands on their queue: the approval is there with its deadline, on the
    # first screen, and is decided from the complaint's page.
    log_in(page, base, "zhang")
    row = page.locator(".work-table tr", has_text=complaint.number)
    assert "待审批" in row.inner_text()
    assert "审批时限" in row.inner_text()
    assert inside(row.bounding_box(), 1366, 768)
    row.locator(f"a[href$='/complaints/{complaint.number}/']").click()
    approve = page.locator("form[action$='/approve/']")
    assert inside(approve.locator("button[value='1']").bounding_box(), 1366, 768)
    approve.locator("button[value='1']").click()
    page.wait_for_selector(".ws-head .status-resolved")

    # The handler hears of it, and the customer reads the reply on the public status page
    # under their own name, with the total that was granted.
    log_in(page, base, "handler")
    page.goto(f"{base}/notifications/")
    assert f"投诉单 {complaint.number}：250 元已由 张三 审批通过" in page.inner_text("main")
    page.context.clear_cookies()
    page.goto(f"{base}/public/status/")
    page.fill("input[name=number]", complaint.number)
    page.fill("input[name=phone]", "13800138000")
    page.press("input[name=phone]", "Enter")
    letter = page.locator(".prose").inner_text()
    assert "尊敬的唐小明客户" in letter
    assert "合计250.00元" in letter

    # On a phone the main content does not scroll sideways, and the actions are there.
    phone = chromium_browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 375, "height": 812}
    )
    try:
        small = phone.new_page()
        log_in(small, base, "handler")
        small.goto(url)
        assert small.evaluate("document.documentElement.scrollWidth") <= 375
        assert small.locator("#actions").is_visible()
    finally:
        phone.close()
    assert page_problems == []
