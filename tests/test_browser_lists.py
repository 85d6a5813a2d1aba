"""Lists for a busy desk in a real Chromium (issue 13, Done when: "bulk transfer of three
complaints reports each result"): a supervisor ticks three complaints in the list, transfers
them to another department with a reason, and reads what became of each, one refused with the
reason; the keyboard moves through the rows (j/k), jumps to the search field (/), lists its
shortcuts on "?", ignores them while typing, accepts (a) and opens the resolve form (r).

Kept in its own module: see `tests.browser.chromium_browser` on Playwright's event loop.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import PASSWORD, log_in, problems_watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def build() -> Any:
    """The billing desk of both tests: reference data, a handler and the supervisor "zhang";
    returns the builder of the handler's complaints."""
    from tests.factories import ComplaintBuilder
    from tousu.accounts.services import user_create
    from tousu.setup.services import reference_data_load

    reference_data_load()
    handler = user_create(
        username="handler", role="handler", password=PASSWORD, department="billing"
    )
    user_create(username="zhang", role="supervisor", password=PASSWORD, department="billing")
    return ComplaintBuilder(lambda: handler)


def test_bulk_transfer_of_three_reports_each_result_and_the_keyboard_works(
    browser_page: Any, live_server: Any, page_problems: list[str], build: Any
) -> None:
    from tousu.accounts.models import Department
    from tousu.complaints.models import Complaint

    moving = [build("dispatched", customer_phone=f"1370000000{i}") for i in range(2)]
    closed = build("closed", customer_phone="13700000009")
    network = Department.objects.get(code="network")
    page, base = browser_page, live_server.url

    log_in(page, base, "zhang")
    page.goto(f"{base}/complaints/")

    # "?" lists the shortcuts; Escape hides them.
    help_box = page.locator("#shortcuts")
    assert not help_box.is_visible()
    page.keyboard.press("?")
    assert help_box.is_visible()
    assert "j" in help_box.inner_text()
    page.keyboard.press("Escape")
    assert not help_box.is_visible()

    # j/k move through the rows; "/" goes to the search field, where j is a letter typed.
    rows = page.locator("tr[data-row]")
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert "kb-current" in (rows.nth(1).get_attribute("class") or "")
    page.keyboard.press("k")
    assert "kb-current" in (rows.nth(0).get_attribute("class") or "")
    page.keyboard.press("/")
    page.keyboard.type("jk")
    assert page.locator("input[type=search]").input_value() == "jk"
    assert "kb-current" in (rows.nth(0).get_attribute("class") or "")

    # Bulk transfer of three: two move, the closed one is refused with the reason.
    for complaint in [*moving, closed]:
        page.check(f"input[name=numbers][value='{complaint.number}']")
    bulk = page.locator("form#bulk")
    bulk.locator("select[name=action]").select_option("transfer")
    bulk.locator("select[name=department]").select_option(str(network.pk))
    bulk.locator("input[name=reason]").fill("属于网络故障，转网络部处理")
    bulk.locator("button[type=submit]").click()
    page.wait_for_selector("table.bulk-results")
    results = page.locator("table.bulk-results tbody tr")
    assert results.count() == 3
    for complaint in moving:
        assert page.locator("tr.bulk-done", has_text=complaint.number).count() == 1
    refused = page.locator("tr.bulk-refused", has_text=closed.number)
    assert refused.count() == 1
    assert refused.locator("td").nth(2).inner_text().strip()  # the reason is given
    for complaint in moving:
        assert Complaint.objects.get(pk=complaint.pk).department_id == network.pk
    assert Complaint.objects.get(pk=closed.pk).department_id != network.pk

    # On a complaint: "a" accepts it, then "r" opens the resolve form with its first field.
    waiting = build("dispatched", customer_phone="13700000008", handler=None)
    log_in(page, base, "handler")
    page.goto(f"{base}/complaints/{waiting.number}/")
    page.keyboard.press("a")
    page.wait_for_selector(".ws-head .status-in_progress")
    page.keyboard.press("r")
    assert page.locator("details.action-resolve").get_attribute("open") is not None
    assert page.evaluate("document.activeElement.closest('details.action-resolve') !== null")
    assert page_problems == []


