"""Dissatisfied-customer repair in a real Chromium (issue 14, Done when): the callback agent
records a dissatisfied callback on the complaint page; the customer is then in a repair case in
the billing handler's queue, who opens it, does the first step of the plan and closes it with
the customer's new satisfaction, at 1366×768 with the close button on the first screen.

Kept in its own module: see `tests.browser.chromium_browser` on Playwright's event loop.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import PASSWORD, inside, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _choose(form: Any, name: str, value: str) -> None:
    """Pick a value in a select or a radio group, whichever the form shows."""
    field = form.locator(f"[name={name}]").first
    if field.evaluate("e => e.tagName") == "SELECT":
        field.select_option(value)
    else:
        form.locator(f"[name={name}][value='{value}']").check()


def test_a_dissatisfied_callback_puts_the_customer_in_the_owners_queue(
    browser_page: Any, live_server: Any, page_problems: list[str], chromium_browser: Any
) -> None:
    from conftest import complaint_drive
    from tousu.accounts.services import user_create
    from tousu.repair.models import RepairCase
    from tousu.setup.services import reference_data_load

    reference_data_load()
    user_create(username="wang", role="agent", password=PASSWORD, department="customer_service")
    chen = user_create(username="chen", role="handler", password=PASSWORD, department="billing")
    complaint = complaint_drive("closed", chen)
    page, base = browser_page, live_server.url

    log_in(page, base, "wang")
    page.goto(f"{base}/complaints/{complaint.number}/")
    form = page.locator("form[action$='/callback/']")
    _choose(form, "result", "dissatisfied")
    _choose(form, "overall", "2")
    form.locator("input[name=reasons][value=tariff]").check()  # 资费或收费不合理
    _choose(form, "action", "repair")
    form.locator("button.btn-primary").click()
    # Saved in place; the workspace comes back with the customer's repair case on it.
    page.wait_for_selector("[data-panel=repair-cases]")
    case = RepairCase.objects.get(customer=complaint.customer)
    assert (case.type, case.department.code, case.status) == ("tariff", "billing", "open")

    log_in(page, base, "chen")
    row = page.locator(f"tr[data-repair='{case.pk}']")
    assert "待修复" in row.inner_text()
    row.locator(f"a[href='/repair/{case.pk}/']").click()
    page.wait_for_selector(".repair-plan")
    assert "核查账单与计费" in page.locator(".repair-plan").inner_text()
    close = page.locator("form.repair-close")
    assert inside(close.locator("button[type=submit]").bounding_box(), 1366, 768)

    step = page.locator("li[data-step='contact'] form")
    step.locator("input[name=note]").fill("已致电客户致歉并说明")
    step.locator("button[type=submit]").click()
    page.wait_for_selector("li[data-step='contact'].done")

    close = page.locator("form.repair-close")
    close.locator("input[name=satisfaction_after][value='4']").check()
    close.locator("textarea[name=outcome]").fill("已核实账单并退还多收的费用")
    close.locator("button[type=submit]").click()
    page.wait_for_selector(".badge.repair-closed")
    case.refresh_from_db()
    assert (case.status, case.satisfaction_after, case.owner) == ("closed", 4, chen)
    assert page_problems == []