def test_on_a_phone_the_list_opens_on_its_rows_and_the_filters_unfold(
    chromium_browser: Any, browser_page: Any, live_server: Any, build: Any
) -> None:
    first, second = (build("dispatched", customer_phone=f"1370000001{i}") for i in range(2))
    base = live_server.url

    # At 1366×768 the filters are there without a click.
    log_in(browser_page, base, "zhang")
    browser_page.goto(f"{base}/complaints/")
    assert browser_page.locator("input[name=q]").is_visible()
    assert not browser_page.get_by_text("筛选与搜索").is_visible()
    assert browser_page.locator(".save-view input[name=name]").is_visible()
    assert not browser_page.get_by_text("视图、导出与批量操作").is_visible()

    phone = chromium_browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 375, "height": 812}
    )
    try:
        page = phone.new_page()
        problems = problems_watch(page)
        log_in(page, base, "zhang")
        page.goto(f"{base}/complaints/")
        # The rows come first: the filters, the saved views, the export and the bulk actions
        # are folded (their two buttons on one line) and the rows start in the first half of
        # the first screen.
        assert not page.locator("input[name=q]").is_visible()
        assert not page.locator(".save-view input[name=name]").is_visible()
        filters, tools = (
            page.get_by_text(name).bounding_box() for name in ("筛选与搜索", "视图、导出与批量操作")
        )
        assert filters is not None
        assert tools is not None
        assert tools["y"] == filters["y"]
        row = page.locator("tr[data-row]").first.bounding_box()
        assert row is not None
        assert row["y"] + row["height"] <= 812 / 2
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        # Each row reads as a card, its summary and department in view without a swipe.
        for cell in ("td.summary", "td.summary + td"):
            box = page.locator(f"tr[data-row] {cell}").first.bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= 375
            assert box["y"] + box["height"] <= 812 / 2
        page.get_by_text("视图、导出与批量操作").click()
        assert page.locator(".save-view input[name=name]").is_visible()
        # One tap unfolds them; filtered, the list keeps them open over its answer.
        page.get_by_text("筛选与搜索").click()
        page.fill("input[name=customer_phone]", "13700000011")
        page.press("input[name=customer_phone]", "Enter")
        page.wait_for_url("**customer_phone=13700000011**")
        assert page.locator(".filters input[name=customer_phone]").is_visible()
        numbers = page.locator("tr[data-row] td.number").all_inner_texts()
        assert [n.strip() for n in numbers] == [second.number]
        assert first.number not in page.inner_text("main")
        assert problems == []
    finally:
        phone.close()


def test_on_a_phone_the_triage_queue_classifies_without_a_sideways_swipe(
    chromium_browser: Any, live_server: Any, build: Any
) -> None:
    """The triage queue at 375 px: each complaint a card, its category picker and button in
    view (the page was 1,400 px wide: a visually hidden label escaped the table's scroll)."""
    from tousu.accounts.services import user_create
    from tousu.complaints.models import Complaint

    unsure = build("dispatched", category=None, content="这个月的费用不太对，请帮我查一下")
    user_create(username="agent", role="agent", password=PASSWORD, department="customer_service")
    phone = chromium_browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 375, "height": 812}
    )
    try:
        page = phone.new_page()
        problems = problems_watch(page)
        log_in(page, live_server.url, "agent")
        page.goto(f"{live_server.url}/triage/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        for control in ("select[name=category]", "form.action-inline button"):
            box = page.locator(control).first.bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= 375
        page.select_option("select[name=category]", value="billing.unexplained_charge")
        page.click("form.action-inline button")
        page.wait_for_load_state()
        assert Complaint.objects.get(pk=unsure.pk).category.code == "billing.unexplained_charge"
        assert problems == []
    finally:
        phone.close()
